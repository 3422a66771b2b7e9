"""Variable consideration end to end through HTTP: the setup section, the Standard VC upload and its
staging errors, reassessment with cumulative catch-up at journalize and period close, V/W/K entries."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import (
    accounting_tenant,
    balanced,
    close_period,
    collect,
    send,
    subscription,
    totals,
    upload_csv,
    verify,
    worked_lines,
)
from biviews_support import table_of
from inbound_data import to_csv
from revrec.db.session import transaction
from revrec.db.tables import stage_error, vc_estimate, vc_schedule
from revrec.errors import InvalidInput
from revrec.inbound.templates_std import STANDARD_VC
from revrec.jobs import worker
from revrec.setup import service as setup_service
from revrec.tenancy import repository as tenancy
from support import Tenant, login, unique

VC_LABELS = [f.label for f in STANDARD_VC.fields]
D = Decimal

VC_SETUP: dict[str, Any] = {
    "accounts": {"liability": "2450", "revenue": "4050", "clearing": "1450"},
    "types": [
        {"name": "performance_bonus", "method": "most_likely", "constraint": {"kind": "cap", "value": "600"}},
        {"name": "rebate", "method": "expected_value"},
        {"name": "usage_fee", "method": "expected_value", "constraint": {"kind": "fully_constrained"}},
        {
            "name": "volume_discount",
            "tiers": [{"from_units": "0", "unit_price": "100"}, {"from_units": "1000", "unit_price": "90"}],
            "allocation": {"to": "line"},
        },
        {"name": "setup_credit", "method": "most_likely", "allocation": {"to": "items", "items": ["SETUP"]}},
    ],
}


def _tenant(engine: Engine) -> Tenant:
    tenant = accounting_tenant(engine)
    with transaction(engine) as conn:
        setup_service.apply_setup(
            conn, client_name=tenant.client, document={"variable_consideration": VC_SETUP}
        )
    return tenant


def _estimates(http: TestClient, headers: Mapping[str, str], *rows: Mapping[str, str]) -> int:
    return upload_csv(http, headers, "Standard VC", to_csv(VC_LABELS, rows), "vc")


def test_setup_section_round_trip_and_errors(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine)
    with transaction(engine) as conn:
        exported = setup_service.export_setup(conn, client_name=tenant.client)["variable_consideration"]
        again = setup_service.apply_setup(
            conn, client_name=tenant.client, document={"variable_consideration": exported}
        )
    assert [t["name"] for t in exported["types"]] == [
        "performance_bonus",
        "rebate",
        "usage_fee",
        "volume_discount",
        "setup_credit",
    ]
    assert exported["types"][0]["constraint"] == {"kind": "cap", "value": "600"}
    assert again == []
    bad = {
        "types": [
            {"name": "x", "constraint": {"kind": "percent"}},
            {"name": "y", "allocation": {"to": "items"}},
        ]
    }
    with transaction(engine) as conn, pytest.raises(InvalidInput) as caught:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"variable_consideration": bad})
    text = str(caught.value)
    assert "variable_consideration.types.0.constraint" in text and "needs a value" in text
    assert "variable_consideration.types.1.allocation" in text


def test_standard_vc_template_and_staging_errors(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine)
    headers = login(http, tenant)
    mapping = http.get(
        "/api/integration/v1/upload/mapping", params={"templatename": "Standard VC"}, headers=headers
    )
    assert mapping.status_code == 200
    assert [m["col_name"] for m in mapping.json()["Mapping"]][:4] == [
        "SO_LINE_ID",
        "VC_TYPE",
        "EST_DATE",
        "ML_AMT",
    ]
    p = unique("st")
    send(http, headers, subscription(f"{p}-1", f"{p}-SO"))
    worker.run_until_idle(engine)
    good = {
        "Doc Line Id": f"{p}-1",
        "VC Type": "rebate",
        "Estimate Date": "15-JAN-2026",
        "Scenario 1 Amt": "-100",
        "Scenario 1 Pct": "40",
        "Scenario 2 Amt": "0",
        "Scenario 2 Pct": "60",
    }
    rows = [
        good,
        {**good, "Doc Line Id": ""},
        {**good, "VC Type": "nope"},
        {**good, "Scenario 2 Pct": "50"},
        {**good, "Scenario 1 Amt": "", "Scenario 1 Pct": "", "Scenario 2 Amt": "", "Scenario 2 Pct": ""},
        {**good, "Doc Line Id": f"{p}-unknown"},
        {**good, "Actual Flag": "X"},
        {"Doc Line Id": f"{p}-1", "VC Type": "volume_discount", "Estimate Date": "15-JAN-2026",
         "Most Likely Amt": "5"},
    ]  # fmt: skip
    upload_id = _estimates(http, headers, *rows)
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        flags = [
            r.processed_flag
            for r in conn.execute(
                select(vc_estimate.c.processed_flag)
                .where(vc_estimate.c.upload_id == upload_id)
                .order_by(vc_estimate.c.row_num)
            )
        ]
        codes = sorted(
            conn.execute(
                select(stage_error.c.code).where(
                    stage_error.c.kind == "vc",
                    stage_error.c.row_id.in_(
                        select(vc_estimate.c.id).where(vc_estimate.c.upload_id == upload_id)
                    ),
                )
            ).scalars()
        )
    assert flags == ["N", "E", "E", "E", "E", "E", "E", "E"]
    assert codes == [
        "RREV-04101",
        "RREV-04102",
        "RREV-04104",
        "RREV-04106",
        "RREV-04108",
        "RREV-04109",
        "RREV-04111",
    ]


def _schedule(engine: Engine, tenant: Tenant) -> dict[tuple[str, str, int], tuple[int, int]]:
    """(line, VC type, period) → (alloc_t, rev_t) of the VC schedule rows."""
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        rows = conn.execute(select(vc_schedule).where(vc_schedule.c.client_id == client.id)).all()
    return {(r.line_id, r.vc_type, r.period_key): (r.alloc_t, r.rev_t) for r in rows}


def _net(engine: Engine, tenant: Tenant, period: int) -> dict[str, Decimal]:
    """Net credit per VC account type of the stored entries of ``period``."""
    found = totals(engine, tenant, period)
    return {k: found[k][1] - found[k][0] for k in ("V", "W", "K") if k in found}


def test_reassessment_catch_up_never_moves_a_closed_period(http: TestClient, engine: Engine) -> None:
    """A 1,200.00 subscription ratable over 2026 (100.00 a month, 1/12 a month recognised).

    January: a rebate estimated by expected value at -120 x 50 % + 0 x 50 % = -60.00 and a performance bonus
    whose most likely amount 1,200 (70 %) is capped at 600.00. Recognised in January: -60/12 = -5.00 and
    600/12 = 50.00. Entries: K Dr 540.00 (= 600 - 60), V Cr 540 - 45 = 495.00, W Cr 45.00.
    February (January closed): the rebate is re-estimated at -240 x 50 % = -120.00. Cumulative through
    February -120 x 2/12 = -20.00, of which January holds -5.00: February -15.00 (the catch-up of -5.00 on
    January's share plus February's own -10.00); the bonus adds 50.00. January's row and posted entries
    stay as they were.
    """
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("cu")
    line = f"{p}-1"
    send(http, headers, subscription(line, f"{p}-SO"))
    collect(http, engine, headers)
    rebate = {
        "Doc Line Id": line,
        "VC Type": "rebate",
        "Estimate Date": "15-JAN-2026",
        "Scenario 1 Amt": "-120",
        "Scenario 1 Pct": "50",
        "Scenario 2 Amt": "0",
        "Scenario 2 Pct": "50",
    }
    bonus = {
        "Doc Line Id": line,
        "VC Type": "performance_bonus",
        "Estimate Date": "15-JAN-2026",
        "Scenario 1 Amt": "1200",
        "Scenario 1 Pct": "70",
        "Scenario 2 Amt": "0",
        "Scenario 2 Pct": "30",
    }
    _estimates(http, headers, rebate, bonus)  # fmt: skip
    collect(http, engine, headers)
    assert _schedule(engine, tenant) == {
        (line, "rebate", 202601): (-6000, -500),
        (line, "performance_bonus", 202601): (60000, 5000),
    }
    assert _net(engine, tenant, 202601) == {"K": D("-540.00"), "V": D("495.00"), "W": D("45.00")}
    assert verify(engine, tenant) == []
    close_period(http, engine, headers)
    posted_january = totals(engine, tenant, 202601)
    _estimates(http, headers, {**rebate, "Estimate Date": "10-FEB-2026", "Scenario 1 Amt": "-240"})
    collect(http, engine, headers)
    schedule = _schedule(engine, tenant)
    assert schedule[(line, "rebate", 202601)] == (-6000, -500)
    assert schedule[(line, "rebate", 202602)] == (-6000, -1500)
    assert schedule[(line, "performance_bonus", 202602)] == (0, 5000)
    assert _net(engine, tenant, 202602) == {"K": D("60.00"), "V": D("-95.00"), "W": D("35.00")}
    assert totals(engine, tenant, 202601) == posted_january
    assert balanced(engine, tenant, 202602)
    assert verify(engine, tenant) == []


def test_volume_discount_and_settlement(http: TestClient, engine: Engine) -> None:
    """ASC 606-10-55-216 to 55-220 (Example 24), the first quarter's units: 75 units at $100 delivered at
    once (7,500.00, all recognised). Expected volume 900 < 1,000: no VC. Re-estimated at 1,200 units: every
    unit is $90, so the 75 units carry (90 - 100) x 75 = -750.00, recognised at once as a catch-up.
    Then a performance bonus on the same line settles: the actual (Actual Flag Y) 400.00 replaces an
    estimate whose most likely 1,000.00 was capped at 600.00 — the actual is not constrained: +400.00.
    """
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("vd")
    line = f"{p}-1"
    units = {
        "Item Num": "SETUP",
        "End Date": "01-JAN-2026",
        "Ord Qty": "75",
        "Ext Sll Prc": "7500.00",
        "Ext Lst Prc": "7500.00",
        "Unit Sell Prc": "100",
        "Unit List Prc": "100",
    }
    send(http, headers, subscription(line, f"{p}-SO", **units))  # fmt: skip
    collect(http, engine, headers)
    volume = {
        "Doc Line Id": line,
        "VC Type": "volume_discount",
        "Estimate Date": "05-JAN-2026",
        "Expected Qty": "900",
    }
    _estimates(http, headers, volume)
    collect(http, engine, headers)
    assert _schedule(engine, tenant) == {}
    _estimates(http, headers, {**volume, "Estimate Date": "20-JAN-2026", "Expected Qty": "1200"})
    collect(http, engine, headers)
    assert _schedule(engine, tenant) == {(line, "volume_discount", 202601): (-75000, -75000)}
    assert _net(engine, tenant, 202601) == {"K": D("750.00"), "W": D("-750.00")}
    bonus = {
        "Doc Line Id": line,
        "VC Type": "performance_bonus",
        "Estimate Date": "21-JAN-2026",
        "Most Likely Amt": "1000",
    }
    _estimates(http, headers, bonus)
    collect(http, engine, headers)
    assert _schedule(engine, tenant)[(line, "performance_bonus", 202601)] == (60000, 60000)
    _estimates(
        http, headers, {**bonus, "Estimate Date": "25-JAN-2026", "Most Likely Amt": "400", "Actual Flag": "Y"}
    )
    collect(http, engine, headers)
    assert _schedule(engine, tenant)[(line, "performance_bonus", 202601)] == (40000, 40000)
    assert _net(engine, tenant, 202601) == {"K": D("350.00"), "W": D("-350.00")}
    assert verify(engine, tenant) == []


def test_contract_allocation_by_ssp_and_vc_amount_view(http: TestClient, engine: Engine) -> None:
    """A rebate of -100.00 (most likely, one scenario) on the SUB line of a contract of SUB 1,200 ratable
    over 2026 (SSP 1,500) and SETUP 300 at once (SSP 500): allocated by SSP 1,500 : 500, SUB -75.00 and
    SETUP -25.00. Lines allocated 1,125 / 375; January recognises SUB 1,125/12 = 93.75, 1/12 of it, so
    -75/12 = -6.25, and SETUP all of it, -25.00: W -31.25. BI3_RC_LNS shows VC_AMT -75 / -25."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("ca")
    send(http, headers, *worked_lines(p))
    collect(http, engine, headers)
    rebate = {
        "Doc Line Id": f"{p}-1",
        "VC Type": "rebate",
        "Estimate Date": "02-JAN-2026",
        "Most Likely Amt": "-100",
    }
    _estimates(http, headers, rebate)
    collect(http, engine, headers)
    assert _schedule(engine, tenant) == {
        (f"{p}-1", "rebate", 202601): (-7500, -625),
        (f"{p}-2", "rebate", 202601): (-2500, -2500),
    }
    assert _net(engine, tenant, 202601) == {"K": D("100.00"), "V": D("-68.75"), "W": D("-31.25")}
    lines = {r["SO_LINE_ID"]: r for r in table_of(http, headers, "BI3_RC_LNS")}
    assert D(lines[f"{p}-1"]["VC_AMT"]) == D("-75") and D(lines[f"{p}-2"]["VC_AMT"]) == D("-25")
    assert verify(engine, tenant) == []


def test_allocation_to_specific_items(http: TestClient, engine: Engine) -> None:
    """IFRS 15.85: a credit of -40.00 sent on the SUB line but relating to the setup service only (type
    allocated to item SETUP) goes wholly to the SETUP line, recognised at once: W -40.00, no VC on SUB."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("it")
    send(http, headers, *worked_lines(p))
    collect(http, engine, headers)
    credit = {"Doc Line Id": f"{p}-1", "VC Type": "setup_credit", "Estimate Date": "03-JAN-2026",
              "Most Likely Amt": "-40"}  # fmt: skip
    _estimates(http, headers, credit)
    collect(http, engine, headers)
    assert _schedule(engine, tenant) == {(f"{p}-2", "setup_credit", 202601): (-4000, -4000)}
    assert _net(engine, tenant, 202601) == {"K": D("40.00"), "W": D("-40.00")}
    assert verify(engine, tenant) == []
