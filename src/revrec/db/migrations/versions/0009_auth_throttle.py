"""Authentication throttle: index ``auth_failure.window_start`` so that expired counters can be purged a
few at a time, and drop the counters kept under the old key format (``client\\x1fuser``; keys are now
SHA-256 digests per user and per address, see ``revrec.auth.throttle``). Throttle counters are transient:
losing them only forgets failures of the last window.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM auth_failure"))
    op.create_index("ix_auth_failure_window_start", "auth_failure", ["window_start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_auth_failure_window_start", table_name="auth_failure")
    op.execute(sa.text("DELETE FROM auth_failure"))
