"""Builders for the manual journal entry tests: a tenant with an MJE approver role and rule, entries."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import journal_entry
from revrec.jobs import worker
from revrec.setup import service as setup_service
from revrec.tenancy import repository as tenancy_repo
from revrec.tenancy import service as tenancy
from support import PASSWORD, Tenant, login, unique

MJE = "/api/revrec/v1/mje"
CONTROLLER = "MJE Controller"


def mje_tenant(engine: Engine, amount: str = "1000") -> tuple[Tenant, Tenant]:
    """A tenant (open period 202601) whose MJEs above ``amount`` need the Controller; the controller user."""
    tenant = accounting_tenant(engine)
    document = {
        "roles": [{"name": CONTROLLER, "privileges": ["Approve Manual Journal Entries"]}],
        "approval_rules": [
            {"name": "Large MJE", "applies_to": "MJE", "amount": amount, "approvers": [CONTROLLER]}
        ],
    }
    controller = Tenant(tenant.client, unique("controller"), PASSWORD)
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)
        tenancy.create_user(
            conn,
            client_name=tenant.client,
            username=controller.user,
            password=PASSWORD,
            role_names=[CONTROLLER],
        )
    return tenant, controller


def admin(http: TestClient, tenant: Tenant) -> dict[str, str]:
    return login(http, tenant, role=ADMIN_ROLE)


def accrual(amount: str, **extra: Any) -> dict[str, Any]:
    """Dr deferred revenue (L) / Cr revenue (R) for ``amount`` USD."""
    return {
        "currency": "USD",
        "description": "accrue revenue",
        "lines": [
            {"acctg_type": "L", "acctg_seg": "2400-DEF", "debit": amount},
            {"acctg_type": "R", "acctg_seg": "4000-REV", "credit": amount},
        ],
        **extra,
    }


def create(http: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    answer = http.post(MJE, headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()["data"]
    return found


def act(http: TestClient, headers: dict[str, str], mje_id: int, verb: str, comment: str | None = None) -> Any:
    return http.post(f"{MJE}/{mje_id}/{verb}", headers=headers, json={"comment": comment})


def journal_rows(engine: Engine, tenant: Tenant, mje_id: int) -> list[Any]:
    with transaction(engine, readonly=True) as conn:
        client = tenancy_repo.find_client(conn, tenant.client)
        assert client is not None
        j = journal_entry.c
        query = select(journal_entry).where(j.client_id == client.id, j.mje_id == mje_id).order_by(j.id)
        return list(conn.execute(query))


def run_report(
    http: TestClient, engine: Engine, headers: dict[str, str], report: str, **params: str
) -> list[dict[str, str]]:
    """Run a standard report (program 160) and read its CSV rows."""
    ids = {"REPORT NAME": 1601, "AS_OF_PERIOD": 1602, "FROM_PERIOD": 1603, "TO_PERIOD": 1604}
    values = {"REPORT NAME": report, **params}
    body = {"parameters": [{"parameter_id": ids[k], "parameter_value": v} for k, v in values.items()]}
    answer = http.post("/api/integration/v1/1/programs/160/submit", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    worker.run_until_idle(engine)
    job = http.get(f"/api/integration/v1/1/jobs/{answer.json()['job_id']}", headers=headers).json()["data"]
    assert job["status"] == "Completed", job
    report_id = int(job["error_message"].split()[1])
    listed = {
        r["id"]: r for r in http.get("/api/integration/v1/reports/list", headers=headers).json()["Result"]
    }
    download = http.get(
        "/api/integration/v1/reports/download/" + listed[report_id]["file_name"], headers=headers
    )
    assert download.status_code == 200
    text = download.text
    if listed[report_id]["file_name"].endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
            text = archive.read(f"{report_id}.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))
