"""Benchmark: a v2 export of a 5,000,000-row BI3_RC_SCHD through every page, as CSV and as gzip, against the
raw floor of the same query written to CSV by the database itself.

Data (not timed): 70,000 generated sales-order lines (35,000 sales orders of two 36-month ratable lines, the
second listed above its selling price, so both lines carry a carve) go through the real pipeline, as
``bench_e2e.py`` sends them: ``POST /upload/file`` in 60,000-line files, staging, one Data Collection job.
Each line then gives 36 periods x 2 rows (revenue ``R`` and carve ``A``): 5,040,000 rows.

Export (timed): ``revrec serve`` (uvicorn, one process, no worker) on loopback; this process asks for page 1
without a continuation token, then every page with the token until the 404 that gives the totals, reading
every byte of every answer. Once as CSV (``pageSize`` 10,000) and once as gzip (``pageSize`` 20,000), each
in a fresh server process whose peak RSS (``VmHWM``) is reported.

Floor (timed): the exact SQL the background reader runs (same columns, same ORDER BY, compiled with literal
values) written as CSV by the database's own client, read through a pipe: ``sqlite3 -csv`` (the sqlite3
command-line shell; Debian/Ubuntu: ``apt-get install sqlite3``) or ``psql -c "COPY (...) TO STDOUT WITH
CSV HEADER"``.

CPU seconds of each timed part: ``client`` is the child processes' (the server of an export, ``psql`` or
``sqlite3`` for the floor; SQLite's own work runs in them), ``database`` the PostgreSQL client backends of the
benchmark's database meanwhile (sampled from ``pg_stat_activity`` and ``/proc/<pid>/stat`` every 0.2 s, so a
database server on this host; ``null`` on SQLite). ``load_average`` is taken before the data and at the end.

Targets: each export within 2x the floor's time and peak RSS under 300 MB (exit 1 when missed).
Run: python bench/bench_biviews.py [--lines N]   (REVREC_BENCH_DATABASE_URL=postgresql://... for PostgreSQL)
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from auth_mixed import start_server  # noqa: E402
from bench_e2e import FILE_LINES, children_cpu, collect, login, setup_client  # noqa: E402
from inbound_data import TRANSACTION_LABELS, so_line, to_csv  # noqa: E402
from revrec.biviews import repository  # noqa: E402
from revrec.biviews.catalog import standard_registry  # noqa: E402
from revrec.biviews.views import ViewQuery  # noqa: E402
from revrec.config import load_settings  # noqa: E402
from revrec.db import migrate  # noqa: E402
from revrec.db.session import make_engine, transaction  # noqa: E402
from revrec.http.app import create_app  # noqa: E402
from revrec.jobs import worker  # noqa: E402
from revrec.tenancy import service as tenancy  # noqa: E402

VIEW = "BI3_RC_SCHD"
SECRET = "bench-secret-key-bench-secret-key-bench-secret-key-000000"
READ = 1 << 20
TARGET_RATIO = 2.0
TARGET_RSS_MB = 300
SQLITE_MISSING = (
    "the sqlite3 command-line shell is needed for the floor: apt-get install sqlite3 (Debian/Ubuntu), "
    "brew install sqlite (macOS), or put a sqlite3 binary on PATH"
)


# --- data -------------------------------------------------------------------------------------------------


def _line(i: int) -> dict[str, str]:
    so, position = divmod(i, 2)
    sell = 100 + (i * 7) % 900
    listed = sell * 6 // 5 if position else sell
    return so_line(
        f"L{i}",
        **{
            "Doc Num": f"SO-{so}",
            "Cust Num": f"C-{so % 50000}",
            "Doc Date": "01-JAN-2026",
            "Start Date": "01-JAN-2026",
            "End Date": "31-DEC-2028",
            "Item Num": f"SUB-{position}",
            "Ext Sll Prc": f"{sell}.25",
            "Unit Sell Prc": f"{sell}.25",
            "Ext Lst Prc": f"{listed}.00",
            "Unit List Prc": f"{listed}.00",
        },
    )


def generate(start: int, count: int) -> bytes:
    """Lines ``start .. start + count``: sales orders of two 36-month lines, the second listed at 120 %."""
    return to_csv(TRANSACTION_LABELS, [_line(i) for i in range(start, start + count)]).encode()


def build(url: str, tmp: str, lines: int, client_name: str) -> dict[str, Any]:
    """Upload, stage and collect ``lines`` lines through the in-process app; the client's id and timings."""
    from fastapi.testclient import TestClient

    settings = load_settings(database_url=url, data_dir=Path(tmp), run_worker=False, secret_key=SECRET)
    engine = make_engine(url)
    migrate.upgrade(engine)
    http = TestClient(create_app(settings, engine=engine))
    setup_client(engine, client_name)
    headers = login(http, client_name)
    began = time.perf_counter()
    for start in range(0, lines, FILE_LINES):
        response = http.post(
            "/api/integration/v1/upload/file",
            headers={**headers, "templatename": "Standard Transaction"},
            files={
                "file": (f"bench-{start}.csv", generate(start, min(FILE_LINES, lines - start)), "text/csv")
            },
        )
        assert response.status_code == 200, response.text[:500]
        worker.run_until_idle(engine)
    status = collect(http, engine, headers)
    count = http.get(f"/api/integration/v2/biviews/count/{VIEW}", headers=headers).json()["count"]
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, client_name).id
    engine.dispose()
    return {
        "collection": status["status"],
        "build_s": round(time.perf_counter() - began, 1),
        "rows": count,
        "client_id": client_id,
    }


# --- CPU seconds ------------------------------------------------------------------------------------------


def _proc_cpu(pid: int) -> float | None:
    """CPU seconds of process ``pid`` (user + system, from /proc), None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


BACKENDS = (  # client backends only: an autovacuum worker of the database is not the benchmark's work
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend'"
)


@contextmanager
def cpu_seconds(url: str) -> Iterator[dict[str, Any]]:
    """While the block runs: the children's CPU seconds (``client``) and, on PostgreSQL, the CPU seconds of
    the backends connected to the benchmark's database (``database``, the last sample of each backend)."""
    found: dict[str, Any] = {"client": None, "database": None}
    backends: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        dsn = url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not done.is_set():
                rows = conn.execute(BACKENDS).fetchall()
                for (pid,) in rows:
                    if (seconds := _proc_cpu(pid)) is not None:
                        backends[pid] = max(backends.get(pid, 0.0), seconds)
                done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True) if url.startswith("postgres") else None
    began = children_cpu()
    if sampler is not None:
        sampler.start()
    try:
        yield found
    finally:
        done.set()
        if sampler is not None:
            sampler.join()
            found["database"] = round(sum(backends.values()), 1)
        found["client"] = round(children_cpu() - began, 1)


# --- the floor --------------------------------------------------------------------------------------------


def reader_sql(url: str, client_id: int) -> str:
    """The SQL the background reader runs for the whole view (``repository.bulk_select``), values inlined."""
    stmt = repository.bulk_select(standard_registry().get(VIEW), ViewQuery(client_id))
    assert stmt is not None
    engine = make_engine(url)
    dialect = type(engine.dialect)(paramstyle="named")  # no parameters: no %% escaping for psql
    engine.dispose()
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _drain(stream: Any) -> tuple[int, int]:
    """Read a byte stream to its end; its bytes and line ends."""
    size = lines = 0
    while chunk := stream.read(READ):
        size += len(chunk)
        lines += chunk.count(b"\n")
    return size, lines


def floor(url: str, sql: str) -> dict[str, Any]:
    """The statement written as CSV by the database's own client, read through a pipe."""
    if url.startswith("postgres"):
        dsn = url.replace("postgresql+psycopg", "postgresql")
        command = ["psql", dsn, "-X", "-q", "-c", f"COPY ({sql}) TO STDOUT WITH CSV HEADER"]
        tool = "psql COPY ... TO STDOUT WITH CSV HEADER"
    else:
        if shutil.which("sqlite3") is None:
            raise SystemExit(SQLITE_MISSING)
        command = ["sqlite3", "-readonly", "-csv", "-header", url.removeprefix("sqlite:///"), sql]
        tool = "sqlite3 -csv -header"
    with cpu_seconds(url) as cpu:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE)
        assert process.stdout is not None
        size, lines = _drain(process.stdout)
        if process.wait() != 0:
            raise SystemExit(f"{tool} failed")
        seconds = time.perf_counter() - began
    return {"tool": tool, "rows": lines - 1, "seconds": round(seconds, 2), "bytes": size, "cpu_s": cpu,
            "_s": seconds}  # fmt: skip


# --- the export -------------------------------------------------------------------------------------------


class Server:
    """``revrec serve`` in a child process on a free loopback port."""

    def __init__(self, url: str, tmp: str) -> None:
        env = {
            **os.environ,
            "REVREC_DATABASE_URL": url,
            "REVREC_DATA_DIR": tmp,
            "REVREC_SECRET_KEY": SECRET,
            "REVREC_RUN_WORKER": "false",
            "REVREC_LOG_LEVEL": "WARNING",
        }
        self.process, self.port = start_server(env)

    def peak_rss_mb(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        return kb // 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _login(conn: http.client.HTTPConnection, client_name: str) -> str:
    conn.request(
        "POST",
        "/api/integration/v1/authenticate",
        headers={
            "Authorization": "Basic " + base64.b64encode(b"bench:bench-password").decode(),
            "role": "API Role",
            "clientname": client_name,
        },
    )
    response = conn.getresponse()
    response.read()
    return str(response.headers["Revpro-Token"])


def export(url: str, tmp: str, client_name: str, output: str, page_size: int) -> dict[str, Any]:
    """Every page of the view through v2 over HTTP; rows from the 404 totals, bytes as read; CPU seconds
    from the server's start to its end (see :func:`cpu_seconds`)."""
    with cpu_seconds(url) as cpu:
        result = _export(url, tmp, client_name, output, page_size)
    return {**result, "cpu_s": cpu}


def _export(url: str, tmp: str, client_name: str, output: str, page_size: int) -> dict[str, Any]:
    server = Server(url, tmp)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        headers = {"token": _login(conn, client_name)}
        path = f"/api/integration/v2/biviews/{VIEW}?outputType={output}&pageSize={page_size}"
        size = lines = pages = retries = 0
        began = time.perf_counter()
        number = 1
        while True:
            conn.request("GET", f"{path}&pagenum={number}", headers=headers)
            response = conn.getresponse()
            if response.headers["continuation-token"]:  # also on a "not yet cached" page 1
                headers["continuation-token"] = response.headers["continuation-token"]
            if response.status == 200:
                got, ends = _drain(response)
                size, lines, pages, number = size + got, lines + ends, pages + 1, number + 1
                continue
            body = response.read()
            if response.status == 400 and b"not yet cached" in body:
                retries += 1  # the reader is behind: ask again (the request already waited for it)
                continue
            if response.status in (404, 204):
                totals = json.loads(body) if body else {"total_rows": 0, "total_pages": 0}
                break
            raise SystemExit(f"page {number}: {response.status} {body[:300]!r}")
        seconds = time.perf_counter() - began
        conn.close()
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    rows = int(totals["total_rows"])
    if output == "csv":
        assert lines == rows + pages, (lines, rows, pages)  # every line read, one header per page
    return {
        "page_size": page_size,
        "pages": pages,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": int(rows / seconds),
        "bytes": size,
        "not_cached_retries": retries,
        "peak_rss_mb": peak,
        "_s": seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=70_000)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("REVREC_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        if not url.startswith("postgres") and shutil.which("sqlite3") is None:
            raise SystemExit(SQLITE_MISSING)
        client_name = f"bench{os.getpid()}"
        data = build(url, tmp, args.lines, client_name)
        base = floor(url, reader_sql(url, data["client_id"]))
        results = {
            "csv": export(url, tmp, client_name, "csv", 10_000),
            "gzip": export(url, tmp, client_name, "gzip", 20_000),
        }
    for name, result in results.items():
        result["over_floor"] = round(result.pop("_s") / base["_s"], 2)
        assert result["rows"] == base["rows"] == data["rows"], (
            name,
            result["rows"],
            base["rows"],
            data["rows"],
        )
    floor_s = base.pop("_s")
    base["rows_per_s"] = int(base["rows"] / floor_s)
    print(
        json.dumps(
            {
                "benchmark": "biviews",
                "database": "postgresql" if url.startswith("postgres") else "sqlite",
                "view": VIEW,
                "lines": args.lines,
                "data": data,
                "floor": base,
                **results,
                "load_average": {"before": load_before, "end": os.getloadavg()},
            },
            indent=2,
        )
    )
    met = all(r["over_floor"] <= TARGET_RATIO and r["peak_rss_mb"] < TARGET_RSS_MB for r in results.values())
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
