"""Variable consideration settled against actual billing: ``vc_settlement`` holds the settlement bills (an
INV or CM line whose settlement attribute names a VC type) per client, line, VC type and period, with their
amounts in T/F/R minor units and the staging line they came from (revrec.vc.settlement).
``journal_entry.origin`` is ``V`` on the rows the VC journal writes (its V/W/K entries and the billing
clearing legs of settlement bills), so that it replaces exactly its own unposted rows.

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vc_settlement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(300), nullable=False),
        sa.Column("vc_type", sa.String(100), nullable=False),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("inv_num", sa.String(300), nullable=True),
        sa.Column("inv_line_id", sa.String(300), nullable=True),
        sa.Column("inv_date", sa.Date(), nullable=True),
        sa.Column("curr", sa.String(3), nullable=False),
        sa.Column("f_cur", sa.String(3), nullable=False),
        sa.Column("r_cur", sa.String(3), nullable=False),
        sa.Column("amount_t", sa.BigInteger(), nullable=False),
        sa.Column("amount_f", sa.BigInteger(), nullable=False),
        sa.Column("amount_r", sa.BigInteger(), nullable=False),
        sa.Column("stage_row_id", sa.Integer(), nullable=False),
        sa.Column("crtd_by", sa.String(100), nullable=True),
        sa.Column("crtd_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rc_id"], ["revenue_contract.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    scope = ["client_id", "book_id", "org_id", "period_key"]
    op.create_index("ix_vc_settlement_scope", "vc_settlement", scope)
    op.create_index("ix_vc_settlement_line", "vc_settlement", ["client_id", "line_id"])
    op.create_index("ix_vc_settlement_rc", "vc_settlement", ["rc_id"])
    with op.batch_alter_table("journal_entry") as batch:
        batch.add_column(sa.Column("origin", sa.String(1), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journal_entry") as batch:
        batch.drop_column("origin")
    op.drop_table("vc_settlement")
