"""Accounting and jobs: periods, accounting settings, revenue contracts, lines, POBs, bills, compact
schedules and journal entries.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from revrec.db.types import Money, Rate

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounting_setting",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_accounting_setting_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_accounting_setting")),
    )
    op.create_table(
        "accounting_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["book_id"], ["book.id"], name=op.f("fk_accounting_period_book_id_book"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_accounting_period_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_period")),
        sa.UniqueConstraint("client_id", "book_id", "org_id", "period_key", name="uq_accounting_period_key"),
    )
    op.create_table(
        "revenue_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("rc_key", sa.String(length=300), nullable=False),
        sa.Column("template", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("transaction_price", Money(), nullable=False),
        sa.Column("alloc_method", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("crtd_prd_id", sa.Integer(), nullable=False),
        sa.Column("updt_prd_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["book_id"], ["book.id"], name=op.f("fk_revenue_contract_book_id_book"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_revenue_contract_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_contract")),
        sa.UniqueConstraint("client_id", "book_id", "rc_key", name="uq_revenue_contract_key"),
    )
    op.create_table(
        "journal_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("acctg_type", sa.String(length=1), nullable=False),
        sa.Column("acctg_seg", sa.String(length=300), nullable=False),
        sa.Column("curr", sa.String(length=3), nullable=False),
        sa.Column("f_cur", sa.String(length=3), nullable=False),
        sa.Column("r_cur", sa.String(length=3), nullable=False),
        sa.Column("dr_t", sa.BigInteger(), nullable=False),
        sa.Column("cr_t", sa.BigInteger(), nullable=False),
        sa.Column("dr_f", sa.BigInteger(), nullable=False),
        sa.Column("cr_f", sa.BigInteger(), nullable=False),
        sa.Column("dr_r", sa.BigInteger(), nullable=False),
        sa.Column("cr_r", sa.BigInteger(), nullable=False),
        sa.Column("posted_flag", sa.Boolean(), nullable=False),
        sa.Column("post_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["book_id"], ["book.id"], name=op.f("fk_journal_entry_book_id_book"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_journal_entry_client_id_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_journal_entry_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entry")),
    )
    op.create_index(
        "ix_journal_entry_period",
        "journal_entry",
        ["client_id", "book_id", "org_id", "period_key"],
        unique=False,
    )
    op.create_index("ix_journal_entry_rc", "journal_entry", ["rc_id"], unique=False)
    op.create_table(
        "rc_bill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=300), nullable=False),
        sa.Column("stage_row_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("inv_num", sa.String(length=300), nullable=True),
        sa.Column("inv_line_id", sa.String(length=300), nullable=True),
        sa.Column("inv_date", sa.Date(), nullable=True),
        sa.Column("credit_rule", sa.String(length=1), nullable=True),
        sa.Column("ext_sll_prc", Money(), nullable=False),
        sa.Column("curr", sa.String(length=3), nullable=False),
        sa.Column("f_cur", sa.String(length=3), nullable=False),
        sa.Column("r_cur", sa.String(length=3), nullable=False),
        sa.Column("amount_t", sa.BigInteger(), nullable=False),
        sa.Column("amount_f", sa.BigInteger(), nullable=False),
        sa.Column("amount_r", sa.BigInteger(), nullable=False),
        sa.Column("prd_id", sa.Integer(), nullable=False),
        sa.Column("crtd_prd_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rc_bill_client_id_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_bill_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_bill")),
    )
    op.create_index("ix_rc_bill_rc", "rc_bill", ["rc_id", "line_id"], unique=False)
    op.create_table(
        "rc_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current_flag", sa.Boolean(), nullable=False),
        sa.Column("stage_row_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("so_num", sa.String(length=300), nullable=True),
        sa.Column("item_num", sa.String(length=300), nullable=True),
        sa.Column("pob_key", sa.String(length=500), nullable=True),
        sa.Column("so_date", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("ord_qty", Money(), nullable=True),
        sa.Column("ext_lst_prc", Money(), nullable=True),
        sa.Column("ext_sll_prc", Money(), nullable=True),
        sa.Column("ssp", Money(), nullable=True),
        sa.Column("allocatable", Money(), nullable=False),
        sa.Column("allocated", Money(), nullable=False),
        sa.Column("carve", Money(), nullable=False),
        sa.Column("curr", sa.String(length=3), nullable=False),
        sa.Column("f_cur", sa.String(length=3), nullable=False),
        sa.Column("f_ex_rate", Rate(), nullable=False),
        sa.Column("g_ex_rate", Rate(), nullable=False),
        sa.Column("def_segments", sa.String(length=300), nullable=True),
        sa.Column("rev_segments", sa.String(length=300), nullable=True),
        sa.Column("al_account", sa.String(length=300), nullable=True),
        sa.Column("ar_account", sa.String(length=300), nullable=True),
        sa.Column("ca_account", sa.String(length=300), nullable=True),
        sa.Column("unbill_flag", sa.String(length=1), nullable=True),
        sa.Column("return_flag", sa.String(length=1), nullable=True),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("crtd_prd_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rc_line_client_id_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_line_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_line")),
    )
    op.create_index(
        "ix_rc_line_client_line", "rc_line", ["client_id", "line_id", "current_flag"], unique=False
    )
    op.create_index("ix_rc_line_rc", "rc_line", ["rc_id"], unique=False)
    op.create_table(
        "rc_pob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("pob_key", sa.String(length=500), nullable=False),
        sa.Column("template", sa.String(length=200), nullable=False),
        sa.Column("lead_line_id", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rc_pob_client_id_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_pob_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_pob")),
    )
    op.create_index("ix_rc_pob_rc", "rc_pob", ["rc_id"], unique=False)
    op.create_table(
        "rc_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current_flag", sa.Boolean(), nullable=False),
        sa.Column("first_period", sa.Integer(), nullable=False),
        sa.Column("first_index", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("curr", sa.String(length=3), nullable=False),
        sa.Column("f_cur", sa.String(length=3), nullable=False),
        sa.Column("r_cur", sa.String(length=3), nullable=False),
        sa.Column("rev_t", sa.Text(), nullable=False),
        sa.Column("rev_f", sa.Text(), nullable=True),
        sa.Column("rev_r", sa.Text(), nullable=True),
        sa.Column("cv_t", sa.Text(), nullable=True),
        sa.Column("cv_f", sa.Text(), nullable=True),
        sa.Column("cv_r", sa.Text(), nullable=True),
        sa.Column("crtd_prd_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rc_schedule_client_id_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_schedule_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_schedule")),
    )
    op.create_index("ix_rc_schedule_client", "rc_schedule", ["client_id", "current_flag"], unique=False)
    op.create_index("ix_rc_schedule_rc", "rc_schedule", ["rc_id", "current_flag"], unique=False)
    op.create_index("ix_stage_line_client_so_line", "stage_line", ["client_id", "so_line_id"], unique=False)
    op.create_index(
        "ix_stage_line_client_orig_so_line", "stage_line", ["client_id", "orig_so_line_id"], unique=False
    )
    op.create_index(
        "ix_stage_line_client_flag_id", "stage_line", ["client_id", "processed_flag", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_stage_line_client_flag_id", table_name="stage_line")
    op.drop_index("ix_stage_line_client_orig_so_line", table_name="stage_line")
    op.drop_index("ix_stage_line_client_so_line", table_name="stage_line")
    op.drop_table("journal_entry")
    op.drop_table("rc_schedule")
    op.drop_table("rc_bill")
    op.drop_table("rc_pob")
    op.drop_table("rc_line")
    op.drop_table("revenue_contract")
    op.drop_table("accounting_setting")
    op.drop_table("accounting_period")
