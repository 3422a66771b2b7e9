"""Event Process in the tests: a client with a Milestone POB (Upon Event "Acceptance", By Percent, cumulative)
on item MS, its SO lines and events, and program 151 run through HTTP."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import WORKED_POLICIES, upload_csv
from inbound_data import EVENT_LABELS, so_line, to_csv
from revrec.db.session import transaction
from revrec.jobs import worker
from revrec.setup import service as setup_service
from support import Tenant, make_tenant


def milestone_policies(ratable_method: str) -> dict[str, Any]:
    policies = copy.deepcopy(WORKED_POLICIES)
    policies["pob_templates"].append(
        {
            "name": "Milestone",
            "release_event": "Upon Event",
            "ratable_method": ratable_method,
            "event": {"name": "Acceptance", "process_type": "By Percent", "cumulative": True},
        }
    )
    policies["pob_assignment_rules"].append(
        {"template": "Milestone", "kind": "Item", "seq": 4, "item_num": "MS"}
    )
    return policies


def milestone_tenant(
    engine: Engine, ratable_method: str = "Immediate Using Start Date", treatment: str = "Retrospective"
) -> Tenant:
    tenant = make_tenant(engine)
    document: dict[str, Any] = {
        "policies": milestone_policies(ratable_method),
        "accounting": {"modification_treatment": treatment, "open_period": 202601},
    }
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)
    return tenant


def milestone_line(line_id: str, so: str, price: str = "1200.00", **extra: str) -> dict[str, str]:
    return so_line(
        line_id,
        **{
            "Doc Num": so,
            "Cust Num": f"C-{so}",
            "Doc Date": "01-JAN-2026",
            "Item Num": "MS",
            "Start Date": "01-JAN-2026",
            "End Date": "31-DEC-2026",
            "Ext Sll Prc": price,
            "Ext Lst Prc": price,
            "Unit Sell Prc": price,
            "Unit List Prc": price,
            **extra,
        },
    )


def send_events(http: TestClient, headers: Mapping[str, str], *rows: Mapping[str, str]) -> None:
    upload_csv(http, headers, "Standard Event", to_csv(EVENT_LABELS, rows), "e")


def event(line_id: str, pct: str, date: str, action: str = "REC") -> dict[str, str]:
    return {
        "Doc Line Id": line_id,
        "Event Type": "Acceptance",
        "Process Type": "Percent",
        "Action": action,
        "Release Pct": pct,
        "Event Date": date,
    }


def process_events(http: TestClient, engine: Engine, headers: Mapping[str, str]) -> dict[str, Any]:
    worker.run_until_idle(engine)  # stage the uploads
    body = {"parameters": [{"parameter_id": 1511, "sequence": 1, "parameter_value": ""}]}
    response = http.post("/api/integration/v1/1/programs/151/submit", headers=dict(headers), json=body)
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    worker.run_until_idle(engine)
    status = http.get(f"/api/integration/v1/1/jobs/{job_id}", headers=dict(headers))
    assert status.status_code == 200, status.text
    data: dict[str, Any] = status.json()["data"]
    return data
