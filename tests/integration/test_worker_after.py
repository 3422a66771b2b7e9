"""A job handler's ``after`` step (revrec.jobs.worker.Handler): it runs once the job's transaction
committed, sees what the job wrote, does not run when the job failed, and its own failure leaves the job
as it ended (logged)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Connection, Engine

from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.jobs import queue, worker
from revrec.jobs.queue import Job
from revrec.tenancy import service as tenancy
from support import make_tenant

KIND = "test_after_step"


def _job(engine: Engine) -> int:
    tenant = make_tenant(engine)
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
        return queue.enqueue(conn, client_id=client_id, kind=KIND, created_by="t")


def _status(engine: Engine, job_id: int) -> str:
    with transaction(engine) as conn:
        return str(queue.get(conn, job_id).status)


def test_the_after_step_runs_once_the_job_committed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def run(conn: Connection, job: Job) -> str:
        return "Completed"

    def after(engine_: Engine, job: Job) -> None:  # a new connection: sees the job's committed end
        seen.append(_status(engine_, job.id))

    monkeypatch.setitem(worker._handlers, KIND, worker.Handler(run, after=after))
    job_id = _job(engine)
    assert worker.run_one(engine, kinds=(KIND,)) == job_id
    assert seen == ["Completed"]


def test_no_after_step_when_the_job_failed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def run(conn: Connection, job: Job) -> str:
        raise InvalidInput("bad")

    monkeypatch.setitem(
        worker._handlers, KIND, worker.Handler(run, after=lambda _e, job: seen.append(job.id))
    )
    job_id = _job(engine)
    worker.run_one(engine, kinds=(KIND,))
    assert _status(engine, job_id) == "Failed" and seen == []


def test_a_failed_after_step_leaves_the_job_completed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def after(engine_: Engine, job: Job) -> None:
        raise RuntimeError("housekeeping broke")

    monkeypatch.setitem(worker._handlers, KIND, worker.Handler(lambda conn, job: "Completed", after=after))
    job_id = _job(engine)
    with caplog.at_level(logging.ERROR, logger="revrec.worker"):
        worker.run_one(engine, kinds=(KIND,))
    assert _status(engine, job_id) == "Completed"
    assert "the step after it failed" in caplog.text
