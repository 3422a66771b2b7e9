"""Revenue and transfer holds (``rc_hold``), the schedules a revenue hold froze (``rc_hold_line``) and the
hold rules of the setup document (``hold_rule_setting``).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rc_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("hold_type", sa.String(length=20), nullable=False),
        sa.Column("hold_level", sa.String(length=20), nullable=False),
        sa.Column("pob_key", sa.String(length=500), nullable=True),
        sa.Column("line_id", sa.String(length=300), nullable=True),
        sa.Column("schedules", sa.String(length=2), nullable=False),
        sa.Column("whole_pob", sa.Boolean(), nullable=False),
        sa.Column("hold_name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("manual_release", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column("applied_by", sa.String(length=100), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_period", sa.Integer(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("released_flag", sa.Boolean(), nullable=False),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_period", sa.Integer(), nullable=True),
        sa.Column("release_reason", sa.String(length=100), nullable=True),
        sa.Column("release_comment", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rc_hold_client_id_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_hold_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_hold")),
    )
    op.create_index("ix_rc_hold_client_active", "rc_hold", ["client_id", "released_flag", "hold_type"])
    op.create_index("ix_rc_hold_rc", "rc_hold", ["rc_id"])
    op.create_table(
        "rc_hold_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=300), nullable=False),
        sa.Column("true_schedule_id", sa.Integer(), nullable=False),
        sa.Column("held_schedule_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rc_hold_line_client_id_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["rc_hold.id"], name=op.f("fk_rc_hold_line_hold_id_rc_hold"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_hold_line")),
    )
    op.create_index("ix_rc_hold_line_hold", "rc_hold_line", ["hold_id"])
    op.create_table(
        "hold_rule_setting",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_hold_rule_setting_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_hold_rule_setting")),
    )


def downgrade() -> None:
    op.drop_table("hold_rule_setting")
    op.drop_index("ix_rc_hold_line_hold", table_name="rc_hold_line")
    op.drop_table("rc_hold_line")
    op.drop_index("ix_rc_hold_rc", table_name="rc_hold")
    op.drop_index("ix_rc_hold_client_active", table_name="rc_hold")
    op.drop_table("rc_hold")
