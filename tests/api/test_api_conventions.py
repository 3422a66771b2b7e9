"""The convention keys of the policies section end to end: setup document applied through the admin API,
upload, Data Collection, the results read through the BI views (docs/engine.md "Conventions")."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import WORKED_POLICIES, collect, send, subscription, verify
from biviews_support import table_of
from inbound_data import so_line
from revrec.auth.privileges import ADMIN_ROLE
from revrec.jobs import worker
from support import Tenant, login, make_tenant

SETUP = "/api/admin/v1/setup"


def configured(http: TestClient, engine: Engine, **conventions: Any) -> tuple[Tenant, dict[str, str]]:
    """A client whose policies are the worked example's plus ``conventions``, applied over HTTP; the
    integration API headers."""
    tenant = make_tenant(engine)
    admin = login(http, tenant, role=ADMIN_ROLE)
    document = {
        "policies": {**WORKED_POLICIES, **conventions},
        "accounting": {"modification_treatment": "Retrospective", "open_period": 202601},
    }
    applied = http.put(SETUP, headers=admin, json=document)
    assert applied.status_code == 200, applied.text
    exported = http.get(SETUP, headers=admin).json()["policies"]
    assert {k: exported[k] for k in conventions} == conventions
    return tenant, login(http, tenant)


def schedules(http: TestClient, headers: dict[str, str]) -> dict[tuple[str, str], dict[str, D]]:
    """(SO line id, schedule type) → {period: amount} from BI3_RC_SCHD."""
    lines = {r["ID"]: r["SO_LINE_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    found: dict[tuple[str, str], dict[str, D]] = defaultdict(dict)
    for row in table_of(http, headers, "BI3_RC_SCHD"):
        found[(lines[row["LINE_ID"]], row["SCHD_TYPE_FLAG"])][row["POST_PRD_ID"]] = D(row["AMOUNT"])
    return found


def test_schedule_rounding_last_period(http: TestClient, engine: Engine) -> None:
    """1,000.00 over January–March 2026: 333.33, 333.33 and the remainder in March, 333.34 (cumulative
    rounding would give 333.33, 333.34, 333.33)."""
    tenant, headers = configured(http, engine, schedule_rounding="Last Period")
    send(http, headers, subscription("R-1", "R-SO", "1000.00", **{"End Date": "31-MAR-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    got = schedules(http, headers)[("R-1", "R")]
    assert got == {"202601": D("333.33"), "202602": D("333.33"), "202603": D("333.34")}
    assert verify(engine, tenant) == []


def test_period_pattern_half_month(http: TestClient, engine: Engine) -> None:
    """1,200.00 from 15 January 2026 to 14 January 2027: 24 half months of 50.00 — 50.00 in each partial
    January, 100.00 in each full month."""
    tenant, headers = configured(http, engine, period_pattern="Half Month")
    dates = {"Start Date": "15-JAN-2026", "End Date": "14-JAN-2027"}
    send(http, headers, subscription("H-1", "H-SO", **dates))
    assert collect(http, engine, headers)["status"] == "Completed"
    got = schedules(http, headers)[("H-1", "R")]
    assert got["202601"] == got["202701"] == D("50.00") and len(got) == 13
    assert {got[str(202600 + m)] for m in range(2, 13)} == {D("100.00")}
    assert verify(engine, tenant) == []


def test_period_pattern_anniversary_months(http: TestClient, engine: Engine) -> None:
    """890.00 from 15 January to 10 April 2026: anniversary months 15 Jan – 14 Feb and 15 Feb – 14 Mar,
    then 27 of the 31 days of 15 Mar – 14 Apr: 310.00, 310.00, 270.00 in January, February, March."""
    tenant, headers = configured(http, engine, period_pattern="Anniversary Months")
    dates = {"Start Date": "15-JAN-2026", "End Date": "10-APR-2026"}
    send(http, headers, subscription("A-1", "A-SO", "890.00", **dates))
    assert collect(http, engine, headers)["status"] == "Completed"
    got = schedules(http, headers)[("A-1", "R")]
    assert got == {"202601": D("310.00"), "202602": D("310.00"), "202603": D("270.00")}
    assert verify(engine, tenant) == []


def _priced(line_id: str, sell: str, listed: str) -> dict[str, str]:
    """An SO line of item OTHER (SSP = 100 % of its list price), delivered on 1 January 2026."""
    prices = {"Ext Sll Prc": sell, "Unit Sell Prc": sell, "Ext Lst Prc": listed, "Unit List Prc": listed}
    common = {"Doc Num": "P-SO", "Cust Num": "P-C", "Doc Date": "01-JAN-2026", "Item Num": "OTHER"}
    return so_line(line_id, **common, **prices, **{"Start Date": "01-JAN-2026", "End Date": "01-JAN-2026"})


def test_allocation_remainder_and_rounded_percentages(http: TestClient, engine: Engine) -> None:
    """Three equal SSPs (10.00 each), price 100.00, percentages rounded to 2 decimals: 33.33 % applies
    33.33 three times = 99.99, and the 0.01 left goes to the last line."""
    tenant, headers = configured(http, engine, allocation_remainder="Last Line", allocation_percent_places=2)
    send(http, headers, _priced("P-1", "30.00", "10.00"), _priced("P-2", "30.00", "10.00"),
         _priced("P-3", "40.00", "10.00"))  # fmt: skip
    assert collect(http, engine, headers)["status"] == "Completed"
    lines = {r["SO_LINE_ID"]: D(r["ALCTD_XT_PRC"]) for r in table_of(http, headers, "BI3_RC_LNS")}
    assert lines == {"P-1": D("33.33"), "P-2": D("33.33"), "P-3": D("33.34")}
    got = schedules(http, headers)
    assert sum(got[("P-3", "R")].values()) + sum(got[("P-3", "A")].values()) == D("33.34")
    assert verify(engine, tenant) == []


def test_unit_price_places(http: TestClient, engine: Engine) -> None:
    """Usage at 0.0005 a call: 1,234,567 calls are 617.2835, rounded once to 617.28 on the line.  With
    unit_price_places 4 the price is taken and the line collected; 0.00005 is refused (RREV-00020)."""
    tenant, headers = configured(http, engine, unit_price_places=4)
    usage = {"Ord Qty": "1234567", "Unit Sell Prc": "0.0005", "Unit List Prc": "0.0005"}
    send(http, headers, subscription("U-1", "U-SO", "617.28", **usage),
         subscription("U-2", "U-SO2", "61.73", **{**usage, "Unit Sell Prc": "0.00005"}))  # fmt: skip
    worker.run_until_idle(engine)
    errors = http.get("/api/integration/v1/stage/error/transaction", headers=headers).json()["Result"]
    assert [(e["so_line_id"], e["processed_flag"]) for e in errors] == [("U-2", "E")]
    assert "RREV-00020" in errors[0]["err_msg"] and "unit_price_places" in errors[0]["err_msg"]
    assert collect(http, engine, headers)["status"] == "Completed"
    (line,) = table_of(http, headers, "BI3_RC_LNS")
    assert D(line["UNIT_SELL_PRC"]) == D("0.0005") and D(line["EXT_SLL_PRC"]) == D("617.28")
    assert sum(schedules(http, headers)[("U-1", "R")].values()) == D("617.28")
    assert verify(engine, tenant) == []
