"""Crashes and concurrency: no partial batch, no lost or doubly processed batch, limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from inbound_data import so_line, transactions
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import job, stage_error, stage_line, stage_line_hold, upload
from revrec.http.app import create_app
from revrec.inbound import bulk
from revrec.inbound.bulk import RowWriter
from revrec.inbound.prestage import PrestageChecker
from revrec.jobs import queue, worker
from support import login, make_tenant, unique

URL = "/api/integration/v1/csv/upload"


def _headers(token: dict[str, str]) -> dict[str, str]:
    return {**token, "templatename": "Standard Transaction", "filename": unique("f") + ".csv"}


def _count(engine: Engine, upload_id: int) -> int:
    """Rows of the upload in stage_line and (PostgreSQL pre-stage) stage_line_hold."""
    with transaction(engine) as conn:
        return sum(
            int(conn.execute(select(func.count()).where(t.c.upload_id == upload_id)).scalar_one())
            for t in (stage_line, stage_line_hold)
        )


def test_crash_mid_upload_leaves_no_partial_batch(
    app: FastAPI, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = TestClient(app, raise_server_exceptions=False)
    token = login(http, make_tenant(engine))
    calls = {"n": 0}
    real = RowWriter.flush

    def dying_flush(self: RowWriter) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash after the first chunk was written")
        real(self)

    monkeypatch.setattr(RowWriter, "flush", dying_flush)
    real_records = PrestageChecker.records

    def dying_records(self: PrestageChecker, lines: Any, lead: str) -> Iterator[str]:  # PostgreSQL's path
        for n, record in enumerate(real_records(self, lines, lead)):
            if n == 300:
                raise RuntimeError("simulated crash after the first records were written")
            yield record

    monkeypatch.setattr(PrestageChecker, "records", dying_records)
    monkeypatch.setattr(bulk, "COPY_BYTES", 1)  # PostgreSQL: the COPY is open (and gets aborted) at the crash
    body = transactions(*(so_line(f"L{i}") for i in range(4500)))
    response = http.post(URL, headers=_headers(token), content=body.encode())
    assert response.status_code == 500
    with transaction(engine) as conn:
        row = conn.execute(select(upload).order_by(upload.c.id.desc()).limit(1)).one()
    assert row.status == "Failed" and "interrupted" in row.message and row.active_name is None
    assert _count(engine, row.id) == 0


def test_worker_killed_mid_batch_is_picked_up_again_once(http: TestClient, engine: Engine) -> None:
    token = login(http, make_tenant(engine))
    upload_id = http.post(
        URL, headers=_headers(token), content=transactions(so_line("K1"), so_line("K2")).encode()
    )
    upload_id = upload_id.json()["result"]["id"]
    worker.run_until_idle(engine)  # drain others first
    with transaction(engine) as conn:  # pretend a worker took the job and died holding the lease
        job_id = conn.execute(select(job.c.id).where(job.c.ref_id == upload_id)).scalar_one()
        conn.execute(
            update(job).where(job.c.id == job_id).values(status="Running", lease_until=0, attempts=1)
        )
        conn.execute(update(stage_line).where(stage_line.c.upload_id == upload_id).values(processed_flag="P"))
    assert worker.run_one(engine) == job_id
    with transaction(engine) as conn:
        assert queue.get(conn, job_id).status == "Completed"
        flags = conn.execute(select(stage_line.c.processed_flag).where(stage_line.c.upload_id == upload_id))
        assert sorted(flags.scalars()) == ["N", "N"]
    assert _count(engine, upload_id) == 2


def test_failed_staging_job_rolls_back_and_retries(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = login(http, make_tenant(engine))
    body = transactions(so_line("F1", **{"Cstmr Nm": ""}))
    upload_id = http.post(URL, headers=_headers(token), content=body.encode()).json()["result"]["id"]
    from revrec.inbound import staging

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(staging.repo, "set_flags", boom)
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        assert conn.execute(select(upload.c.status).where(upload.c.id == upload_id)).scalar_one() == "Failed"
        assert (
            conn.execute(
                select(func.count())
                .select_from(stage_error)
                .where(
                    stage_error.c.row_id.in_(
                        select(stage_line.c.id).where(stage_line.c.upload_id == upload_id)
                    )
                )
            ).scalar_one()
            == 0
        )
        flags = conn.execute(select(stage_line.c.processed_flag).where(stage_line.c.upload_id == upload_id))
        held = conn.execute(select(stage_line_hold.c.row_num).where(stage_line_hold.c.upload_id == upload_id))
        # rolled back: the row is pre-staged as before (PostgreSQL: still held, not in stage_line)
        expected = ([], [2]) if engine.dialect.name == "postgresql" else (["P"], [])
        assert (list(flags.scalars()), list(held.scalars())) == expected


def test_two_workers_never_process_a_job_twice(http: TestClient, engine: Engine) -> None:
    token = login(http, make_tenant(engine))
    ids = []
    for i in range(2):
        response = http.post(URL, headers=_headers(token), content=transactions(so_line(f"W{i}")).encode())
        ids.append(response.json()["result"]["id"])
    ran: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        while (job_id := worker.run_one(engine)) is not None:
            with lock:
                ran.append(job_id)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ran) == len(set(ran))
    for upload_id in ids:
        assert _count(engine, upload_id) == 1
        with transaction(engine) as conn:
            assert (
                conn.execute(select(upload.c.status).where(upload.c.id == upload_id)).scalar_one() == "Staged"
            )


@pytest.fixture
def limited(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_csv_upload_lines": 3, "max_file_upload_lines": 4})
    with TestClient(create_app(small, engine=engine)) as client:
        yield client


def test_line_limits_name_the_limit(limited: TestClient, engine: Engine) -> None:
    token = login(limited, make_tenant(engine))
    body = transactions(*(so_line(f"M{i}") for i in range(4)))
    response = limited.post(URL, headers=_headers(token), content=body.encode())
    assert response.status_code == 400
    assert any("3" in e["reason"] for e in response.json()["result"]["errors"])
    files = {"file": ("big.csv", transactions(*(so_line(f"N{i}") for i in range(5))).encode(), "text/csv")}
    response = limited.post(
        "/api/integration/v1/upload/file",
        headers={**token, "templatename": "Standard Transaction"},
        files=files,
    )
    assert response.status_code == 400
    assert any("4" in e["reason"] for e in response.json()["errors"])
    ok = limited.post(URL, headers=_headers(token), content=transactions(so_line("OK1")).encode())
    assert ok.status_code == 200
    worker.run_until_idle(engine)
