"""Variable consideration, rights of return and contract costs together in the revenue waterfall, the deferred
revenue roll-forward and BI3_WF_SUMM (docs/outbound.md): report figures by hand, closing = opening +
additions - releases, and the roll-forward's N / S / G closing equal to the journal's balances."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from test_api_costs import cost_process
from test_api_vc import VC_LABELS, VC_SETUP

from accounting_support import accounting_tenant, close_period, collect, send, subscription, totals, verify
from biviews_support import table_of
from costs_support import cost_row, send_costs
from inbound_data import to_csv
from returns_support import EXAMPLE_22, sale
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.http.app import create_app
from revrec.jobs import worker
from revrec.setup import service as setup_service
from support import Tenant, login, unique

D = Decimal
SUBMIT = "/api/integration/v1/1/programs/160/submit"
LIST = "/api/integration/v1/reports/list"
DOWNLOAD = "/api/integration/v1/reports/download/"
PARAMETER_IDS = {"REPORT NAME": 1601, "AS_OF_PERIOD": 1602, "FROM_PERIOD": 1603, "TO_PERIOD": 1604}
MEASURES = ("OPENING", "ADDITIONS", "RELEASES", "CLOSING")
ACCOUNTS = {"N": "REFUND_LIAB", "S": "RETURN_ASSET", "G": "COST_ASSET"}
# ASC 340-40 Example 1: commissions are incremental (capitalised); legal fees and travel are not (expensed)
COSTS = {
    "payable_account": "2100-000",
    "impairment_account": "6950-000",
    "cost_types": [
        {"name": "Commission", "kind": "OBTAIN", "treatment": "REVENUE_PATTERN"},
        {"name": "Legal", "kind": "OBTAIN", "treatment": "EXPENSE"},
        {"name": "Travel", "kind": "OBTAIN", "treatment": "EXPENSE"},
    ],
}


@pytest.fixture(scope="module")
def reports_app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(reports_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(reports_app) as test_client:
        yield test_client


def _report(
    http: TestClient, engine: Engine, headers: dict[str, str], report: str, **params: str
) -> list[dict[str, str]]:
    values = {"REPORT NAME": report, **params}
    body = {
        "parameters": [{"parameter_id": PARAMETER_IDS[k], "parameter_value": v} for k, v in values.items()]
    }
    answer = http.post(SUBMIT, headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    worker.run_until_idle(engine)
    status = http.get(f"/api/integration/v1/1/jobs/{answer.json()['job_id']}", headers=headers).json()["data"]
    assert status["status"] == "Completed", status
    report_id = int(status["error_message"].split()[1])
    entry = {r["id"]: r for r in http.get(LIST, headers=headers).json()["Result"]}[report_id]
    return list(csv.DictReader(io.StringIO(http.get(DOWNLOAD + entry["file_name"], headers=headers).text)))


def _measures(row: dict[str, str], account: str, currency: str = "T") -> list[str]:
    return [row[f"{currency}_{ACCOUNTS[account]}_{m}"] for m in MEASURES]


def _rebate(line: str, day: str, amount: str) -> dict[str, str]:
    """A rebate estimated at ``amount`` with 50 % probability (expected value ``amount`` / 2)."""
    return {"Doc Line Id": line, "VC Type": "rebate", "Estimate Date": day, "Scenario 1 Amt": amount,
            "Scenario 1 Pct": "50", "Scenario 2 Amt": "0", "Scenario 2 Pct": "50"}  # fmt: skip


def _upload_vc(http: TestClient, headers: dict[str, str], row: dict[str, str]) -> None:
    response = http.post(
        "/api/integration/v1/csv/upload",
        headers={**headers, "templatename": "Standard VC", "filename": unique("vc") + ".csv",
                 "content-type": "text/plain"},
        content=to_csv(VC_LABELS, [row]).encode(),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    worker.run_until_idle(http.app.state.ctx.engine)  # type: ignore[attr-defined]


def _setup(engine: Engine, tenant: Tenant, return_percent: str) -> None:
    document: dict[str, Any] = {
        "variable_consideration": VC_SETUP,
        "returns": [{**EXAMPLE_22, "return_percent": return_percent}],
        "costs": COSTS,
    }
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)


def test_vc_returns_costs_in_waterfall_rollforward_and_journal(client: TestClient, engine: Engine) -> None:
    """Contract A is ASC 606-10-55-202 to 55-207 (Example 22, right of return): 100 products at 100.00
    delivered and paid in January, 3 % expected back, cost 60.00 each. By hand: refund liability 3 x 100 =
    300.00 and asset 3 x 60 = 180.00 in January; reassessed to 5 % in February: liability 500.00 (+200.00),
    asset 300.00 (+120.00).

    Contract B is a 1,200.00 subscription from January to October 2026 (120.00 a month) with a rebate
    estimated at -120 (50 %) in January, expected value -60.00, and -240 (50 %) in February, -120.00. VC
    recognised: January -60 / 10 = -6.00, through February -120 x 2/10 = -24.00, so February -18.00. Its
    costs are ASC 340-40-55-2 to 55-4 (Example 1): commissions 10,000.00 capitalised (340-40-25-1), legal
    fees 15,000.00 and travel 25,000.00 expensed (340-40-25-2). The commission amortises with the revenue,
    10,000 / 10 = 1,000.00 a month.

    Roll-forward of February: A's N opening 300, additions 200, releases 0, closing 500; S 180, 120, 0,
    300. B's VC opening -60 - (-6) = -54, additions -60, releases -18, closing -54 - 60 + 18 = -96
    (= -120 + 24); G opening 10,000 - 1,000 = 9,000, additions 0, releases 1,000, closing 8,000."""
    tenant = accounting_tenant(engine)
    _setup(engine, tenant, "3")
    headers = login(client, tenant)
    so_a, so_b = unique("SO"), unique("SO")
    line_a, line_b = f"{so_a}-1", f"{so_b}-1"
    send(client, headers, *sale(so_a), subscription(line_b, so_b, **{"End Date": "31-OCT-2026"}))
    assert collect(client, engine, headers)["status"] == "Completed"
    _upload_vc(client, headers, _rebate(line_b, "15-JAN-2026", "-120"))
    assert collect(client, engine, headers)["status"] == "Completed"
    send_costs(client, headers, cost_row(unique("CST"), line_b, "Commission", "10000.00"),
               cost_row(unique("CST"), line_b, "Legal", "15000.00"),
               cost_row(unique("CST"), line_b, "Travel", "25000.00"))  # fmt: skip
    assert cost_process(client, engine, headers)["status"] == "Completed"
    january = totals(engine, tenant, 202601)
    assert (january["N"], january["S"], january["G"]) == (
        (D(0), D("300.00")), (D("180.00"), D(0)), (D("10000.00"), D("1000.00")),
    )  # fmt: skip
    assert close_period(client, engine, headers)["status"] == "Completed"

    _setup(engine, tenant, "5")  # the February reassessment
    _upload_vc(client, headers, _rebate(line_b, "10-FEB-2026", "-240"))
    assert collect(client, engine, headers)["status"] == "Completed"
    assert verify(engine, tenant) == []

    rows = _report(client, engine, headers, "deferred-rollforward", FROM_PERIOD="202602", TO_PERIOD="202602")
    by_contract = {r["RC_ID"]: r for r in rows}
    assert len(by_contract) == 2
    a, b = sorted(by_contract.values(), key=lambda r: int(r["RC_ID"]))
    assert _measures(a, "N") == ["300.00", "200.00", "0.00", "500.00"]
    assert _measures(a, "S") == ["180.00", "120.00", "0.00", "300.00"]
    assert _measures(a, "G") == ["0.00"] * 4
    assert [a[f"T_VC_{m}"] for m in MEASURES] == ["0.00"] * 4
    assert [b[f"T_VC_{m}"] for m in MEASURES] == ["-54.00", "-60.00", "-18.00", "-96.00"]
    assert _measures(b, "G") == ["9000.00", "0.00", "1000.00", "8000.00"]
    assert _measures(b, "N") == _measures(b, "S") == ["0.00"] * 4
    for row in (a, b):
        for account in ACCOUNTS:
            assert _measures(row, account, "F") == _measures(row, account, "R") == _measures(row, account)
            opening, additions, releases, closing = (D(v) for v in _measures(row, account))
            assert opening + additions - releases == closing

    # over January and February: everything is an addition or a release; closings tie to the journal
    rows = _report(client, engine, headers, "deferred-rollforward", FROM_PERIOD="202601", TO_PERIOD="202602")
    a, b = sorted(rows, key=lambda r: int(r["RC_ID"]))
    assert _measures(a, "N") == ["0.00", "500.00", "0.00", "500.00"]
    assert _measures(a, "S") == ["0.00", "300.00", "0.00", "300.00"]
    assert _measures(b, "G") == ["0.00", "10000.00", "2000.00", "8000.00"]
    journal = totals(engine, tenant)
    closing = {k: sum(D(r[f"T_{ACCOUNTS[k]}_CLOSING"]) for r in (a, b)) for k in ACCOUNTS}
    assert closing["N"] == journal["N"][1] - journal["N"][0]  # a credit balance
    assert closing["S"] == journal["S"][0] - journal["S"][1]
    assert closing["G"] == journal["G"][0] - journal["G"][1]
    assert closing == {"N": D("500.00"), "S": D("300.00"), "G": D("8000.00")}

    # January alone, after February's reassessment: what January booked (closed periods never change)
    rows = _report(client, engine, headers, "deferred-rollforward", FROM_PERIOD="202601", TO_PERIOD="202601")
    a, b = sorted(rows, key=lambda r: int(r["RC_ID"]))
    assert (_measures(a, "N"), _measures(a, "S")) == (
        ["0.00", "300.00", "0.00", "300.00"], ["0.00", "180.00", "0.00", "180.00"],
    )  # fmt: skip
    assert _measures(b, "G") == ["0.00", "10000.00", "1000.00", "9000.00"]
    assert [b[f"T_VC_{m}"] for m in MEASURES] == ["0.00", "-60.00", "-6.00", "-54.00"]

    # the waterfall as of February: A's reserve change of February has a row of its own (the sale's
    # schedule is January only); B's amortisation follows its revenue, none booked after February
    waterfall = _report(client, engine, headers, "revenue-waterfall", AS_OF_PERIOD="202602")
    cells = ("TIMING", "T_NET_AMT", "T_VC_AMT", "T_RFND_LIAB_AMT", "T_COST_AMORT_AMT")
    found = {(r["SO_LINE_ID"], r["PRD_ID"]): tuple(r[c] for c in cells) for r in waterfall}
    assert found[(line_a, "202601")] == ("RECOGNISED", "10000.00", "0.00", "300.00", "0.00")
    assert found[(line_a, "202602")] == ("RECOGNISED", "0.00", "0.00", "200.00", "0.00")
    assert found[(line_b, "202601")] == ("RECOGNISED", "120.00", "-6.00", "0.00", "1000.00")
    assert found[(line_b, "202602")] == ("RECOGNISED", "120.00", "-18.00", "0.00", "1000.00")
    assert found[(line_b, "202603")] == ("FUTURE", "120.00", "0.00", "0.00", "0.00")
    assert len([k for k in found if k[0] == line_a]) == 2
    for r in waterfall:
        assert r["F_RFND_LIAB_AMT"] == r["R_RFND_LIAB_AMT"] == r["T_RFND_LIAB_AMT"]
        assert r["F_COST_AMORT_AMT"] == r["R_COST_AMORT_AMT"] == r["T_COST_AMORT_AMT"]

    # BI3_WF_SUMM: the cost legs (SCHD_TYPE_FLAG C, SCHD_ID from 10^17), credit positive. By hand: January
    # Dr G 10,000 / Cr P 10,000 (commission), Dr I / Cr P 15,000 and 25,000 (legal, travel); Dr I / Cr G
    # 1,000 in each month January to October (amortisation, scheduled after February)
    wf = [r for r in table_of(client, headers, "BI3_WF_SUMM") if int(r["SCHD_ID"]) >= 10**17]
    assert {(r["SCHD_TYPE_FLAG"], r["NETTING_ENTRY_FLAG"]) for r in wf} == {("C", "N")}
    january = sorted((r["ACCTG_TYPE_ID"], D(r["T_AT"])) for r in wf if r["PRD_ID"] == "202601")
    assert january == [
        ("G", D("-10000.00")), ("G", D("1000.00")), ("I", D("-25000.00")), ("I", D("-15000.00")),
        ("I", D("-1000.00")), ("P", D("10000.00")), ("P", D("15000.00")), ("P", D("25000.00")),
    ]  # fmt: skip
    g_rows = [(r["PRD_ID"], D(r["T_AT"])) for r in wf if r["ACCTG_TYPE_ID"] == "G"]
    amortised = sorted((p, a) for p, a in g_rows if a > 0)
    assert amortised == [(f"2026{m:02d}", D("1000.00")) for m in range(1, 11)]
    booked = sum((D(r["T_AT"]) for r in wf if r["ACCTG_TYPE_ID"] == "G" and r["PRD_ID"] <= "202602"), D(0))
    assert -booked == closing["G"]  # the asset (a debit) through February, as the roll-forward closes it
    assert sum((D(r["T_AT"]) for r in wf), D(0)) == 0  # every cost row balances
    assert len({r["SCHD_ID"] for r in wf}) == len(wf)
