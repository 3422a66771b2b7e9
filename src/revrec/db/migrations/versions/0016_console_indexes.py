"""Console indexes: contract search by SO number and item (rc_line), and the close checklist's counts of
contracts in error (revenue_contract) and of journal entries not yet in a transfer batch (journal_entry),
and a contract's events (stage_event by SO line).

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_rc_line_client_so_num", "rc_line", ["client_id", "so_num", "rc_id"]),
    ("ix_rc_line_client_item", "rc_line", ["client_id", "item_num", "rc_id"]),
    ("ix_revenue_contract_client_error", "revenue_contract", ["client_id", "error_code"]),
    ("ix_journal_entry_client_batch", "journal_entry", ["client_id", "post_batch_id"]),
    ("ix_stage_event_client_so_line", "stage_event", ["client_id", "so_line_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
