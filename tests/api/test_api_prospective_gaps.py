"""Prospective modifications, the remaining gaps of issue 13, end to end through the HTTP API: the
``schedule_rounding`` convention of the remaining runs, a price concession (credit memo) on units already
delivered. Figures derived by hand in each test."""

from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import (
    WORKED_POLICIES,
    balanced,
    bill,
    close_period,
    collect,
    revenue,
    send,
    subscription,
    upload_csv,
    verify,
)
from biviews_support import table_of
from events_support import process_events
from inbound_data import EVENT_LABELS, so_line, to_csv
from revrec.auth.privileges import ADMIN_ROLE
from support import Tenant, login, make_tenant, unique

SETUP = "/api/admin/v1/setup"


def _configured(
    http: TestClient, engine: Engine, policies: dict[str, Any], treatment: str = "Prospective"
) -> tuple[Tenant, dict[str, str]]:
    """A client with ``policies`` and the modification ``treatment`` applied over the admin API; the
    integration API headers."""
    tenant = make_tenant(engine)
    admin = login(http, tenant, role=ADMIN_ROLE)
    document = {
        "policies": policies,
        "accounting": {"modification_treatment": treatment, "open_period": 202601},
    }
    applied = http.put(SETUP, headers=admin, json=document)
    assert applied.status_code == 200, applied.text
    return tenant, login(http, tenant)


def _schedule(http: TestClient, headers: dict[str, str], line_id: str) -> dict[str, D]:
    """Revenue (type R) per period of SO line ``line_id`` from BI3_RC_SCHD."""
    lines = {r["ID"]: r["SO_LINE_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    found: dict[str, D] = defaultdict(D)
    for row in table_of(http, headers, "BI3_RC_SCHD"):
        if lines[row["LINE_ID"]] == line_id and row["SCHD_TYPE_FLAG"] == "R":
            found[row["POST_PRD_ID"]] += D(row["AMOUNT"])
    return {k: v for k, v in found.items() if v}


@pytest.mark.parametrize(
    ("rounding", "takes_remainder"),
    [("Cumulative", "202607"), ("Last Period", "202612"), ("First Period", "202603")],
)
def test_prospective_revision_honours_schedule_rounding(
    http: TestClient, engine: Engine, rounding: str, takes_remainder: str
) -> None:
    """1,200.00 over 2026 (100.00 a month); January and February close; in March the price becomes
    2,300.01. Prospective: 2,300.01 − 200.00 = 2,100.01 remain for the ten months March–December, 210.001
    each. By hand: Last Period — nine months of 210.00 and 210.01 in December; First Period — 210.01 in
    March, then 210.00; Cumulative — running totals round(210.001 × k): 1,050.005 → 1,050.01 at k = 5, so
    July (the fifth month) takes 210.01. Closed January and February stay 100.00."""
    tenant, headers = _configured(http, engine, {**WORKED_POLICIES, "schedule_rounding": rounding})
    so = unique("SO")
    send(http, headers, subscription(f"{so}-1", so, "1200.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    for _ in range(2):
        assert close_period(http, engine, headers)["status"] == "Completed"
    send(http, headers, subscription(f"{so}-1", so, "2300.01", **{"Doc Date": "01-MAR-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    expected = {"202601": D("100.00"), "202602": D("100.00")}
    expected |= {str(202600 + m): D("210.00") for m in range(3, 13)}
    expected[takes_remainder] = D("210.01")
    assert _schedule(http, headers, f"{so}-1") == expected
    assert sum(expected.values()) == D("2300.01")
    assert verify(engine, tenant) == []


def _units_policies() -> dict[str, Any]:
    """The worked policies plus item UNITS: released Upon Event by quantity (Delivery events)."""
    policies: dict[str, Any] = copy.deepcopy(WORKED_POLICIES)
    policies["pob_templates"].append(
        {
            "name": "Units",
            "release_event": "Upon Event",
            "ratable_method": "Immediate Using Start Date",
            "event": {"name": "Delivery", "process_type": "By Quantity"},
        }
    )
    policies["pob_assignment_rules"].append(
        {"template": "Units", "kind": "Item", "seq": 4, "item_num": "UNITS"}
    )
    return policies


def _units_line(line_id: str, so: str, qty: str, price: str, **extra: str) -> dict[str, str]:
    unit = str(D(price) / D(qty))
    return so_line(
        line_id,
        **{
            "Doc Num": so, "Cust Num": f"C-{so}", "Doc Date": "01-JAN-2026", "Item Num": "UNITS",
            "Start Date": "01-JAN-2026", "End Date": "30-JUN-2026", "Ord Qty": qty, "Ext Sll Prc": price,
            "Ext Lst Prc": price, "Unit Sell Prc": unit, "Unit List Prc": unit, **extra,
        },
    )  # fmt: skip


def _deliver(
    http: TestClient, engine: Engine, headers: dict[str, str], line_id: str, qty: str, date: str
) -> None:
    event = {"Doc Line Id": line_id, "Event Type": "Delivery", "Process Type": "Quantity", "Action": "REC",
             "Release Qty": qty, "Event Date": date}  # fmt: skip
    upload_csv(http, headers, "Standard Event", to_csv(EVENT_LABELS, [event]), "e")
    assert process_events(http, engine, headers)["status"] == "Completed"


def test_price_concession_on_delivered_units_example_5_case_b(http: TestClient, engine: Engine) -> None:
    """ASC 606-10-55-114 to 55-116 / IFRS 15 IE22-IE24, Example 5 Case B, with its price concession: 120
    products at $100 (12,000), 60 delivered in January (6,000, closed). In February the contract adds 30
    products at $80 (the line becomes 150 for 14,400) and the customer gets a $15 credit on each of the 60
    defective products delivered: a CM of −900.00 for 60 units. By hand: the $900 relates to delivered
    products, so it reduces February's revenue at once (the example: "recognises the $900 as a reduction of
    revenue in the period of the modification"); the remaining 90 products earn (6,000 + 2,400) / 90 =
    93.33 each. February delivers 20: −900 + 8,400 × 20 / 90 = −900 + 1,866.67 = 966.67; March the last 70:
    8,400 − 1,866.67 = 6,533.33. Total 6,000 + 966.67 + 6,533.33 = 13,500 = 14,400 − 900."""
    tenant, headers = _configured(http, engine, _units_policies())
    so = unique("SO")
    line_id = f"{so}-1"
    send(http, headers, _units_line(line_id, so, "120", "12000.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    _deliver(http, engine, headers, line_id, "60", "20-JAN-2026")
    assert revenue(engine, tenant, 202601) == D("6000.00")
    assert close_period(http, engine, headers)["status"] == "Completed"

    common = {"Doc Num": so, "Cust Num": f"C-{so}", "Item Num": "UNITS", "Start Date": "01-JAN-2026",
              "End Date": "30-JUN-2026"}  # fmt: skip
    concession = bill(
        "CM", line_id, f"{so}-C", "-900.00", **common, **{"Inv Date": "05-FEB-2026", "Inv Qty": "60"}
    )
    send(
        http, headers, _units_line(line_id, so, "150", "14400.00", **{"Doc Date": "01-FEB-2026"}), concession
    )
    assert collect(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202602) == D("-900.00")  # the concession on delivered units, at once
    _deliver(http, engine, headers, line_id, "20", "10-FEB-2026")  # a recomputation: the concession stays
    assert revenue(engine, tenant, 202601) == D("6000.00")  # closed: unchanged
    assert revenue(engine, tenant, 202602) == D("966.67")
    assert balanced(engine, tenant, 202602)
    assert close_period(http, engine, headers)["status"] == "Completed"
    _deliver(http, engine, headers, line_id, "70", "05-MAR-2026")
    assert revenue(engine, tenant, 202603) == D("6533.33")
    assert D("6000.00") + D("966.67") + D("6533.33") == D("13500.00")
    assert verify(engine, tenant) == []


def _net_by_line(http: TestClient, headers: dict[str, str]) -> dict[tuple[str, str], D]:
    """(SO line id, period) → net revenue (schedule types R and A, i.e. allocated) from BI3_RC_SCHD."""
    lines = {r["ID"]: r["SO_LINE_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    found: dict[tuple[str, str], D] = defaultdict(D)
    for row in table_of(http, headers, "BI3_RC_SCHD"):
        found[(lines[row["LINE_ID"]], row["POST_PRD_ID"])] += D(row["AMOUNT"])
    return {k: v for k, v in found.items() if v}


def test_new_line_under_prospective_reallocates_the_remaining_consideration(
    http: TestClient, engine: Engine
) -> None:
    """ASC 606-10-25-13(a) / IFRS 15.21(a) with ASC 606-10-55-114 to 55-116 (Example 5 Case B) sent as a new
    SO line: 120 products at $100 (12,000; SSP 100 % of list, $100 a product), 60 delivered in January
    (6,000, closed). In February a second line adds 30 products for 2,400 ($80; list $100, so the same SSP
    a product). By hand: remaining consideration 14,400 − 6,000 = 8,400 over the remaining goods by SSP:
    line 1's 60 undelivered products weigh 60 × 100 = 6,000, line 2's 30 weigh 3,000: line 1 5,600.00,
    line 2 2,800.00 — 93.33 a product, the example's blended price. February delivers 30 of line 1:
    5,600 × 30/60 = 2,800.00; March the other 30 (2,800.00) and line 2's 30 (2,800.00). January stays
    6,000.00; the contract totals 14,400.00. (Allocating the whole price by SSP instead would give line 1
    11,520, i.e. 2,760.00 in February.)"""
    tenant, headers = _configured(http, engine, _units_policies())
    so = unique("SO")
    first, second = f"{so}-1", f"{so}-2"
    send(http, headers, _units_line(first, so, "120", "12000.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    _deliver(http, engine, headers, first, "60", "20-JAN-2026")
    assert close_period(http, engine, headers)["status"] == "Completed"

    added = _units_line(second, so, "30", "2400.00", **{"Doc Line Num": "2", "Doc Date": "01-FEB-2026"})
    send(http, headers, added | {"Ext Lst Prc": "3000.00", "Unit List Prc": "100"})
    assert collect(http, engine, headers)["status"] == "Completed"
    _deliver(http, engine, headers, first, "30", "10-FEB-2026")
    net = _net_by_line(http, headers)
    assert net[(first, "202601")] == D("6000.00")
    assert net[(first, "202602")] == D("2800.00")
    assert (second, "202602") not in net
    assert balanced(engine, tenant, 202602)
    assert close_period(http, engine, headers)["status"] == "Completed"
    _deliver(http, engine, headers, first, "30", "05-MAR-2026")
    _deliver(http, engine, headers, second, "30", "05-MAR-2026")
    net = _net_by_line(http, headers)
    assert net[(first, "202603")] == D("2800.00") == net[(second, "202603")]
    assert sum(net.values()) == D("14400.00")
    assert revenue(engine, tenant, 202601) == D("6000.00")
    assert verify(engine, tenant) == []
