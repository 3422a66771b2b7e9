"""Data Collection split by contract across workers: ``collection_part_line``, the plan of a collection
job (each due staging row's partition and group), read by the partitions' sub-jobs and deleted when the
job ends.

Revision ID: 0031
Revises: 0029
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collection_part_line",
        sa.Column("job_id", sa.Integer, sa.ForeignKey("job.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("stage_row_id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("grp", sa.Integer, nullable=False),
    )
    op.create_index("ix_collection_part_line_part", "collection_part_line", ["job_id", "part", "grp"])


def downgrade() -> None:
    op.drop_index("ix_collection_part_line_part", table_name="collection_part_line")
    op.drop_table("collection_part_line")
