"""The schema comes from Alembic migrations, and they agree with the table definitions."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, func, select, text

from revrec.contracts import repository as contracts
from revrec.db import migrate
from revrec.db.tables import flagged, metadata, stage_line


def test_database_is_at_head(engine: Engine) -> None:
    assert migrate.is_current(engine)


def test_migrations_match_table_definitions(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_sqlite_connection_settings(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_flag_queries_use_the_partial_flag_index(engine: Engine) -> None:
    """Pre-staged lines are not in ix_stage_line_client_flag_id; SQLite uses the partial index only for a
    query that names its term, which ``flagged`` adds (with the flag as a bound parameter)."""
    if engine.dialect.name != "sqlite":
        return
    due = date(2030, 1, 1)
    queries = [
        select(stage_line.c.id).where(contracts._so_due(1, due)).order_by(stage_line.c.id),
        select(stage_line.c.id).where(contracts._activity_due(1, due)),
        select(func.count()).where(stage_line.c.client_id == 1, flagged(stage_line.c.processed_flag, "E")),
    ]
    with engine.connect() as conn:
        for query in queries:
            compiled = query.compile(engine)
            parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters).all()
            assert "ix_stage_line_client_flag_id" in " ".join(str(step[-1]) for step in plan), plan
    with pytest.raises(ValueError, match="pre-staged"):
        flagged(stage_line.c.processed_flag, "P")


def test_look_ups_by_so_line_use_the_line_indexes(engine: Engine) -> None:
    """Collection looks up waiting lines by SO line id (billing of a chunk's lines, SO lines still waiting).
    Without statistics SQLite took the flag index for them (when the flag named its term, or for an OR of
    both line-id columns) and scanned every waiting line of the client per look-up: quadratic in the
    backlog (1 s a look-up at 3 million waiting lines). Each must search a line-id index."""
    if engine.dialect.name != "sqlite":
        return
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.startswith("SELECT"):
            seen.append((statement, parameters))

    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", record)
        contracts.activity_for(conn, 1, ["L-1", "L-2"], date(2030, 1, 1))
        contracts.pending_so_refs(conn, 1, ["L-1", "L-2"])
        event.remove(conn, "before_cursor_execute", record)
        assert len(seen) == 3
        for statement, parameters in seen:
            plan = " ".join(
                str(step[-1]) for step in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "so_line_id=?)" in plan, plan  # (client_id=? AND so_line_id=?) or orig_so_line_id


def test_the_rest_of_a_sales_order_is_found_by_its_so_number(engine: Engine) -> None:
    """A full chunk of SO lines is extended with the rest of its last sales order. That look-up went through
    the flag index from the chunk's last id on: every waiting line after the chunk was read to compare its SO
    number, once per chunk, so its cost grew with the backlog (at 500,000 lines, 10 ms a chunk against 2 ms
    at 50,000; quadratic in the volume). It must search the SO number index."""
    query = select(stage_line.c.id).where(contracts.so_rest(1, date(2030, 1, 1), 5, "SO-1"))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        if engine.dialect.name == "sqlite":
            compiled = query.compile(conn)
            explain = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))
            plan = " ".join(str(step[-1]) for step in explain)
        else:
            literal = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {literal}"))
        assert "ix_stage_line_client_so_num_waiting" in plan, plan


def test_migration_0019_gives_existing_clients_the_standard_vc_template(tmp_path: Path) -> None:
    """A client created before migration 0019 has the Standard VC template after it (kind vc, the fields of
    revrec.inbound.templates_std.STANDARD_VC, which migration 0019 keeps a frozen copy of)."""
    from revrec.db.session import make_engine
    from revrec.inbound.templates_std import STANDARD_VC

    engine = make_engine(f"sqlite:///{tmp_path}/m.sqlite3")
    migrate.upgrade(engine, "0018")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO client (name, api_enabled, csv_injection_policy, reporting_currency, created_at)"
                " VALUES ('old', 1, 'BLOCK', 'USD', '2026-01-01 00:00:00')"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        kind = conn.execute(text("SELECT kind FROM upload_template WHERE name = 'Standard VC'")).scalar()
        fields = conn.execute(
            text(
                "SELECT f.seq, f.label, f.col_name, f.data_type, f.required FROM upload_template_field f"
                " JOIN upload_template t ON t.id = f.template_id WHERE t.name = 'Standard VC' ORDER BY f.seq"
            )
        ).all()
    engine.dispose()
    assert kind == "vc"
    assert [tuple(f) for f in fields] == [
        (f.seq, f.label, f.col_name, f.data_type, int(f.required)) for f in STANDARD_VC.fields
    ]
