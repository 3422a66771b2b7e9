"""Staging lines' flag indexes: drop ``ix_stage_line_client_flag`` (a prefix of
``ix_stage_line_client_flag_id``) and leave pre-staged lines (P) out of ``ix_stage_line_client_flag_id``.

Every query on (client_id, processed_flag) uses the longer index as well, naming its term (see
``revrec.db.tables.flagged``). Pre-stage then writes no flag-index entry for a line, and staging one (N or
E) instead of removing a P entry and adding another.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NOT_PRESTAGED = "processed_flag <> 'P'"
COLUMNS = ["client_id", "processed_flag", "id"]


def upgrade() -> None:
    op.drop_index("ix_stage_line_client_flag", table_name="stage_line")
    op.drop_index("ix_stage_line_client_flag_id", table_name="stage_line")
    op.create_index(
        "ix_stage_line_client_flag_id",
        "stage_line",
        COLUMNS,
        unique=False,
        sqlite_where=sa.text(NOT_PRESTAGED),
        postgresql_where=sa.text(NOT_PRESTAGED),
    )


def downgrade() -> None:
    op.drop_index("ix_stage_line_client_flag_id", table_name="stage_line")
    op.create_index("ix_stage_line_client_flag_id", "stage_line", COLUMNS, unique=False)
    op.create_index("ix_stage_line_client_flag", "stage_line", ["client_id", "processed_flag"], unique=False)
