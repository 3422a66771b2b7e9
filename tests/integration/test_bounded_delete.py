"""revrec.db.bounded.delete_where: the rows matching go, the others stay; on SQLite in statements of at most
SQLITE_ROWS rows each (the memory SQLite holds for a DELETE grows with the rows it deletes), on PostgreSQL
in one statement."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Engine, Integer, MetaData, Table, event, func, insert, select

from revrec.db import bounded
from revrec.db.session import transaction


def test_deletes_exactly_the_matching_rows_in_bounded_statements(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounded, "SQLITE_ROWS", 3)
    rows = Table(
        "bounded_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("period", Integer, nullable=False),
        Column("posted", Boolean, nullable=False),
        prefixes=["TEMPORARY"],
    )
    deletes: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            deletes.append(statement)

    with transaction(engine) as conn:
        rows.create(conn)
        try:
            # 12 unposted rows of period 1 (to go), 2 posted ones and 6 of period 2 (to stay), interleaved
            values = [{"period": 1 + (n % 3 == 2), "posted": n % 7 == 6} for n in range(20)]
            conn.execute(insert(rows), values)
            wanted = sum(1 for v in values if v["period"] == 1 and not v["posted"])
            kept = sorted(
                int(i)
                for i in conn.execute(
                    select(rows.c.id).where((rows.c.period != 1) | rows.c.posted.is_(True))
                ).scalars()
            )
            event.listen(conn, "before_cursor_execute", capture)
            try:
                deleted = bounded.delete_where(conn, rows, rows.c.period == 1, rows.c.posted.is_(False))
            finally:
                event.remove(conn, "before_cursor_execute", capture)
            left = sorted(int(i) for i in conn.execute(select(rows.c.id)).scalars())
            assert conn.execute(select(func.count()).select_from(rows)).scalar_one() == len(kept)
        finally:
            rows.drop(conn)
    assert wanted > 3 * bounded.SQLITE_ROWS and deleted == wanted and left == kept
    if engine.dialect.name == "sqlite":  # batches of 3 up to a bound id, then the rest (fewer than 3)
        assert len(deletes) == wanted // 3 + 1, deletes
        assert all("id <=" in statement for statement in deletes[:-1]) and "id <=" not in deletes[-1]
    else:
        assert len(deletes) == 1 and "id <=" not in deletes[0]
