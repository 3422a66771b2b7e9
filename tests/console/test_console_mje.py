"""Manual journal entries and manual revenue actions on the console over HTTP: the close checklist counts
entries awaiting approval and errored MJE upload rows (each linking to its list); the entries page lists
(filtered by status, sorted and paged in the database), shows an entry's lines and steps, and its forms
call the API's use cases (approve, reject, reverse) with CSRF, privileges and the step's role enforced;
the contract page lists the contract's manual actions (withdraw form) and the entries tied to it.

Figures by hand: an accrual of 1,500.00 (Dr L 2400-DEF / Cr R 4000-REV) is caught by the rule "above
1,000" and waits for the MJE Controller; one of 400.00 is not and posts at once; one of 2,000.00 waits too.
The worked contract: SUB 1,200 (SSP 1,500) and SETUP 300 (SSP 500), price 1,500; SUB's SSP overridden to
1,000 allocates SUB 1,500 × 1,000 / 1,500 = 1,000."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import collect, send, worked_lines
from mje_support import CONTROLLER, accrual, admin, create, journal_rows, mje_tenant
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import control_audit, mje_head, rc_line
from revrec.jobs import worker
from revrec.setup import service as setup_service
from revrec.tenancy import service as tenancy
from support import PASSWORD, Tenant, login, unique


def _sign_in(http: TestClient, tenant: Tenant, role: str) -> None:
    http.cookies.clear()
    form = {"clientname": tenant.client, "role": role, "username": tenant.user, "password": tenant.password}
    assert http.post("/console/login", data=form, follow_redirects=False).status_code == 303


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


ACCOUNTANT, RELEASER = "Revenue Accountant", "Releaser"


def _reader(engine: Engine, tenant: Tenant, role: str, *privileges: str) -> Tenant:
    """A role of ``tenant`` reading contracts (Webservices Outbound) with ``privileges``, and its user."""
    user = Tenant(tenant.client, unique("user"), PASSWORD)
    document = {"roles": [{"name": role, "privileges": ["Webservices Outbound", *privileges]}]}
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)
        tenancy.create_user(
            conn, client_name=tenant.client, username=user.user, password=PASSWORD, role_names=[role]
        )
    return user


def _status(engine: Engine, mje_id: int) -> tuple[str, int | None]:
    with transaction(engine, readonly=True) as conn:
        row = conn.execute(select(mje_head).where(mje_head.c.id == mje_id)).one()
    return str(row.status), row.reversed_by


def _numbers(html: str) -> list[str]:
    """The entry numbers of the entries table, in the order shown."""
    table = html.split('id="mje-table"')[1].split("</table>")[0]
    return re.findall(r'<a href="/console/mje/\d+">([^<]+)</a></td><td>\d{6}', table)


def test_checklist_list_and_approve_from_the_console(http: TestClient, engine: Engine) -> None:
    tenant, controller = mje_tenant(engine)
    headers = admin(http, tenant)
    big = create(http, headers, accrual("1500.00", mje_num=unique("ACCR"), submit=True))
    small = create(http, headers, accrual("400.00", mje_num=unique("SMALL"), submit=True))
    other = create(http, headers, accrual("2000.00", mje_num=unique("BIG"), submit=True))
    assert (big["status"], small["status"], other["status"]) == ("Pending", "Posted", "Pending")
    _sign_in(http, tenant, ADMIN_ROLE)
    dashboard = http.get("/console/dashboard").text
    assert re.search(
        r'<a href="/console/mje\?status=Pending">Manual journal entries awaiting approval: '
        r'<strong id="pending-mjes">2</strong>',
        dashboard,
    )
    assert '<strong id="mje-staging-errors">0</strong>' in dashboard
    assert '<a href="/console/mje">Manual entries</a>' in dashboard
    # the list: newest first by default; filtered; sorted by total ascending: 400 < 1,500 < 2,000
    assert _numbers(http.get("/console/mje").text) == [other["mje_num"], small["mje_num"], big["mje_num"]]
    pending = http.get("/console/mje", params={"status": "Pending"}).text
    assert _numbers(pending) == [other["mje_num"], big["mje_num"]]
    by_total = http.get("/console/mje", params={"sort": "total", "desc": 0}).text
    assert _numbers(by_total) == [small["mje_num"], big["mje_num"], other["mje_num"]]
    assert "1500.00 USD" in by_total
    assert http.get("/console/mje", params={"status": "Open"}).status_code == 400
    assert http.get("/console/mje", params={"sort": "client_id"}).status_code == 400
    # the entry: lines and the step; the Administrator is not the step's role, so no form
    page = http.get(f"/console/mje/{big['id']}").text
    assert "2400-DEF" in page and "4000-REV" in page and "1500.00" in page
    assert f"waits for the role {CONTROLLER}" in page and f"/console/mje/{big['id']}/approve" not in page
    wrong_role = http.post(f"/console/mje/{big['id']}/approve", data={"csrf_token": _csrf(page)})
    assert wrong_role.status_code == 403 and CONTROLLER in wrong_role.text
    # the controller: sees the entry, approves it with the form
    _sign_in(http, controller, CONTROLLER)
    page = http.get(f"/console/mje/{big['id']}").text
    assert f'action="/console/mje/{big["id"]}/approve"' in page
    forged = http.post(f"/console/mje/{big['id']}/approve", data={"csrf_token": "0" * 64})
    assert forged.status_code == 403 and "reload the page" in forged.text
    assert _status(engine, big["id"]) == ("Pending", None)
    approved = http.post(
        f"/console/mje/{big['id']}/approve",
        data={"comment": "matches the order", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert approved.status_code == 303 and approved.headers["location"] == f"/console/mje/{big['id']}"
    assert _status(engine, big["id"]) == ("Posted", None)
    shown = http.get(f"/console/mje/{big['id']}").text
    assert "matches the order" in shown and controller.user in shown
    # reject needs a comment (the API's rule), then rejects
    page = http.get(f"/console/mje/{other['id']}").text
    no_reason = http.post(
        f"/console/mje/{other['id']}/reject", data={"comment": "", "csrf_token": _csrf(page)}
    )
    assert no_reason.status_code == 400
    rejected = http.post(
        f"/console/mje/{other['id']}/reject", data={"comment": "wrong account", "csrf_token": _csrf(page)}
    )
    assert rejected.status_code == 200 and _status(engine, other["id"])[0] == "Rejected"
    # the controller holds no Manual Journal Entries privilege: no reverse
    refused = http.post(f"/console/mje/{big['id']}/reverse", data={"csrf_token": _csrf(page)})
    assert refused.status_code == 403 and "Manual Journal Entries" in refused.text
    _sign_in(http, tenant, ADMIN_ROLE)
    assert '<strong id="pending-mjes">0</strong>' in http.get("/console/dashboard").text
    page = http.get(f"/console/mje/{big['id']}").text
    assert f'action="/console/mje/{big["id"]}/reverse"' in page
    reversed_ = http.post(
        f"/console/mje/{big['id']}/reverse", data={"comment": "duplicate", "csrf_token": _csrf(page)}
    )
    assert reversed_.status_code == 200
    status, reversal = _status(engine, big["id"])
    assert status == "Posted" and reversal is not None
    assert _status(engine, reversal)[0] == "Posted"
    assert f'action="/console/mje/{big["id"]}/reverse"' not in http.get(f"/console/mje/{big['id']}").text
    reversal_page = http.get(f"/console/mje/{reversal}").text
    assert f'href="/console/mje/{big["id"]}">entry {big["id"]}</a>' in reversal_page
    assert "/reverse" not in reversal_page  # a reversal is not reversed again
    # the reversal swaps the sides of 1,500.00 (150,000 cents): L credit, R debit
    swapped = [(r.acctg_type, r.dr_t, r.cr_t) for r in journal_rows(engine, tenant, reversal)]
    assert sorted(swapped) == [("L", 0, 150000), ("R", 150000, 0)]
    with transaction(engine, readonly=True) as conn:
        c = control_audit.c
        mine = (c.object_type == "mje", c.object_id == str(big["id"]))
        trail = conn.execute(select(c.action, c.actor).where(*mine).order_by(c.id)).all()
    assert ("mje.approve", controller.user) in [tuple(r) for r in trail]  # the API's audit trail


def test_pages_refuse_roles_without_privileges_and_other_clients(http: TestClient, engine: Engine) -> None:
    tenant, _ = mje_tenant(engine)
    entry = create(http, admin(http, tenant), accrual("1500.00", submit=True))
    _sign_in(http, tenant, "API Role")  # none of the MJE privileges
    dashboard = http.get("/console/dashboard").text
    assert '<strong id="pending-mjes">1</strong>' in dashboard and 'href="/console/mje' not in dashboard
    errored = r'<a href="/console/uploads/errors\?kind=mje">[^<]*<strong id="mje-staging-errors">0</strong>'
    assert re.search(errored, dashboard)  # the API Role reads staging errors
    assert http.get("/console/mje").status_code == 403
    assert http.get(f"/console/mje/{entry['id']}").status_code == 403
    other, _ = mje_tenant(engine)
    _sign_in(http, other, ADMIN_ROLE)
    assert http.get(f"/console/mje/{entry['id']}").status_code == 400  # not found for another client
    assert http.get("/console/mje/99999999999").status_code == 400  # beyond any id: not found
    assert entry["mje_num"] not in http.get("/console/mje").text


def test_contract_page_lists_manual_actions_and_entries(http: TestClient, engine: Engine) -> None:
    tenant, controller = mje_tenant(engine)
    prefix = unique("W")
    send(http, login(http, tenant), *worked_lines(prefix))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    with transaction(engine, readonly=True) as conn:
        rc_id = int(
            conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == f"{prefix}-1")).scalars().first()
        )
    headers = admin(http, tenant)
    override = http.post(
        f"/api/revrec/v1/contracts/{rc_id}/ssp-overrides",
        headers=headers,
        json={"line_id": f"{prefix}-1", "ssp": "1000", "reason": "observable price list"},
    )
    assert override.status_code == 200, override.text
    action_id = override.json()["id"]
    tied = create(http, headers, accrual("250.00", mje_num=unique("RC"), rc_id=rc_id))
    releaser = _reader(engine, tenant, RELEASER, "Manual Release")
    _sign_in(http, releaser, RELEASER)  # sees the actions; may not withdraw an SSP override; no entries
    page = http.get(f"/console/contracts/{rc_id}").text
    assert "observable price list" in page and "/withdraw" not in page and 'id="contract-mjes"' not in page
    refused = http.post(
        f"/console/manual-actions/{action_id}/withdraw", data={"reason": "x", "csrf_token": _csrf(page)}
    )
    assert refused.status_code == 403 and "SSP Override" in refused.text
    _sign_in(http, tenant, "API Role")  # none of the manual privileges: neither table
    page = http.get(f"/console/contracts/{rc_id}").text
    assert 'id="contract-manual-actions"' not in page and 'id="contract-mjes"' not in page
    accountant = _reader(engine, tenant, ACCOUNTANT, "SSP Override", "Manual Journal Entries")
    _sign_in(http, accountant, ACCOUNTANT)
    page = http.get(f"/console/contracts/{rc_id}").text
    actions = page.split('id="contract-manual-actions"')[1].split("</table>")[0]
    assert "SSP_OVERRIDE" in actions and "observable price list" in actions and "In force" in actions
    assert tenant.user in actions and f'action="/console/manual-actions/{action_id}/withdraw"' in actions
    mjes = page.split('id="contract-mjes"')[1].split("</table>")[0]
    assert f'href="/console/mje/{tied["id"]}">{tied["mje_num"]}</a>' in mjes and "250.00 USD" in mjes
    no_reason = http.post(
        f"/console/manual-actions/{action_id}/withdraw", data={"reason": "", "csrf_token": _csrf(page)}
    )
    assert no_reason.status_code == 400
    withdrawn = http.post(
        f"/console/manual-actions/{action_id}/withdraw",
        data={
            "reason": "price list withdrawn",
            "csrf_token": _csrf(page),
            "back": f"/console/contracts/{rc_id}",
        },
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303 and withdrawn.headers["location"] == f"/console/contracts/{rc_id}"
    after = http.get(f"/console/contracts/{rc_id}").text.split('id="contract-manual-actions"')[1]
    after = after.split("</table>")[0]
    assert "WITHDRAWAL" in after and "Withdrawn" in after and "/withdraw" not in after
    # the controller sees the entries tied to the contract only if it may read the contract page at all
    _sign_in(http, controller, CONTROLLER)
    assert http.get(f"/console/contracts/{rc_id}").status_code == 403


def test_errored_mje_upload_rows_are_counted_and_listed(http: TestClient, engine: Engine) -> None:
    """A Standard MJE upload whose entry has an unknown account type (Q) stays in staging in error (both of
    its rows): the checklist counts 2 and links to the stage errors of kind ``mje``, which lists them."""
    tenant, _ = mje_tenant(engine)
    api = login(http, tenant)
    number = unique("B")
    header = "Mje Num,Mje Desc,Curr,Acctg Type,Acctg Seg,Dr Amount,Cr Amount,Reverse Flag,Line Desc"
    rows = [f"{number},typo,USD,Q,2400-DEF,50.00,,N,", f"{number},typo,USD,R,4000-REV,,50.00,N,"]
    sent = http.post(
        "/api/integration/v1/csv/upload",
        headers={**api, "templatename": "Standard MJE", "filename": unique("mje") + ".csv",
                 "content-type": "text/plain"},
        content=("\n".join([header, *rows]) + "\n").encode(),
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    worker.run_until_idle(engine)
    _sign_in(http, tenant, "API Role")
    dashboard = http.get("/console/dashboard").text
    errored = r'<a href="/console/uploads/errors\?kind=mje">[^<]*<strong id="mje-staging-errors">2</strong>'
    assert re.search(errored, dashboard)
    listed = http.get("/console/uploads/errors", params={"kind": "mje"})
    assert listed.status_code == 200 and "RREV-04003" in listed.text
