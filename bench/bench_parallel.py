"""Data Collection of one client by one worker process vs two (``REVREC_COLLECTION_PARTITIONS``), on
PostgreSQL.

Three clients get the same generated lines (``bench_e2e.generate``: sales orders of 5 lines, one invoice
each), uploaded and staged first. Then each client's Data Collection runs on fresh ``revrec worker``
processes, timed from submission to the job's end (the workers are already polling):

- ``serial``: 1 worker, unsplit (``REVREC_COLLECTION_PARTITIONS=1``, the default);
- ``split_1_worker``: 1 worker, split in 2 partitions (the planning overhead, nothing in parallel);
- ``split_2_workers``: 2 workers, split in 2 partitions.

Prints wall times, the speed-up of 2 workers over the serial run, the serial parts measured apart (the
plan, i.e. reading and grouping the due lines, and the journal regeneration), the load average before
and after, and whether the digests of all contracts, lines, schedules, bills and journal entries
(``revrec.contracts.digest``, business keys only) are equal. Exit 1 when they differ. CPU seconds next
to the wall times (steadier on a shared machine): of the worker processes (their rusage once ended) and
of this database's PostgreSQL backends (``/proc/<pid>/stat`` of the backends ``pg_stat_activity`` lists,
sampled while the job runs: a backend that ends between two samples loses its last few ticks), and of
the plan (this process, and its connection's backend).

``--plan-only``: stage one client (or reuse it when a client of that name exists, e.g. from an earlier
run) and time ``partitions.assign`` alone ``--repeat`` times, wall and CPU seconds: steadier than the
whole benchmark on a loaded machine.

Run: REVREC_BENCH_DATABASE_URL=postgresql://... python bench/bench_parallel.py [--lines N] [--plan-only]
(without a PostgreSQL URL it says so and exits 0: SQLite has one writer, nothing runs in parallel). The
workers import revrec as this process does (``PYTHONPATH`` is passed on).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from sqlalchemy import text  # noqa: E402

from bench_e2e import (  # noqa: E402
    FILE_LINES,
    SECRET,
    children_cpu,
    generate,
    login,
    setup_client,
    start_workers,
    stop_workers,
)
from revrec.accounting import service as accounting  # noqa: E402
from revrec.config import load_settings  # noqa: E402
from revrec.contracts import partitions  # noqa: E402
from revrec.contracts.collection import prepare  # noqa: E402
from revrec.contracts.digest import collection_digest  # noqa: E402
from revrec.db import migrate  # noqa: E402
from revrec.db.session import make_engine, transaction  # noqa: E402
from revrec.http.app import create_app  # noqa: E402
from revrec.jobs import queue, worker  # noqa: E402
from revrec.jobs.queue import Job  # noqa: E402
from revrec.periods import service as periods  # noqa: E402
from revrec.policies.service import policies_for  # noqa: E402
from revrec.tenancy import repository as tenancy_repo  # noqa: E402
from revrec.tenancy import service as tenancy  # noqa: E402

RUNS = (("serial", 1, 1), ("split_2_workers", 2, 2), ("split_1_worker", 2, 1))  # (name, partitions, workers)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` so far; 0 once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """CPU seconds of this database's PostgreSQL backends since :meth:`start` (other databases excluded)."""

    QUERY = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"

    def __init__(self, engine: Any) -> None:
        self.conn = engine.connect()
        self.base: dict[int, float] = {}
        self.seen: dict[int, float] = {}

    def start(self) -> None:
        self.seen = {}
        self.base = {pid: _cpu_of(pid) for pid in self._pids()}

    def sample(self) -> None:
        for pid in self._pids():
            self.seen[pid] = max(self.seen.get(pid, 0.0), _cpu_of(pid))

    def seconds(self) -> float:
        return sum(cpu - self.base.get(pid, 0.0) for pid, cpu in self.seen.items())

    def _pids(self) -> list[int]:
        pids = [int(pid) for pid in self.conn.exec_driver_sql(self.QUERY).scalars()]
        self.conn.rollback()
        return pids


def _stage(http: Any, engine: Any, headers: dict[str, str], lines: int) -> None:
    for start in range(0, lines, FILE_LINES):
        response = http.post(
            "/api/integration/v1/upload/file",
            headers={**headers, "templatename": "Standard Transaction"},
            files={"file": (f"par-{start}.csv", generate(start, min(FILE_LINES, lines - start)), "text/csv")},
        )
        assert response.status_code == 200, response.text[:500]
        worker.run_until_idle(engine)


def _collect(http: Any, engine: Any, headers: dict[str, str], server: ServerCpu) -> tuple[float, str, str]:
    """Submit a Data Collection and wait for its end, sampling server CPU: (seconds, status, message)."""
    began = time.perf_counter()
    submitted = http.post(
        "/api/integration/v1/job/collection/template",
        headers=headers,
        json={"rc_template_name": "Bench", "org_id": 0},
    ).json()
    while True:
        with transaction(engine, readonly=True) as conn:
            row = queue.by_number(conn, int(submitted["job_id"]))
        server.sample()
        if row.status not in queue.ACTIVE:
            return time.perf_counter() - began, row.status, row.error_message
        time.sleep(0.05)


def _plan(engine: Any, client_id: int, memory: bool = False) -> dict[str, float]:
    """The plan of a 2-partition split, computed and rolled back (the serial part before the split): wall
    seconds, CPU seconds of this process and of its connection's backend. ``memory``: instead, the peak of
    the Python memory (``tracemalloc``, MB) that computing the plan and storing it allocate."""
    with engine.connect() as conn, conn.begin() as outer:
        probe = Job(0, client_id, None, "data_collection", None, {"rc_template_name": "Bench"}, 1, "bench")
        ctx, _, _ = prepare(conn, probe)
        assert ctx is not None
        if memory:
            tracemalloc.start()
            plan, _ = partitions.assign(conn, ctx, "Bench", 2)
            job_id = queue.enqueue(conn, client_id=client_id, kind="data_collection", created_by="bench")
            partitions.store(conn, client_id, job_id, plan)
            del plan
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            outer.rollback()
            return {"plan_and_store_peak_mb": round(peak / (1 << 20), 1)}
        backend = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        began, cpu, server = time.perf_counter(), time.process_time(), _cpu_of(backend)
        partitions.assign(conn, ctx, "Bench", 2)
        found = {
            "plan_s": time.perf_counter() - began,
            "plan_cpu_s": time.process_time() - cpu,
            "plan_server_cpu_s": _cpu_of(backend) - server,
        }
        outer.rollback()
    return {name: round(value, 2) for name, value in found.items()}


def _journal_seconds(engine: Any, client: Any) -> float:
    """The serial step a collection job ends with: a full generation of the open period's journal, into
    the period emptied of its unposted entries (as the job's first generation is), rolled back. A plain
    ``journalize`` after the job would find no contract changed and regenerate nothing."""
    with engine.connect() as conn, conn.begin() as tx:
        scope = periods.default_scope(conn, client.id)
        opened = periods.current_open(conn, scope, policies_for(conn, client).calendar)
        assert opened is not None
        conn.execute(
            text(
                "DELETE FROM journal_entry WHERE client_id = :c AND book_id = :b AND org_id = :o"
                " AND period_key = :p AND posted_flag = :no"
            ),
            {"c": scope.client_id, "b": scope.book_id, "o": scope.org_id, "p": opened.key, "no": False},
        )
        began = time.perf_counter()
        accounting.journalize(conn, scope, opened, full=True)
        seconds = time.perf_counter() - began
        tx.rollback()
    return seconds


def run(lines: int, url: str, tmp: str) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    settings = load_settings(database_url=url, data_dir=Path(tmp), run_worker=False, secret_key=SECRET)
    engine = make_engine(url)
    migrate.upgrade(engine)
    http = TestClient(create_app(settings, engine=engine))
    names = {name: f"par{os.getpid()}{name.replace('_', '')}" for name, _, _ in RUNS}
    headers: dict[str, dict[str, str]] = {}
    for name, client_name in names.items():
        setup_client(engine, client_name)
        headers[name] = login(http, client_name)
        _stage(http, engine, headers[name], lines)
    with transaction(engine) as conn:
        clients = {name: tenancy.require_client(conn, client_name) for name, client_name in names.items()}
    result: dict[str, Any] = {"benchmark": "parallel collection", "lines": lines, "load_before": _load()}
    result.update(_plan(engine, clients["split_2_workers"].id))
    digests: dict[str, str] = {}
    server = ServerCpu(engine)
    for name, parts, count in RUNS:
        workers_cpu = children_cpu()
        processes = start_workers(url, tmp, parts, count)
        time.sleep(2)  # started and polling
        server.start()
        try:
            seconds, status, message = _collect(http, engine, headers[name], server)
            server.sample()
        finally:
            stop_workers(processes)
        result[f"{name}_s"] = round(seconds, 1)
        result[f"{name}_cpu_workers_s"] = round(children_cpu() - workers_cpu, 1)
        result[f"{name}_cpu_server_s"] = round(server.seconds(), 1)
        result[f"{name}_status"] = f"{status}: {message}"
        with transaction(engine, readonly=True) as conn:
            digests[name], counts = collection_digest(conn, clients[name].id)
        result[f"{name}_rows"] = counts
    result["journal_s"] = round(_journal_seconds(engine, clients["serial"]), 1)
    result["speed_up_2_workers"] = round(result["serial_s"] / result["split_2_workers_s"], 2)
    result["speed_up_2_vs_split_1"] = round(result["split_1_worker_s"] / result["split_2_workers_s"], 2)
    result["digests_equal"] = len(set(digests.values())) == 1
    result["digest"] = digests["serial"][:16]
    result["load_after"] = _load()
    server.conn.close()
    engine.dispose()
    return result


def plan_only(lines: int, url: str, tmp: str, repeat: int) -> dict[str, Any]:
    """Time ``partitions.assign`` alone on one client of ``lines`` staged lines (staged once, reused)."""
    from fastapi.testclient import TestClient

    settings = load_settings(database_url=url, data_dir=Path(tmp), run_worker=False, secret_key=SECRET)
    engine = make_engine(url)
    migrate.upgrade(engine)
    name = f"parplan{lines}"
    with transaction(engine) as conn:
        client = tenancy_repo.find_client(conn, name)
    if client is None:
        http = TestClient(create_app(settings, engine=engine))
        setup_client(engine, name)
        _stage(http, engine, login(http, name), lines)
        with transaction(engine) as conn:
            client = tenancy.require_client(conn, name)
    result: dict[str, Any] = {"benchmark": "parallel collection plan", "lines": lines, "load_before": _load()}
    result["runs"] = [_plan(engine, client.id) for _ in range(repeat)]
    result.update(_plan(engine, client.id, memory=True))
    result["load_after"] = _load()
    engine.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--plan-only", action="store_true", help="time partitions.assign alone")
    parser.add_argument("--repeat", type=int, default=5, help="plans timed with --plan-only")
    args = parser.parse_args()
    url = os.environ.get("REVREC_BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        print("bench_parallel: skipped, set REVREC_BENCH_DATABASE_URL=postgresql://... (PostgreSQL only)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if args.plan_only:
            print(json.dumps(plan_only(args.lines, url, tmp, args.repeat), indent=2))
            return 0
        result = run(args.lines, url, tmp)
    print(json.dumps(result, indent=2))
    return 0 if result["digests_equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
