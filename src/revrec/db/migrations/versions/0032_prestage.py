"""PostgreSQL pre-stage of transaction uploads: ``stage_line_hold``, the checked rows of an upload awaiting
staging as text (stored form), without index or foreign key, moved into stage_line by staging.

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

from revrec.db.stage_columns import COST_LINE_COLUMNS, LINE_COLUMNS, sql_name

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_line_hold",
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("upload_id", sa.Integer, nullable=False),
        sa.Column("row_num", sa.Integer, nullable=False),
        *(sa.Column(sql_name(c), sa.Text, nullable=True) for c, _ in LINE_COLUMNS + COST_LINE_COLUMNS),
    )


def downgrade() -> None:
    op.drop_table("stage_line_hold")
