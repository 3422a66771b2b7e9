"""The schema comes from Alembic migrations, and they agree with the table definitions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from psycopg import sql as psycopg_sql
from sqlalchemy import Engine, event, func, insert, select, text

from revrec.contracts import repository as contracts
from revrec.db import migrate
from revrec.db.tables import flagged, metadata, stage_line
from support import client_and_upload


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
    for flag in ("P", "Y"):
        with pytest.raises(ValueError, match="pre-staged"):
            flagged(stage_line.c.processed_flag, flag)


#: migration 0037: the look-up indexes of lines not yet collected, with the flags each holds
NOT_COLLECTED_INDEXES = {
    "ix_stage_line_client_so_line": {"N"},
    "ix_stage_line_client_orig_so_line": {"N"},
    "ix_stage_line_client_flag_id": {"N", "E"},
    "ix_stage_line_client_so_num_waiting": {"N"},
}


def test_collected_lines_are_in_no_look_up_index_of_waiting_lines(engine: Engine) -> None:
    """A line flagged collected (Y) or still pre-staged (P) has no entry in the indexes Data Collection looks
    waiting lines up by (migration 0037): the flag update of a collected line then writes none, and the
    indexes stay the size of the backlog. Each index's own condition is asked of every flag."""
    with engine.connect() as conn:
        for name, flags in NOT_COLLECTED_INDEXES.items():
            if engine.dialect.name == "sqlite":
                sql = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": name}
                ).scalar()
                assert " WHERE " in str(sql), f"{name} is not partial"
                condition = str(sql).split(" WHERE ", 1)[1]
            else:
                predicate = "SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = "
                found = conn.execute(text(predicate + "CAST(:n AS regclass)"), {"n": name}).scalar()
                assert found is not None, f"{name} is not partial"
                condition = str(found)
            held = {
                flag
                for flag in "PNEY"
                if conn.execute(
                    text(f"SELECT {condition} FROM (SELECT :f AS processed_flag) AS stage_line"),  # noqa: S608
                    {"f": flag},
                ).scalar()
            }
            assert held == flags, (name, condition)


def test_look_ups_by_so_line_take_the_waiting_line_indexes_on_postgresql(engine: Engine) -> None:
    """On PostgreSQL too, Data Collection's look-ups by SO line id (billing of a chunk's lines, SO lines still
    waiting) search the partial indexes of waiting lines, even in a generic plan (a statement the driver
    prepares after a few runs): their query names the indexes' term itself (``waiting``), so the plan does
    not depend on the flag's value being known."""
    if engine.dialect.name != "postgresql":
        return
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.startswith("SELECT"):
            seen.append((statement, dict(parameters)))

    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", record)
        contracts.activity_for(conn, 1, ["L-1", "L-2"], date(2030, 1, 1))
        contracts.pending_so_refs(conn, 1, ["L-1", "L-2"])
        event.remove(conn, "before_cursor_execute", record)
        assert len(seen) == 3
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.transaction(force_rollback=True), raw.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute("SET LOCAL enable_seqscan = off")
            for number, (statement, parameters) in enumerate(seen):
                names = list(parameters)
                numbered = statement
                for position, name in enumerate(names, start=1):
                    numbered = numbered.replace(f"%({name})s", f"${position}")
                cursor.execute(f"PREPARE look_up_{number} AS {numbered}")
                values = psycopg_sql.SQL(", ").join(psycopg_sql.Literal(parameters[n]) for n in names)
                cursor.execute(psycopg_sql.SQL("EXPLAIN EXECUTE {}({})").format(
                    psycopg_sql.Identifier(f"look_up_{number}"), values))  # fmt: skip
                plan = " ".join(row[0] for row in cursor.fetchall())
                assert (
                    "ix_stage_line_client_so_line" in plan or "ix_stage_line_client_orig_so_line" in plan
                ), plan


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
    at 50,000; quadratic in the volume). It must search the SO number index. PostgreSQL plans from
    statistics: it gets a backlog of waiting SO lines of 400 sales orders, analysed (rolled back after)."""
    with engine.connect() as conn, conn.begin() as outer:
        client_id = 1
        if engine.dialect.name == "postgresql":
            client_id, upload_id = client_and_upload(conn, "sorest")
            now = datetime.now(UTC)
            conn.execute(insert(stage_line), [
                {"client_id": client_id, "upload_id": upload_id, "row_num": i, "processed_flag": "N",
                 "type": "SO", "so_num": f"SO-{i % 400}", "so_line_id": f"L-{i}", "so_date": date(2029, 1, 1),
                 "crtd_by": "test", "crtd_dt": now, "updt_by": "test", "updt_dt": now}
                for i in range(4000)
            ])  # fmt: skip
            conn.exec_driver_sql("ANALYZE stage_line")
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        query = select(stage_line.c.id).where(contracts.so_rest(client_id, date(2030, 1, 1), 5, "SO-1"))
        if engine.dialect.name == "sqlite":
            compiled = query.compile(conn)
            explain = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))
            plan = " ".join(str(step[-1]) for step in explain)
        else:
            literal = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {literal}"))
        outer.rollback()
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
