"""Console benchmark: page times of the dashboard, contract search and a contract page on a large data set,
each next to its floor (the same query issued directly, without HTTP and rendering).

Target: every page answers in under 300 ms (median of the timed runs); exit 1 when one misses.
Data: bench_e2e's generator (sales orders of 5 lines: one contract per order), staged and collected.
Run: python bench/bench_console.py [--lines N]   (REVREC_BENCH_DATABASE_URL=postgresql://... for PostgreSQL)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_e2e import FILE_LINES, collect, generate, login, setup_client  # noqa: E402
from revrec.auth.service import resolve_principal  # noqa: E402
from revrec.config import load_settings  # noqa: E402
from revrec.console import pages  # noqa: E402
from revrec.console import repository as repo  # noqa: E402
from revrec.db import migrate  # noqa: E402
from revrec.db.session import make_engine, transaction  # noqa: E402
from revrec.http.app import create_app  # noqa: E402
from revrec.jobs import worker  # noqa: E402

TARGET_MS = 300
JANUARY = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
RUNS = 7


def _median_ms(action: Callable[[], Any]) -> float:
    action()  # warm the caches once
    times = []
    for _ in range(RUNS):
        began = time.perf_counter_ns()
        action()
        times.append((time.perf_counter_ns() - began) / 1e6)
    return round(statistics.median(times), 1)


def _load(http: Any, engine: Any, headers: dict[str, str], lines: int) -> None:
    for start in range(0, lines, FILE_LINES):
        data = generate(start, min(FILE_LINES, lines - start))
        response = http.post(
            "/api/integration/v1/upload/file",
            headers={**headers, "templatename": "Standard Transaction"},
            files={"file": (f"bench-{start}.csv", data, "text/csv")},
        )
        assert response.status_code == 200, response.text[:500]
        worker.run_until_idle(engine)
    status = collect(http, engine, headers)
    assert status["status"] == "Completed", status


def _get(http: Any, url: str, params: dict[str, str] | None = None) -> Callable[[], Any]:
    def action() -> None:
        response = http.get(url, params=params)
        assert response.status_code == 200, response.text[:300]

    return action


def _measure(http: Any, engine: Any, token: str, rc_id: int) -> dict[str, dict[str, float]]:
    with transaction(engine, readonly=True) as conn:
        user = resolve_principal(conn, signer=http.app.state.ctx.signer, token=token)

    def direct(work: Callable[[Any], Any]) -> Callable[[], Any]:
        def action() -> None:
            with transaction(engine, readonly=True) as conn:
                work(conn)

        return action

    cases = {
        "dashboard": (_get(http, "/console/dashboard"), direct(lambda c: pages.dashboard(c, user))),
        "contracts (first page)": (
            _get(http, "/console/contracts"),
            direct(lambda c: repo.search_contracts(c, user.client_id, repo.ContractQuery())),
        ),
        "contracts by SO number": (
            _get(http, "/console/contracts", {"so_num": "SO-777"}),
            direct(lambda c: repo.search_contracts(c, user.client_id, repo.ContractQuery(so_num="SO-777"))),
        ),
        "contracts by item, page 3": (
            _get(http, "/console/contracts", {"item_num": "SETUP", "page": "3"}),
            direct(
                lambda c: repo.search_contracts(
                    c, user.client_id, repo.ContractQuery(item_num="SETUP", page=3)
                )
            ),
        ),
        "contracts by customer number (prefix)": (
            _get(http, "/console/contracts", {"cust_num": "C-777"}),
            direct(lambda c: repo.search_contracts(c, user.client_id, repo.ContractQuery(cust_num="C-777"))),
        ),
        "contracts by customer name (every contract), page 3": (
            _get(http, "/console/contracts", {"cust_name": "Acme", "page": "3"}),
            direct(
                lambda c: repo.search_contracts(
                    c, user.client_id, repo.ContractQuery(cust_name="Acme", page=3)
                )
            ),
        ),
        "contracts by booking date (every contract)": (
            _get(http, "/console/contracts", {"booked_from": "2026-01-01", "booked_to": "2026-01-31"}),
            direct(
                lambda c: repo.search_contracts(
                    c, user.client_id, repo.ContractQuery(booked_from=JANUARY[0], booked_to=JANUARY[1])
                )
            ),
        ),
        "contract page": (
            _get(http, f"/console/contracts/{rc_id}"),
            direct(lambda c: pages.contract(c, user, rc_id)),
        ),
    }
    return {
        name: {"page_ms": _median_ms(page), "floor_ms": _median_ms(floor)}
        for name, (page, floor) in cases.items()
    }


def run(lines: int, url: str, tmp: str) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    settings = load_settings(
        database_url=url, data_dir=Path(tmp), run_worker=False, secret_key="bench-console-secret-" + "0" * 40
    )
    engine = make_engine(url)
    migrate.upgrade(engine)
    http = TestClient(create_app(settings, engine=engine))
    client_name = f"bench{os.getpid()}"
    setup_client(engine, client_name)
    began = time.perf_counter()
    _load(http, engine, login(http, client_name), lines)
    built = round(time.perf_counter() - began, 1)
    if engine.dialect.name == "postgresql":  # fresh statistics, as after autovacuum on a live database
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    form = {"clientname": client_name, "role": "API Role", "username": "bench", "password": "bench-password"}
    assert http.post("/console/login", data=form, follow_redirects=False).status_code == 303
    token = http.cookies["revrec_console"]
    with transaction(engine, readonly=True) as conn:
        found = repo.search_contracts(
            conn,
            resolve_principal(conn, signer=http.app.state.ctx.signer, token=token).client_id,
            repo.ContractQuery(so_num="SO-777"),
        )
    pages_ms = _measure(http, engine, token, int(found[0].id))
    database = engine.dialect.name
    engine.dispose()
    return {
        "benchmark": "console",
        "database": database,
        "lines": lines,
        "contracts": lines // 5,
        "build_s": built,
        "pages": pages_ms,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("REVREC_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        result = run(args.lines, url, tmp)
    print(json.dumps(result, indent=2))
    missed = [name for name, t in result["pages"].items() if t["page_ms"] >= TARGET_MS]
    if missed:
        print(f"target missed (>= {TARGET_MS} ms): {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
