"""API fidelity: audit columns of contract rows, approvals (BI3_APPR_DTL), a client's default templates.

- ``crtd_by`` / ``crtd_dt`` on ``rc_line``, ``rc_bill``, ``rc_schedule`` (the user whose job wrote the row,
  and when) and ``crtd_by`` on ``revenue_contract``; rows written before this migration keep them empty.
- ``rc_approval``: approval steps of revenue contracts, read by BI3_APPR_DTL.
- ``client_default``: the default upload template and RC grouping template of a client.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

AUDITED = ("rc_line", "rc_bill", "rc_schedule")


def _client_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["client_id"], ["client.id"], name=op.f(f"fk_{table}_client_id_client"), ondelete="CASCADE"
    )


def upgrade() -> None:
    for table in AUDITED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("crtd_by", sa.String(100), nullable=True))
            batch.add_column(sa.Column("crtd_dt", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("revenue_contract") as batch:
        batch.add_column(sa.Column("crtd_by", sa.String(100), nullable=True))
    op.create_table(
        "rc_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("obj_type", sa.String(30), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("rule_name", sa.String(200), nullable=True),
        sa.Column("rule_desc", sa.String(500), nullable=True),
        sa.Column("approval_type", sa.String(30), nullable=True),
        sa.Column("approver_sequence", sa.Integer(), nullable=True),
        sa.Column("approver_user", sa.String(100), nullable=True),
        sa.Column("approver_name", sa.String(200), nullable=True),
        sa.Column("approved_by_user", sa.String(100), nullable=True),
        sa.Column("approved_by_name", sa.String(200), nullable=True),
        sa.Column("approver_comments", sa.String(2000), nullable=True),
        sa.Column("pending_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _client_fk("rc_approval"),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_approval_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["book_id"], ["book.id"], name=op.f("fk_rc_approval_book_id_book"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_approval")),
    )
    op.create_index("ix_rc_approval_client", "rc_approval", ["client_id", "updated_at"], unique=False)
    op.create_index("ix_rc_approval_rc", "rc_approval", ["rc_id"], unique=False)
    op.create_table(
        "client_default",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("upload_template", sa.String(200), nullable=True),
        sa.Column("rc_template", sa.String(200), nullable=True),
        _client_fk("client_default"),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_default")),
    )


def downgrade() -> None:
    op.drop_table("client_default")
    op.drop_index("ix_rc_approval_rc", table_name="rc_approval")
    op.drop_index("ix_rc_approval_client", table_name="rc_approval")
    op.drop_table("rc_approval")
    with op.batch_alter_table("revenue_contract") as batch:
        batch.drop_column("crtd_by")
    for table in AUDITED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("crtd_dt")
            batch.drop_column("crtd_by")
