"""Console search: the customer (number and name) on contract lines, filled from their staging rows, and
the indexes of the console's contract search (customer number, customer name, booking date, contract key
prefix, and the list newest first) and of the close checklist's count of contracts awaiting approval.

On PostgreSQL the prefix-searched columns use the ``varchar_pattern_ops`` operator class, so ``LIKE 'x%'``
reads an index whatever the database collation.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

PREFIX = "varchar_pattern_ops"
#: every stored line takes the customer of the staging row it was collected from
BACKFILL = (
    "UPDATE rc_line SET "
    "cust_num = (SELECT s.cust_num FROM stage_line s WHERE s.id = rc_line.stage_row_id), "
    "cstmr_nm = (SELECT s.cstmr_nm FROM stage_line s WHERE s.id = rc_line.stage_row_id)"
)
INDEXES = (
    ("ix_rc_line_client_cust_num", "rc_line", ["client_id", "cust_num", "rc_id"], "cust_num"),
    ("ix_rc_line_client_cstmr_nm", "rc_line", ["client_id", "cstmr_nm", "rc_id"], "cstmr_nm"),
    ("ix_rc_line_client_so_date", "rc_line", ["client_id", "so_date", "rc_id"], None),
    ("ix_revenue_contract_client_key_prefix", "revenue_contract", ["client_id", "rc_key"], "rc_key"),
    ("ix_rc_approval_client_status", "rc_approval", ["client_id", "status", "rc_id"], None),
    ("ix_revenue_contract_client_id", "revenue_contract", ["client_id", "id"], None),
)


def upgrade() -> None:
    with op.batch_alter_table("rc_line") as batch:
        batch.add_column(sa.Column("cust_num", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("cstmr_nm", sa.String(length=300), nullable=True))
    op.execute(BACKFILL)
    for name, table, columns, prefixed in INDEXES:
        ops = {prefixed: PREFIX} if prefixed else {}
        op.create_index(name, table, columns, unique=False, postgresql_ops=ops)


def downgrade() -> None:
    for name, table, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("rc_line") as batch:
        batch.drop_column("cstmr_nm")
        batch.drop_column("cust_num")
