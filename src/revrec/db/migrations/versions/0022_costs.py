"""Costs of obtaining and fulfilling a contract: cost columns of staged transaction lines (type CST), the
setup section ``costs`` (``cost_setting``), cost lines (``rc_cost``) and their entries per period
(``rc_cost_schedule``).

Revision ID: 0022
Revises: 0021
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from revrec.db.stage_columns import COST_LINE_COLUMNS, sql_name
from revrec.db.tables import STAGE_TEXT_LENGTH
from revrec.db.types import Money, Rate

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    kinds: dict[str, Any] = {"C": sa.String(STAGE_TEXT_LENGTH), "N": Money()}
    with op.batch_alter_table("stage_line") as batch:
        for name, kind in COST_LINE_COLUMNS:
            batch.add_column(sa.Column(sql_name(name), kinds[kind], nullable=True))
    op.create_table(
        "cost_setting",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _fk("cost_setting", "client_id", "client"),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_cost_setting")),
    )
    op.create_table(
        "rc_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("cost_line_id", sa.String(300), nullable=False),
        sa.Column("line_id", sa.String(300), nullable=False),
        sa.Column("stage_row_id", sa.Integer(), nullable=False),
        sa.Column("cost_type", sa.String(100), nullable=False),
        sa.Column("cost_kind", sa.String(10), nullable=False),
        sa.Column("treatment", sa.String(20), nullable=False),
        sa.Column("capitalised_flag", sa.Boolean(), nullable=False),
        sa.Column("item_num", sa.String(300), nullable=True),
        sa.Column("incurred_date", sa.Date(), nullable=False),
        sa.Column("curr", sa.String(3), nullable=False),
        sa.Column("f_cur", sa.String(3), nullable=False),
        sa.Column("r_cur", sa.String(3), nullable=False),
        sa.Column("f_ex_rate", Rate(), nullable=False),
        sa.Column("g_ex_rate", Rate(), nullable=False),
        sa.Column("amount_t", sa.BigInteger(), nullable=False),
        sa.Column("amount_f", sa.BigInteger(), nullable=False),
        sa.Column("amount_r", sa.BigInteger(), nullable=False),
        sa.Column("asset_segments", sa.String(300), nullable=False),
        sa.Column("expense_segments", sa.String(300), nullable=False),
        sa.Column("payable_segments", sa.String(300), nullable=False),
        sa.Column("impairment_segments", sa.String(300), nullable=False),
        sa.Column("crtd_prd_id", sa.Integer(), nullable=False),
        sa.Column("crtd_by", sa.String(100), nullable=False),
        sa.Column("crtd_dt", TZ, nullable=False),
        _fk("rc_cost", "client_id", "client"),
        _fk("rc_cost", "book_id", "book"),
        _fk("rc_cost", "rc_id", "revenue_contract"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_cost")),
        sa.UniqueConstraint("client_id", "cost_line_id", name="uq_rc_cost_line"),
    )
    op.create_index("ix_rc_cost_rc", "rc_cost", ["rc_id"])
    op.create_table(
        "rc_cost_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("cost_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("entry_kind", sa.String(12), nullable=False),
        sa.Column("dr_type", sa.String(1), nullable=False),
        sa.Column("cr_type", sa.String(1), nullable=False),
        sa.Column("amount_t", sa.BigInteger(), nullable=False),
        sa.Column("amount_f", sa.BigInteger(), nullable=False),
        sa.Column("amount_r", sa.BigInteger(), nullable=False),
        sa.Column("crtd_prd_id", sa.Integer(), nullable=False),
        _fk("rc_cost_schedule", "client_id", "client"),
        _fk("rc_cost_schedule", "cost_id", "rc_cost"),
        _fk("rc_cost_schedule", "rc_id", "revenue_contract"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_cost_schedule")),
    )
    op.create_index("ix_rc_cost_schedule_cost", "rc_cost_schedule", ["cost_id", "period_key"])
    op.create_index("ix_rc_cost_schedule_client", "rc_cost_schedule", ["client_id", "period_key"])


def downgrade() -> None:
    op.drop_table("rc_cost_schedule")
    op.drop_table("rc_cost")
    op.drop_table("cost_setting")
    with op.batch_alter_table("stage_line") as batch:
        for name, _kind in reversed(COST_LINE_COLUMNS):
            batch.drop_column(sql_name(name))
