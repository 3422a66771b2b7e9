"""The console's manual journal entries: an index on ``mje_head (client_id, rc_id)`` so that a contract's
page reads the entries tied to it without scanning the client's entries.

Revision ID: 0028
Revises: 0027
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mje_head_rc", "mje_head", ["client_id", "rc_id"])


def downgrade() -> None:
    op.drop_index("ix_mje_head_rc", table_name="mje_head")
