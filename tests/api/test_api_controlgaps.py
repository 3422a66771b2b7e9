"""The gaps of manual journal entries and manual revenue actions (docs/controls.md): a pending manual action
stays pending through a later Data Collection, BI3_RI_ACCT_SUMM includes the posted manual entries, Period
Close lists errored MJE staging rows, MJE posting in Soft Close, BI3_MJE picks up a GL transfer
incrementally. Figures derived by hand in each test."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import collect, send, verify, worked_lines
from approvals_support import MANAGER, decide, steps_of, with_rules
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import rc_line
from support import login, unique

API = "/api/revrec/v1"


def _rc_id(engine: Engine, line_id: str) -> int:
    with transaction(engine) as conn:
        found = conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == line_id)).scalars().first()
    assert found is not None
    return int(found)


def _actions(http: TestClient, headers: dict[str, str], rc_id: int) -> list[dict[str, Any]]:
    response = http.get(f"{API}/contracts/{rc_id}/manual-actions", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def _pending_override(
    http: TestClient, engine: Engine
) -> tuple[Any, dict[str, str], dict[str, str], int, str]:
    """The worked contract (SUB 1,200 SSP 1,500 ratable over 2026; SETUP 300 SSP 500 at once; allocated
    1,125 / 375) and an SSP override of SUB to 1,000 (allocated 1,000 / 500: Σ |Δ allocated| 250 > 100),
    pending under the rule MANUAL_ADJUSTMENT above 100."""
    rule = {"name": "Manual", "applies_to": "MANUAL_ADJUSTMENT", "amount": "100", "approvers": [MANAGER]}
    tenant, manager, _ = with_rules(engine, rule)
    prefix = unique("W")
    send(http, login(http, tenant), *worked_lines(prefix))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    admin = login(http, tenant, role=ADMIN_ROLE)
    rc_id = _rc_id(engine, f"{prefix}-1")
    body = {"line_id": f"{prefix}-1", "ssp": "1000", "reason": "price list"}
    answer = http.post(f"{API}/contracts/{rc_id}/ssp-overrides", headers=admin, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Pending approval"
    return tenant, admin, login(http, manager, role=MANAGER), rc_id, prefix


def _recollect(http: TestClient, engine: Engine, tenant: Any, prefix: str) -> None:
    """Data Collection revises the contract again: SETUP's SO line sent again, unchanged (no rule of kind
    REVISION exists, so the revision alone would need no approval)."""
    setup_line = worked_lines(prefix)[2]
    assert setup_line["Item Num"] == "SETUP"
    send(http, login(http, tenant), setup_line)
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"


def test_pending_manual_action_stays_pending_through_a_collection_then_rejected(
    http: TestClient, engine: Engine
) -> None:
    tenant, admin, as_manager, rc_id, prefix = _pending_override(http, engine)
    sub, setup = f"{prefix}-1", f"{prefix}-2"
    _recollect(http, engine, tenant, prefix)
    steps = steps_of(http, as_manager, rc_id=str(rc_id))
    assert [(s["status"], s["approval_type"], s["sequence"]) for s in steps] == [
        ("Superseded", "MANUAL_ADJUSTMENT", 1),
        ("Pending", "MANUAL_ADJUSTMENT", 1),
    ]
    assert steps[1]["approver_role"] == MANAGER and steps[1]["rule_name"] == "Manual"
    assert [a["status"] for a in _actions(http, admin, rc_id)] == ["Pending approval"]
    rejected = decide(http, as_manager, rc_id, "reject", "not agreed")
    assert rejected.status_code == 200, rejected.text
    restored = {k: D(v) for k, v in rejected.json()["restored"]["allocated"].items()}
    assert restored == {sub: D("1125"), setup: D("375")}
    assert [(a["kind"], a["status"]) for a in _actions(http, admin, rc_id)] == [
        ("SSP_OVERRIDE", "Rejected"),
        ("REJECTION", "Rejected"),
    ]
    assert verify(engine, tenant) == []


def test_pending_manual_action_through_a_collection_then_approved(http: TestClient, engine: Engine) -> None:
    tenant, admin, as_manager, rc_id, prefix = _pending_override(http, engine)
    _recollect(http, engine, tenant, prefix)
    approved = decide(http, as_manager, rc_id, "approve", "agreed")
    assert approved.status_code == 200, approved.text
    assert approved.json()["remaining"] == 0
    assert [a["status"] for a in _actions(http, admin, rc_id)] == ["In force"]
    assert steps_of(http, as_manager, rc_id=str(rc_id), status="Pending") == []
    assert verify(engine, tenant) == []
