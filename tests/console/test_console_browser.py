"""The console end to end in a real headless Chromium: sign in, walk the close cycle on the worked example
(Data Collection → Period Close from the dashboard's buttons), find and open the contract, explain an
allocated price and a period's revenue, sign out.  Each step keeps a screenshot in var/screenshots.

Figures derived by hand (accounting-model.md's worked example): SUB 1,200 with SSP 1,500 and SETUP 300 with
SSP 500 share a price of 1,500: SUB is allocated 1,500 × 1,500 / 2,000 = 1,125.00 and earns 1,125 / 12 =
93.75 a month over 2026; SETUP is allocated 375.00, all in January.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, send, worked_lines
from revrec.jobs import worker
from support import login


def _sign_in(page: Any, live_url: str, tenant: Any, password: str | None = None) -> None:
    page.goto(f"{live_url}/console/login")
    page.fill("#clientname", tenant.client)
    page.fill("#username", tenant.user)
    page.fill("#password", password or tenant.password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_close_cycle_contract_and_explanation(
    http: TestClient, engine: Engine, live_url: str, browser: Any, screenshots: Path
) -> None:
    tenant = accounting_tenant(engine)
    send(http, login(http, tenant), *worked_lines("BR"))
    worker.run_until_idle(engine)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, live_url, tenant)
    assert page.inner_text("h1") == "Period dashboard"
    assert page.inner_text("#pending-lines") == "4"

    page.fill("#p150", "Std")
    with page.expect_navigation():
        page.click('button:has-text("Data Collection")')
    assert "Pending" in page.inner_text("#jobs")
    worker.run_until_idle(engine)
    page.wait_for_selector("#jobs >> text=Completed", timeout=5000)  # htmx polls the jobs table
    page.reload()
    assert page.inner_text("#pending-lines") == "0"
    page.screenshot(path=screenshots / "dashboard.png")

    page.click("nav >> text=Contracts")
    page.fill("#so_num", "BR-SO")
    with page.expect_navigation():
        page.click('button:has-text("Search")')
    page.click("table >> text=/BR-SO/")
    assert "Contract" in page.inner_text("h1")
    assert page.locator("svg[role=img]").count() == 1
    page.click("a.explain >> text=1125.00")
    panel = page.wait_for_selector(".explain-panel")
    text = panel.inner_text()
    assert "1500.00 × 0.75" in text and "reproduced to the cent" in text
    page.screenshot(path=screenshots / "explain-allocation.png", full_page=True)
    page.click("a.explain >> text=93.75 >> nth=0")
    page.wait_for_selector(".explain-panel >> text=Revenue of 202601")
    assert "reproduced to the cent" in page.inner_text(".explain-panel")
    page.locator(".explain-panel").screenshot(path=screenshots / "explain-period.png")
    page.screenshot(path=screenshots / "contract.png", full_page=True)

    page.click("nav >> text=Period dashboard")
    with page.expect_navigation():
        page.click('button:has-text("Period Close")')
    worker.run_until_idle(engine)
    page.reload()
    page.wait_for_selector("#jobs >> text=Completed >> nth=1")

    page.click("nav >> text=Reports")
    assert "93.75" in page.inner_text("#report-rows")
    page.screenshot(path=screenshots / "reports.png", full_page=True)
    with page.expect_download() as download:
        page.click("#download")
    text = Path(download.value.path()).read_text()
    assert text.startswith("AS_OF_PRD_ID,RC_ID,") and ",93.75," in text
    with page.expect_navigation():
        page.click('button:has-text("Sign out")')
    assert page.inner_text("h1") == "Sign in"
    page.goto(f"{live_url}/console/contracts")
    assert page.inner_text("h1") == "Sign in"
    page.close()


def test_wrong_password_and_privileges(engine: Engine, live_url: str, browser: Any) -> None:
    tenant = accounting_tenant(engine)
    page = browser.new_page()
    _sign_in(page, live_url, tenant, password="wrong")
    assert "Authentication failed" in page.inner_text("[role=alert]")
    page.close()
