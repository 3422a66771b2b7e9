"""The console's pages over HTTP (no browser): sign-in with the API's users and lockout, CSRF on every
form, privileges deciding what a page shows, one client never seeing another's contracts."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, collect, send, subscription, worked_lines
from inbound_data import transactions
from revrec.auth.privileges import ADMIN_ROLE
from revrec.console import repository
from revrec.jobs import worker
from support import Tenant, login, make_tenant


def _sign_in(http: TestClient, tenant: Tenant, role: str = "API Role", password: str | None = None) -> int:
    form = {"clientname": tenant.client, "role": role, "username": tenant.user}
    form["password"] = tenant.password if password is None else password
    response = http.post("/console/login", data=form, follow_redirects=False)
    return response.status_code


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


def test_pages_need_a_session(http: TestClient) -> None:
    for path in ("/console/dashboard", "/console/contracts", "/console/reports", "/console/uploads"):
        response = http.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/console/login"


def test_sign_in_cookie_and_sign_out_with_csrf(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    assert _sign_in(http, tenant) == 303
    cookie = http.cookies.get("revrec_console")
    assert cookie
    dashboard = http.get("/console/dashboard")
    assert dashboard.status_code == 200 and tenant.user in dashboard.text
    assert http.post("/console/logout", data={"csrf_token": "forged"}).status_code == 403
    response = http.post(
        "/console/logout", data={"csrf_token": _csrf(dashboard.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert http.get("/console/dashboard", follow_redirects=False).status_code == 303


def test_wrong_password_then_lockout(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    statuses = [_sign_in(http, tenant, password="wrong") for _ in range(12)]
    assert statuses[0] == 401
    page = http.post(
        "/console/login",
        data={
            "clientname": tenant.client,
            "role": "API Role",
            "username": tenant.user,
            "password": tenant.password,
        },
    )
    assert page.status_code == 401 and "Too many failed authentications" in page.text


def test_job_form_refuses_a_forged_csrf_token(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    _sign_in(http, tenant)
    response = http.post("/console/jobs", data={"program": "150", "value": "Std", "csrf_token": "0" * 64})
    assert response.status_code == 403 and "reload the page" in response.text


def test_privileges_decide_what_is_shown(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    assert _sign_in(http, tenant, role=ADMIN_ROLE) == 303
    dashboard = http.get("/console/dashboard").text
    assert "/console/contracts" not in dashboard and "Data Collection</button>" not in dashboard
    assert http.get("/console/contracts").status_code == 403


def test_contracts_of_another_client_stay_hidden(http: TestClient, engine: Engine) -> None:
    owner = accounting_tenant(engine)
    headers = login(http, owner)
    send(http, headers, *worked_lines("ISO"))
    collect(http, engine, headers)
    _sign_in(http, owner)
    listing = http.get("/console/contracts", params={"so_num": "ISO-SO"}).text
    rc_id = re.search(r'href="/console/contracts/(\d+)"', listing)
    assert rc_id
    assert "1125.00" in http.get(f"/console/contracts/{rc_id.group(1)}").text
    http.cookies.clear()
    _sign_in(http, accounting_tenant(engine))
    assert "ISO-SO" not in http.get("/console/contracts").text
    hidden = http.get(f"/console/contracts/{rc_id.group(1)}")
    assert hidden.status_code == 400 and "No revenue contract with id" in hidden.text
    assert hidden.headers["content-type"].startswith("text/html")


def test_stage_errors_filter_download_and_delete(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    rows = worked_lines("ERR")
    rows[0] = {**rows[0], "Item Num": ""}  # a mandatory column left blank: the row is staged in error
    upload_id = send(http, headers, *rows)
    worker.run_until_idle(engine)
    _sign_in(http, tenant)
    page = http.get("/console/uploads/errors", params={"upload_id": str(upload_id)})
    codes = re.findall(r"<td>(RREV-\d+|RPRO-\d+)</td>", page.text)
    assert codes, page.text
    assert http.get("/console/uploads/errors", params={"code": "NO-SUCH"}).text.count("No errors match") == 1
    csv_text = http.get("/console/uploads/errors.csv", params={"upload_id": str(upload_id)}).text
    assert csv_text.startswith("UPLOAD_ID,ROW_ID,CODE,COLUMN,MESSAGE") and codes[0] in csv_text
    token = _csrf(page.text)
    deleted = http.post(
        "/console/uploads/errors/delete",
        data={"kind": "transaction", "upload_id": str(upload_id), "csrf_token": token},
    )
    assert deleted.status_code == 200 and "No errors match" in deleted.text
    assert http.get("/console/uploads/errors", params={"upload_id": "x"}).status_code == 400


def test_contract_page_shows_revisions(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines("REV"))
    collect(http, engine, headers)
    doubled = {**worked_lines("REV")[0], "Ext Sll Prc": "2400.00", "Unit Sell Prc": "2400.00"}
    send(http, headers, doubled)
    collect(http, engine, headers)
    _sign_in(http, tenant)
    listing = http.get("/console/contracts", params={"so_num": "REV-SO"}).text
    rc_id = re.search(r'href="/console/contracts/(\d+)"', listing)
    assert rc_id
    page = http.get(f"/console/contracts/{rc_id.group(1)}").text
    assert "treated Retrospective" in page
    assert re.search(
        r"<td>REV-1</td><td>2</td><td>202601</td><td>[^<]*ext_sll_prc: 1200\.0* → 2400\.0*", page
    )


def test_assets_are_served_from_the_package(http: TestClient) -> None:
    script = http.get("/console/static/htmx.min.js")
    assert script.status_code == 200 and "htmx" in script.text[:2000]
    assert http.get("/console/static/console.css").status_code == 200
    links = re.findall(r'(?:src|href)="([^"]*)"', http.get("/console/login").text)
    assert links and all(link.startswith(("/", "#")) for link in links)  # nothing fetched from another host


def test_resend_corrected_rows_replaces_the_errored_ones(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    rows = worked_lines("RSD")
    upload_id = send(http, headers, {**rows[0], "Item Num": ""}, *rows[1:])  # one errored row
    worker.run_until_idle(engine)
    _sign_in(http, tenant)
    page = http.get("/console/uploads/errors", params={"upload_id": str(upload_id)})
    assert re.findall(r"<td>(RREV-\d+|RPRO-\d+)</td>", page.text) and 'id="resend"' in page.text
    corrected = transactions(rows[0]).encode()
    form = {"csrf_token": _csrf(page.text), "template_name": "Standard Transaction"}
    forged = http.post(
        "/console/uploads/resend", data={**form, "csrf_token": "0" * 64}, files={"file": ("f.csv", corrected)}
    )
    assert forged.status_code == 403
    sent = http.post(
        "/console/uploads/resend",
        data=form,
        files={"file": ("rsd-fix.csv", corrected)},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/console/uploads?sent=")
    worker.run_until_idle(engine)
    listing = http.get(sent.headers["location"]).text
    assert "rsd-fix.csv" in listing and 'id="sent"' in listing
    # the re-sent row replaced the errored one: no error left for the first upload, none in the new one
    assert "No errors match" in http.get("/console/uploads/errors", params={"upload_id": str(upload_id)}).text
    assert "No errors match" in http.get("/console/uploads/errors").text
    assert collect(http, engine, headers)["status"] == "Completed"
    found = http.get("/console/contracts", params={"so_num": "RSD-SO"}).text
    assert re.search(r'href="/console/contracts/(\d+)"', found)


def test_resend_refused_shows_every_problem(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    _sign_in(http, tenant)
    page = http.get("/console/uploads/errors").text
    body = b"NOT,A,HEADER\n1,2,3\n"
    refused = http.post(
        "/console/uploads/resend",
        data={"csrf_token": _csrf(page), "template_name": "Standard Transaction"},
        files={"file": ("bad.csv", body)},
    )
    assert (
        refused.status_code == 400
        and 'id="refused"' in refused.text
        and "Nothing of the file was staged" in refused.text
    )
    missing = http.post(
        "/console/uploads/resend", data={"csrf_token": _csrf(page), "template_name": "No Such Template"},
        files={"file": ("x.csv", body)},
    )  # fmt: skip
    assert missing.status_code == 400 and "does not exist" in missing.text


def test_search_by_customer_number_name_and_date(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *({**r, "Cstmr Nm": "Zephyr Ltd"} for r in worked_lines("CUA")))
    send(
        http,
        headers,
        *({**r, "Cstmr Nm": "Zenith plc", "Doc Date": "20-JAN-2026"} for r in worked_lines("CUB")),
    )
    collect(http, engine, headers)
    _sign_in(http, tenant)

    def keys(**params: str) -> list[str]:
        page = http.get("/console/contracts", params=params)
        assert page.status_code == 200, page.text
        return re.findall(r'href="/console/contracts/\d+">([^<]*[^0-9<][^<]*)</a>', page.text)

    assert len(keys(cust_num="CUA-C")) == 1 and len(keys(cust_num="CU")) == 2  # prefix of the number
    assert keys(cust_num="cua-c") == []  # case-sensitive on every database
    assert len(keys(cust_name="Zephyr")) == 1 and len(keys(cust_name="Ze")) == 2
    assert keys(cust_name="Z%") == [] and keys(cust_name="Ze_") == []  # wildcards are literal
    assert keys(cust_name="Zephyr", so_num="CUB-SO") == []  # criteria combine
    assert len(keys(cust_num="CU", booked_from="2026-01-15")) == 1
    listing = http.get("/console/contracts", params={"cust_name": "Zenith"}).text
    assert "CUB-C Zenith plc" in listing
    searches = [
        {"cust_num": "CU"},
        {"cust_name": "Ze"},
        {"cust_name": "Zephyr"},
        {"booked_from": "2026-01-15"},
    ]
    found = [keys(**params) for params in searches]
    monkeypatch.setattr(repository, "BROAD", 0)  # every range search read in contract order instead
    assert [keys(**params) for params in searches] == found


def test_explanation_of_a_ratable_period_shows_its_weights(http: TestClient, engine: Engine) -> None:
    """The console shows the weights and the ratable arithmetic (figures derived by hand in
    tests/api/test_api_explain.py::test_ratable_period_explained_by_its_weights)."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    dates = {"Doc Date": "16-JAN-2026", "Start Date": "16-JAN-2026", "End Date": "15-APR-2026"}
    send(http, headers, subscription("CW-1", "CW-SO", "1000.00", **dates))
    collect(http, engine, headers)
    _sign_in(http, tenant)
    rc_id = re.search(
        r'href="/console/contracts/(\d+)"', http.get("/console/contracts", params={"so_num": "CW-SO"}).text
    )
    assert rc_id
    page = http.get(f"/console/contracts/{rc_id.group(1)}/explain/CW-1", params={"period": "202602"}).text
    assert "this period weighs 930 of 2805" in page
    assert re.search(
        r'id="ratable-formula">1000.00 × 1410/2805 ≈ [^<]*→ 502.67; [^<]*→ 171.12; 502.67 − 171.12 = 331.55<',
        page,
    )
    assert '<tr class="current"><td>202602</td><td class="num">930</td><td class="num">1410</td></tr>' in page


def test_reports_filter_by_customer_item_book_and_period_range(http: TestClient, engine: Engine) -> None:
    """Worked lines per SO: SUB ratable over 2026 (12 waterfall rows) and SETUP in January (1 row)."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines("RPA"), *worked_lines("RPB"))
    collect(http, engine, headers)
    _sign_in(http, tenant)

    def csv_rows(**params: str) -> list[list[str]]:
        answer = http.get("/console/reports.csv", params=params)
        assert answer.status_code == 200, answer.text
        table = [line.split(",") for line in answer.text.strip().splitlines()]
        return table[1:]

    waterfall = {"report": "revenue-waterfall", "to_period": "202601"}
    assert len(csv_rows(**waterfall)) == 26
    mine = csv_rows(**waterfall, cust_num="RPA-C")
    assert len(mine) == 13 and {r[6] for r in mine} == {"RPA-SO"}
    assert len(csv_rows(**waterfall, cust_num="RPA-C", from_period="202607")) == 6  # July to December
    assert len(csv_rows(**waterfall, item_num="SETUP")) == 2
    assert csv_rows(**waterfall, book_id="999999") == []
    book = csv_rows(**waterfall)[0][2]
    assert len(csv_rows(**waterfall, book_id=book)) == 26
    rollforward = {"report": "deferred-rollforward", "from_period": "202601", "to_period": "202601"}
    assert len(csv_rows(**rollforward)) == 2
    assert len(csv_rows(**rollforward, cust_num="RPB-C")) == 1
    assert (
        len(csv_rows(**rollforward, item_num="SETUP")) == 2 and csv_rows(**rollforward, item_num="NONE") == []
    )
    page = http.get("/console/reports", params={**waterfall, "cust_num": "RPA-C", "from_period": "202607"})
    assert "6 rows" in page.text and "cust_num=RPA-C" in page.text and "from_period=202607" in page.text
    assert http.get("/console/reports", params={**waterfall, "book_id": "x"}).status_code == 400


def test_report_run_in_the_background_keeps_its_filters(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from revrec.console import reports

    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines("BGA"), *worked_lines("BGB"))
    collect(http, engine, headers)
    _sign_in(http, tenant)
    monkeypatch.setattr(reports, "PAGE_LIMIT", 10)  # a page reads at most 10 rows of the 26
    params = {"report": "revenue-waterfall", "to_period": "202601"}
    page = http.get("/console/reports", params=params).text
    assert 'id="truncated"' in page and "<svg" not in page
    form = {**params, "cust_num": "BGA-C", "csrf_token": _csrf(page)}
    assert http.post("/console/reports/run", data={**form, "csrf_token": "0" * 64}).status_code == 403
    assert http.post("/console/reports/run", data={**form, "book_id": "x"}).status_code == 400
    queued = http.post("/console/reports/run", data=form, follow_redirects=False)
    assert queued.status_code == 303 and "cust_num=BGA-C" in queued.headers["location"]
    worker.run_until_idle(engine)
    listing = http.get(queued.headers["location"]).text
    assert 'id="queued"' in listing and "filtered by customer BGA-C" in listing
    link = re.search(r'href="(/console/reports/files/[^"]+)"', listing)
    assert link
    body = http.get(link.group(1)).text.strip().splitlines()
    assert len(body) == 14 and all(",BGA-SO," in line for line in body[1:])  # header + 13 rows
    http.cookies.clear()
    _sign_in(http, accounting_tenant(engine))
    assert http.get(link.group(1)).status_code == 400  # another client's report is not found


def test_migration_0025_fills_the_customer_of_lines_collected_before_it(
    http: TestClient, engine: Engine
) -> None:
    import importlib.util
    from pathlib import Path

    from sqlalchemy import select, update

    from revrec.db.session import transaction
    from revrec.db.tables import rc_line

    path = Path(repository.__file__).parents[1] / "db" / "migrations" / "versions" / "0025_console2.py"
    spec = importlib.util.spec_from_file_location("migration_0025", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *({**r, "Cstmr Nm": "Backfill Ltd"} for r in worked_lines("MIG")))
    collect(http, engine, headers)
    mine = rc_line.c.line_id.in_(["MIG-1", "MIG-2"])
    with transaction(engine) as conn:  # as a line collected before the columns existed
        conn.execute(update(rc_line).where(mine).values(cust_num=None, cstmr_nm=None))
    with transaction(engine) as conn:
        conn.exec_driver_sql(migration.BACKFILL)
    with transaction(engine, readonly=True) as conn:
        found = set(conn.execute(select(rc_line.c.cust_num, rc_line.c.cstmr_nm).where(mine)))
    assert found == {("MIG-C", "Backfill Ltd")}
