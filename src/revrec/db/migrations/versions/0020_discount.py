"""Discounts allocated to some obligations: ``rc_line.disc_amt``, ``disc_pct`` and ``disc_rule``.

A line named by a discount rule (IFRS 15.82) records its part of the contract's discount (transaction
currency), that part as a percent of its SSP, and the rule; every other line leaves them NULL.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

from revrec.db.types import Money, Rate

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rc_line", sa.Column("disc_amt", Money(), nullable=True))
    op.add_column("rc_line", sa.Column("disc_pct", Rate(), nullable=True))
    op.add_column("rc_line", sa.Column("disc_rule", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rc_line") as batch:
        batch.drop_column("disc_rule")
        batch.drop_column("disc_pct")
        batch.drop_column("disc_amt")
