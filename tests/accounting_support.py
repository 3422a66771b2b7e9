"""Builders for the accounting tests: a client with policies, uploads through HTTP, jobs, journal totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from inbound_data import billing_line, so_line, transactions
from revrec.accounting import service as accounting
from revrec.db.session import transaction
from revrec.jobs import worker
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.setup import service as setup_service
from revrec.tenancy import repository as tenancy
from support import Tenant, login, make_tenant, unique

COLLECTION = "/api/integration/v1/job/collection/template"

WORKED_POLICIES: dict[str, Any] = {
    "rc_grouping_templates": [
        {
            "name": "Std",
            "rules": [{"seq": 1, "name": "By SO", "group_by": ["CUST_NUM", "SO_NUM"]}],
            "ssp_hierarchy": [{"seq": 1, "template": "Std SSP", "within": "M", "below": "M", "above": "M"}],
        }
    ],
    "pob_templates": [
        {
            "name": "Subscription",
            "release_event": "Upon Booking",
            "ratable_method": "Ratable",
            "accounting_method": "Partial Month",
        },
        {"name": "Setup", "release_event": "Upon Booking", "ratable_method": "Immediate Using Start Date"},
        {"name": "Support", "release_event": "Upon Billing", "ratable_method": "Ratable"},
    ],
    "pob_assignment_rules": [
        {"template": "Subscription", "kind": "Item", "seq": 1, "item_num": "SUB"},
        {"template": "Setup", "kind": "Item", "seq": 2, "item_num": "SETUP"},
        {"template": "Support", "kind": "Item", "seq": 3, "item_num": "SUPPORT"},
    ],
    "ssp_templates": [
        {
            "name": "Std SSP",
            "rules": [
                {
                    "name": "Sub",
                    "method": "Fixed Amount",
                    "amount": "1500",
                    "basis": "Extended",
                    "conditions": {"ITEM_NUM": "SUB"},
                },
                {
                    "name": "Setup",
                    "method": "Fixed Amount",
                    "amount": "500",
                    "basis": "Extended",
                    "conditions": {"ITEM_NUM": "SETUP"},
                },
                {"name": "Other", "method": "Percent Of List Price", "percent": "100"},
            ],
        }
    ],
}


def accounting_tenant(
    engine: Engine,
    *,
    treatment: str = "Retrospective",
    open_period: int | None = 202601,
    reporting_currency: str = "USD",
) -> Tenant:
    tenant = make_tenant(engine, reporting_currency=reporting_currency)
    document: dict[str, Any] = {
        "policies": WORKED_POLICIES,
        "accounting": {"modification_treatment": treatment},
    }
    if open_period is not None:
        document["accounting"]["open_period"] = open_period
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)
    return tenant


def upload_csv(http: TestClient, headers: Mapping[str, str], template: str, body: str, prefix: str) -> int:
    """POST csv/upload with ``template`` under a fresh file name; the upload id (the upload must be taken)."""
    response = http.post(
        "/api/integration/v1/csv/upload",
        headers={
            **headers,
            "templatename": template,
            "filename": unique(prefix) + ".csv",
            "content-type": "text/plain",
        },
        content=body.encode(),
    )
    assert response.status_code == 200, response.text
    return int(response.json()["result"]["id"])


def send(http: TestClient, headers: Mapping[str, str], *rows: Mapping[str, str]) -> int:
    return upload_csv(http, headers, "Standard Transaction", transactions(*rows), "f")


def collect(
    http: TestClient, engine: Engine, headers: Mapping[str, str], template: str = "Std"
) -> dict[str, Any]:
    """Run the pending staging, then a Data Collection through the API; its final status record."""
    worker.run_until_idle(engine)
    response = http.post(COLLECTION, headers=dict(headers), json={"rc_template_name": template, "org_id": 0})
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    worker.run_until_idle(engine)
    status = http.get(f"{COLLECTION}/{job_id}", headers=dict(headers))
    assert status.status_code == 200, status.text
    data: dict[str, Any] = status.json()["data"]
    return data


def close_period(
    http: TestClient, engine: Engine, headers: Mapping[str, str], force: bool = False
) -> dict[str, Any]:
    body = {"parameters": [{"parameter_id": 1521, "sequence": 1, "parameter_value": "Y" if force else "N"}]}
    response = http.post("/api/integration/v1/1/programs/152/submit", headers=dict(headers), json=body)
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    worker.run_until_idle(engine)
    status = http.get(f"/api/integration/v1/1/jobs/{job_id}", headers=dict(headers))
    data: dict[str, Any] = status.json()["data"]
    return data


def scope_of(engine: Engine, tenant: Tenant) -> tuple[periods.Scope, Any]:
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        return periods.default_scope(conn, client.id), policies_for(conn, client).calendar


def totals(engine: Engine, tenant: Tenant, period: int | None = None) -> dict[str, tuple[Decimal, Decimal]]:
    """Debit and credit per account type (transaction currency) of the stored entries."""
    scope, _ = scope_of(engine, tenant)
    with transaction(engine) as conn:
        lines = accounting.stored_entries(conn, scope, period)
    found: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        found[line.acctg_type][0] += line.debit[0]
        found[line.acctg_type][1] += line.credit[0]
    return {k: (v[0], v[1]) for k, v in found.items()}


def revenue(engine: Engine, tenant: Tenant, period: int) -> Decimal:
    """Revenue (credit less debit of account type R) of the stored entries of ``period``."""
    found = totals(engine, tenant, period).get("R", (Decimal(0), Decimal(0)))
    return found[1] - found[0]


def balanced(engine: Engine, tenant: Tenant, period: int) -> bool:
    """True when the stored entries of ``period`` balance (transaction currency)."""
    found = totals(engine, tenant, period)
    return sum((d for d, _ in found.values()), Decimal(0)) == sum((c for _, c in found.values()), Decimal(0))


def verify(engine: Engine, tenant: Tenant) -> list[str]:
    scope, calendar = scope_of(engine, tenant)
    with transaction(engine) as conn:
        return accounting.verify(conn, scope, calendar)


def headers_for(http: TestClient, tenant: Tenant) -> dict[str, str]:
    return login(http, tenant)


def bill(kind: str, so_line_id: str, inv_line_id: str, amount: str, **overrides: str) -> dict[str, str]:
    """A billing line (``billing_line`` with any column overridden, e.g. ``Inv Date``)."""
    return {**billing_line(kind, so_line_id, inv_line_id, amount), **overrides}


def subscription(line_id: str, so: str, price: str = "1200.00", **extra: str) -> dict[str, str]:
    """An SO line of item SUB, booked 1 January 2026, ratable over 2026, list = sell = ``price``."""
    return so_line(
        line_id,
        **{
            "Doc Num": so,
            "Cust Num": f"C-{so}",
            "Doc Date": "01-JAN-2026",
            "Item Num": "SUB",
            "Start Date": "01-JAN-2026",
            "End Date": "31-DEC-2026",
            "Ext Sll Prc": price,
            "Ext Lst Prc": price,
            "Unit Sell Prc": price,
            "Unit List Prc": price,
            **extra,
        },
    )


def worked_lines(prefix: str) -> list[dict[str, str]]:
    """The worked example booked and billed on 1 January 2026: SUB 1,200 ratable over 2026 (SSP 1,500) and
    SETUP 300 at once (SSP 500), each invoiced in full."""
    common = {"Doc Num": f"{prefix}-SO", "Doc Date": "01-JAN-2026", "Cust Num": f"{prefix}-C"}
    rows = []
    for n, item, end, amount in ((1, "SUB", "31-DEC-2026", "1200.00"), (2, "SETUP", "01-JAN-2026", "300.00")):
        dates = {"Item Num": item, "Start Date": "01-JAN-2026", "End Date": end}
        prices = {
            "Ext Sll Prc": amount,
            "Ext Lst Prc": amount,
            "Unit Sell Prc": amount,
            "Unit List Prc": amount,
        }
        rows.append(so_line(f"{prefix}-{n}", **common, **dates, **prices))
        invoice = {**common, **dates, "Inv Date": "01-JAN-2026"}
        rows.append(bill("INV", f"{prefix}-{n}", f"{prefix}-I{n}", amount, **invoice))
    return rows


def transfer_program(
    http: TestClient,
    engine: Engine,
    headers: Mapping[str, str],
    program: int,
    *values: str,
    expect: str = "Completed",
) -> dict[str, Any]:
    """Submit transfer program 149 (criteria ``values``) or 153, run it; its job record (status checked)."""
    body = {
        "parameters": [
            {"parameter_id": 228 + i, "sequence": i + 1, "parameter_value": v} for i, v in enumerate(values)
        ]
    }
    url = f"/api/integration/v1/1/programs/{program}/submit"
    response = http.post(url, headers=dict(headers), json=body)
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    worker.run_until_idle(engine)
    data: dict[str, Any] = http.get(f"/api/integration/v1/1/jobs/{job_id}", headers=dict(headers)).json()[
        "data"
    ]
    assert data["status"] == expect, data
    return data
