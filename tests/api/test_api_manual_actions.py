"""Manual revenue actions through HTTP: a manual release books its catch-up in the open period (closed
periods unchanged), an SSP override reallocates the price exactly, an allocation override must sum to the
price, an approval rule holds an action for approval and a rejection leaves the previous numbers, a
withdrawal restores the computed values, each privilege is required, the audit trail and BI flags.
Figures derived by hand in each test."""

from __future__ import annotations

import copy
from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import (
    WORKED_POLICIES,
    accounting_tenant,
    close_period,
    collect,
    revenue,
    send,
    subscription,
    verify,
    worked_lines,
)
from approvals_support import MANAGER, decide, steps_of, with_rules
from biviews_support import table_of
from events_support import event, milestone_line, milestone_tenant, process_events, send_events
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import rc_line
from revrec.setup import service as setup_service
from support import Tenant, login, make_tenant, unique

API = "/api/revrec/v1"
AUDIT = "/api/revrec/v1/audit"


def _rc_id(engine: Engine, line_id: str) -> int:
    with transaction(engine) as conn:
        found = conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == line_id)).scalars().first()
    assert found is not None
    return int(found)


def _post(
    http: TestClient, headers: dict[str, str], path: str, body: dict[str, Any], status: int = 200
) -> Any:
    response = http.post(f"{API}{path}", headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json()


def _actions(http: TestClient, headers: dict[str, str], rc_id: int) -> list[dict[str, Any]]:
    response = http.get(f"{API}/contracts/{rc_id}/manual-actions", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def _worked(
    http: TestClient, engine: Engine, tenant: Tenant | None = None
) -> tuple[Tenant, dict[str, str], int, str]:
    """SUB 1,200 (SSP 1,500, ratable over 2026) and SETUP 300 (SSP 500, at once) on one order, collected in
    January: price 1,500 allocated 1,500 × 1,500/2,000 = 1,125 and 1,500 × 500/2,000 = 375."""
    tenant = tenant or accounting_tenant(engine)
    prefix = unique("W")
    send(http, login(http, tenant), *worked_lines(prefix))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    admin = login(http, tenant, role=ADMIN_ROLE)
    return tenant, admin, _rc_id(engine, f"{prefix}-1"), prefix


def _allocated(action: dict[str, Any]) -> dict[str, str]:
    return {k: v["allocated"] for k, v in action["after"]["lines"].items()}


def test_ssp_override_reallocates_exactly(http: TestClient, engine: Engine) -> None:
    """SUB's SSP overridden from 1,500 to 1,000: SSP total 1,500, so SUB gets 1,500 × 1,000/1,500 = 1,000 and
    SETUP 1,500 × 500/1,500 = 500 (together the price, 1,500). January recognises SUB 1,000 / 12 = 83.33
    (83.333… rounded) and SETUP 500 at once."""
    tenant, admin, rc_id, prefix = _worked(http, engine)
    sub, setup = f"{prefix}-1", f"{prefix}-2"
    action = _post(
        http,
        admin,
        f"/contracts/{rc_id}/ssp-overrides",
        {"line_id": sub, "ssp": "1000", "reason": "observable price list"},
    )
    assert action["kind"] == "SSP_OVERRIDE" and action["status"] == "In force"
    before = {k: v["allocated"] for k, v in action["before"]["lines"].items()}
    assert {k: D(v) for k, v in before.items()} == {sub: D("1125"), setup: D("375")}
    assert {k: D(v) for k, v in _allocated(action).items()} == {sub: D("1000"), setup: D("500")}
    recognised = {k: D(v["recognised"]) for k, v in action["after"]["lines"].items()}
    assert recognised == {sub: D("83.33"), setup: D("500.00")}
    assert action["version_after"] == action["version_before"] + 1
    lines = {r["SO_LINE_ID"]: r for r in table_of(http, login(http, tenant), "BI3_RC_LNS")}
    assert D(lines[sub]["ALCTD_XT_PRC"]) == D("1000") and D(lines[sub]["FV_PRC"]) == D("1000")
    assert lines[sub]["MANUAL_FV_FLAG"] == "Y" and lines[setup]["MANUAL_FV_FLAG"] == "N"
    assert verify(engine, tenant) == []
    # a later Data Collection recomputing the contract keeps the override in force
    send(http, login(http, tenant), subscription(unique("L"), unique("SO")))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    lines = {r["SO_LINE_ID"]: r for r in table_of(http, login(http, tenant), "BI3_RC_LNS")}
    assert D(lines[sub]["ALCTD_XT_PRC"]) == D("1000")


def test_allocation_override_must_sum_to_the_price(http: TestClient, engine: Engine) -> None:
    """Price 1,500. SUB 1,300 with SETUP at its 375 totals 1,675: refused, nothing changes. SUB 1,200 and
    SETUP 300 total 1,500: in force (each line's own price, carve 0)."""
    tenant, admin, rc_id, prefix = _worked(http, engine)
    sub, setup = f"{prefix}-1", f"{prefix}-2"
    refused = _post(
        http,
        admin,
        f"/contracts/{rc_id}/allocation-overrides",
        {"amounts": {sub: "1300"}, "reason": "deal desk"},
        status=400,
    )
    assert "REVREC-ENG-032" in refused["message"] and "1675" in refused["message"]
    assert _actions(http, admin, rc_id) == []
    action = _post(
        http,
        admin,
        f"/contracts/{rc_id}/allocation-overrides",
        {"amounts": {sub: "1200.00", setup: "300.00"}, "reason": "deal desk"},
    )
    assert {k: D(v) for k, v in _allocated(action).items()} == {sub: D("1200"), setup: D("300")}
    heads = table_of(http, login(http, tenant), "BI3_RC_HEAD")
    assert [h["MANUAL_CV_FLAG"] for h in heads if h["ID"] == str(rc_id)] == ["Y"]
    lines = {r["SO_LINE_ID"]: r for r in table_of(http, login(http, tenant), "BI3_RC_LNS")}
    assert D(lines[sub]["CV_AMT"]) == D("0") and D(lines[setup]["CV_AMT"]) == D("0")
    assert verify(engine, tenant) == []


def _manual_tenant(engine: Engine) -> Tenant:
    """The worked policies plus a Manual-release template, ratable, for item CONSULT."""
    tenant = make_tenant(engine)
    policies = copy.deepcopy(WORKED_POLICIES)
    policies["pob_templates"].append(
        {
            "name": "Consulting",
            "release_event": "Manual",
            "ratable_method": "Ratable",
            "accounting_method": "Partial Month",
        }
    )
    policies["pob_assignment_rules"].append(
        {"template": "Consulting", "kind": "Item", "seq": 4, "item_num": "CONSULT"}
    )
    document = {
        "policies": policies,
        "accounting": {"modification_treatment": "Retrospective", "open_period": 202601},
    }
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)
    return tenant


def test_manual_release_catches_up_and_withdrawal_reverses(http: TestClient, engine: Engine) -> None:
    """A consulting line of 1,200 over 2026 releases by hand. January closes with nothing recognised. In
    February 50 % is released (dated 15 January, a closed period: it takes effect in February): 600 ratable
    over 2026 is 50 a month, so February books January's 50 as catch-up plus its own 50 = 100. February
    closes; in March the release is withdrawn: through March nothing, so March books 0 − 100 = −100, and
    January (0) and February (100) keep what they posted."""
    tenant = _manual_tenant(engine)
    line = unique("C")
    send(http, login(http, tenant), subscription(line, unique("SO"), "1200.00", **{"Item Num": "CONSULT"}))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("0")
    assert close_period(http, engine, login(http, tenant))["status"] == "Completed"
    admin = login(http, tenant, role=ADMIN_ROLE)
    rc_id = _rc_id(engine, line)
    refused = _post(
        http,
        admin,
        f"/contracts/{rc_id}/manual-releases",
        {
            "level": "LINE",
            "line_id": line,
            "release_date": "2026-01-15",
            "percent": "50",
            "amount": "600",
            "reason": "milestone",
        },
        status=400,
    )
    assert "either percent or amount" in refused["message"]
    pob = _post(
        http,
        admin,
        f"/contracts/{rc_id}/manual-releases",
        {
            "level": "POB",
            "pob_key": "nope",
            "release_date": "2026-01-15",
            "percent": "50",
            "reason": "milestone",
        },
        status=400,
    )
    assert "POB nope" in pob["message"]
    action = _post(
        http,
        admin,
        f"/contracts/{rc_id}/manual-releases",
        {
            "level": "LINE",
            "line_id": line,
            "release_date": "2026-01-15",
            "percent": "50",
            "reason": "phase 1 accepted",
        },
    )
    assert action["period"] == 202602 and D(action["after"]["lines"][line]["recognised"]) == D("100.00")
    assert revenue(engine, tenant, 202602) == D("100.00")
    assert revenue(engine, tenant, 202601) == D("0")
    assert close_period(http, engine, login(http, tenant))["status"] == "Completed"
    withdrawn = _post(
        http, admin, f"/manual-actions/{action['id']}/withdraw", {"reason": "acceptance revoked"}
    )
    assert withdrawn["kind"] == "WITHDRAWAL" and withdrawn["target_id"] == action["id"]
    assert revenue(engine, tenant, 202603) == D("-100.00")
    assert revenue(engine, tenant, 202602) == D("100.00") and revenue(engine, tenant, 202601) == D("0")
    statuses = [(a["kind"], a["status"]) for a in _actions(http, admin, rc_id)]
    assert statuses == [("RELEASE", "Withdrawn"), ("WITHDRAWAL", "In force")]
    again = _post(http, admin, f"/manual-actions/{action['id']}/withdraw", {"reason": "twice"}, status=400)
    assert "no longer in force" in again["message"]
    assert verify(engine, tenant) == []


def test_release_by_amount_of_a_pob(http: TestClient, engine: Engine) -> None:
    """Releasing an amount of 300 of the 1,200 consulting POB in January (open) releases 300/1,200 = 1/4:
    300 ratable over 2026 is 25 a month, so January books 25."""
    tenant = _manual_tenant(engine)
    line = unique("C")
    send(http, login(http, tenant), subscription(line, unique("SO"), "1200.00", **{"Item Num": "CONSULT"}))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    admin = login(http, tenant, role=ADMIN_ROLE)
    rc_id = _rc_id(engine, line)
    (pob_key,) = {v["pob_key"] for v in _lines_of(engine, rc_id)}
    action = _post(
        http,
        admin,
        f"/contracts/{rc_id}/manual-releases",
        {
            "level": "POB",
            "pob_key": pob_key,
            "release_date": "2026-01-20",
            "amount": "300",
            "reason": "first deliverable",
        },
    )
    assert action["level"] == "POB" and revenue(engine, tenant, 202601) == D("25.00")
    booked = _post(
        http,
        admin,
        f"/contracts/{rc_id}/manual-releases",
        {
            "level": "LINE",
            "line_id": line,
            "release_date": "2026-01-20",
            "amount": "5000",
            "reason": "too much",
        },
        status=400,
    )
    assert "more than the 1200" in booked["message"]


def _lines_of(engine: Engine, rc_id: int) -> list[dict[str, Any]]:
    with transaction(engine) as conn:
        rows = conn.execute(
            select(rc_line.c.pob_key).where(rc_line.c.rc_id == rc_id, rc_line.c.current_flag.is_(True))
        )
        return [{"pob_key": r.pob_key} for r in rows]


def test_release_of_an_upon_booking_line_is_refused(http: TestClient, engine: Engine) -> None:
    _, admin, rc_id, prefix = _worked(http, engine)
    refused = _post(
        http,
        admin,
        f"/contracts/{rc_id}/manual-releases",
        {
            "level": "LINE",
            "line_id": f"{prefix}-1",
            "release_date": "2026-01-15",
            "percent": "10",
            "reason": "x",
        },
        status=400,
    )
    assert "REVREC-ENG-033" in refused["message"]


def test_approval_required_then_rejected_leaves_previous_numbers(http: TestClient, engine: Engine) -> None:
    """Rule MANUAL_ADJUSTMENT above 100. The SSP override moves SUB 1,125 → 1,000 and SETUP 375 → 500 (Σ
    |Δ allocated| 250, plus the January recognition SUB 93.75 → 83.33, SETUP 375 → 500): above 100, so it
    awaits approval. The rejection restores 1,125 / 375, and a later action leaves the rejected one out."""
    rule = {"name": "Manual", "applies_to": "MANUAL_ADJUSTMENT", "amount": "100", "approvers": [MANAGER]}
    tenant, manager, _ = with_rules(engine, rule)
    tenant, admin, rc_id, prefix = _worked(http, engine, tenant)
    sub, setup = f"{prefix}-1", f"{prefix}-2"
    action = _post(
        http,
        admin,
        f"/contracts/{rc_id}/ssp-overrides",
        {"line_id": sub, "ssp": "1000", "reason": "price list"},
    )
    assert action["status"] == "Pending approval"
    as_manager = login(http, manager, role=MANAGER)
    (step,) = steps_of(http, as_manager, status="Pending")
    assert step["rc_id"] == rc_id and step["approval_type"] == "MANUAL_ADJUSTMENT"
    busy = _post(
        http,
        admin,
        f"/contracts/{rc_id}/ssp-overrides",
        {"line_id": setup, "ssp": "400", "reason": "x"},
        status=400,
    )
    assert "awaits approval" in busy["message"]
    rejected = decide(http, as_manager, rc_id, "reject", "not agreed")
    assert rejected.status_code == 200, rejected.text
    assert {k: D(v) for k, v in rejected.json()["restored"]["allocated"].items()} == {
        sub: D("1125"),
        setup: D("375"),
    }
    statuses = [(a["kind"], a["status"]) for a in _actions(http, admin, rc_id)]
    assert statuses == [("SSP_OVERRIDE", "Rejected"), ("REJECTION", "Rejected")]
    # SETUP's SSP set to its computed 500 changes nothing (no approval); the rejected override stays out
    same = _post(
        http,
        admin,
        f"/contracts/{rc_id}/ssp-overrides",
        {"line_id": setup, "ssp": "500", "reason": "confirm"},
    )
    assert same["status"] == "In force"
    assert {k: D(v) for k, v in _allocated(same).items()} == {sub: D("1125"), setup: D("375")}
    assert verify(engine, tenant) == []


def test_privileges_refuse_each_action_and_audit_is_readable(http: TestClient, engine: Engine) -> None:
    tenant, admin, rc_id, prefix = _worked(http, engine)
    api = login(http, tenant)  # the API Role holds none of the manual privileges
    calls = (
        (
            "/contracts/{}/manual-releases",
            {
                "level": "LINE",
                "line_id": f"{prefix}-1",
                "release_date": "2026-01-15",
                "percent": "10",
                "reason": "x",
            },
            "Manual Release",
        ),
        (
            "/contracts/{}/ssp-overrides",
            {"line_id": f"{prefix}-1", "ssp": "1", "reason": "x"},
            "SSP Override",
        ),
        (
            "/contracts/{}/allocation-overrides",
            {"amounts": {f"{prefix}-1": "1"}, "reason": "x"},
            "Allocation Override",
        ),
    )
    for path, body, privilege in calls:
        refused = http.post(API + path.format(rc_id), headers=api, json=body)
        assert refused.status_code == 403 and privilege in refused.text
    listed = http.get(f"{API}/contracts/{rc_id}/manual-actions", headers=api)
    assert listed.status_code == 403
    action = _post(
        http,
        admin,
        f"/contracts/{rc_id}/ssp-overrides",
        {"line_id": f"{prefix}-1", "ssp": "1000", "reason": "observable price"},
    )
    withdraw = http.post(f"{API}/manual-actions/{action['id']}/withdraw", headers=api, json={"reason": "x"})
    assert withdraw.status_code == 403
    other = accounting_tenant(engine)  # another client's admin sees nothing of this contract
    foreign = http.get(f"{API}/contracts/{rc_id}/manual-actions", headers=login(http, other, role=ADMIN_ROLE))
    assert foreign.status_code == 400 and "not found" in foreign.text
    trail = http.get(AUDIT, headers=admin, params={"object_type": "manual_action"})
    assert trail.status_code == 200, trail.text
    (entry,) = trail.json()["entries"]
    assert entry["action"] == "manual.ssp_override" and entry["reason"] == "observable price"
    assert entry["object_id"] == str(action["id"]) and entry["actor"] == tenant.user
    assert D(entry["before"]["lines"][f"{prefix}-1"]["allocated"]) == D("1125")
    assert D(entry["after"]["lines"][f"{prefix}-1"]["allocated"]) == D("1000")


def test_event_process_keeps_a_manual_release(http: TestClient, engine: Engine) -> None:
    """A milestone line of 1,200 (Upon Event "Acceptance", cumulative percent, recognised at once) gets a
    manual release of 25 % in January: 1,200 × 25 % = 300. Event Process then applies a 50 % acceptance:
    the event sets the level to 50 % and the manual release comes on top, 75 %: 1,200 × 75 % = 900."""
    tenant = milestone_tenant(engine)
    line = unique("MS")
    send(http, login(http, tenant), milestone_line(line, unique("SO")))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    admin = login(http, tenant, role=ADMIN_ROLE)
    rc_id = _rc_id(engine, line)
    body = {
        "level": "LINE",
        "line_id": line,
        "release_date": "2026-01-05",
        "percent": "25",
        "reason": "kick-off",
    }
    _post(http, admin, f"/contracts/{rc_id}/manual-releases", body)
    assert revenue(engine, tenant, 202601) == D("300.00")
    send_events(http, login(http, tenant), event(line, "50", "20-JAN-2026"))
    assert process_events(http, engine, login(http, tenant))["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("900.00")
    assert verify(engine, tenant) == []
