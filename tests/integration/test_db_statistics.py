"""Planner statistics after bulk loads: staging refreshes them on PostgreSQL when a load is large."""

from __future__ import annotations

from sqlalchemy import Engine, text

from revrec.db import statistics
from revrec.db.session import transaction


def test_refresh_after_load_decides_from_the_load_size(engine: Engine) -> None:
    with transaction(engine) as conn:
        if engine.dialect.name != "postgresql":
            assert statistics.refresh_after_load(conn, "stage_line", 10**9) is False
            return
        assert statistics.refresh_after_load(conn, "stage_line", 10**9) is True  # always more than 10%
        analysed = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST('stage_line' AS regclass)")
        ).scalar_one()
        assert analysed >= 0  # the table now has statistics (-1 before its first analysis)
        assert statistics.refresh_after_load(conn, "stage_line", 0) is False
        rows = int(analysed)
        assert statistics.refresh_after_load(conn, "stage_line", rows // 10) is False
        assert statistics.refresh_after_load(conn, "stage_line", rows // 10 + rows // 100 + 2) is True


def test_refresh_after_load_of_some_columns_uses_a_small_sample(engine: Engine) -> None:
    """Staging refreshes only the columns its queries plan on, at LOAD_STATISTICS_TARGET, for that
    analysis only: the row count is refreshed, the other columns are left alone, the setting restored."""
    if engine.dialect.name != "postgresql":
        return
    with transaction(engine) as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE stats_probe (a integer, b integer) ON COMMIT DROP")
        conn.exec_driver_sql("INSERT INTO stats_probe SELECT g, g FROM generate_series(1, 5000) g")
        before = conn.execute(text("SELECT current_setting('default_statistics_target')")).scalar_one()
        assert statistics.refresh_after_load(conn, "stats_probe", 5000, ("a",)) is True
        after = conn.execute(text("SELECT current_setting('default_statistics_target')")).scalar_one()
        assert after == before
        rows = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST('stats_probe' AS regclass)")
        ).scalar_one()
        assert rows == 5000
        analysed = dict(
            conn.execute(
                text(
                    "SELECT attname, cardinality(histogram_bounds::text::text[]) FROM pg_stats "
                    "WHERE tablename = 'stats_probe'"
                )
            ).all()
        )
        # 5,000 distinct values: a histogram of at most target + 1 bounds (the default target gives 101)
        assert set(analysed) == {"a"} and analysed["a"] <= statistics.LOAD_STATISTICS_TARGET + 1
        assert analysed["a"] > 1
