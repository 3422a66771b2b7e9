"""Staging's look-up indexes of lines not yet collected leave the collected ones out.

``ix_stage_line_client_so_line`` and ``ix_stage_line_client_orig_so_line`` (Data Collection's look-ups of
billing lines and of SO lines still waiting) hold only waiting lines (``processed_flag = 'N'``), and
``ix_stage_line_client_flag_id`` (due lines in id order, counts of waiting and erroneous lines) only
waiting and erroneous ones (``N``, ``E``) instead of every line but the pre-staged. Collection's flag
update of a collected line (N → Y, not a HOT update since the flag is indexed) then adds no entry to these
three indexes, and they stay the size of the backlog instead of growing with every line ever staged. Every
query they serve names their term (``revrec.db.tables.waiting`` and ``flagged``).

Revision ID: 0037
Revises: 0036
"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

WAITING = "processed_flag = 'N'"
WAITING_OR_IN_ERROR = "processed_flag IN ('N', 'E')"
NOT_PRESTAGED = "processed_flag <> 'P'"  # the flag index's term from migration 0008 to this one
INDEXES = (
    ("ix_stage_line_client_so_line", ["client_id", "so_line_id"], WAITING, None),
    ("ix_stage_line_client_orig_so_line", ["client_id", "orig_so_line_id"], WAITING, None),
    (
        "ix_stage_line_client_flag_id",
        ["client_id", "processed_flag", "id"],
        WAITING_OR_IN_ERROR,
        NOT_PRESTAGED,
    ),
)


def _create(name: str, columns: list[str], where: str | None) -> None:
    if where is None:
        op.create_index(name, "stage_line", columns, unique=False)
        return
    condition = sa.text(where)
    op.create_index(
        name, "stage_line", columns, unique=False, sqlite_where=condition, postgresql_where=condition
    )


def upgrade() -> None:
    for name, columns, where, _ in INDEXES:
        op.drop_index(name, table_name="stage_line")
        _create(name, columns, where)


def downgrade() -> None:
    for name, columns, _, before in INDEXES:
        op.drop_index(name, table_name="stage_line")
        _create(name, columns, before)
