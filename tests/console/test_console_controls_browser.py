"""The console's controls, re-send, customer search, ratable explanation and background reports in a real
headless Chromium: each new page and form used as an accountant would, with a screenshot kept in
var/screenshots (those in docs/img are copies).

Figures derived by hand: the Partial Month example of tests/api/test_api_explain.py (1,000.00 over
16 January – 15 April 2026, weights 480 / 930 / 930 / 465 of 2,805: February earns 502.67 − 171.12 = 331.55);
the worked example's SUB earns 93.75 a month (1,125.00 / 12).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, collect, send, subscription, worked_lines
from approvals_support import MANAGER, revised_pending
from inbound_data import transactions
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import rc_approval, rc_hold, rc_line
from revrec.jobs import worker
from support import Tenant, login, unique


def _sign_in(page: Any, live_url: str, tenant: Tenant, role: str = "API Role") -> None:
    page.goto(f"{live_url}/console/login")
    page.fill("#clientname", tenant.client)
    page.fill("#role", role)
    page.fill("#username", tenant.user)
    page.fill("#password", tenant.password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.inner_text("h1") == "Period dashboard"


def test_release_a_hold_from_the_checklist(
    http: TestClient, engine: Engine, live_url: str, browser: Any, screenshots: Path
) -> None:
    tenant = accounting_tenant(engine)
    api = login(http, tenant)
    so = unique("SO")
    send(http, api, subscription(f"{so}-1", so, "1200.00"))
    assert collect(http, engine, api)["status"] == "Completed"
    with transaction(engine) as conn:
        rc_id = int(conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == f"{so}-1")).scalar_one())
    admin = login(http, tenant, role=ADMIN_ROLE)
    body = {"rc_id": rc_id, "hold_type": "REVENUE", "comment": "customer on credit watch"}
    hold_id = http.post("/api/revrec/v1/holds", headers=admin, json=body).json()["hold_id"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, live_url, tenant, ADMIN_ROLE)
    assert page.inner_text("#active-holds") == "1"
    page.click("text=Active holds")
    assert page.inner_text("h1") == "Controls" and "customer on credit watch" in page.inner_text(
        "#holds-table"
    )
    page.fill(f"#release-{hold_id}", "paid up")
    page.screenshot(path=screenshots / "controls.png", full_page=True)
    with page.expect_navigation():
        page.click(f'form[action="/console/controls/holds/{hold_id}/release"] button')
    assert "No active holds." in page.inner_text("#holds-table")
    with transaction(engine) as conn:
        assert conn.execute(select(rc_hold.c.released_flag).where(rc_hold.c.id == hold_id)).scalar_one()
    page.close()


def test_approve_a_pending_revision(http: TestClient, engine: Engine, live_url: str, browser: Any) -> None:
    _, _, _, rc_id, manager = revised_pending(http, engine)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, live_url, manager, MANAGER)
    assert page.inner_text("#pending-approvals") == "1"
    page.click("text=Contracts awaiting approval")
    page.fill("#approvals-table input[name=comment] >> nth=0", "checked the new price")
    with page.expect_navigation():
        page.click('#approvals-table button:has-text("Approve")')
    assert "Nothing is waiting for approval." in page.inner_text("#approvals-table")
    with transaction(engine) as conn:
        statuses = (
            conn.execute(select(rc_approval.c.status).where(rc_approval.c.rc_id == rc_id)).scalars().all()
        )
    assert statuses == ["Approved"]
    page.close()


def test_resend_customer_search_weights_and_background_report(
    http: TestClient, engine: Engine, live_url: str, browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    tenant = accounting_tenant(engine)
    api = login(http, tenant)
    rows = worked_lines("BW")
    send(http, api, {**rows[0], "Item Num": ""}, *rows[1:])  # SUB staged in error
    dates = {"Doc Date": "16-JAN-2026", "Start Date": "16-JAN-2026", "End Date": "15-APR-2026"}
    send(http, api, subscription("BW-P1", "BW-PSO", "1000.00", **dates, **{"Cstmr Nm": "Partial Co"}))
    worker.run_until_idle(engine)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, live_url, tenant)

    page.click("text=Lines in staging with errors")
    assert "RREV" in page.inner_text("#stage-errors") or "RPRO" in page.inner_text("#stage-errors")
    fixed = tmp_path / "bw-fixed.csv"
    fixed.write_text(transactions(rows[0]))
    page.set_input_files("#file", str(fixed))
    page.screenshot(path=screenshots / "resend.png", full_page=True)
    with page.expect_navigation():
        page.click('button:has-text("Re-send")')
    assert "bw-fixed.csv" in page.inner_text("main") and page.is_visible("#sent")
    worker.run_until_idle(engine)
    page.goto(f"{live_url}/console/uploads/errors")
    assert "No errors match" in page.inner_text("#stage-errors")
    assert collect(http, engine, api)["status"] == "Completed"

    page.click("nav >> text=Contracts")
    page.fill("#cust_name", "Partial")
    with page.expect_navigation():
        page.click('button:has-text("Search")')
    assert "Partial Co" in page.inner_text("main table")
    page.screenshot(path=screenshots / "contracts-customer.png", full_page=True)
    page.click("table >> text=/BW-PSO/")
    page.click("a.explain >> text=331.55")
    panel = page.wait_for_selector(".explain-panel >> text=Revenue of 202602")
    assert "this period weighs 930 of 2805" in page.inner_text(".explain-panel")
    assert "502.67 − 171.12 = 331.55" in page.inner_text("#ratable-formula")
    assert panel is not None
    page.locator(".explain-panel").screenshot(path=screenshots / "explain-weights.png")

    page.click("nav >> text=Reports")
    page.fill("#cust_num", "BW-C")
    with page.expect_navigation():
        page.click('button:has-text("Show")')
    assert "93.75" in page.inner_text("#report-rows") and "BW-PSO" not in page.inner_text("#report-rows")
    with page.expect_navigation():
        page.click('button:has-text("Run in the background")')
    assert page.is_visible("#queued")
    worker.run_until_idle(engine)
    page.reload()
    assert "filtered by customer BW-C" in page.inner_text("#kept-reports")
    page.screenshot(path=screenshots / "reports-background.png", full_page=True)
    with page.expect_download() as download:
        page.click("#kept-reports a")
    text = Path(download.value.path()).read_text()
    assert text.startswith("AS_OF_PRD_ID,RC_ID,") and ",93.75," in text and "BW-PSO" not in text
    page.close()
