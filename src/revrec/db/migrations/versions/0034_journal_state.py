"""The open period's revenue journal regenerated incrementally: ``journal_state`` keeps, per book and org,
what the last generation was made with (period, calendar index, default accounts, statement version) and
the time up to which it reflects contract changes, so that the next generation after a Data Collection
rewrites only the contracts changed since (revrec.accounting.service).

Revision ID: 0034
Revises: 0033
"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_state",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=False),
        sa.Column("unbilled_account", sa.String(300), nullable=False),
        sa.Column("clearing_account", sa.String(300), nullable=False),
        sa.Column("statement_version", sa.Integer(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("client_id", "book_id", "org_id"),
    )


def downgrade() -> None:
    op.drop_table("journal_state")
