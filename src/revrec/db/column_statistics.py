"""PostgreSQL planner statistics of a few columns only, for a job's own look-ups while it loads tables.

A full ``ANALYZE`` samples 30,000 rows and computes statistics of every column, including the long text
of the schedule series: at 100,000 collected lines about a second per refresh of the four contract tables.
The look-ups of a Data Collection chunk are planned on a few key columns only (ids, line ids, contract
keys, flags); analysing just those from a smaller sample takes about a tenth of that and refreshes the
tables' row counts all the same. A column-limited ``ANALYZE`` does not reset the table's count of rows
changed since its last analysis, so :func:`revrec.db.statistics.refresh_stale` still analyses the table
in full before the journal reads it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from revrec.db.local_settings import local_settings


def refresh_columns(
    conn: Connection, columns: Mapping[str, tuple[str, ...]], target: int | None = None
) -> None:
    """PostgreSQL (no-op elsewhere): ``ANALYZE (SKIP_LOCKED)`` of only ``columns`` (table → its columns),
    with ``default_statistics_target`` ``target`` for this analysis when given (300 × it rows sampled)."""
    if conn.dialect.name != "postgresql" or not columns:
        return
    assert all(n.isidentifier() for t, cs in columns.items() for n in (t, *cs))  # schema names, never input
    statement = "ANALYZE (SKIP_LOCKED) " + ", ".join(f"{t} ({', '.join(cs)})" for t, cs in columns.items())
    if target is None:
        conn.exec_driver_sql(statement)
        return
    with local_settings(conn, default_statistics_target=str(target)):
        conn.exec_driver_sql(statement)
