"""Revenue policies: one canonical policy document per client.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_policy",
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_client_policy"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name="fk_client_policy_client_id_client", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("client_policy")
