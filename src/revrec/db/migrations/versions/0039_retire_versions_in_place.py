"""Retiring a line or schedule version no longer touches an index: ``current_flag`` leaves the indexes of
``rc_line`` (ix_rc_line_client_line) and ``rc_schedule`` (ix_rc_schedule_rc, ix_rc_schedule_client), and
``rc_schedule`` keeps a fifth of each page free (PostgreSQL ``fillfactor`` 80, as ``rc_line`` since 0038).

A revision retires the versions it replaces (``current_flag`` true → false) with an ``UPDATE``. With the
flag in an index, PostgreSQL could never make that a HOT update: each retired row moved to a new version
with an entry in every index of its table (eight on ``rc_line``). Now the update changes no indexed column
and, with room on the page, stays there (docs/performance.md, ``bench/retire_probe.sql``: 160,000 retired
lines 11.2–14.3 s → 2.5–3.1 s, schedules 2.9–4.4 s → 2.0–2.2 s). A line has few versions, so a look-up by
line id reads them all and keeps the current one.

SQLite: the indexes are rebuilt the same way (no table rebuild); it has no fillfactor.

Revision ID: 0039
Revises: 0038
"""

from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

# (index, table, columns now, columns before)
_INDEXES = (
    ("ix_rc_line_client_line", "rc_line", ["client_id", "line_id"], ["client_id", "line_id", "current_flag"]),
    ("ix_rc_schedule_rc", "rc_schedule", ["rc_id"], ["rc_id", "current_flag"]),
    ("ix_rc_schedule_client", "rc_schedule", ["client_id"], ["client_id", "current_flag"]),
)
FILLFACTOR = 80


def _rebuild(now: bool) -> None:
    for name, table, columns, before in _INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns if now else before)


def upgrade() -> None:
    _rebuild(now=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE rc_schedule SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    _rebuild(now=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rc_schedule RESET (fillfactor)")
