"""End-to-end benchmark: generated transaction lines sent as 60,000-line files, staged, collected into
revenue contracts (allocation, schedules), journalised; then a Period Close.

Prints lines/s per stage, total time, peak memory (RSS) and database size. Targets (the scale issue):
1,000,000 lines (with the later lines) in at most 150 s on SQLite and 120 s on PostgreSQL, peak memory under
1 GB, Data Collection + journal at no less than half the engine's lines/s; exit 1 when the time or memory
target is missed (scaled to ``--lines``).

Run: python bench/bench_e2e.py [--lines N] [--later-percent L] [--vc-percent P] [--profile FILE]
[--workers W] (REVREC_BENCH_DATABASE_URL=postgresql://... for PostgreSQL). ``--workers W`` (PostgreSQL):
both Data Collections split by contract into W partitions, run by the benchmark's in-process worker and
W − 1 ``revrec worker`` processes started for each collection. ``--later-percent L`` (default 20): after the
first collection, L % of the sales orders get later lines (an SO update of their first line, an invoice of
their second, a credit memo against their third), sent as a second set of files and collected by a second
Data Collection (revisions of existing contracts). The engine's own time inside both collections (the
``compute`` step: grouping, POBs, SSP, allocation, schedules) is measured alone and printed as lines/s, with
the ratio collection lines/s : engine lines/s. ``--vc-percent P``: P % of the SO lines carry a variable
consideration estimate (a rebate by expected value, or a capped performance bonus by most likely amount),
sent as ``Standard VC`` files after the transactions and reassessed by the collection's journalize
(docs/judgment.md).
Data: sales orders of 5 lines (12/24/36-month ratable subscriptions and point-in-time setup lines, list
price above sell price on half the lines so that most contracts carry carves), one invoice per sales order.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from inbound_data import TRANSACTION_LABELS, so_line  # noqa: E402
from revrec.accounting import service as accounting  # noqa: E402
from revrec.config import load_settings  # noqa: E402
from revrec.contracts import service as collection_service  # noqa: E402
from revrec.db import migrate  # noqa: E402
from revrec.db.session import make_engine, transaction  # noqa: E402
from revrec.http.app import create_app  # noqa: E402
from revrec.inbound.templates_std import STANDARD_VC  # noqa: E402
from revrec.jobs import queue, worker  # noqa: E402
from revrec.periods import service as periods  # noqa: E402
from revrec.policies.service import policies_for  # noqa: E402
from revrec.setup import service as setup_service  # noqa: E402
from revrec.tenancy import service as tenancy  # noqa: E402

FILE_LINES = 60000
SECRET = "bench-secret-key-bench-secret-key-bench-secret-key-000000"
REVREC = str(Path(sys.executable).parent / "revrec")
POLICIES: dict[str, Any] = {
    "rc_grouping_templates": [
        {
            "name": "Bench",
            "rules": [{"seq": 1, "name": "By SO", "group_by": ["CUST_NUM", "SO_NUM"]}],
            "ssp_hierarchy": [{"seq": 1, "template": "List", "within": "M", "below": "M", "above": "M"}],
        }
    ],
    "pob_templates": [
        {"name": "Subscription", "release_event": "Upon Booking", "ratable_method": "Ratable"},
        {"name": "Setup", "release_event": "Upon Booking", "ratable_method": "Immediate Using Start Date"},
    ],
    "pob_assignment_rules": [{"template": "Setup", "kind": "Item", "seq": 1, "item_num": "SETUP"}],
    "auto_pob_template": "Subscription",
    "ssp_templates": [
        {"name": "List", "rules": [{"name": "List", "method": "Percent Of List Price", "percent": "100"}]}
    ],
}
ENDS = ("31-DEC-2026", "31-DEC-2027", "31-DEC-2028")
VC_SETUP: dict[str, Any] = {
    "types": [
        {"name": "rebate", "method": "expected_value"},
        {"name": "bonus", "method": "most_likely", "constraint": {"kind": "cap", "value": "50"}},
    ]
}
VC_LABELS = [f.label for f in STANDARD_VC.fields]


def _row(i: int) -> dict[str, str]:
    so, position = divmod(i, 5)
    common = {
        "Doc Num": f"SO-{so}",
        "Cust Num": f"C-{so % 50000}",
        "Doc Date": "01-JAN-2026",
        "Start Date": "01-JAN-2026",
    }
    if position == 4:  # the invoice of the sales order's first line
        price = f"{100 + so % 900}.25"
        return so_line(
            f"L{so * 5}",
            Type="INV",
            **common,
            **{
                "Inv Num": f"INV-{so}",
                "Inv Line Num": "1",
                "Inv Line Id": f"I{so}",
                "Inv Date": "15-JAN-2026",
                "Inv Qty": "1",
                "Ext Sll Prc": price,
                "Ext Lst Prc": price,
                "Unit Sell Prc": price,
                "Unit List Prc": price,
                "End Date": ENDS[so % 3],
            },
        )
    sell = 100 + (i * 7) % 900
    listed = sell * 6 // 5 if i % 2 else sell
    item = "SETUP" if position == 3 else f"SUB-{position}"
    end = "01-JAN-2026" if item == "SETUP" else ENDS[(so + position) % 3]
    return so_line(
        f"L{i}",
        **common,
        **{
            "Item Num": item,
            "End Date": end,
            "Ext Sll Prc": f"{sell}.25",
            "Unit Sell Prc": f"{sell}.25",
            "Ext Lst Prc": f"{listed}.00",
            "Unit List Prc": f"{listed}.00",
        },
    )


def generate(start: int, count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRANSACTION_LABELS)
    for i in range(start, start + count):
        row = _row(i)
        writer.writerow([row.get(label, "") for label in TRANSACTION_LABELS])
    return out.getvalue().encode()


def has_later(so: int, percent: int) -> bool:
    """Whether sales order ``so`` gets later lines (spread evenly: ``percent`` of every 100 orders)."""
    return (so * 37) % 100 < percent


def _later_rows(so: int) -> list[dict[str, str]]:
    """Sales order ``so``'s later lines: its first SO line again at a higher price (an SO update, a new
    line version), an invoice of its second line and a credit memo against its third, all in January."""
    common = {"Doc Num": f"SO-{so}", "Cust Num": f"C-{so % 50000}", "Start Date": "01-JAN-2026"}
    first, second, third = so * 5, so * 5 + 1, so * 5 + 2
    sell = 100 + (first * 7) % 900 + 120
    listed = sell * 6 // 5 if first % 2 else sell
    update = so_line(
        f"L{first}",
        **common,
        **{
            "Doc Date": "20-JAN-2026",
            "Item Num": "SUB-0",
            "End Date": ENDS[so % 3],
            "Ext Sll Prc": f"{sell}.25",
            "Unit Sell Prc": f"{sell}.25",
            "Ext Lst Prc": f"{listed}.00",
            "Unit List Prc": f"{listed}.00",
        },
    )
    billed = f"{100 + (second * 7) % 900}.25"
    invoice = so_line(
        f"L{second}",
        Type="INV",
        **common,
        **{
            "Doc Date": "01-JAN-2026",
            "Item Num": "SUB-1",
            "End Date": ENDS[(so + 1) % 3],
            "Inv Num": f"INV2-{so}",
            "Inv Line Num": "1",
            "Inv Line Id": f"I2-{so}",
            "Inv Date": "22-JAN-2026",
            "Inv Qty": "1",
            "Ext Sll Prc": billed,
            "Ext Lst Prc": billed,
            "Unit Sell Prc": billed,
            "Unit List Prc": billed,
        },
    )
    credit = so_line(
        f"L{third}",
        Type="CM",
        **common,
        **{
            "Doc Date": "01-JAN-2026",
            "Item Num": "SUB-2",
            "End Date": ENDS[(so + 2) % 3],
            "Inv Num": f"CM-{so}",
            "Inv Line Num": "1",
            "Inv Line Id": f"CM-{so}",
            "Inv Date": "25-JAN-2026",
            "Inv Qty": "1",
            "Ext Sll Prc": "-20.00",
            "Ext Lst Prc": "-20.00",
            "Unit Sell Prc": "20.00",
            "Unit List Prc": "20.00",
        },
    )
    return [update, invoice, credit]


def generate_later(first_so: int, count: int, percent: int) -> tuple[bytes, int]:
    """The later lines of sales orders ``first_so`` .. ``first_so + count`` - 1 as one Standard
    Transaction file; (file, rows)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRANSACTION_LABELS)
    rows = 0
    for so in range(first_so, first_so + count):
        if not has_later(so, percent):
            continue
        for row in _later_rows(so):
            writer.writerow([row.get(label, "") for label in TRANSACTION_LABELS])
            rows += 1
    return out.getvalue().encode(), rows


class EngineClock:
    """Times the engine step (``compute``) of every collection chunk, in this process."""

    def __init__(self) -> None:
        self.ns = 0
        self.original = collection_service.compute

    def __enter__(self) -> EngineClock:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter_ns()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.ns += time.perf_counter_ns() - began

        collection_service.compute = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        collection_service.compute = self.original  # type: ignore[assignment]


class StatementClock:
    """Wall time and count of every statement (text shortened, value lists folded) while ``on``, of the
    thread that created it only: the worker's heartbeat thread shares the engine, and its ``BEGIN``
    waiting on SQLite's write lock while a chunk writes is not time the collection spends."""

    def __init__(self, engine: Any) -> None:
        self.on = False
        self.thread = threading.get_ident()
        self.seen: dict[str, list[float]] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *args: Any) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.on and threading.get_ident() == self.thread:
            key = re.sub(r"(%\(\w+\)s|\?)(, (%\(\w+\)s|\?))+", "...", " ".join(statement.split()))[:150]
            seen = self.seen.setdefault(key, [0, 0.0])
            seen[0] += 1
            seen[1] += time.perf_counter() - conn.info["bench_began"]

    def write(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as out:
            for key, (count, seconds) in sorted(self.seen.items(), key=lambda kv: -kv[1][1]):
                out.write(f"{seconds:9.3f} s {int(count):7d}  {key}\n")

    def take(self) -> dict[str, list[float]]:
        """What was counted so far; counting starts again from nothing."""
        seen, self.seen = self.seen, {}
        return seen


@contextmanager
def _profiled(profiler: cProfile.Profile | None, statements: StatementClock | None) -> Iterator[None]:
    if profiler is not None:
        profiler.enable()
    if statements is not None:
        statements.on = True
    try:
        yield
    finally:
        if profiler is not None:
            profiler.disable()
        if statements is not None:
            statements.on = False


def _has_vc(i: int, percent: int) -> bool:
    """Whether SO line ``i`` carries a VC estimate (spread evenly: ``percent`` of every 100 SO lines)."""
    return i % 5 != 4 and (i * 37) % 100 < percent


def generate_vc(start: int, count: int, percent: int) -> tuple[bytes, int]:
    """The VC estimates of SO lines ``start`` .. ``start + count`` - 1 as a Standard VC file; (file, rows)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(VC_LABELS)
    rows = 0
    for i in range(start, start + count):
        if not _has_vc(i, percent):
            continue
        if i % 2:
            row = {"Doc Line Id": f"L{i}", "VC Type": "rebate", "Estimate Date": "10-JAN-2026",
                   "Scenario 1 Amt": f"-{10 + i % 40}", "Scenario 1 Pct": "60",
                   "Scenario 2 Amt": "0", "Scenario 2 Pct": "40"}  # fmt: skip
        else:
            row = {"Doc Line Id": f"L{i}", "VC Type": "bonus", "Estimate Date": "10-JAN-2026",
                   "Most Likely Amt": f"{20 + i % 60}"}  # fmt: skip
        writer.writerow([row.get(label, "") for label in VC_LABELS])
        rows += 1
    return out.getvalue().encode(), rows


def _database_bytes(engine: Any, url: str, tmp: str) -> int:
    if url.startswith("postgres"):
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar())
    return sum(p.stat().st_size for p in Path(tmp).glob("bench.sqlite3*"))


def setup_client(engine: Any, client_name: str, vc: bool = False) -> None:
    """A client with user ``bench`` (API Role), the bench policies and open period JAN-2026 (and the VC
    types when ``vc``)."""
    with transaction(engine) as conn:
        tenancy.create_client(conn, name=client_name)
        tenancy.create_user(
            conn,
            client_name=client_name,
            username="bench",
            password="bench-password",
            role_names=["API Role"],
        )
        setup_service.apply_setup(
            conn,
            client_name=client_name,
            document={
                "policies": POLICIES,
                "accounting": {"open_period": 202601},
                **({"variable_consideration": VC_SETUP} if vc else {}),
            },
        )


def login(http: Any, client_name: str) -> dict[str, str]:
    """The ``token`` header of user ``bench`` of ``client_name``."""
    auth = http.post(
        "/api/integration/v1/authenticate",
        auth=("bench", "bench-password"),
        headers={"role": "API Role", "clientname": client_name},
    )
    return {"token": auth.headers["Revpro-Token"]}


def start_workers(url: str, tmp: str, parts: int, count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` ``revrec worker`` processes on the database at ``url``, splitting a Data Collection into
    ``parts`` partitions (``REVREC_COLLECTION_PARTITIONS``), polling every 50 ms."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
        "REVREC_DATABASE_URL": url,
        "REVREC_SECRET_KEY": SECRET,
        "REVREC_DATA_DIR": tmp,
        "REVREC_COLLECTION_PARTITIONS": str(parts),
        "REVREC_WORKER_POLL_MS": "50",
        "REVREC_LOG_LEVEL": "WARNING",
    }
    return [subprocess.Popen([REVREC, "worker"], env=env) for _ in range(count)]


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> int:
    """Stop the worker ``processes``; the largest peak RSS (MB) among them (``VmHWM``: since their
    ``exec``, which the rusage of ended children does not count from)."""
    peak = max(_process_peak_rss_mb(process.pid) for process in processes)
    for process in processes:
        process.terminate()
    for process in processes:
        if process.wait(timeout=60) not in (0, -15):
            raise SystemExit(f"a worker process ended with status {process.returncode}")
    return peak


def collect(http: Any, engine: Any, headers: dict[str, str]) -> dict[str, Any]:
    """One Data Collection job (template ``Bench``) run to its end by the in-process worker (with
    ``--workers`` > 1 helped by the other workers; when one of them claimed the job itself, the in-process
    worker runs partitions until the job has ended); the job's status."""
    submitted = http.post(
        "/api/integration/v1/job/collection/template",
        headers=headers,
        json={"rc_template_name": "Bench", "org_id": 0},
    ).json()
    while True:  # runs what it can claim (the job, or its partitions when another worker has the job)
        worker.run_until_idle(engine)
        with transaction(engine, readonly=True) as conn:
            if queue.by_number(conn, int(submitted["job_id"])).status not in queue.ACTIVE:
                break
        time.sleep(0.05)
    url = f"/api/integration/v1/job/collection/template/{submitted['job_id']}"
    return dict(http.get(url, headers=headers).json()["data"])


@contextmanager
def helped(
    url: str, tmp: str, workers: int, cpu: dict[str, float], rss: dict[str, int], stage: str
) -> Iterator[None]:
    """``workers`` − 1 worker processes running beside the in-process worker while the block runs (started
    and polling before it); once they have ended, their CPU seconds (their start and polling included) are
    ``cpu[stage]``, their largest peak RSS ``rss[stage]`` (MB)."""
    if workers < 2:
        yield
        return
    before = children_cpu()
    processes = start_workers(url, tmp, workers, workers - 1)
    time.sleep(3)  # started and polling: their start is not the collection's time
    try:
        yield
    finally:
        rss[stage] = stop_workers(processes)
        cpu[stage] = children_cpu() - before


def children_cpu() -> float:
    """CPU seconds of this process's waited-for children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    lines: int,
    url: str,
    tmp: str,
    vc_percent: int = 0,
    later_percent: int = 0,
    profile: str | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """``profile``: a file to write the cProfile statistics of the first Data Collection job to (and, to
    ``profile``.statements.txt, the wall time and count of each statement it ran); the later lines'
    collection's go to ``profile``.later and ``profile``.later.statements.txt, the Period Close's
    statements to ``profile``.close.statements.txt. ``workers`` > 1: both Data Collections
    split by contract into that many partitions, run by this process's worker and ``workers`` − 1
    ``revrec worker`` processes (docs/scaling.md, "Parallel Data Collection")."""
    from fastapi.testclient import TestClient

    profiler = cProfile.Profile() if profile else None
    later_profiler = cProfile.Profile() if profile else None

    settings = load_settings(
        database_url=url,
        data_dir=Path(tmp),
        run_worker=False,
        secret_key=SECRET,
        collection_partitions=workers,
        # one login for the whole run: at 5,000,000 lines one collection outlasts the default 30 minutes
        token_ttl_seconds=86400,
    )
    engine = make_engine(url)
    migrate.upgrade(engine)
    statements = StatementClock(engine) if profile else None
    http = TestClient(create_app(settings, engine=engine))
    client_name = f"bench{os.getpid()}"
    setup_client(engine, client_name, vc=vc_percent > 0)
    headers = login(http, client_name)
    timings: dict[str, int] = {"upload": 0, "staging": 0}
    peaks: dict[str, int] = {}  # the process's peak RSS (MB) once each stage has run: where memory grows
    started = time.perf_counter()

    def reached(stage: str) -> None:
        peaks[stage] = _peak_rss_mb()
        print(f"{time.perf_counter() - started:8.1f} s  {stage}: peak RSS {peaks[stage]} MB", file=sys.stderr)

    for start in range(0, lines, FILE_LINES):
        data = generate(start, min(FILE_LINES, lines - start))
        began = time.perf_counter_ns()
        response = http.post(
            "/api/integration/v1/upload/file",
            headers={**headers, "templatename": "Standard Transaction"},
            files={"file": (f"bench-{start}.csv", data, "text/csv")},
        )
        assert response.status_code == 200, response.text[:500]
        timings["upload"] += time.perf_counter_ns() - began
        began = time.perf_counter_ns()
        worker.run_until_idle(engine)
        timings["staging"] += time.perf_counter_ns() - began
    reached("upload_and_staging")
    vc_rows = 0
    if vc_percent:
        timings["vc_upload_and_staging"] = 0
        began = time.perf_counter_ns()
        for start in range(0, lines, FILE_LINES):
            data, count = generate_vc(start, min(FILE_LINES, lines - start), vc_percent)
            if not count:
                continue
            vc_rows += count
            response = http.post(
                "/api/integration/v1/upload/file",
                headers={**headers, "templatename": "Standard VC"},
                files={"file": (f"bench-vc-{start}.csv", data, "text/csv")},
            )
            assert response.status_code == 200, response.text[:500]
            worker.run_until_idle(engine)  # staged file by file: a client has at most 2 uploads in progress
        timings["vc_upload_and_staging"] = time.perf_counter_ns() - began
        reached("vc_upload_and_staging")
    helper_cpu: dict[str, float] = {}  # CPU time and peak RSS of the other worker processes (--workers)
    helper_rss: dict[str, int] = {}
    with helped(url, tmp, workers, helper_cpu, helper_rss, "collection_and_journal"):
        began, cpu_began = time.perf_counter_ns(), time.process_time_ns()
        with EngineClock() as clock, _profiled(profiler, statements):
            status = collect(http, engine, headers)
        timings["collection_and_journal"] = time.perf_counter_ns() - began
    reached("collection_and_journal")
    cpu = {"collection_and_journal": time.process_time_ns() - cpu_began}
    first_statements = statements.take() if statements is not None else {}
    engine_ns = {"collection": clock.ns}
    later_rows, later_status = 0, None
    if later_percent:
        began = time.perf_counter_ns()
        orders = (lines + 4) // 5
        for first in range(0, orders, FILE_LINES // 5):
            data, count = generate_later(first, min(FILE_LINES // 5, orders - first), later_percent)
            if not count:
                continue
            later_rows += count
            response = http.post(
                "/api/integration/v1/upload/file",
                headers={**headers, "templatename": "Standard Transaction"},
                files={"file": (f"bench-later-{first}.csv", data, "text/csv")},
            )
            assert response.status_code == 200, response.text[:500]
            worker.run_until_idle(engine)
        timings["later_upload_and_staging"] = time.perf_counter_ns() - began
        reached("later_upload_and_staging")
        with helped(url, tmp, workers, helper_cpu, helper_rss, "later_collection_and_journal"):
            began, cpu_began = time.perf_counter_ns(), time.process_time_ns()
            with EngineClock() as clock, _profiled(later_profiler, statements):
                later_status = collect(http, engine, headers)
            timings["later_collection_and_journal"] = time.perf_counter_ns() - began
        reached("later_collection_and_journal")
        cpu["later_collection_and_journal"] = time.process_time_ns() - cpu_began
        engine_ns["later_collection"] = clock.ns
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, client_name)
        scope = periods.default_scope(conn, client.id)
        opened = periods.current_open(
            conn,
            scope,
            policies_for(conn, client).calendar,
        )
        assert opened is not None
        began = time.perf_counter_ns()
        # a full generation, as every generation was before they became incremental (comparable figures)
        summary_rows = accounting.journalize(conn, scope, opened, full=True)
        timings["journal_regeneration"] = time.perf_counter_ns() - began
    reached("journal_regeneration")
    began, cpu_began = time.perf_counter_ns(), time.process_time_ns()
    collected = statements.take() if statements is not None else {}
    close = http.post(
        "/api/integration/v1/1/programs/152/submit", headers=headers, json={"parameters": []}
    ).json()
    with _profiled(None, statements):
        worker.run_until_idle(engine)
    timings["period_close"] = time.perf_counter_ns() - began
    cpu["period_close"] = time.process_time_ns() - cpu_began
    reached("period_close")
    closed = http.get(f"/api/integration/v1/1/jobs/{close['job_id']}", headers=headers).json()["data"]
    with engine.connect() as conn:  # what the VC reassessment wrote (0 without --vc-percent)
        mine = {"client": client.id}
        vc_schedule_rows = int(
            conn.execute(text("SELECT count(*) FROM vc_schedule WHERE client_id = :client"), mine).scalar()
            or 0
        )
        vc_entries = conn.execute(
            text(
                "SELECT count(*) FROM journal_entry"
                " WHERE client_id = :client AND acctg_type IN ('V', 'W', 'K')"
            ),
            mine,
        ).scalar()
    if profiler is not None and later_profiler is not None and statements is not None and profile:
        profiler.dump_stats(profile)
        later_profiler.dump_stats(profile + ".later")
        statements.write(profile + ".close.statements.txt")
        for name, seen in ((".statements.txt", first_statements), (".later.statements.txt", collected)):
            statements.seen = seen
            statements.write(profile + name)
    size = _database_bytes(engine, url, tmp)
    database = engine.dialect.name
    engine.dispose()
    total = sum(v for k, v in timings.items() if k != "journal_regeneration")
    counts = {
        k: lines if k.startswith(("upload", "staging", "collection", "vc")) else later_rows for k in timings
    }
    counts["journal_regeneration"] = counts["period_close"] = lines
    collection_rate = lines * 10**9 // timings["collection_and_journal"]
    engine_rate = lines * 10**9 // max(engine_ns["collection"], 1)
    return {
        "benchmark": "e2e",
        "database": database,
        "lines": lines,
        "vc_estimates": vc_rows,
        "collection_status": status["status"],
        "collection_message": status["error_message"],
        "journal_summary_rows": summary_rows,
        "vc_schedule_rows": vc_schedule_rows,
        "vc_journal_rows": int(vc_entries or 0),
        "later_lines": later_rows,
        "later_collection_status": later_status and later_status["status"],
        "later_collection_message": later_status and later_status["error_message"],
        "period_close": closed["status"],
        **{f"{k}_lines_per_s": counts[k] * 10**9 // v for k, v in timings.items() if v},
        **{f"{k}_s": round(v / 1e9, 1) for k, v in timings.items()},
        # CPU time of this process (the benchmark with its in-process worker; not the PostgreSQL server):
        # steadier than wall time on a shared machine
        **{f"{k}_cpu_s": round(v / 1e9, 1) for k, v in cpu.items()},
        # with --workers > 1: the other worker processes' CPU time, their peak RSS; the engine's time is
        # then only this process's share of it, so the engine's rate and the ratio are not printed
        "workers": workers,
        **{f"{k}_other_workers_cpu_s": round(v, 1) for k, v in helper_cpu.items()},
        **{f"{k}_other_workers_peak_rss_mb": v for k, v in helper_rss.items()},
        **(
            {
                "engine_in_collection_s": round(engine_ns["collection"] / 1e9, 1),
                "engine_lines_per_s": engine_rate,
                "collection_to_engine_ratio": round(collection_rate / max(engine_rate, 1), 3),
            }
            if workers == 1
            else {}
        ),
        **(
            {"engine_in_later_collection_s": round(engine_ns["later_collection"] / 1e9, 1)}
            if "later_collection" in engine_ns and workers == 1
            else {}
        ),
        "total_s": round(total / 1e9, 1),
        "peak_rss_mb": _peak_rss_mb(),
        "peak_rss_mb_after": peaks,
        "database_mb": size // (1 << 20),
    }


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _process_peak_rss_mb(pid: int) -> int:
    """Peak RSS (MB) of running process ``pid``."""
    found = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE)
    assert found is not None
    return int(found.group(1)) // 1024


@contextmanager
def _data_dir(keep: str | None) -> Iterator[str]:
    """``keep`` (created when missing) if given, else a temporary directory removed afterwards."""
    if keep is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield tmp
        return
    path = Path(keep)
    path.mkdir(parents=True, exist_ok=True)
    if (path / "bench.sqlite3").exists():
        raise SystemExit(f"{path / 'bench.sqlite3'} exists: --keep builds a new database")
    yield str(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--vc-percent", type=int, default=0, help="percent of SO lines with a VC estimate")
    parser.add_argument(
        "--later-percent", type=int, default=20, help="percent of sales orders with later lines (0: none)"
    )
    parser.add_argument(
        "--profile",
        help="cProfile statistics of the first collection to FILE, statements' times to "
        "FILE.statements.txt; the later collection's to FILE.later and FILE.later.statements.txt, the "
        "Period Close's statements to FILE.close.statements.txt",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes for both Data Collections, each split by contract into as many partitions "
        "(PostgreSQL; 1: the in-process worker alone, unsplit)",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build the SQLite database and the data files in DIR and keep them (bench/bench_journal.py "
        "times journal generations on it); DIR must not hold a database yet",
    )
    args = parser.parse_args()
    with _data_dir(args.keep) as tmp:
        url = os.environ.get("REVREC_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        if args.workers > 1 and not url.startswith("postgresql"):
            raise SystemExit("--workers > 1 needs PostgreSQL (REVREC_BENCH_DATABASE_URL)")
        result = run(
            args.lines, url, tmp, args.vc_percent, args.later_percent, args.profile, max(args.workers, 1)
        )
    target = (120 if result["database"] == "postgresql" else 150) * args.lines / 1_000_000
    result["target_total_s"] = round(target, 1)
    print(json.dumps(result, indent=2))
    return 0 if result["total_s"] <= target and result["peak_rss_mb"] < 1024 else 1


if __name__ == "__main__":
    raise SystemExit(main())
