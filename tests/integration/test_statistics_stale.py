"""``statistics.refresh_stale`` (the journal's ANALYZE): a table is analysed again only when more than 10 %
of its rows changed since its last analysis, counting this transaction's own changes; never on SQLite."""

from __future__ import annotations

from sqlalchemy import Engine

from revrec.db import statistics
from support import unique


def test_only_tables_changed_by_more_than_a_tenth_are_analysed(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            assert statistics.refresh_stale(conn, ("rc_bill",)) == ()
        return
    table = unique("stale_probe").lower().replace("-", "_")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {table} (id integer)")
        conn.exec_driver_sql(f"INSERT INTO {table} SELECT generate_series(1, 100)")
        assert statistics.refresh_stale(conn, (table,)) == (table,)  # never analysed
        conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        conn.commit()
        try:
            conn.exec_driver_sql(f"ANALYZE {table}")
            conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
            conn.commit()
            conn.exec_driver_sql(f"INSERT INTO {table} SELECT generate_series(1, 5)")
            assert statistics.refresh_stale(conn, (table,)) == ()  # 5 of 100: fresh enough
            conn.exec_driver_sql(f"INSERT INTO {table} SELECT generate_series(1, 20)")
            assert statistics.refresh_stale(conn, (table,)) == (table,)  # 25 of 100
            conn.rollback()
        finally:
            conn.exec_driver_sql(f"DROP TABLE {table}")
            conn.commit()
