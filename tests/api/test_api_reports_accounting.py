"""The standard accounting reports through HTTP: upload → collect → close → Run Report program (160) →
report list → download → CSV, with figures worked out by hand; the roll-forward tied to the journal entries
report; tenant isolation; bad parameters (HTTP 400, CLI exit 2).

The scenario (USD, so functional = reporting = transaction):

* contract W, accounting-model.md's worked example: subscription 1,200 (allocated 1,125, carve −75: net
  93.75 a month over 2026) and setup 300 (allocated 375, carve +75: net 375 in January), invoiced 1,500
  in January;
* contract S: subscription 1,200 over 2026 (100 a month), invoiced 600 in February; after January and
  February are closed, the SO line is sent again at 2,400 (200 a month): retrospectively March books
  600 − 200 = 400 and April–December 200 each (schedule version 2, created in 202603).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import (
    accounting_tenant,
    bill,
    close_period,
    collect,
    send,
    subscription,
    verify,
    worked_lines,
)
from cli_support import point_cli_at, run
from revrec.config import Settings
from revrec.http.app import create_app
from revrec.jobs import worker
from support import Tenant, login, make_tenant, unique

LIST = "/api/integration/v1/reports/list"
DOWNLOAD = "/api/integration/v1/reports/download/"
SIGNED_URL = "/api/integration/v2/reports/signedurl/"
SUBMIT = "/api/integration/v1/1/programs/160/submit"
PARAMETER_IDS = {
    "REPORT NAME": 1601, "AS_OF_PERIOD": 1602, "FROM_PERIOD": 1603, "TO_PERIOD": 1604, "KIND": 1605,
}  # fmt: skip


@pytest.fixture(scope="module")
def reports_app(settings: Settings, engine: Engine) -> FastAPI:
    """An app of the session settings: installing it binds the report job to the session's report store
    (another module's app may have bound it to its own data directory)."""
    return create_app(settings, engine=engine)


@pytest.fixture
def client(reports_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(reports_app) as test_client:
        yield test_client


class Scenario:
    def __init__(self, tenant: Tenant, headers: dict[str, str], w: str, s: str) -> None:
        self.tenant, self.headers, self.w, self.s = tenant, headers, w, s


@pytest.fixture(scope="module")
def scenario(reports_app: FastAPI, engine: Engine) -> Scenario:
    """Built once for the module: January and February closed, March open (see the module docstring)."""
    with TestClient(reports_app) as http:
        tenant = accounting_tenant(engine)
        headers = login(http, tenant)
        w, s = unique("W"), unique("S")
        invoice = bill(
            "INV", f"{s}-1", f"{s}-I1", "600.00",
            **{"Doc Num": s, "Cust Num": f"C-{s}", "Doc Date": "01-JAN-2026", "Inv Date": "01-FEB-2026",
               "Item Num": "SUB", "Start Date": "01-JAN-2026", "End Date": "31-DEC-2026"},
        )  # fmt: skip
        send(http, headers, *worked_lines(w), subscription(f"{s}-1", s, "1200.00"), invoice)
        assert collect(http, engine, headers)["status"] == "Completed"
        assert close_period(http, engine, headers)["status"] == "Completed"  # January
        assert collect(http, engine, headers)["status"] == "Completed"  # the February invoice
        assert close_period(http, engine, headers)["status"] == "Completed"  # February
        send(http, headers, subscription(f"{s}-1", s, "2400.00", **{"Doc Date": "01-MAR-2026"}))
        assert collect(http, engine, headers)["status"] == "Completed"
        assert verify(engine, tenant) == []
    return Scenario(tenant, headers, w, s)


def submit(http: TestClient, headers: dict[str, str], report: str, **params: str) -> Any:
    values = {"REPORT NAME": report, **params}
    body = {
        "parameters": [{"parameter_id": PARAMETER_IDS[k], "parameter_value": v} for k, v in values.items()]
    }
    return http.post(SUBMIT, headers=headers, json=body)


def run_report(
    http: TestClient, engine: Engine, headers: dict[str, str], report: str, **params: str
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Run a report through the program; its GET_ReportList entry and its rows (downloaded, parsed)."""
    answer = submit(http, headers, report, **params)
    assert answer.status_code == 200, answer.text
    job_id = answer.json()["job_id"]
    worker.run_until_idle(engine)
    status = http.get(f"/api/integration/v1/1/jobs/{job_id}", headers=headers).json()["data"]
    assert status["status"] == "Completed", status
    report_id = int(status["error_message"].split()[1])  # "Report N (...): R row(s) in N.csv"
    listed = {r["id"]: r for r in http.get(LIST, headers=headers).json()["Result"]}
    entry = listed[report_id]
    download = http.get(DOWNLOAD + entry["file_name"], headers=headers)
    assert download.status_code == 200
    text = download.text
    if entry["file_name"].endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
            text = archive.read(f"{report_id}.csv").decode("utf-8")
    return entry, list(csv.DictReader(io.StringIO(text)))


def by_contract(rows: list[dict[str, str]], line_prefix_of: dict[str, str]) -> dict[str, dict[str, str]]:
    return {line_prefix_of[r["RC_ID"]]: r for r in rows}


def contracts(http: TestClient, engine: Engine, sc: Scenario) -> dict[str, str]:
    """RC_ID → "W" or "S", from the contract detail report."""
    _, rows = run_report(http, engine, sc.headers, "contract-detail")
    return {r["RC_ID"]: ("W" if r["SO_LINE_ID"].startswith(sc.w) else "S") for r in rows}


# --- the reports ------------------------------------------------------------------------------------------


def test_waterfall_as_of_open_period(client: TestClient, engine: Engine, scenario: Scenario) -> None:
    entry, rows = run_report(client, engine, scenario.headers, "Waterfall Report", AS_OF_PERIOD="202603")
    assert (entry["rep_name"], entry["category"], entry["layout_name"], entry["status"]) == (
        "Waterfall Report", "Revenue", "Standard", "Completed",
    )  # fmt: skip
    assert "AS_OF_PERIOD=202603" in entry["rep_desc"] and entry["report_date"]
    s_rows = [r for r in rows if r["SO_LINE_ID"] == f"{scenario.s}-1"]
    expected_s = [("202601", "100.00"), ("202602", "100.00"), ("202603", "400.00")] + [
        (f"2026{m:02d}", "200.00") for m in range(4, 13)
    ]
    assert [(r["PRD_ID"], r["T_NET_AMT"]) for r in s_rows] == expected_s
    assert [r["TIMING"] for r in s_rows] == ["RECOGNISED"] * 3 + ["FUTURE"] * 9
    assert {r["SCHD_VER"] for r in s_rows} == {"2"} and s_rows[2]["PERIOD_NAME"] == "MAR-2026"
    sub = [r for r in rows if r["SO_LINE_ID"] == f"{scenario.w}-1"]
    assert len(sub) == 12
    assert {(r["T_REV_AMT"], r["T_CV_AMT"], r["T_NET_AMT"]) for r in sub} == {("100.00", "-6.25", "93.75")}
    assert {(r["CURR"], r["F_CUR"], r["R_CUR"]) for r in rows} == {("USD", "USD", "USD")}
    assert all(r["F_NET_AMT"] == r["R_NET_AMT"] == r["T_NET_AMT"] for r in rows)
    setup = [r for r in rows if r["SO_LINE_ID"] == f"{scenario.w}-2"]
    assert [(r["PRD_ID"], r["T_REV_AMT"], r["T_CV_AMT"], r["T_NET_AMT"]) for r in setup] == [
        ("202601", "300.00", "75.00", "375.00")
    ]
    recognised_w = sum(D(r["T_NET_AMT"]) for r in sub + setup if r["TIMING"] == "RECOGNISED")
    assert recognised_w == D("468.75") + 2 * D("93.75")
    assert sum(D(r["T_NET_AMT"]) for r in sub + setup) == D("1500.00")


def test_waterfall_as_of_a_closed_period_uses_the_schedule_of_then(
    client: TestClient, engine: Engine, scenario: Scenario
) -> None:
    _, rows = run_report(client, engine, scenario.headers, "revenue-waterfall", AS_OF_PERIOD="FEB-2026")
    s_rows = [r for r in rows if r["SO_LINE_ID"] == f"{scenario.s}-1"]
    assert [(r["PRD_ID"], r["T_NET_AMT"], r["TIMING"]) for r in s_rows] == [
        ("202601", "100.00", "RECOGNISED"), ("202602", "100.00", "RECOGNISED"),
    ] + [(f"2026{m:02d}", "100.00", "FUTURE") for m in range(3, 13)]  # fmt: skip
    assert {r["SCHD_VER"] for r in s_rows} == {"1"} and {r["AS_OF_PRD_ID"] for r in rows} == {"202602"}


def test_waterfall_recognised_ties_to_the_journal(
    client: TestClient, engine: Engine, scenario: Scenario
) -> None:
    _, journal = run_report(
        client, engine, scenario.headers, "journal-entries", FROM_PERIOD="202601", TO_PERIOD="202603"
    )
    revenue: dict[str, D] = defaultdict(D)  # period -> net Cr of R and X
    for line in journal:
        if line["ACCTG_TYPE"] in ("R", "X"):
            revenue[line["PRD_ID"]] += D(line["CR_AMOUNT"]) - D(line["DR_AMOUNT"])
    # by hand: January 468.75 (W) + 100 (S); February 93.75 + 100; March 93.75 + 400 (S's catch-up)
    assert revenue == {"202601": D("568.75"), "202602": D("193.75"), "202603": D("493.75")}
    for as_of in ("202602", "202603"):
        _, rows = run_report(client, engine, scenario.headers, "revenue-waterfall", AS_OF_PERIOD=as_of)
        recognised: dict[str, D] = defaultdict(D)
        for row in rows:
            if row["TIMING"] == "RECOGNISED":
                recognised[row["PRD_ID"]] += D(row["T_NET_AMT"])
        assert recognised == {k: v for k, v in revenue.items() if k <= as_of}


def test_rollforward_ties_to_the_journal(client: TestClient, engine: Engine, scenario: Scenario) -> None:
    names = contracts(client, engine, scenario)
    entry, rows = run_report(
        client, engine, scenario.headers, "deferred-rollforward", FROM_PERIOD="202602", TO_PERIOD="202603"
    )
    assert (entry["rep_name"], entry["category"]) == ("RC Rollforward Report", "Revenue")
    found = by_contract(rows, names)
    figures = ("T_OPENING", "T_ADDITIONS", "T_RELEASES", "T_CLOSING")
    # W: billed 1,500 − recognised 468.75 in January; February and March release 93.75 each
    assert [found["W"][f] for f in figures] == ["1031.25", "0.00", "187.50", "843.75"]
    # S: January recognised 100 unbilled (a contract asset); 600 billed in February; 100 + 400 released
    assert [found["S"][f] for f in figures] == ["-100.00", "600.00", "500.00", "0.00"]
    for row in rows:
        assert D(row["T_OPENING"]) + D(row["T_ADDITIONS"]) - D(row["T_RELEASES"]) == D(row["T_CLOSING"])
        assert row["R_CLOSING"] == row["F_CLOSING"] == row["T_CLOSING"]

    _, journal = run_report(
        client, engine, scenario.headers, "journal-entries", FROM_PERIOD="202601", TO_PERIOD="202603"
    )
    deferred: dict[tuple[str, str], D] = defaultdict(D)  # (contract, through period) -> net credit
    released: dict[str, D] = defaultdict(D)
    billed: dict[str, D] = defaultdict(D)
    for line in journal:
        net_credit = D(line["CR_AMOUNT"]) - D(line["DR_AMOUNT"])
        name = names[line["RC_ID"]]
        if line["ACCTG_TYPE"] in ("L", "Y", "U", "A"):
            for through in ("202601", "202603"):
                if line["PRD_ID"] <= through:
                    deferred[(name, through)] += net_credit
        if line["PRD_ID"] >= "202602" and line["ACCTG_TYPE"] in ("R", "X"):
            released[name] += net_credit
        if line["PRD_ID"] >= "202602" and line["ACCTG_TYPE"] == "C":
            billed[name] -= net_credit
    for name in ("W", "S"):
        assert deferred[(name, "202601")] == D(found[name]["T_OPENING"])
        assert deferred[(name, "202603")] == D(found[name]["T_CLOSING"])
        assert released[name] == D(found[name]["T_RELEASES"])
        assert billed[name] == D(found[name]["T_ADDITIONS"])


def test_rollforward_defaults_to_the_open_period(
    client: TestClient, engine: Engine, scenario: Scenario
) -> None:
    names = contracts(client, engine, scenario)
    entry, rows = run_report(client, engine, scenario.headers, "deferred-rollforward")
    assert "FROM_PERIOD=202603" in entry["rep_desc"] and "TO_PERIOD=202603" in entry["rep_desc"]
    found = by_contract(rows, names)
    figures = ("T_OPENING", "T_ADDITIONS", "T_RELEASES", "T_CLOSING")
    assert [found["W"][f] for f in figures] == ["937.50", "0.00", "93.75", "843.75"]
    assert [found["S"][f] for f in figures] == ["400.00", "0.00", "400.00", "0.00"]


def test_contract_detail(client: TestClient, engine: Engine, scenario: Scenario) -> None:
    entry, rows = run_report(client, engine, scenario.headers, "contract-detail", AS_OF_PERIOD="202603")
    assert (entry["rep_name"], entry["category"]) == ("Revenue Contract Detail Report", "Transactions")
    lines = {r["SO_LINE_ID"]: r for r in rows}
    figures = ("ALCTBL_XT_PRC", "ALCTD_XT_PRC", "CV_AMT", "REC_AMT", "DEF_AMT", "BLD_AMT", "BLD_DEF_AMT")
    w, s = scenario.w, scenario.s
    assert [lines[f"{w}-1"][f] for f in figures] == [
        "1200.00", "1125.00", "-75.00", "281.25", "843.75", "1200.00", "918.75",
    ]  # fmt: skip
    assert [lines[f"{w}-2"][f] for f in figures] == [
        "300.00", "375.00", "75.00", "375.00", "0.00", "300.00", "-75.00",
    ]  # fmt: skip
    assert [lines[f"{s}-1"][f] for f in figures] == [
        "2400.00", "2400.00", "0.00", "600.00", "1800.00", "600.00", "0.00",
    ]  # fmt: skip
    assert lines[f"{w}-1"]["FV_PRC"] == "1500.00" and lines[f"{w}-2"]["FV_PRC"] == "500.00"
    assert lines[f"{w}-1"]["POB_TMPL_NAME"] == "Subscription" and lines[f"{w}-2"]["POB_TMPL_NAME"] == "Setup"
    assert lines[f"{w}-1"]["SO_NUM"] == f"{w}-SO" and lines[f"{w}-1"]["RC_POB_ID"]
    # a contract's lines' billed − recognised is its deferred balance (the roll-forward's closing)
    assert D(lines[f"{w}-1"]["BLD_DEF_AMT"]) + D(lines[f"{w}-2"]["BLD_DEF_AMT"]) == D("843.75")


def test_journal_entries_balance_per_period(client: TestClient, engine: Engine, scenario: Scenario) -> None:
    names = contracts(client, engine, scenario)
    entry, rows = run_report(
        client, engine, scenario.headers, "Accounting Report", FROM_PERIOD="202601", TO_PERIOD="202603"
    )
    assert (entry["category"], entry["layout_name"]) == ("Accounting", "Accounting Detail")
    assert {r["PRD_ID"] for r in rows} == {"202601", "202602", "202603"}
    for period in ("202601", "202602", "202603"):
        mine = [r for r in rows if r["PRD_ID"] == period]
        for dr, cr in (
            ("DR_AMOUNT", "CR_AMOUNT"),
            ("F_DR_AMOUNT", "F_CR_AMOUNT"),
            ("R_DR_AMOUNT", "R_CR_AMOUNT"),
        ):
            assert sum(D(r[dr]) for r in mine) == sum(D(r[cr]) for r in mine), (period, dr)
        assert {r["POSTED_FLAG"] for r in mine} == ({"N"} if period == "202603" else {"Y"})
    assert {r["POST_BATCH_ID"] for r in rows} == {""}

    def amount(period: str, name: str, kind: str) -> tuple[str, str]:
        (line,) = [
            r for r in rows if r["PRD_ID"] == period and names[r["RC_ID"]] == name and r["ACCTG_TYPE"] == kind
        ]
        return line["DR_AMOUNT"], line["CR_AMOUNT"]

    assert amount("202601", "W", "C") == ("1500.00", "0.00")
    assert amount("202601", "W", "R") == ("0.00", "400.00")
    assert amount("202601", "W", "X") == ("6.25", "75.00")
    assert amount("202602", "S", "C") == ("600.00", "0.00")
    assert amount("202603", "S", "R") == ("0.00", "400.00")
    assert {r["ACCOUNT_NAME"] for r in rows if r["ACCTG_TYPE"] == "L"} == {"Contract Liability"}
    assert {r["PERIOD_NAME"] for r in rows} == {"JAN-2026", "FEB-2026", "MAR-2026"}


# --- isolation, signed URL, parameters --------------------------------------------------------------------


def test_other_clients_cannot_see_or_fetch_the_reports(
    client: TestClient, engine: Engine, scenario: Scenario
) -> None:
    entry, _ = run_report(client, engine, scenario.headers, "journal-entries")
    stranger = login(client, make_tenant(engine))
    assert client.get(LIST, headers=stranger).json()["Result"] == []
    assert client.get(DOWNLOAD + entry["file_name"], headers=stranger).status_code == 204
    assert client.get(SIGNED_URL + str(entry["id"]), headers=stranger).status_code == 404
    answer = submit(client, stranger, "revenue-waterfall", AS_OF_PERIOD="202603")
    assert answer.status_code == 400
    assert "AS_OF_PERIOD 202603 is not a period of this client" in answer.text
    signed = client.get(SIGNED_URL + str(entry["id"]), headers=scenario.headers).json()["signed_url"]
    assert client.get(signed).status_code == 200


@pytest.mark.parametrize(
    ("report", "params", "message"),
    [
        ("revenue-waterfall", {"AS_OF_PERIOD": "2026-13"}, "Invalid AS_OF_PERIOD '2026-13'"),
        (
            "revenue-waterfall",
            {"AS_OF_PERIOD": "202612"},
            "AS_OF_PERIOD 202612 is not a period of this client",
        ),
        (
            "deferred-rollforward",
            {"FROM_PERIOD": "202603", "TO_PERIOD": "202601"},
            "FROM_PERIOD 202603 is after",
        ),
        ("journal-entries", {"TO_PERIOD": "202512"}, "TO_PERIOD 202512 is not a period"),
        ("journal-entries", {"AS_OF_PERIOD": "202601"}, "Unknown parameter AS_OF_PERIOD for report journal"),
        ("no-such-report", {}, "Unknown report 'no-such-report'"),
        ("Stage Errors Report", {"KIND": "bogus"}, "Invalid kind bogus"),
        ("", {}, "REPORT NAME"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    client: TestClient, engine: Engine, scenario: Scenario, report: str, params: dict[str, str], message: str
) -> None:
    before = client.get(LIST, headers=scenario.headers).json()["Result"]
    answer = submit(client, scenario.headers, report, **params)
    assert answer.status_code == 400, answer.text
    assert message in answer.text
    assert client.get(LIST, headers=scenario.headers).json()["Result"] == before  # nothing recorded


def test_cli_runs_the_reports(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    client: TestClient,
    engine: Engine,
    scenario: Scenario,
) -> None:
    point_cli_at(monkeypatch, settings)
    tenant = scenario.tenant.client
    code, out, _ = run(capsys, "report", "run", "--client", tenant, "deferred-rollforward",
                       "--param", "FROM_PERIOD=202601", "--param", "to_period=202603")  # fmt: skip
    assert code == 0 and "RC Rollforward Report" in out
    report_id = out.split()[1]
    listed = {str(r["id"]): r for r in client.get(LIST, headers=scenario.headers).json()["Result"]}
    rows = list(
        csv.DictReader(io.StringIO(client.get(DOWNLOAD + f"{report_id}.csv", headers=scenario.headers).text))
    )
    assert listed[report_id]["status"] == "Completed" and len(rows) == 2
    # from the first period: W billed 1,500, released 468.75 + 2 × 93.75; S billed 600, released 600
    figures = sorted((r["T_OPENING"], r["T_ADDITIONS"], r["T_RELEASES"], r["T_CLOSING"]) for r in rows)
    assert figures == [("0.00", "1500.00", "656.25", "843.75"), ("0.00", "600.00", "600.00", "0.00")]
    code, _, err = run(capsys, "report", "run", "--client", tenant, "revenue-waterfall",
                       "--param", "AS_OF_PERIOD=209912")  # fmt: skip
    assert code == 2 and "AS_OF_PERIOD 209912 is not a period of this client" in err
    code, _, err = run(capsys, "report", "run", "--client", tenant, "contract-detail", "--param", "BOGUS=1")
    assert code == 2 and "Unknown parameter BOGUS" in err
    code, _, err = run(capsys, "report", "run", "--client", tenant, "journal-entries", "--param", "ORG_ID=99")
    assert code == 2 and "Invalid ORG_ID '99'" in err
    code, out, _ = run(capsys, "report", "run", "--client", tenant, "journal-entries", "--param", "org_id=1")
    assert code == 0 and "row(s)" in out


def test_run_report_program_is_listed(client: TestClient, scenario: Scenario) -> None:
    programs = {
        p["program_id"]: p
        for p in client.get("/api/integration/v1/programs", headers=scenario.headers).json()["data"]
    }
    program = programs["160"]
    assert program["program_name"] == "RevPro3.0 Run Report"
    assert [(p["id"], p["name"], p["mandatory"]) for p in program["parameters"]] == [
        (1601, "REPORT NAME", "Y"), (1602, "AS_OF_PERIOD", "N"), (1603, "FROM_PERIOD", "N"),
        (1604, "TO_PERIOD", "N"), (1605, "KIND", "N"), (1606, "UPLOAD_ID", "N"), (1607, "JOB_ID", "N"),
        (1608, "CODE", "N"),
    ]  # fmt: skip


def test_functional_and_reporting_currencies_in_their_own_decimals(
    client: TestClient, engine: Engine
) -> None:
    """EUR 1,200 over 2026, F Ex Rate 1.1 (USD), G Ex Rate 150 (the client reports in JPY, no decimals):
    a month is 100.00 EUR = 110.00 USD = 16500 JPY; invoiced in full in January."""
    tenant = accounting_tenant(engine, reporting_currency="JPY")
    headers = login(client, tenant)
    fx = {"Curr": "EUR", "F Cur": "USD", "F Ex Rate": "1.1", "G Ex Rate": "150"}
    so = unique("FX")
    invoice = bill("INV", f"{so}-1", f"{so}-I1", "1200.00", **{"Doc Num": so, "Cust Num": f"C-{so}",
                   "Inv Date": "01-JAN-2026", "Item Num": "SUB", **fx})  # fmt: skip
    send(client, headers, subscription(f"{so}-1", so, "1200.00", **fx), invoice)
    assert collect(client, engine, headers)["status"] == "Completed"
    _, waterfall = run_report(client, engine, headers, "revenue-waterfall")
    assert {(r["T_NET_AMT"], r["F_NET_AMT"], r["R_NET_AMT"]) for r in waterfall} == {
        ("100.00", "110.00", "16500")
    }
    assert {(r["CURR"], r["F_CUR"], r["R_CUR"]) for r in waterfall} == {("EUR", "USD", "JPY")}
    assert [r["TIMING"] for r in waterfall] == ["RECOGNISED"] + ["FUTURE"] * 11
    _, (roll,) = run_report(client, engine, headers, "deferred-rollforward")
    assert [roll[f"{x}_{m}"] for x in "TFR" for m in ("OPENING", "ADDITIONS", "RELEASES", "CLOSING")] == [
        "0.00", "1200.00", "100.00", "1100.00",
        "0.00", "1320.00", "110.00", "1210.00",
        "0", "198000", "16500", "181500",
    ]  # fmt: skip
    _, journal = run_report(client, engine, headers, "journal-entries")
    (clearing,) = [r for r in journal if r["ACCTG_TYPE"] == "C"]
    assert (clearing["DR_AMOUNT"], clearing["F_DR_AMOUNT"], clearing["R_DR_AMOUNT"]) == (
        "1200.00",
        "1320.00",
        "198000",
    )
    for dr, cr in (
        ("DR_AMOUNT", "CR_AMOUNT"),
        ("F_DR_AMOUNT", "F_CR_AMOUNT"),
        ("R_DR_AMOUNT", "R_CR_AMOUNT"),
    ):
        assert sum(D(r[dr]) for r in journal) == sum(D(r[cr]) for r in journal)


def test_large_reports_are_zipped(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    client: TestClient,
    scenario: Scenario,
) -> None:
    point_cli_at(monkeypatch, settings)
    monkeypatch.setenv("REVREC_REPORT_ZIP_THRESHOLD_BYTES", "100")
    code, out, _ = run(capsys, "report", "run", "--client", scenario.tenant.client, "revenue-waterfall")
    assert code == 0 and out.rstrip().endswith(".zip")
    report_id = out.split()[1]
    download = client.get(DOWNLOAD + f"{report_id}.zip", headers=scenario.headers)
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{report_id}.csv").decode("utf-8"))))
    assert len(rows) == 12 + 1 + 12  # S (version 2) and W's two lines, every period with an amount
