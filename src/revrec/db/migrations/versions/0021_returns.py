"""Rights of return: the setup section ``returns`` (``return_setting``) and the reserve positions per line
and period (``rc_return_reserve``).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

from revrec.db.types import Money, Rate

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _client_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["client_id"], ["client.id"], name=op.f(f"fk_{table}_client_id_client"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "return_setting",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _client_fk("return_setting"),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_return_setting")),
    )
    positions = [
        sa.Column(f"{k}_{c}", sa.BigInteger(), nullable=False) for k in ("n", "s", "o", "q") for c in "tfr"
    ]
    op.create_table(
        "rc_return_reserve",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=300), nullable=False),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("curr", sa.String(length=3), nullable=False),
        sa.Column("f_cur", sa.String(length=3), nullable=False),
        sa.Column("r_cur", sa.String(length=3), nullable=False),
        sa.Column("return_pct", Rate(), nullable=True),
        sa.Column("expected_amount", Money(), nullable=True),
        sa.Column("cost_pct", Rate(), nullable=False),
        sa.Column("recovery_pct", Rate(), nullable=False),
        sa.Column("gross_t", sa.BigInteger(), nullable=False),
        sa.Column("returned_t", sa.BigInteger(), nullable=False),
        sa.Column("expected_t", sa.BigInteger(), nullable=False),
        *positions,
        sa.Column("r_seg", sa.String(length=300), nullable=False),
        sa.Column("n_seg", sa.String(length=300), nullable=False),
        sa.Column("s_seg", sa.String(length=300), nullable=False),
        sa.Column("o_seg", sa.String(length=300), nullable=False),
        sa.Column("q_seg", sa.String(length=300), nullable=False),
        sa.Column("crtd_dt", sa.DateTime(timezone=True), nullable=False),
        _client_fk("rc_return_reserve"),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_return_reserve_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_return_reserve")),
        sa.UniqueConstraint("client_id", "line_id", "period_key", name="uq_rc_return_reserve_line_period"),
    )
    op.create_index("ix_rc_return_reserve_rc", "rc_return_reserve", ["rc_id", "period_key"])


def downgrade() -> None:
    op.drop_index("ix_rc_return_reserve_rc", table_name="rc_return_reserve")
    op.drop_table("rc_return_reserve")
    op.drop_table("return_setting")
