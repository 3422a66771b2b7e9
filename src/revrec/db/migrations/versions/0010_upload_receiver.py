"""Uploads record the process receiving them (``upload.receiver``: host|pid|start), so that an upload whose
receiving process died is failed at once instead of after 30 minutes; ``ix_upload_status`` finds the
uploads being received without reading the whole table (the worker looks on every idle tick).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("upload", sa.Column("receiver", sa.String(length=300), nullable=True))
    op.create_index("ix_upload_status", "upload", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_upload_status", table_name="upload")
    with op.batch_alter_table("upload") as batch:
        batch.drop_column("receiver")
