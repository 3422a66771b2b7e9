"""Manual journal entries in a real headless Chromium: the MJE Controller follows the close checklist to
the entries awaiting approval, opens one and approves it with the console's form; the entry is posted.
A screenshot of the entry page is kept in var/screenshots (docs/img/mje.png is a copy).

Figures by hand: an accrual of 1,500.00 (Dr L 2400-DEF / Cr R 4000-REV) is above the rule's 1,000, so it
waits for the MJE Controller; approved, it is posted (one step, the last)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from mje_support import CONTROLLER, accrual, admin, create, mje_tenant
from revrec.db.session import transaction
from revrec.db.tables import mje_head
from support import Tenant, unique


def _sign_in(page: Any, live_url: str, tenant: Tenant, role: str) -> None:
    page.goto(f"{live_url}/console/login")
    page.fill("#clientname", tenant.client)
    page.fill("#role", role)
    page.fill("#username", tenant.user)
    page.fill("#password", tenant.password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.inner_text("h1") == "Period dashboard"


def test_approve_a_manual_journal_entry(
    http: TestClient, engine: Engine, live_url: str, browser: Any, screenshots: Path
) -> None:
    tenant, controller = mje_tenant(engine)
    entry = create(http, admin(http, tenant), accrual("1500.00", mje_num=unique("ACCR"), submit=True))
    assert entry["status"] == "Pending"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, live_url, controller, CONTROLLER)
    assert page.inner_text("#pending-mjes") == "1"
    with page.expect_navigation():
        page.click("text=Manual journal entries awaiting approval")
    assert page.inner_text("h1") == "Manual journal entries"
    assert entry["mje_num"] in page.inner_text("#mje-table")
    with page.expect_navigation():
        page.click(f"text={entry['mje_num']}")
    assert page.inner_text("#mje-status") == "Pending"
    assert "2400-DEF" in page.inner_text("#mje-lines") and "1500.00" in page.inner_text("#mje-lines")
    page.fill("#mje-approve", "matches the signed order")
    page.screenshot(path=screenshots / "mje.png", full_page=True)
    with page.expect_navigation():
        page.click('button:has-text("Approve")')
    assert page.inner_text("#mje-status") == "Posted"
    assert "matches the signed order" in page.inner_text("#mje-approvals")
    with transaction(engine, readonly=True) as conn:
        status = conn.execute(select(mje_head.c.status).where(mje_head.c.id == entry["id"])).scalar_one()
    assert status == "Posted"
    page.goto(f"{live_url}/console/dashboard")
    assert page.inner_text("#pending-mjes") == "0"
    page.close()
