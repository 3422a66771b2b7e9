"""Builders for the approvals tests: a tenant with approver roles and rules, a pending revision."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, close_period, collect, send, subscription
from revrec.db.session import transaction
from revrec.setup import service as setup_service
from revrec.tenancy import service as tenancy
from support import PASSWORD, Tenant, login, unique

APPROVALS = "/api/revrec/v1/approvals"
MANAGER, CONTROLLER = "Revenue Manager", "Controller"


def with_rules(engine: Engine, *rules: dict[str, Any]) -> tuple[Tenant, Tenant, Tenant]:
    """A tenant with two approver roles and one user in each; the rules applied."""
    tenant = accounting_tenant(engine)
    roles = [{"name": r, "privileges": ["Revenue Approvals"]} for r in (MANAGER, CONTROLLER)]
    users = []
    with transaction(engine) as conn:
        setup_service.apply_setup(
            conn, client_name=tenant.client, document={"roles": roles, "approval_rules": list(rules)}
        )
        for role in (MANAGER, CONTROLLER):
            user = Tenant(tenant.client, unique("approver"), PASSWORD)
            tenancy.create_user(
                conn, client_name=tenant.client, username=user.user, password=PASSWORD, role_names=[role]
            )
            users.append(user)
    return tenant, users[0], users[1]


def decide(http: TestClient, headers: dict[str, str], rc_id: int, verb: str, comment: str = "ok") -> Any:
    return http.post(f"{APPROVALS}/contracts/{rc_id}/{verb}", headers=headers, json={"comment": comment})


def steps_of(http: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    answer = http.get(APPROVALS, headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def revised_pending(
    http: TestClient, engine: Engine
) -> tuple[Tenant, dict[str, str], dict[str, str], int, Tenant]:
    """1,200 collected and January closed (100 posted); then raised to 2,400: a pending revision."""
    rule = {"name": "Repricing", "applies_to": "REVISION", "amount": "500", "approvers": [MANAGER]}
    tenant, manager, _ = with_rules(engine, rule)
    headers = login(http, tenant)
    line, so = unique("L"), unique("SO")
    send(http, headers, subscription(line, so, "1200.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert steps_of(http, login(http, manager, role=MANAGER)) == []  # a new contract: no revision rule
    assert close_period(http, engine, headers)["status"] == "Completed"
    send(http, headers, subscription(line, so, "2400.00", **{"Doc Date": "01-FEB-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    as_manager = login(http, manager, role=MANAGER)
    steps = steps_of(http, as_manager, status="Pending")
    assert len(steps) == 1 and steps[0]["approval_type"] == "REVISION"
    return tenant, headers, as_manager, steps[0]["rc_id"], manager
