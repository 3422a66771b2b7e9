"""Two workers, two Data Collection jobs of one client: every line is collected exactly once; a worker
killed mid-job leaves whole chunks and the retried job finishes the rest. A real worker process killed
with SIGKILL mid-job: another worker takes the job over once the lease lapses (well within a minute), the
heartbeat keeps a slow job's lease while its worker lives, and the job's progress after takeover counts
against the job's whole size."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from accounting_support import COLLECTION, accounting_tenant, send, verify
from inbound_data import so_line
from revrec.config import Settings
from revrec.contracts import collection, service
from revrec.db.session import transaction
from revrec.db.tables import job, rc_line, revenue_contract, stage_line
from revrec.jobs import queue, worker
from support import login, unique


def _lines(count: int) -> list[dict[str, str]]:
    prefix = unique("W")
    return [
        so_line(
            f"{prefix}-{i}",
            **{
                "Doc Num": f"{prefix}-SO{i // 3}",
                "Cust Num": "C",
                "Doc Date": "05-JAN-2026",
                "Item Num": "SUB",
                "Start Date": "01-JAN-2026",
                "End Date": "31-DEC-2026",
            },
        )
        for i in range(count)
    ]


def _counts(engine: Engine, client_id: int) -> tuple[int, int, int, set[str]]:
    with transaction(engine) as conn:
        lines = conn.execute(select(func.count()).where(rc_line.c.client_id == client_id)).scalar_one()
        current = conn.execute(
            select(func.count(func.distinct(rc_line.c.line_id))).where(rc_line.c.client_id == client_id)
        ).scalar_one()
        contracts = conn.execute(
            select(func.count()).where(revenue_contract.c.client_id == client_id)
        ).scalar_one()
        flags = set(
            conn.execute(
                select(stage_line.c.processed_flag).where(stage_line.c.client_id == client_id)
            ).scalars()
        )
    return int(lines), int(current), int(contracts), flags


def test_two_workers_collect_every_line_once(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collection, "CHUNK", 4)
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *_lines(30))
    worker.run_until_idle(engine)
    ids = [
        http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std", "org_id": 0}).json()["job_id"]
        for _ in range(2)
    ]
    threads = [threading.Thread(target=worker.run_until_idle, args=(engine,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with transaction(engine) as conn:
        statuses = set(conn.execute(select(job.c.status).where(job.c.number.in_(ids))).scalars())
        client_id = conn.execute(select(job.c.client_id).where(job.c.number == ids[0])).scalar_one()
    assert statuses == {"Completed"}
    assert _counts(engine, client_id) == (30, 30, 10, {"Y"})
    assert verify(engine, tenant) == []


def test_worker_killed_mid_job_resumes_without_duplicates(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collection, "CHUNK", 4)
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *_lines(12))
    worker.run_until_idle(engine)
    job_id = http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std", "org_id": 0}).json()[
        "job_id"
    ]
    original = service.process_chunk
    calls = {"n": 0}

    def dies_on_second_chunk(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # not an Exception: the worker does not record a failure
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(collection, "process_chunk", dies_on_second_chunk)
    with pytest.raises(SystemExit):
        worker.run_until_idle(engine)
    with transaction(engine) as conn:
        client_id = conn.execute(select(job.c.client_id).where(job.c.number == job_id)).scalar_one()
        conn.execute(job.update().where(job.c.number == job_id).values(lease_until=0))  # the lease expires
    # the first chunk committed: 4 lines extended to the end of their second sales order (3 lines each)
    assert _counts(engine, client_id)[:3] == (6, 6, 2)
    monkeypatch.setattr(collection, "process_chunk", original)
    worker.run_until_idle(engine)
    assert _counts(engine, client_id) == (12, 12, 4, {"Y"})
    assert verify(engine, tenant) == []


LEASE = 4  # seconds; the default is 30 (docs/accounting.md), shortened to keep the test quick
REVREC = str(Path(sys.executable).parent / "revrec")
# A worker whose Data Collection chunks are 3 lines, 0.3 s apart, and which waits 1.5 leases before its
# third chunk outside any transaction (only the heartbeat can keep the lease then), so a kill lands mid-job.
SLOW_WORKER = f"""
import sys, time
from revrec import cli
from revrec.contracts import collection
collection.CHUNK = 3
original = collection._step
calls = [0]
def slow(*args, **kwargs):
    calls[0] += 1
    time.sleep({LEASE * 1.5} if calls[0] == 3 else 0.3)
    return original(*args, **kwargs)
collection._step = slow
sys.exit(cli.main(["worker"]))
"""


def _environment(settings: Settings) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "REVREC_DATABASE_URL": settings.effective_database_url,
        "REVREC_SECRET_KEY": settings.secret_key,
        "REVREC_DATA_DIR": str(settings.data_dir),
        "REVREC_JOB_LEASE_SECONDS": str(LEASE),
        "REVREC_WORKER_POLL_MS": "100",
    }


@contextmanager
def _process(command: list[str], settings: Settings, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=_environment(settings), stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def _row(engine: Engine, number: int) -> Any:
    with transaction(engine, readonly=True) as conn:
        return queue.by_number(conn, number)


def _wait(engine: Engine, number: int, until: Callable[[Any], bool], seconds: float, log: Path) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = _row(engine, number)
        if until(row):
            return row
        time.sleep(0.05)
    raise AssertionError(f"job {number}: {dict(_row(engine, number)._mapping)}\n{log.read_text()}")


def test_sigkilled_worker_is_taken_over_and_progress_counts_the_whole_job(
    http: TestClient, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *_lines(30))
    worker.run_until_idle(engine)  # staging, and whatever other tests left queued
    number = int(http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std"}).json()["job_id"])
    slow = [sys.executable, "-c", SLOW_WORKER]
    with _process(slow, settings, tmp_path / "first.log") as first:
        row = _wait(engine, number, lambda r: r.progress_done >= 6, 60, tmp_path / "first.log")
        time.sleep(LEASE * 1.25)  # longer than a lease: the heartbeat keeps it, nobody may take the job
        held = _row(engine, number)
        assert held.status == "Running" and held.lease_owner == row.lease_owner and held.attempts == 1
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    killed = _row(engine, number)
    assert killed.status == "Running" and 0 < killed.progress_done < killed.progress_total == 30
    killed_at = time.monotonic()
    with _process([REVREC, "worker"], settings, tmp_path / "second.log"):
        taken = _wait(engine, number, lambda r: r.attempts == 2, 60, tmp_path / "second.log")
        took = time.monotonic() - killed_at
        done = _wait(engine, number, lambda r: r.status != "Running", 60, tmp_path / "second.log")
    assert took < LEASE + 5, took  # the lease plus a poll; with the default 30 s lease: within a minute
    assert taken.lease_owner != row.lease_owner
    assert done.status == "Completed", done.error_message
    assert (done.progress_done, done.progress_total) == (30, 30)  # against the whole job, not the rest
    with transaction(engine) as conn:
        client_id = conn.execute(select(job.c.client_id).where(job.c.number == number)).scalar_one()
    assert _counts(engine, client_id) == (30, 30, 10, {"Y"})
    assert verify(engine, tenant) == []


def test_default_lease_allows_takeover_within_a_minute() -> None:
    assert worker.LEASE_SECONDS <= 30
    assert Settings.model_fields["job_lease_seconds"].default == worker.LEASE_SECONDS
