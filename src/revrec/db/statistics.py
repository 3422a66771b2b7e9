"""PostgreSQL planner statistics of bulk-loaded tables.

Without statistics (a table never analysed, or grown a lot since) the planner estimates one row per table
and picks nested loops that are quadratic at tens of thousands of rows: staging a second 60,000-line
upload took 82 s instead of 2 s (unknown SO references: 12,000 references compared with every SO line of
the client). Autovacuum analyses such tables eventually, but not before the next job reads them, and its
counters reach other sessions late, so the job that reads a load decides from the load's own size.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from revrec.db.local_settings import local_settings

#: A load that adds more than this fraction of a table's rows (as of its last analysis) refreshes them.
STALE_FRACTION = 0.1
#: ``default_statistics_target`` of a refresh limited to some columns (:func:`refresh_after_load`): the
#: sample is 300 times it (9,000 rows instead of 30,000) — enough for the row counts and the distinct
#: counts a job's own queries are planned from; the next full analysis (Data Collection's) refines them.
LOAD_STATISTICS_TARGET = 30


def refresh(conn: Connection, tables: tuple[str, ...]) -> None:
    """PostgreSQL: refresh planner statistics of ``tables`` (no-op elsewhere).

    SKIP_LOCKED: a table another worker is analysing in its own open transaction is skipped rather than
    waited for; waiting deadlocked when that worker in turn waited for a row this transaction holds.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE (SKIP_LOCKED) " + ", ".join(tables))


def refresh_after_load(conn: Connection, table: str, added: int, columns: tuple[str, ...] = ()) -> bool:
    """PostgreSQL: refresh ``table``'s statistics when ``added`` new rows are more than
    :data:`STALE_FRACTION` of the rows it had when last analysed (or it never was); True when it did.

    With ``columns`` only those columns are analysed, from a smaller sample
    (:data:`LOAD_STATISTICS_TARGET`, for this analysis only): the table's row count is refreshed all the
    same, the other columns keep their statistics.
    """
    if conn.dialect.name != "postgresql":
        return False
    known = conn.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"), {"table": table}
    ).scalar_one()
    if known >= 0 and added <= STALE_FRACTION * known:
        return False
    if not columns:
        refresh(conn, (table,))
        return True
    assert all(c.isidentifier() for c in (table, *columns))  # names of the schema, never input
    with local_settings(conn, default_statistics_target=str(LOAD_STATISTICS_TARGET)):
        conn.exec_driver_sql(f"ANALYZE (SKIP_LOCKED) {table} ({', '.join(columns)})")
    return True


def refresh_stale(conn: Connection, tables: tuple[str, ...]) -> tuple[str, ...]:
    """PostgreSQL: refresh the statistics of those of ``tables`` changed by more than
    :data:`STALE_FRACTION` of their rows since their last analysis (or never analysed); the tables
    refreshed (none elsewhere).

    Changes are the table's ``n_mod_since_analyze`` plus this transaction's own inserts, updates and
    deletes (not counted there yet). Other transactions' counters can reach the view up to a second late,
    so a table loaded in the last second may be found fresh: only a plan risk, never a wrong result, and
    the journal's readers refresh before they read after a load (collection, chunks 1, 2, 4, 8 ...)."""
    if conn.dialect.name != "postgresql":
        return ()
    stale = []
    for table in tables:
        known, changed = conn.execute(
            text(
                "SELECT c.reltuples, COALESCE(s.n_mod_since_analyze, 0)"
                " + COALESCE(x.n_tup_ins + x.n_tup_upd + x.n_tup_del, 0)"
                " FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid"
                " LEFT JOIN pg_stat_xact_user_tables x ON x.relid = c.oid"
                " WHERE c.oid = CAST(:table AS regclass)"
            ),
            {"table": table},
        ).one()
        if known < 0 or changed > STALE_FRACTION * known:
            stale.append(table)
    if stale:
        refresh(conn, tuple(stale))
    return tuple(stale)
