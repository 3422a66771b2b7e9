"""Manual revenue actions (``rc_manual_action``, insert-only) and the privileges ``Manual Release``,
``SSP Override`` and ``Allocation Override`` for every existing Administrator role.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

from revrec.db.types import Money

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

PRIVILEGES = ("Manual Release", "SSP Override", "Allocation Override")


def upgrade() -> None:
    op.create_table(
        "rc_manual_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=True),
        sa.Column("pob_key", sa.String(length=300), nullable=True),
        sa.Column("line_id", sa.String(length=200), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("percent", Money(), nullable=True),
        sa.Column("amount", Money(), nullable=True),
        sa.Column("fraction", sa.String(length=100), nullable=True),
        sa.Column("amounts", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("version_before", sa.Integer(), nullable=False),
        sa.Column("version_after", sa.Integer(), nullable=False),
        sa.Column("before_state", sa.Text(), nullable=True),
        sa.Column("after_state", sa.Text(), nullable=True),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_rc_manual_action_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_manual_action_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_manual_action")),
    )
    op.create_index("ix_rc_manual_action_rc", "rc_manual_action", ["rc_id"], unique=False)
    roles = sa.table("role", sa.column("id", sa.Integer()), sa.column("name", sa.String()))
    grants = sa.table(
        "role_privilege", sa.column("role_id", sa.Integer()), sa.column("privilege", sa.String())
    )
    connection = op.get_bind()
    admin_ids = connection.execute(sa.select(roles.c.id).where(roles.c.name == "Administrator")).scalars()
    rows = [{"role_id": role_id, "privilege": p} for role_id in admin_ids for p in PRIVILEGES]
    if rows:
        op.bulk_insert(grants, rows)


def downgrade() -> None:
    grants = sa.table("role_privilege", sa.column("privilege", sa.String()))
    op.execute(sa.delete(grants).where(grants.c.privilege.in_(PRIVILEGES)))
    op.drop_index("ix_rc_manual_action_rc", table_name="rc_manual_action")
    op.drop_table("rc_manual_action")
