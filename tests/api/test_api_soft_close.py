"""Soft Close (program 154): the current period freezes collection and event processing, then either
closes (program 152) or reopens."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import (
    accounting_tenant,
    close_period,
    collect,
    scope_of,
    send,
    subscription,
    totals,
    verify,
)
from revrec.db.session import transaction
from revrec.db.tables import accounting_period
from revrec.jobs import worker
from support import login, unique


def _status(http: TestClient, engine: Engine, headers: dict[str, str], value: str) -> dict[str, Any]:
    body = {"parameters": [{"parameter_id": 1541, "sequence": 1, "parameter_value": value}]}
    response = http.post("/api/integration/v1/1/programs/154/submit", headers=headers, json=body)
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    data: dict[str, Any] = http.get(
        f"/api/integration/v1/1/jobs/{response.json()['job_id']}", headers=headers
    ).json()["data"]
    return data


def _statuses(engine: Engine, tenant: Any) -> list[tuple[int, str]]:
    scope, _ = scope_of(engine, tenant)
    period = accounting_period.c
    with transaction(engine) as conn:
        rows = conn.execute(
            select(period.period_key, period.status).where(period.client_id == scope.client_id)
        )
        return sorted((int(k), s) for k, s in rows)


def test_soft_close_freezes_collection_until_reopened_or_closed(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    send(http, headers, subscription(f"{so}-1", so))
    assert collect(http, engine, headers)["status"] == "Completed"
    done = _status(http, engine, headers, "Soft Close")
    assert (done["status"], done["error_message"]) == ("Completed", "Period 202601 is Soft Close")
    send(http, headers, subscription(f"{so}-2", so))
    frozen = collect(http, engine, headers)
    assert frozen["status"] == "Error" and "Period 202601 is in Soft Close" in frozen["error_message"]
    assert _status(http, engine, headers, "Open")["status"] == "Completed"
    assert collect(http, engine, headers)["status"] == "Completed"
    assert totals(engine, tenant, 202601)["R"][1] == D("200.00")  # both lines recognise January
    assert _status(http, engine, headers, "soft close")["status"] == "Completed"
    assert close_period(http, engine, headers)["status"] == "Completed"  # a soft-closed period closes
    assert _statuses(engine, tenant) == [(202601, "Closed"), (202602, "Open")]
    assert verify(engine, tenant) == []
    body = {"parameters": [{"parameter_id": 1541, "sequence": 1, "parameter_value": "Frozen"}]}
    bad = http.post("/api/integration/v1/1/programs/154/submit", headers=headers, json=body)
    assert bad.status_code == 400  # refused at submission, not discovered by the worker
    assert bad.json()["error"] == "parameter 1541 (STATUS) must be one of Soft Close, Open, not 'Frozen'"
