"""Benchmark (PostgreSQL): where staging's move of held rows into stage_line spends its time.

Takes the latest upload in stage_line (run ``bench/bench_inbound.py`` on the same database first), puts
its rows back into stage_line_hold as pre-stage would have held them, deletes them from stage_line, and
runs ``EXPLAIN ANALYZE`` of the move (``revrec.inbound.line_screen.move_held``'s statement) — all in one
transaction, rolled back. Prints the statement's execution time, the time of each foreign-key trigger
(one call a row) and the load.

``--parts``: instead, times the move itself (no EXPLAIN) as staging runs it and with parts of its work
taken away, each in its own rolled-back transaction, best of ``--repeat``: ``move`` (as staging runs it),
``no_foreign_keys`` (triggers off: ``session_replication_role = replica``), ``no_secondary_indexes``
(stage_line's six secondary indexes dropped inside the transaction), ``bare`` (both), ``no_screen`` (the
flag's condition replaced by true) and ``select_only`` (the typed, screened and sorted rows computed, every
column of them, and not written). The differences bound what a cheaper write could save: even ``bare`` is
the floor of any design that writes the upload's rows into stage_line during staging.

Run: REVREC_BENCH_DATABASE_URL=postgresql://... python bench/bench_stage_move.py [--repeat R] [--parts]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, text

from revrec.db.session import make_engine
from revrec.db.stage_columns import COST_LINE_COLUMNS, LINE_COLUMNS, sql_name
from revrec.inbound import line_screen

NAMES = [sql_name(c) for c, _ in LINE_COLUMNS + COST_LINE_COLUMNS]
SECONDARY_INDEXES = (
    "ix_stage_line_client_flag_id", "ix_stage_line_client_key", "ix_stage_line_client_orig_so_line",
    "ix_stage_line_client_so_line", "ix_stage_line_client_so_num_waiting", "ix_stage_line_upload",
)  # fmt: skip


def _hold_again(conn: Connection) -> tuple[int, int]:
    """Put the latest upload's rows back into stage_line_hold and out of stage_line; (upload, client)."""
    upload_id, client_id = conn.execute(text(
        "SELECT u.id, u.client_id FROM upload u WHERE u.id = (SELECT max(upload_id) FROM stage_line)"
    )).one()  # fmt: skip
    conn.execute(text(
        f"INSERT INTO stage_line_hold (client_id, upload_id, row_num, {', '.join(NAMES)}) "  # noqa: S608
        f"SELECT client_id, upload_id, row_num, {', '.join(f'{n}::text' for n in NAMES)} "
        "FROM stage_line WHERE upload_id = :u"
    ), {"u": upload_id})  # fmt: skip
    conn.execute(text("DELETE FROM stage_line WHERE upload_id = :u"), {"u": upload_id})
    conn.execute(text("SET LOCAL jit = off"))
    conn.execute(text(f"SET LOCAL work_mem = '{line_screen.MOVE_WORK_MEM}'"))
    return int(upload_id), int(client_id)


def _explained(engine: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        upload_id, client_id = _hold_again(conn)
        statement = line_screen._bound(line_screen._move_sql(), client_id, upload_id, "USD", 2, False)
        sql = str(statement.compile(compile_kwargs={"literal_binds": True}))
        # (the move's own binds, unnamed in the literal rendering: by, created, by, stamp)
        stamps = "stage_line.line_key, 'bench', now(), 'bench', now()"
        sql = sql.replace("stage_line.line_key, NULL, NULL, NULL, NULL", stamps)
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN (ANALYZE) " + sql)))
        conn.rollback()
    triggers = dict(re.findall(r"Trigger for constraint (\S+): time=([0-9.]+)", plan))
    executed = float(re.findall(r"Execution Time: ([0-9.]+)", plan)[0])
    return {"execution_ms": executed, "trigger_ms": {k: float(v) for k, v in triggers.items()}}


def _no_foreign_keys(conn: Connection, sql: str) -> str:
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    return sql


def _no_secondary_indexes(conn: Connection, sql: str) -> str:
    for name in SECONDARY_INDEXES:
        conn.execute(text(f"DROP INDEX {name}"))
    return sql


PARTS: dict[str, Callable[[Connection, str], str]] = {
    "move": lambda conn, sql: sql,
    "no_foreign_keys": _no_foreign_keys,
    "no_secondary_indexes": _no_secondary_indexes,
    "bare": lambda conn, sql: _no_secondary_indexes(conn, _no_foreign_keys(conn, sql)),
    "no_screen": lambda conn, sql: sql.replace(line_screen.screen_condition(False, held=True), "true"),
    # the whole row is referenced (OFFSET 0 keeps the subquery), so every column and the flag are computed
    "select_only": lambda conn, sql: (
        "SELECT count(*) FROM (" + sql.split(") ", 1)[1] + " OFFSET 0) moved WHERE moved IS NOT NULL"
    ),
}


def _part_seconds(engine: Any, part: str) -> float:
    with engine.connect() as conn:
        upload_id, client_id = _hold_again(conn)
        sql = PARTS[part](conn, line_screen._move_sql())
        now = dt.datetime.now(dt.UTC)
        binds = {
            "screen_upload": upload_id, "screen_client": client_id, "screen_reporting": "USD",
            "screen_unit_quantum": Decimal("0.01"), "move_by": "bench", "move_created": now,
            "move_stamp": now,
        }  # fmt: skip
        statement = text(sql).bindparams(*(bindparam(k, v) for k, v in binds.items() if f":{k}" in sql))
        started = time.perf_counter()
        conn.execute(statement)
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parts", action="store_true")
    args = parser.parse_args()
    engine = make_engine(os.environ["REVREC_BENCH_DATABASE_URL"])
    if not args.parts:
        runs = [_explained(engine) for _ in range(args.repeat)]
        print(
            json.dumps(
                {"benchmark": "stage_move", "runs": runs, "load_average": os.getloadavg()[0]}, indent=2
            )
        )
        return 0
    with engine.connect() as conn:
        lines = conn.execute(text("SELECT count(*) FROM stage_line WHERE upload_id = (SELECT max(upload_id) "
                                  "FROM stage_line)")).scalar_one()  # fmt: skip
    every = {part: [_part_seconds(engine, part) for _ in range(args.repeat)] for part in PARTS}
    result = {
        "benchmark": "stage_move_parts",
        "lines": lines,
        "best_s": {part: round(min(runs), 3) for part, runs in every.items()},
        "lines_per_s": {part: round(lines / min(runs)) for part, runs in every.items()},
        "every_run_s": {part: [round(s, 3) for s in runs] for part, runs in every.items()},
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
