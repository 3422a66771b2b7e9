"""Two workers, two Data Collection jobs of one client: every line is collected exactly once; a worker
killed mid-job leaves whole chunks and the retried job finishes the rest."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from accounting_support import COLLECTION, accounting_tenant, send, verify
from inbound_data import so_line
from revrec.contracts import collection, service
from revrec.db.session import transaction
from revrec.db.tables import job, rc_line, revenue_contract, stage_line
from revrec.jobs import worker
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
        statuses = set(conn.execute(select(job.c.status).where(job.c.id.in_(ids))).scalars())
        client_id = conn.execute(select(job.c.client_id).where(job.c.id == ids[0])).scalar_one()
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
        client_id = conn.execute(select(job.c.client_id).where(job.c.id == job_id)).scalar_one()
        conn.execute(job.update().where(job.c.id == job_id).values(lease_until=0))  # the lease expires
    # the first chunk committed: 4 lines extended to the end of their second sales order (3 lines each)
    assert _counts(engine, client_id)[:3] == (6, 6, 2)
    monkeypatch.setattr(collection, "process_chunk", original)
    worker.run_until_idle(engine)
    assert _counts(engine, client_id) == (12, 12, 4, {"Y"})
    assert verify(engine, tenant) == []
