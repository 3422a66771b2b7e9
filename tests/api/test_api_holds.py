"""Holds through HTTP: a revenue hold stops recognition from the period it is applied in and its release
books the catch-up in the then open period (closed periods unchanged); a transfer hold keeps the contract
out of GL transfer batches until released; privileges; the audit trail. Figures derived by hand."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import (
    accounting_tenant,
    close_period,
    collect,
    revenue,
    send,
    subscription,
    transfer_program,
    verify,
    worked_lines,
)
from biviews_support import table_of
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import journal_entry, rc_line
from revrec.jobs import worker
from support import login, unique

HOLDS = "/api/revrec/v1/holds"
AUDIT = "/api/revrec/v1/audit"


def _rc_id(engine: Engine, line_id: str) -> int:
    with transaction(engine) as conn:
        return int(
            conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == line_id)).scalars().first()
        )


def _hold(http: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = http.post(HOLDS, headers=headers, json={"comment": "customer on credit watch", **body})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _release(http: TestClient, headers: dict[str, str], hold_id: int) -> dict[str, Any]:
    response = http.post(f"{HOLDS}/{hold_id}/release", headers=headers, json={"comment": "paid up"})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _subscription_tenant(
    http: TestClient, engine: Engine
) -> tuple[object, dict[str, str], dict[str, str], str]:
    tenant = accounting_tenant(engine)
    api = login(http, tenant)
    admin = login(http, tenant, role=ADMIN_ROLE)
    so = unique("SO")
    send(http, api, subscription(f"{so}-1", so, "1200.00"))
    assert collect(http, engine, api)["status"] == "Completed"
    return tenant, api, admin, f"{so}-1"


def test_revenue_hold_released_two_periods_later_books_the_catch_up(http: TestClient, engine: Engine) -> None:
    tenant, api, admin, line = _subscription_tenant(http, engine)
    rc_id = _rc_id(engine, line)
    # 1,200 over 2026 = 100 a month
    assert close_period(http, engine, api)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("100.00")
    hold = _hold(http, admin, rc_id=rc_id, hold_type="REVENUE")  # applied in February
    assert hold["applied_period"] == 202602 and hold["released"] is False
    assert revenue(engine, tenant, 202602) == D(0)
    february = close_period(http, engine, api)
    assert february["status"] == "Completed" and f"id {rc_id}" in february["error_message"]
    assert close_period(http, engine, api)["status"] == "Completed"  # March closed, still held
    assert revenue(engine, tenant, 202603) == D(0)
    released = _release(http, admin, hold["hold_id"])  # in April
    assert released["released"] is True and released["release_period"] == 202604
    # April: its own 100 plus the catch-up of February and March (2 x 100) = 300
    assert revenue(engine, tenant, 202604) == D("300.00")
    # closed periods never move
    assert [revenue(engine, tenant, p) for p in (202601, 202602, 202603)] == [D("100.00"), D(0), D(0)]
    assert verify(engine, tenant) == []
    assert close_period(http, engine, api)["status"] == "Completed"
    assert revenue(engine, tenant, 202605) == D("100.00")
    assert verify(engine, tenant) == []


def test_revenue_hold_survives_a_recomputation(http: TestClient, engine: Engine) -> None:
    tenant, api, admin, line = _subscription_tenant(http, engine)
    rc_id = _rc_id(engine, line)
    assert close_period(http, engine, api)["status"] == "Completed"
    hold = _hold(http, admin, rc_id=rc_id, hold_type="REVENUE", level="LINE", line_id=line)
    # the line sent again at 2,400 (200 a month) while held: still nothing recognised in February
    send(http, api, subscription(line, line.rsplit("-", 1)[0], "2400.00", **{"Doc Date": "01-FEB-2026"}))
    assert collect(http, engine, api)["status"] == "Completed"
    assert revenue(engine, tenant, 202602) == D(0)
    assert close_period(http, engine, api)["status"] == "Completed"
    _release(http, admin, hold["hold_id"])  # March: 600 through March at the new price, 100 recognised
    assert revenue(engine, tenant, 202603) == D("500.00")
    assert verify(engine, tenant) == []


def test_transfer_held_entries_stay_out_of_batches_until_released(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    api = login(http, tenant)
    admin = login(http, tenant, role=ADMIN_ROLE)
    prefix = unique("T")
    send(http, api, *worked_lines(prefix))
    assert collect(http, engine, api)["status"] == "Completed"
    rc_id = _rc_id(engine, f"{prefix}-1")
    hold = _hold(http, admin, rc_id=rc_id, hold_type="TRANSFER")
    assert close_period(http, engine, api)["status"] == "Completed"
    job = transfer_program(http, engine, api, 153)
    assert "NO DATA FOUND" in job["error_message"] and "transfer hold left out" in job["error_message"]
    with transaction(engine) as conn:
        batches = set(
            conn.execute(
                select(journal_entry.c.post_batch_id).where(journal_entry.c.rc_id == rc_id)
            ).scalars()
        )
    assert batches == {None}
    _release(http, admin, hold["hold_id"])
    assert "READY TO TRANSFER" in transfer_program(http, engine, api, 153)["error_message"]
    with transaction(engine) as conn:
        posted = conn.execute(
            select(journal_entry.c.post_batch_id).where(
                journal_entry.c.rc_id == rc_id, journal_entry.c.posted_flag.is_(True)
            )
        ).scalars()
        assert None not in set(posted)


def test_holds_need_their_privilege_and_bad_requests_say_what_to_fix(
    http: TestClient, engine: Engine
) -> None:
    _tenant, api, admin, line = _subscription_tenant(http, engine)
    rc_id = _rc_id(engine, line)
    body = {"rc_id": rc_id, "hold_type": "REVENUE", "comment": "x"}
    assert http.post(HOLDS, headers=api, json=body).status_code == 403
    assert http.get(HOLDS, headers=api).status_code == 403
    assert http.get(AUDIT, headers=api).status_code == 403
    bad = http.post(HOLDS, headers=admin, json={**body, "hold_type": "SOMETIMES"})
    assert bad.status_code == 400 and "hold type" in bad.text
    missing = http.post(HOLDS, headers=admin, json={**body, "level": "POB"})
    assert missing.status_code == 400 and "pob_key" in missing.text
    unknown = http.post(HOLDS, headers=admin, json={**body, "rc_id": 987654321})
    assert unknown.status_code == 400 and "not found" in unknown.text
    hold = _hold(http, admin, rc_id=rc_id, hold_type="TRANSFER", manual_release=False)
    assert (
        http.post(f"{HOLDS}/{hold['hold_id']}/release", headers=api, json={"comment": "x"}).status_code == 403
    )
    refused = http.post(f"{HOLDS}/{hold['hold_id']}/release", headers=admin, json={"comment": "x"})
    assert refused.status_code == 400 and "cannot be released by hand" in refused.text


def test_audit_trail_records_apply_and_release(http: TestClient, engine: Engine) -> None:
    _tenant, _api, admin, line = _subscription_tenant(http, engine)
    hold = _hold(http, admin, rc_id=_rc_id(engine, line), hold_type="TRANSFER")
    _release(http, admin, hold["hold_id"])
    response = http.get(AUDIT, headers=admin, params={"object_type": "hold", "object_id": hold["hold_id"]})
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    assert [e["action"] for e in entries] == ["hold.apply", "hold.release"]
    assert entries[0]["reason"] == "customer on credit watch" and entries[0]["before"] is None
    assert entries[1]["before"]["released"] is False and entries[1]["after"]["released"] is True
    assert entries[1]["reason"] == "paid up" and entries[1]["actor"] == entries[0]["actor"]
    listed = http.get(HOLDS, headers=admin, params={"active": "false"}).json()["holds"]
    assert [h["hold_id"] for h in listed] == [hold["hold_id"]]


def test_audit_filter_with_a_nul_character_is_refused(http: TestClient, engine: Engine) -> None:
    """A NUL in a text parameter is a 400 naming the parameter on both databases (PostgreSQL text cannot
    hold it: the query used to fail with a 500)."""
    _tenant, _api, admin, _line = _subscription_tenant(http, engine)
    response = http.get(AUDIT, headers=admin, params={"object_type": "ho\x00ld"})
    assert response.status_code == 400, response.text
    assert "object_type" in response.text and "NUL" in response.text


def test_bi_views_show_holds_and_the_audit_trail(http: TestClient, engine: Engine) -> None:
    _tenant, api, admin, line = _subscription_tenant(http, engine)
    rc_id = _rc_id(engine, line)
    hold = _hold(http, admin, rc_id=rc_id, hold_type="REVENUE", schedules="R", expiry_date="2026-06-30")
    _release(http, admin, hold["hold_id"])
    [row] = table_of(http, api, "BI3_RC_HOLD")
    assert row["RC_HOLD_ID"] == str(hold["hold_id"]) and row["RC_ID"] == str(rc_id)
    assert (row["HOLD_TYPE"], row["HOLD_LEVEL"], row["HOLD_NAME"]) == ("REVENUE", "CONTRACT", "MANUAL")
    assert (row["REV_SCHD_HOLD_FLAG"], row["ALLOC_SCHD_HOLD_FLAG"]) == ("Y", "N")
    assert row["RC_HOLD_RELEASED_FLAG"] == "Y" and row["RC_HOLD_RELEASE_COMMENT"] == "paid up"
    assert row["RC_HOLD_COMMENT"] == "customer on credit watch" and row["RC_HOLD_EXP_DATE"] == "2026-06-30"
    trail = table_of(http, api, "BI3_CONTROL_AUDIT")
    assert [(r["ACTION"], r["OBJECT_ID"]) for r in trail] == [
        ("hold.apply", str(hold["hold_id"])),
        ("hold.release", str(hold["hold_id"])),
    ]
    assert '"released": true' in trail[1]["AFTER_STATE"]


def test_a_line_stays_held_until_its_last_revenue_hold_is_released(http: TestClient, engine: Engine) -> None:
    tenant, api, admin, line = _subscription_tenant(http, engine)
    rc_id = _rc_id(engine, line)
    first = _hold(http, admin, rc_id=rc_id, hold_type="REVENUE")
    second = _hold(http, admin, rc_id=rc_id, hold_type="REVENUE", level="LINE", line_id=line, whole_pob=False)
    assert close_period(http, engine, api)["status"] == "Completed"  # January: 0
    _release(http, admin, first["hold_id"])  # February: still held by the second hold
    assert revenue(engine, tenant, 202602) == D(0)
    _release(http, admin, second["hold_id"])  # February: own 100 + January's 100
    assert revenue(engine, tenant, 202602) == D("200.00")
    assert revenue(engine, tenant, 202601) == D(0)
    assert verify(engine, tenant) == []


def test_revenue_holds_wait_while_the_period_is_in_soft_close(http: TestClient, engine: Engine) -> None:
    _tenant, api, admin, line = _subscription_tenant(http, engine)
    rc_id = _rc_id(engine, line)
    body = {"parameters": [{"parameter_id": 1541, "sequence": 1, "parameter_value": "Soft Close"}]}
    assert http.post("/api/integration/v1/1/programs/154/submit", headers=api, json=body).status_code == 200
    worker.run_until_idle(engine)
    refused = http.post(HOLDS, headers=admin, json={"rc_id": rc_id, "hold_type": "REVENUE", "comment": "x"})
    assert refused.status_code == 400 and "Soft Close" in refused.text
    assert _hold(http, admin, rc_id=rc_id, hold_type="TRANSFER")["hold_type"] == "TRANSFER"


def test_a_line_joining_a_held_contract_is_held_too(http: TestClient, engine: Engine) -> None:
    tenant, api, admin, line = _subscription_tenant(http, engine)
    rc_id = _rc_id(engine, line)
    hold = _hold(http, admin, rc_id=rc_id, hold_type="REVENUE")
    so = line.rsplit("-", 1)[0]
    send(http, api, subscription(f"{so}-2", so, "600.00"))  # joins the contract (same sales order)
    assert collect(http, engine, api)["status"] == "Completed"
    assert _rc_id(engine, f"{so}-2") == rc_id
    assert revenue(engine, tenant, 202601) == D(0)
    assert close_period(http, engine, api)["status"] == "Completed"
    _release(http, admin, hold["hold_id"])
    # February: (100 + 50) for February and again for January's catch-up
    assert revenue(engine, tenant, 202602) == D("300.00")
    assert verify(engine, tenant) == []
