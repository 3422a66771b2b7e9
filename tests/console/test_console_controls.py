"""Controls on the console over HTTP: the close checklist counts active holds and contracts awaiting
approval (linking to the controls page), the controls page lists them, and the release-hold and
approve/reject forms call the API's use cases — CSRF checked, privileges and the step's role enforced."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, collect, send, subscription
from approvals_support import MANAGER, revised_pending
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import control_audit, rc_approval, rc_hold, rc_line
from support import Tenant, login, unique


def _sign_in(http: TestClient, tenant: Tenant, role: str) -> None:
    http.cookies.clear()
    form = {"clientname": tenant.client, "role": role, "username": tenant.user, "password": tenant.password}
    assert http.post("/console/login", data=form, follow_redirects=False).status_code == 303


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


def _held_contract(http: TestClient, engine: Engine) -> tuple[Tenant, int, int]:
    tenant = accounting_tenant(engine)
    api = login(http, tenant)
    so = unique("SO")
    send(http, api, subscription(f"{so}-1", so, "1200.00"))
    assert collect(http, engine, api)["status"] == "Completed"
    with transaction(engine) as conn:
        rc_id = int(conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == f"{so}-1")).scalar_one())
    admin = login(http, tenant, role=ADMIN_ROLE)
    hold = http.post(
        "/api/revrec/v1/holds",
        headers=admin,
        json={"rc_id": rc_id, "hold_type": "REVENUE", "comment": "credit"},
    )
    assert hold.status_code == 200, hold.text
    return tenant, rc_id, int(hold.json()["hold_id"])


def test_checklist_counts_holds_and_release_form(http: TestClient, engine: Engine) -> None:
    tenant, rc_id, hold_id = _held_contract(http, engine)
    _sign_in(http, tenant, ADMIN_ROLE)
    dashboard = http.get("/console/dashboard").text
    assert re.search(
        r'<a href="/console/controls#holds">Active holds: <strong id="active-holds">1</strong>', dashboard
    )
    assert '<strong id="pending-approvals">0</strong>' in dashboard
    page = http.get("/console/controls").text
    assert f"/console/controls/holds/{hold_id}/release" in page and "credit" in page
    assert "No released holds." in http.get("/console/controls", params={"show": "released"}).text
    action = f"/console/controls/holds/{hold_id}/release"
    forged = http.post(action, data={"comment": "paid", "csrf_token": "0" * 64})
    assert forged.status_code == 403 and "reload the page" in forged.text
    no_reason = http.post(action, data={"comment": "", "csrf_token": _csrf(page)})
    assert no_reason.status_code == 400 and "needs a comment" in no_reason.text
    released = http.post(
        action, data={"comment": "paid up", "csrf_token": _csrf(page), "back": "https://evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert released.status_code == 303 and released.headers["location"] == "/console/controls"
    with transaction(engine) as conn:
        row = conn.execute(select(rc_hold).where(rc_hold.c.id == hold_id)).one()
        acted = (
            conn.execute(
                select(control_audit.c.action).where(
                    control_audit.c.object_type == "hold", control_audit.c.object_id == str(hold_id)
                )
            )
            .scalars()
            .all()
        )
    assert row.released_flag and row.release_reason == "MANUAL" and row.release_comment == "paid up"
    assert row.released_by == tenant.user and "hold.release" in acted
    again = http.post(action, data={"comment": "twice", "csrf_token": _csrf(page)})
    assert again.status_code == 400 and "already released" in again.text
    assert '<strong id="active-holds">0</strong>' in http.get("/console/dashboard").text
    # the contract page shows the hold to an outbound reader, without the release form
    _sign_in(http, tenant, "API Role")
    contract = http.get(f"/console/contracts/{rc_id}").text
    assert 'id="contract-holds"' in contract and "paid" not in contract.split('id="contract-holds"')[0]
    assert "/release" not in contract and "MANUAL" in contract
    assert http.get("/console/controls").status_code == 403
    assert http.post(action, data={"comment": "x", "csrf_token": _csrf(contract)}).status_code == 403


def test_holds_of_another_client_stay_hidden(http: TestClient, engine: Engine) -> None:
    _, _, hold_id = _held_contract(http, engine)
    other = accounting_tenant(engine)
    _sign_in(http, other, ADMIN_ROLE)
    page = http.get("/console/controls").text
    assert f"/holds/{hold_id}/release" not in page
    answer = http.post(
        f"/console/controls/holds/{hold_id}/release", data={"comment": "x", "csrf_token": _csrf(page)}
    )
    assert answer.status_code == 400 and "not found" in answer.text


def test_pending_approval_listed_and_approved_from_the_console(http: TestClient, engine: Engine) -> None:
    tenant, _, _, rc_id, manager = revised_pending(http, engine)
    _sign_in(http, tenant, ADMIN_ROLE)  # Revenue Approvals, but not the step's role: no form
    page = http.get("/console/controls").text
    assert "for role Revenue Manager" in page and f"/approvals/{rc_id}/approve" not in page
    assert '<strong id="pending-approvals">1</strong>' in http.get("/console/dashboard").text
    refused = http.post(f"/console/controls/approvals/{rc_id}/approve", data={"csrf_token": _csrf(page)})
    assert refused.status_code == 403 and "sign in with that role" in refused.text
    _sign_in(http, manager, MANAGER)
    page = http.get("/console/controls").text
    assert f"/console/controls/approvals/{rc_id}/approve" in page
    assert (
        http.post(
            f"/console/controls/approvals/{rc_id}/reject", data={"comment": " ", "csrf_token": _csrf(page)}
        ).status_code
        == 400
    )
    done = http.post(
        f"/console/controls/approvals/{rc_id}/approve", data={"comment": "fine", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    with transaction(engine) as conn:
        statuses = (
            conn.execute(select(rc_approval.c.status).where(rc_approval.c.rc_id == rc_id)).scalars().all()
        )
    assert statuses == ["Approved"]
    assert "Nothing is waiting for approval." in http.get("/console/controls").text
    assert '<strong id="pending-approvals">0</strong>' in http.get("/console/dashboard").text


def test_rejection_from_the_console(http: TestClient, engine: Engine) -> None:
    _, _, _, rc_id, manager = revised_pending(http, engine)
    _sign_in(http, manager, MANAGER)
    page = http.get("/console/controls").text
    done = http.post(
        f"/console/controls/approvals/{rc_id}/reject",
        data={"comment": "wrong price", "csrf_token": _csrf(page)},
    )
    assert done.status_code == 200 and "Nothing is waiting for approval." in done.text
    with transaction(engine) as conn:
        statuses = (
            conn.execute(select(rc_approval.c.status).where(rc_approval.c.rc_id == rc_id)).scalars().all()
        )
    assert statuses == ["Rejected"]
