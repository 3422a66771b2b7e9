"""Collection finds the rest of a chunk's last sales order among the waiting SO lines by SO number: an
index on (client_id, so_num, id) of the waiting lines (``N``), so that look-up no longer scans every waiting
line after the chunk (quadratic in the backlog).

Revision ID: 0033
Revises: 0032
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

WAITING = "processed_flag = 'N'"


def upgrade() -> None:
    op.create_index(
        "ix_stage_line_client_so_num_waiting",
        "stage_line",
        ["client_id", "so_num", "id"],
        unique=False,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_stage_line_client_so_num_waiting", table_name="stage_line")
