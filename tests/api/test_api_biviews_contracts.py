"""BI views over revenue-contract data (BI3_RC_HEAD, _LNS, _POB, _BILL, _SCHD) through HTTP, on a contract
collected from uploads: accounting-model.md's worked example (SUB 1,200 ratable over 2026 allocated 1,125,
SETUP 300 at once allocated 375, both invoiced in January)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal as D

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from accounting_support import accounting_tenant, collect, send
from biviews_support import V1, table_of, table_v2, worked_example
from revrec.db.tables import client, rc_schedule
from support import login


def test_contract_views_of_a_collected_contract(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("B"))
    assert collect(http, engine, headers)["status"] == "Completed"

    heads = table_of(http, headers, "BI3_RC_HEAD")
    assert len(heads) == 1
    head = heads[0]
    assert head["VERSION"] == "1" and head["CURR"] == "USD" and head["ALLOC_ERROR_FLAG"] == "N"
    assert D(head["SELL_AMT"]) == D("1500") and D(head["LIST_AMT"]) == D("1500")
    assert D(head["TOT_CV_AMT"]) == D("75") and head["INCR_UPDT_DT"] and head["CRTD_DT"]
    assert head["ATR1"] == "" and head["SEC_ATR_VAL"] == "1"  # the org (BI3_ORG.ORG_ID)
    rc_id = head["ID"]

    lines = {r["SO_LINE_ID"]: r for r in table_of(http, headers, "BI3_RC_LNS")}
    assert set(lines) == {"B-1", "B-2"}
    sub, setup = lines["B-1"], lines["B-2"]
    assert sub["RC_ID"] == rc_id and sub["ITEM_NUM"] == "SUB" and sub["SO_NUM"] == "B-SO"
    assert D(sub["EXT_SLL_PRC"]) == D("1200") and D(sub["EXT_LST_PRC"]) == D("1200")
    assert D(sub["ALCTBL_XT_PRC"]) == D("1200") and D(sub["ALCTD_XT_PRC"]) == D("1125")
    assert D(sub["CV_AMT"]) == D("-75") and D(setup["CV_AMT"]) == D("75")
    assert D(sub["FV_PRC"]) == D("1500") and D(setup["FV_PRC"]) == D("500")
    assert (sub["START_DATE"], sub["END_DATE"]) == ("2026-01-01", "2026-12-31")
    assert (
        sub["CURR"] == sub["F_CUR"] == "USD" and D(sub["F_EX_RATE"]) == D(1) and D(sub["G_EX_RATE"]) == D(1)
    )
    assert (
        sub["CUST_NUM"] == "B-C"
        and sub["CLIENT_ID"] == head["CLIENT_ID"]
        and sub["BOOK_ID"] == head["BOOK_ID"]
    )
    assert sub["DEF_SEGMENTS"] and sub["REV_SEGMENTS"] and sub["INCR_UPDT_DT"] == head["INCR_UPDT_DT"]
    assert sub["SUBSCRP_ID"] == ""
    # recognised through the open period (January): revenue 100 + carve −6.25; deferred = 1,125 − 93.75
    assert (D(sub["REC_AMT"]), D(sub["DEF_AMT"])) == (D("93.75"), D("1031.25"))
    assert (D(setup["REC_AMT"]), D(setup["DEF_AMT"])) == (D("375"), D(0))  # 300 + carve 75, at once

    pobs = {r["RC_POB_ID"]: r for r in table_of(http, headers, "BI3_RC_POB")}
    assert {sub["RC_POB_ID"], setup["RC_POB_ID"]} <= set(pobs)
    assert pobs[sub["RC_POB_ID"]]["POB_TMPL_NAME"] == "Subscription"
    assert pobs[setup["RC_POB_ID"]]["POB_TMPL_NAME"] == "Setup"
    assert all(p["RC_ID"] == rc_id for p in pobs.values())

    bills = {r["INVOICE_LINE_ID"]: r for r in table_of(http, headers, "BI3_RC_BILL")}
    assert set(bills) == {"B-I1", "B-I2"}
    assert bills["B-I1"]["TYPE"] == "INV" and D(bills["B-I1"]["EXT_SLL_PRC"]) == D("1200")
    assert bills["B-I1"]["LINE_ID"] == sub["ID"] and bills["B-I1"]["INVOICE_DATE"] == "2026-01-01"
    assert bills["B-I2"]["RC_ID"] == rc_id

    count = http.get(V1 + "BI3_RC_LNS", headers=headers, params={"count": "true"})
    assert count.json() == {"count": 2}
    chosen = http.post(V1 + "BI3_RC_LNS", headers=headers, json=["so_line_id", "cv_amt"])
    assert list(csv.reader(io.StringIO(chosen.text)))[0] == ["SO_LINE_ID", "CV_AMT"]


def test_schedule_view_expands_the_packed_schedules(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("S"))
    assert collect(http, engine, headers)["status"] == "Completed"
    lines = {r["ID"]: r["SO_LINE_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    rows = table_of(http, headers, "BI3_RC_SCHD")
    by: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in rows:
        by[(lines[row["LINE_ID"]], row["SCHD_TYPE_FLAG"])][row["POST_PRD_ID"]] = row["AMOUNT"]
    assert set(by) == {("S-1", "R"), ("S-1", "A"), ("S-2", "R"), ("S-2", "A")}
    months = [str(202600 + m) for m in range(1, 13)]
    assert by[("S-1", "R")] == dict.fromkeys(months, "100.00")
    assert by[("S-1", "A")] == dict.fromkeys(months, "-6.25")
    assert by[("S-2", "R")] == {"202601": "300.00"} and by[("S-2", "A")] == {"202601": "75.00"}
    assert len(rows) == 26
    january_sub = next(
        r
        for r in rows
        if lines[r["LINE_ID"]] == "S-1" and r["SCHD_TYPE_FLAG"] == "R" and r["POST_PRD_ID"] == "202601"
    )
    assert january_sub["PERIOD_NAME"] == "JAN-2026" and january_sub["CURR"] == "USD"
    assert (january_sub["DR_ACCTG_FLAG"], january_sub["CR_ACCTG_FLAG"], january_sub["ACCTG_TYPE"]) == (
        "L",
        "R",
        "R",
    )
    assert january_sub["DR_AMOUNT"] == january_sub["CR_AMOUNT"] == january_sub["F_DR_AMOUNT"] == "100.00"
    assert january_sub["G_CR_AMOUNT"] == "100.00" and january_sub["ORIG_LINE_ID"] == "S-1"
    carve = next(r for r in rows if r["SCHD_TYPE_FLAG"] == "A" and r["POST_PRD_ID"] == "202612")
    assert (carve["DR_ACCTG_FLAG"], carve["CR_ACCTG_FLAG"], carve["PERIOD_NAME"]) == ("Y", "X", "DEC-2026")
    assert len({r["SCHD_ID"] for r in rows}) == 26
    assert sum(D(r["AMOUNT"]) for r in rows) == D("1500")
    count = http.get(V1 + "BI3_RC_SCHD", headers=headers, params={"count": "true"})
    assert count.json() == {"count": 26}
    pages = [table_of(http, headers, "BI3_RC_SCHD", pagenum=str(n), pagesize="10") for n in (1, 2, 3)]
    assert [r for p in pages for r in p] == rows


def test_schedule_rows_come_in_schd_id_order_past_32_bits(http: TestClient, engine: Engine) -> None:
    """Rows are ordered by SCHD_ID = (schedule id × 2 + type) × 10000 + i although the query orders them by
    (schedule id, type, i), on v1 and v2 pages; with schedule ids past 107,374 SCHD_ID needs 64 bits (it
    overflowed PostgreSQL's integer)."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("O"))
    assert collect(http, engine, headers)["status"] == "Completed"
    with engine.begin() as conn:
        mine = (  # this test's client only: other tests of the session use the same line ids
            rc_schedule.c.client_id
            == select(client.c.id).where(client.c.name == tenant.client).scalar_subquery()
        )
        conn.execute(update(rc_schedule).where(mine).values(id=rc_schedule.c.id + 300_000))
        current = conn.execute(
            select(rc_schedule.c.id, rc_schedule.c.line_id, rc_schedule.c.n, rc_schedule.c.cv_t.is_not(None))
            .where(mine, rc_schedule.c.current_flag)
            .order_by(rc_schedule.c.id)
        ).all()
    assert [line for _id, line, _n, _carve in current] == ["O-1", "O-2"] and current[0][0] > 300_000
    expected = [
        (schedule * 2 + kind) * 10_000 + i
        for schedule, _line, n, carve in current
        for kind in (0, 1) if kind == 0 or carve
        for i in range(n)
    ]  # fmt: skip
    assert len(expected) == 26 and expected[-1] > 2**31
    v1 = table_of(http, headers, "BI3_RC_SCHD")
    assert [int(r["SCHD_ID"]) for r in v1] == expected
    assert [int(r["SCHD_ID"]) for r in table_v2(http, headers, "BI3_RC_SCHD")] == expected
    assert [r["SCHD_TYPE_FLAG"] for r in v1] == ["R"] * 12 + ["A"] * 12 + ["R", "A"]
    waterfall = [int(r["SCHD_ID"]) for r in table_v2(http, headers, "BI3_WF_SUMM")]
    assert [w for w in waterfall if w >= 0] == expected and waterfall == sorted(waterfall)


def test_contract_views_filter_on_the_contract_change_time(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("F"))
    assert collect(http, engine, headers)["status"] == "Completed"
    stamp = table_of(http, headers, "BI3_RC_HEAD")[0]["INCR_UPDT_DT"]
    moment = dt.datetime.fromisoformat(stamp)
    after = (moment + dt.timedelta(seconds=1)).isoformat()
    for view in ("BI3_RC_HEAD", "BI3_RC_LNS", "BI3_RC_POB", "BI3_RC_BILL", "BI3_RC_SCHD"):
        assert table_of(http, headers, view, fromDate=stamp, toDate=after), view  # stored with microseconds
        assert table_of(http, headers, view, fromDate=after) == [], view
        assert table_of(http, headers, view, toDate=(moment - dt.timedelta(days=1)).date().isoformat()) == []


def test_waterfall_view_and_documented_columns(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("W"))
    assert collect(http, engine, headers)["status"] == "Completed"
    schedule = {r["SCHD_ID"]: r for r in table_of(http, headers, "BI3_RC_SCHD")}
    everything = table_of(http, headers, "BI3_WF_SUMM")
    waterfall = [r for r in everything if int(r["SCHD_ID"]) >= 0]
    assert len(waterfall) == len(schedule) == 26
    billing = [r for r in everything if int(r["SCHD_ID"]) < 0]  # both invoices, no netting (billed upfront)
    assert sorted(D(r["T_AT"]) for r in billing) == [D("300.00"), D("1200.00")]
    assert {(r["ACCTG_TYPE_ID"], r["PRD_ID"], r["NETTING_ENTRY_FLAG"]) for r in billing} == {
        ("L", "202601", "N")
    }
    for row in waterfall:
        twin = schedule[row["SCHD_ID"]]
        assert (row["T_AT"], row["F_AT"], row["R_AT"]) == (
            twin["AMOUNT"],
            twin["F_DR_AMOUNT"],
            twin["G_DR_AMOUNT"],
        )
        assert row["PRD_ID"] == twin["POST_PRD_ID"] and row["LINE_ID"] == twin["LINE_ID"]
        assert row["SCHD_TYPE_FLAG"] == twin["SCHD_TYPE_FLAG"] and row["ACCTG_TYPE_ID"] == twin["ACCTG_TYPE"]
        assert row["AS_OF_PRD_ID"] == "202601" and row["NETTING_ENTRY_FLAG"] == "N"
    by_type: dict[str, D] = defaultdict(D)
    for row in waterfall:
        if row["PRD_ID"] == "202601":
            by_type[row["ACCTG_TYPE_ID"]] += D(row["T_AT"])
    assert by_type == {"R": D("400.00"), "X": D("68.75")}  # January's net revenue 468.75 (worked example)

    def header(view: str) -> list[str]:
        answer = http.get(V1 + view, headers=headers, params={"pagesize": "1"})
        return next(csv.reader(io.StringIO(answer.text)))

    assert header("BI3_RC_HEAD")[:5] == ["ID", "VERSION", "BATCH_ID", "BOOK_ID", "LIST_AMT"]
    assert header("BI3_RC_HEAD")[-1] == "ALLOC_MULTI_T_CURR_FLAG" and len(header("BI3_RC_HEAD")) == 76
    lines = header("BI3_RC_LNS")
    assert lines[:5] == ["ID", "RC_ID", "TYPE", "RC_POB_ID", "EXT_SLL_PRC"] and "ATR60" in lines
    assert lines[-1] == "PROS_DECRSE_PRC_FLAG" and len(lines) == 333
    assert header("BI3_RC_POB")[:3] == ["RC_POB_ID", "RC_ID", "LEAD_LINE_ID"] and "EVENT_COLUMN5" in header(
        "BI3_RC_POB"
    )
    assert header("BI3_RC_BILL")[-1] == "AVOID_OVERAGE_FLAG" and len(header("BI3_RC_BILL")) == 195
    schd = header("BI3_RC_SCHD")
    assert schd[:3] == ["RC_ID", "RC_VER", "DIST_ID"] and schd[-1] == "CL_DIST_ENTRY_FLAG" and len(schd) == 83
    assert header("BI3_WF_SUMM")[0] == "AS_OF_PRD_ID" and len(header("BI3_WF_SUMM")) == 22
