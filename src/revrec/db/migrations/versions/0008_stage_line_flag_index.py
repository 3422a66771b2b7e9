"""Staging lines: drop ``ix_stage_line_client_flag``, a prefix of ``ix_stage_line_client_flag_id``.

Every query on (client_id, processed_flag) uses the longer index as well; the shorter one only cost
pre-stage an index entry per line and staging two (the flag changes from P to N).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_stage_line_client_flag", table_name="stage_line")


def downgrade() -> None:
    op.create_index("ix_stage_line_client_flag", "stage_line", ["client_id", "processed_flag"], unique=False)
