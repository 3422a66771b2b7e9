"""Variable consideration schedules in BI3_RC_SCHD (type V rows: order, paging, incremental extracts) and
the incremental reassessment (a journalize with nothing changed rewrites no VC row)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select

from accounting_support import close_period, collect, send, subscription, totals, verify, worked_lines
from api.test_api_vc import _estimates, _tenant
from biviews_support import V1, table_of, table_v2
from revrec.db.session import transaction
from revrec.db.tables import revenue_contract, vc_reassessment, vc_schedule
from revrec.tenancy import repository as tenancy
from support import Tenant, login, unique

D = Decimal
OFFSET = 4 * 10**18


def _vc_rows(engine: Engine, tenant: Tenant) -> list[Any]:
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        query = select(vc_schedule).where(vc_schedule.c.client_id == client.id).order_by(vc_schedule.c.id)
        return list(conn.execute(query))


def _contract_stamps(engine: Engine, tenant: Tenant) -> dict[int, dt.datetime]:
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        rc = revenue_contract.c
        return dict(conn.execute(select(rc.id, rc.updated_at).where(rc.client_id == client.id)).all())


def _rebate(line: str, date: str, amount: str) -> dict[str, str]:
    return {"Doc Line Id": line, "VC Type": "rebate", "Estimate Date": date, "Most Likely Amt": amount}


def test_v_rows_in_the_schedule_view_paged_in_schd_id_order(http: TestClient, engine: Engine) -> None:
    """A rebate of -100.00 on a contract of SUB 1,200 ratable over 2026 (SSP 1,500) and SETUP 300 at once
    (SSP 500): allocated by SSP, SUB -100 x 1500/2000 = -75.00 and SETUP -25.00; January recognises 1/12 of
    SUB's, -75/12 = -6.25, and all of SETUP's, -25.00. So four V rows: allocation legs (Dr K, Cr V) -75.00
    and -25.00, recognition legs (Dr V, Cr W) -6.25 and -25.00, after every R and A row."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("vs")
    send(http, headers, *worked_lines(p))
    collect(http, engine, headers)
    _estimates(http, headers, _rebate(f"{p}-1", "02-JAN-2026", "-100"))
    collect(http, engine, headers)
    stored = {(r.line_id, r.id) for r in _vc_rows(engine, tenant)}
    ids = {line: row_id for line, row_id in stored}
    rows = table_of(http, headers, "BI3_RC_SCHD")
    schd_ids = [int(r["SCHD_ID"]) for r in rows]
    assert schd_ids == sorted(schd_ids) and len(set(schd_ids)) == len(rows)
    v_rows = [r for r in rows if r["SCHD_TYPE_FLAG"] == "V"]
    assert rows[-len(v_rows) :] == v_rows and len(v_rows) == 4
    found = {
        (r["ORIG_LINE_ID"], r["DR_ACCTG_FLAG"], r["CR_ACCTG_FLAG"], r["ACCTG_TYPE"]): (
            int(r["SCHD_ID"]),
            D(r["AMOUNT"]),
            D(r["F_DR_AMOUNT"]),
            D(r["G_CR_AMOUNT"]),
            r["POST_PRD_ID"],
            r["PERIOD_NAME"],
        )
        for r in v_rows
    }
    sub, setup = f"{p}-1", f"{p}-2"
    jan = ("202601", "JAN-2026")
    assert found == {
        (sub, "K", "V", "V"): (OFFSET + ids[sub] * 2, D("-75"), D("-75"), D("-75"), *jan),
        (sub, "V", "W", "W"): (OFFSET + ids[sub] * 2 + 1, D("-6.25"), D("-6.25"), D("-6.25"), *jan),
        (setup, "K", "V", "V"): (OFFSET + ids[setup] * 2, D("-25"), D("-25"), D("-25"), *jan),
        (setup, "V", "W", "W"): (OFFSET + ids[setup] * 2 + 1, D("-25"), D("-25"), D("-25"), *jan),
    }
    lines = {r["SO_LINE_ID"]: r["ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    assert {r["LINE_ID"] for r in v_rows if r["ORIG_LINE_ID"] == sub} == {lines[sub]}
    # paging over the boundary between the regular and the V rows: every row exactly once, in order
    count = http.get(V1 + "BI3_RC_SCHD", headers=headers, params={"count": "true"}).json()["count"]
    assert count == len(rows)
    assert len(rows) == 30  # 26 R/A rows (SUB 12 + 12, SETUP 1 + 1), then the 4 V rows
    for size in (4, 5):  # 4: a page of R/A and V rows, then one past the R/A rows; 5: the 26th row + 4 V
        pages = [
            table_of(http, headers, "BI3_RC_SCHD", pagenum=str(n), pagesize=str(size))
            for n in range(1, len(rows) // size + 2)
        ]
        assert [r for page in pages for r in page] == rows
        assert any(len({x["SCHD_TYPE_FLAG"] for x in page} & {"V", "R", "A"}) > 1 and
                   "V" in {x["SCHD_TYPE_FLAG"] for x in page} for page in pages)  # fmt: skip
    assert table_v2(http, headers, "BI3_RC_SCHD") == rows


def test_incremental_extract_picks_up_a_reassessed_vc_row(http: TestClient, engine: Engine) -> None:
    """A re-estimated rebate (-100.00, then -200.00 on the SETUP line alone: allocated by SSP -50.00 to
    SETUP, recognised at once) rewrites the V rows of that contract only; its contract is stamped, so an
    extract from after the first reassessment returns its new V rows, and not the other contract."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p, q = unique("vi"), unique("vj")
    send(http, headers, *worked_lines(p), subscription(f"{q}-1", f"{q}-SO"))
    collect(http, engine, headers)
    _estimates(
        http, headers, _rebate(f"{p}-1", "02-JAN-2026", "-100"), _rebate(f"{q}-1", "02-JAN-2026", "-60")
    )
    collect(http, engine, headers)
    before = {r.line_id: r.id for r in _vc_rows(engine, tenant)}
    moment = max(_contract_stamps(engine, tenant).values())
    after = (moment + dt.timedelta(microseconds=1)).isoformat()
    assert table_of(http, headers, "BI3_RC_SCHD", fromDate=after) == []
    _estimates(http, headers, _rebate(f"{p}-1", "20-JAN-2026", "-200"))
    collect(http, engine, headers)
    changed = table_of(http, headers, "BI3_RC_SCHD", fromDate=after)
    assert {r["ORIG_LINE_ID"] for r in changed} == {f"{p}-1", f"{p}-2"}  # the re-estimated contract only
    v_rows = {
        (r["ORIG_LINE_ID"], r["ACCTG_TYPE"]): D(r["AMOUNT"]) for r in changed if r["SCHD_TYPE_FLAG"] == "V"
    }
    # -200 by SSP 1,500 : 500 -> SUB -150.00 (January 1/12: -12.50), SETUP -50.00 (all recognised)
    assert v_rows == {
        (f"{p}-1", "V"): D("-150"),
        (f"{p}-1", "W"): D("-12.50"),
        (f"{p}-2", "V"): D("-50"),
        (f"{p}-2", "W"): D("-50"),
    }
    now = {r.line_id: r.id for r in _vc_rows(engine, tenant)}
    assert now[f"{q}-1"] == before[f"{q}-1"]  # the untouched contract's row was not rewritten
    assert now[f"{p}-1"] != before[f"{p}-1"]
    assert verify(engine, tenant) == []


def test_a_journalize_with_nothing_changed_rewrites_nothing(http: TestClient, engine: Engine) -> None:
    """A second Data Collection with nothing new leaves every VC row (id, time, figures), entry and contract
    stamp as it was; a changed estimate is still picked up; and a full reassessment (no record of the last
    one) finds exactly the same rows as the incremental ones."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("vn")
    send(http, headers, *worked_lines(p))
    collect(http, engine, headers)
    _estimates(http, headers, _rebate(f"{p}-1", "02-JAN-2026", "-100"))
    collect(http, engine, headers)
    rows, entries, stamps = (
        _vc_rows(engine, tenant),
        totals(engine, tenant, 202601),
        _contract_stamps(engine, tenant),
    )
    assert len(rows) == 2
    collect(http, engine, headers)
    assert _vc_rows(engine, tenant) == rows
    assert totals(engine, tenant, 202601) == entries
    assert _contract_stamps(engine, tenant) == stamps
    # a changed estimate is picked up
    _estimates(http, headers, _rebate(f"{p}-1", "25-JAN-2026", "-160"))
    collect(http, engine, headers)
    figures = {(r.line_id, r.alloc_t, r.rev_t) for r in _vc_rows(engine, tenant)}
    # -160 by SSP 1,500 : 500 -> SUB -120.00 (January 1/12: -10.00), SETUP -40.00 (all recognised)
    assert figures == {(f"{p}-1", -12000, -1000), (f"{p}-2", -4000, -4000)}
    incremental = _vc_rows(engine, tenant)
    with transaction(engine) as conn:
        conn.execute(delete(vc_reassessment).where(vc_reassessment.c.client_id == incremental[0].client_id))
    collect(http, engine, headers)
    assert _vc_rows(engine, tenant) == incremental
    assert verify(engine, tenant) == []


def test_settlement_true_up_in_the_open_period(http: TestClient, engine: Engine) -> None:
    """ASC 606-10-32-14 (the estimate is updated when the uncertainty is resolved) on a 1,200.00
    subscription recognised 1/12 a month. January: a performance bonus, most likely 1,000.00, capped at
    600.00: allocated 600.00, recognised 600/12 = 50.00. January closed. February: the bonus is settled at
    400.00 (Actual Flag Y, not constrained): cumulative allocated 400.00, recognised 400 x 2/12 = 66.666...
    = 66.67, so February's row is allocated 400 - 600 = -200.00 and recognised 66.67 - 50.00 = 16.67.
    February's entries: Cr K 200.00, Dr V 216.67 (200 + 16.67), Cr W 16.67; January's are unchanged; K over
    both periods is Dr 400.00 (600 - 200), the amount to invoice; the V rows of BI3_RC_SCHD show the legs."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("vt")
    line = f"{p}-1"
    send(http, headers, subscription(line, f"{p}-SO"))
    collect(http, engine, headers)
    bonus = {"Doc Line Id": line, "VC Type": "performance_bonus", "Estimate Date": "15-JAN-2026",
             "Most Likely Amt": "1000"}  # fmt: skip
    _estimates(http, headers, bonus)
    collect(http, engine, headers)
    assert [(r.period_key, r.alloc_t, r.rev_t) for r in _vc_rows(engine, tenant)] == [(202601, 60000, 5000)]
    close_period(http, engine, headers)
    january = totals(engine, tenant, 202601)
    _estimates(
        http, headers, {**bonus, "Estimate Date": "10-FEB-2026", "Most Likely Amt": "400", "Actual Flag": "Y"}
    )
    collect(http, engine, headers)
    rows = _vc_rows(engine, tenant)
    assert [(r.period_key, r.alloc_t, r.rev_t, r.actual_flag) for r in rows] == [
        (202601, 60000, 5000, "N"),
        (202602, -20000, 1667, "Y"),
    ]
    february = totals(engine, tenant, 202602)
    assert {k: february[k][1] - february[k][0] for k in ("K", "V", "W")} == {
        "K": D("200.00"),
        "V": D("-216.67"),
        "W": D("16.67"),
    }
    assert totals(engine, tenant, 202601) == january
    k_net = sum(
        (
            totals(engine, tenant, key)["K"][0] - totals(engine, tenant, key)["K"][1]
            for key in (202601, 202602)
        ),
        D(0),
    )
    assert k_net == D("400.00")
    legs = {
        (r["POST_PRD_ID"], r["ACCTG_TYPE"]): D(r["AMOUNT"])
        for r in table_of(http, headers, "BI3_RC_SCHD")
        if r["SCHD_TYPE_FLAG"] == "V"
    }
    assert legs == {
        ("202601", "V"): D("600"),
        ("202601", "W"): D("50"),
        ("202602", "V"): D("-200"),
        ("202602", "W"): D("16.67"),
    }
    assert verify(engine, tenant) == []


def test_a_revised_line_is_reassessed(http: TestClient, engine: Engine) -> None:
    """ASC 606-10-55-216 to 55-220 (Example 24) pricing: every unit at $90 once the expected volume (1,200)
    reaches the 1,000-unit tier, against $100 billed. 75 units delivered at once: (90 - 100) x 75 = -750.00.
    The line is then revised to 150 units (15,000.00) with no new estimate: the revision stamps the
    contract, so the next reassessment recomputes it: (90 - 100) x 150 = -1,500.00, recognised at once."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("vr")
    line = f"{p}-1"

    def units(qty: str, amount: str) -> dict[str, str]:
        return {"Item Num": "SETUP", "End Date": "01-JAN-2026", "Ord Qty": qty, "Ext Sll Prc": amount,
                "Ext Lst Prc": amount, "Unit Sell Prc": "100", "Unit List Prc": "100"}  # fmt: skip

    send(http, headers, subscription(line, f"{p}-SO", **units("75", "7500.00")))
    collect(http, engine, headers)
    volume = {"Doc Line Id": line, "VC Type": "volume_discount", "Estimate Date": "05-JAN-2026",
              "Expected Qty": "1200"}  # fmt: skip
    _estimates(http, headers, volume)
    collect(http, engine, headers)
    assert [(r.alloc_t, r.rev_t) for r in _vc_rows(engine, tenant)] == [(-75000, -75000)]
    send(http, headers, subscription(line, f"{p}-SO", **units("150", "15000.00")))
    collect(http, engine, headers)
    assert [(r.alloc_t, r.rev_t) for r in _vc_rows(engine, tenant)] == [(-150000, -150000)]
    assert verify(engine, tenant) == []
