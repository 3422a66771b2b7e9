"""Holds applied by rules of the setup document, released by a hold event, by the expiry program, and
transfer validation holds. Figures derived by hand (1,200 over 2026 = 100 a month)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from accounting_support import (
    WORKED_POLICIES,
    close_period,
    collect,
    revenue,
    send,
    subscription,
    transfer_program,
    verify,
    worked_lines,
)
from events_support import event, process_events, send_events
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import journal_entry, rc_line
from revrec.jobs import worker
from revrec.setup import service as setup_service
from support import Tenant, login, make_tenant, unique

HOLDS = "/api/revrec/v1/holds"


def _tenant(engine: Engine, rules: list[dict[str, Any]]) -> Tenant:
    tenant = make_tenant(engine)
    document = {
        "policies": WORKED_POLICIES,
        "accounting": {"modification_treatment": "Retrospective", "open_period": 202601},
        "hold_rules": rules,
    }
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)
    return tenant


def _holds(http: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    response = http.get(HOLDS, headers=admin)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["holds"]
    return found


def test_rule_holds_a_watched_customer_until_its_hold_event(http: TestClient, engine: Engine) -> None:
    so = unique("SO")
    rule = {
        "name": "Credit watch",
        "hold_type": "REVENUE",
        "criteria": [{"field": "CUST_NUM", "operator": "IN", "values": [f"C-{so}", "C-OTHER"]}],
        "release_event": "Credit Cleared",
    }
    tenant = _tenant(engine, [rule])
    api, admin = login(http, tenant), login(http, tenant, role=ADMIN_ROLE)
    other = unique("SO")
    send(http, api, subscription(f"{so}-1", so), subscription(f"{other}-1", other))
    assert collect(http, engine, api)["status"] == "Completed"
    [hold] = _holds(http, admin)
    assert (hold["hold_name"], hold["source"], hold["applied_by"]) == ("Credit watch", "RULE", "revrec")
    # January: only the other customer's 100
    assert close_period(http, engine, api)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("100.00")
    send_events(http, api, {**event(f"{so}-1", "100", "10-FEB-2026"), "Event Type": "Credit Cleared"})
    assert process_events(http, engine, api)["status"] == "Completed"
    [released] = _holds(http, admin)
    assert released["released"] and released["release_reason"] == "EVENT"
    # February: 100 + 100 of the other line, + January's 100 caught up = 300
    assert revenue(engine, tenant, 202602) == D("300.00")
    # a released rule hold is never applied again
    assert close_period(http, engine, api)["status"] == "Completed"
    assert len(_holds(http, admin)) == 1 and revenue(engine, tenant, 202603) == D("200.00")
    assert verify(engine, tenant) == []


def test_contract_above_an_amount_is_transfer_held_until_expiry(http: TestClient, engine: Engine) -> None:
    rule = {
        "name": "Large deal",
        "hold_type": "TRANSFER",
        "criteria": [{"field": "RC_AMOUNT", "operator": ">", "value": "1000"}],
        "expiry": {"number": 1, "unit": "Months"},
        "manual_release": False,
    }
    tenant = _tenant(engine, [rule])
    api, admin = login(http, tenant), login(http, tenant, role=ADMIN_ROLE)
    big, small = unique("SO"), unique("SO")
    send(http, api, subscription(f"{big}-1", big, "1200.00"), subscription(f"{small}-1", small, "600.00"))
    assert collect(http, engine, api)["status"] == "Completed"
    [hold] = _holds(http, admin)
    assert hold["expiry_date"] == "2026-02-01" and hold["manual_release"] is False
    refused = http.post(f"{HOLDS}/{hold['hold_id']}/release", headers=admin, json={"comment": "now"})
    assert refused.status_code == 400 and "cannot be released by hand" in refused.text
    assert close_period(http, engine, api)["status"] == "Completed"
    assert "left out" in transfer_program(http, engine, api, 153)["error_message"]
    with transaction(engine) as conn:
        ids = conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id.in_([f"{big}-1", f"{small}-1"])))
        rc_ids = set(ids.scalars())
        untransferred = conn.execute(
            select(journal_entry.c.rc_id).where(
                journal_entry.c.rc_id.in_(rc_ids),
                journal_entry.c.post_batch_id.is_(None),
                journal_entry.c.posted_flag,
            )
        ).scalars()
        assert set(untransferred) == {hold["rc_id"]} and len(rc_ids) == 2
    # February open: the hold expired on 1 February; program 155 releases it
    response = http.post("/api/integration/v1/1/programs/155/submit", headers=api, json={"parameters": []})
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    [expired] = _holds(http, admin)
    assert expired["released"] and expired["release_reason"] == "EXPIRY"
    assert "READY TO TRANSFER" in transfer_program(http, engine, api, 153)["error_message"]


def test_transfer_validation_holds_entries_without_an_account(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine, [])
    api, admin = login(http, tenant), login(http, tenant, role=ADMIN_ROLE)
    prefix = unique("V")
    send(http, api, *worked_lines(prefix))
    assert collect(http, engine, api)["status"] == "Completed"
    assert close_period(http, engine, api)["status"] == "Completed"
    with transaction(engine) as conn:
        rc_id = conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == f"{prefix}-1")).scalar_one()
        conn.execute(
            update(journal_entry)
            .where(journal_entry.c.rc_id == rc_id, journal_entry.c.acctg_type == "R")
            .values(acctg_seg="")
        )  # a posted entry whose line had no revenue account
    job = transfer_program(http, engine, api, 153)
    assert "NO DATA FOUND" in job["error_message"] and "left out" in job["error_message"]
    [hold] = _holds(http, admin)
    assert (hold["rc_id"], hold["hold_type"], hold["source"]) == (rc_id, "TRANSFER", "VALIDATION")
    assert hold["hold_name"] == "MISSING ACCOUNT SEGMENTS" and "account type R" in hold["comment"]


def test_bad_hold_rules_are_refused_with_the_path(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    admin = login(http, tenant, role=ADMIN_ROLE)
    bad = {
        "hold_rules": [{"name": "x", "hold_type": "REVENUE", "criteria": [{"field": "NOPE", "value": "1"}]}]
    }
    response = http.put("/api/admin/v1/setup", headers=admin, json=bad)
    assert response.status_code == 400 and "NOPE" in response.text
