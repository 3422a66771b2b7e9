"""GL interface mapping: the client's ``gl_interface`` setup section; a batch's frozen layout and report id.

Revision ID: 0007
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gl_interface_setting",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_gl_interface_setting_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_gl_interface_setting")),
    )
    with op.batch_alter_table("transfer_batch") as batch:
        batch.add_column(sa.Column("layout", sa.Text(), nullable=True))
        batch.add_column(sa.Column("report_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transfer_batch") as batch:
        batch.drop_column("report_id")
        batch.drop_column("layout")
    op.drop_table("gl_interface_setting")
