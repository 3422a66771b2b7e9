"""Transfer accounting: GL transfer batches and their summary lines.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("file_generated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["book_id"], ["book.id"], name=op.f("fk_transfer_batch_book_id_book"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_transfer_batch_client_id_client"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_batch")),
        sa.UniqueConstraint("client_id", "name", name="uq_transfer_batch_client_name"),
    )
    op.create_index("ix_transfer_batch_status", "transfer_batch", ["client_id", "status"], unique=False)
    op.create_table(
        "transfer_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("line_num", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("acctg_seg", sa.String(length=300), nullable=False),
        sa.Column("acctg_type", sa.String(length=1), nullable=False),
        sa.Column("curr", sa.String(length=3), nullable=False),
        sa.Column("f_cur", sa.String(length=3), nullable=False),
        sa.Column("r_cur", sa.String(length=3), nullable=False),
        sa.Column("dr_t", sa.BigInteger(), nullable=False),
        sa.Column("cr_t", sa.BigInteger(), nullable=False),
        sa.Column("dr_f", sa.BigInteger(), nullable=False),
        sa.Column("cr_f", sa.BigInteger(), nullable=False),
        sa.Column("dr_r", sa.BigInteger(), nullable=False),
        sa.Column("cr_r", sa.BigInteger(), nullable=False),
        sa.Column("entry_ids", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["transfer_batch.id"],
            name=op.f("fk_transfer_line_batch_id_transfer_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_transfer_line_client_id_client"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_line")),
        sa.UniqueConstraint("batch_id", "line_num", name="uq_transfer_line_batch_line"),
    )


def downgrade() -> None:
    op.drop_table("transfer_line")
    op.drop_index("ix_transfer_batch_status", table_name="transfer_batch")
    op.drop_table("transfer_batch")
