"""User-visible job numbers: ``job.number`` (unique, NULL for internal jobs such as staging an upload)
and, on PostgreSQL, the sequence ``job_number_seq`` they come from. Jobs queued before this migration keep
their id as their number, so the ids users already hold still answer; the sequence starts after them.

Revision ID: 0012
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

INTERNAL_KINDS = "'stage_upload'"


def upgrade() -> None:
    op.add_column("job", sa.Column("number", sa.Integer(), nullable=True))
    op.execute("UPDATE job SET number = id WHERE kind NOT IN (" + INTERNAL_KINDS + ")")  # noqa: S608
    op.create_index("ux_job_number", "job", ["number"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE job_number_seq")
        op.execute("SELECT setval('job_number_seq', COALESCE((SELECT MAX(number) FROM job), 0) + 1, false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE job_number_seq")
    op.drop_index("ux_job_number", table_name="job")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("number")
