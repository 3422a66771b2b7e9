"""Engine warnings per contract and line (``rc_warning``): code, message, values, the job that found them.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rc_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=300), nullable=True),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("prd_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rc_warning_client_id_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rc_id"],
            ["revenue_contract.id"],
            name=op.f("fk_rc_warning_rc_id_revenue_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rc_warning")),
    )
    op.create_index("ix_rc_warning_rc", "rc_warning", ["rc_id"], unique=False)
    op.create_index("ix_rc_warning_client_job", "rc_warning", ["client_id", "job_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rc_warning_client_job", table_name="rc_warning")
    op.drop_index("ix_rc_warning_rc", table_name="rc_warning")
    op.drop_table("rc_warning")
