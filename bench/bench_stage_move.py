"""Benchmark (PostgreSQL): where staging's move of held rows into stage_line spends its time.

Takes the latest upload in stage_line (run ``bench/bench_inbound.py`` on the same database first), puts
its rows back into stage_line_hold as pre-stage would have held them, deletes them from stage_line, and
runs ``EXPLAIN ANALYZE`` of the move (``revrec.inbound.line_screen.move_held``'s statement) — all in one
transaction, rolled back. Prints the statement's execution time, the time of each foreign-key trigger
(one call a row) and the load.

Run: REVREC_BENCH_DATABASE_URL=postgresql://... python bench/bench_stage_move.py [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import re

from sqlalchemy import text

from revrec.db.session import make_engine
from revrec.db.stage_columns import COST_LINE_COLUMNS, LINE_COLUMNS, sql_name
from revrec.inbound import line_screen


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = make_engine(os.environ["REVREC_BENCH_DATABASE_URL"])
    names = [sql_name(c) for c, _ in LINE_COLUMNS + COST_LINE_COLUMNS]
    runs = []
    for _ in range(args.repeat):
        with engine.connect() as conn:
            upload_id, client_id = conn.execute(text(
                "SELECT u.id, u.client_id FROM upload u WHERE u.id = (SELECT max(upload_id) FROM stage_line)"
            )).one()  # fmt: skip
            conn.execute(text(
                f"INSERT INTO stage_line_hold (client_id, upload_id, row_num, {', '.join(names)}) "  # noqa: S608
                f"SELECT client_id, upload_id, row_num, {', '.join(f'{n}::text' for n in names)} "
                "FROM stage_line WHERE upload_id = :u"
            ), {"u": upload_id})  # fmt: skip
            conn.execute(text("DELETE FROM stage_line WHERE upload_id = :u"), {"u": upload_id})
            conn.execute(text("SET LOCAL jit = off"))
            conn.execute(text(f"SET LOCAL work_mem = '{line_screen.MOVE_WORK_MEM}'"))
            statement = line_screen._bound(line_screen._move_sql(), client_id, upload_id, "USD", 2, False)
            sql = str(statement.compile(compile_kwargs={"literal_binds": True}))
            # (the move's own binds, unnamed in the literal rendering: by, created, by, stamp)
            stamps = "stage_line.line_key, 'bench', now(), 'bench', now()"
            sql = sql.replace("stage_line.line_key, NULL, NULL, NULL, NULL", stamps)
            plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN (ANALYZE) " + sql)))
            conn.rollback()
        triggers = dict(re.findall(r"Trigger for constraint (\S+): time=([0-9.]+)", plan))
        executed = float(re.findall(r"Execution Time: ([0-9.]+)", plan)[0])
        runs.append({"execution_ms": executed, "trigger_ms": {k: float(v) for k, v in triggers.items()}})
    print(json.dumps({"benchmark": "stage_move", "runs": runs, "load_average": os.getloadavg()[0]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
