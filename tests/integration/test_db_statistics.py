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
