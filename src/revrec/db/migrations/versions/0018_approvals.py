"""Approval rules (``approval_rule``) and the revision in force before a pending one
(``rc_revision_snapshot``).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

from revrec.db.types import Money

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _client_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["client_id"], ["client.id"], name=op.f(f"fk_{table}_client_id_client"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "approval_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("applies_to", sa.String(length=20), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("approvers", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _client_fk("approval_rule"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_rule")),
        sa.UniqueConstraint("client_id", "name", name="uq_approval_rule_name"),
    )
    op.create_table(
        "rc_revision_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        _client_fk("rc_revision_snapshot"),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_revision_snapshot_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_revision_snapshot")),
    )
    op.create_index(
        "ix_rc_revision_snapshot_rc", "rc_revision_snapshot", ["rc_id", "resolution"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rc_revision_snapshot_rc", table_name="rc_revision_snapshot")
    op.drop_table("rc_revision_snapshot")
    op.drop_table("approval_rule")
