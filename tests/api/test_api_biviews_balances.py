"""BI3_LN_ACCT_SUMM, billing and netting rows of BI3_WF_SUMM, DEF/REC amounts and POST_BATCH_ID through HTTP
(v1 and v2), on accounting-model.md's worked example: SUB 1,200 ratable over 2026 (allocated 1,125, carve
−75: −6.25 a month) and SETUP 300 at once on 1 January (allocated 375, carve +75). Figures by hand."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from accounting_support import (
    accounting_tenant,
    bill,
    close_period,
    collect,
    send,
    subscription,
    totals,
    verify,
)
from biviews_support import invoices, table_of, table_v2, worked_example
from revrec.db.session import transaction
from revrec.db.tables import stage_line
from revrec.jobs import worker
from support import login

Row = dict[str, str]
AMOUNTS = ("BB", "AD", "RL", "EB", "AL_BB", "AL_AD", "AL_RL", "AL_EB", "TL_BB", "TL_AD", "TL_RL", "TL_EB")


def _figures(row: Row) -> tuple[D, ...]:
    return tuple(D(row[f"F_{n}"]) for n in AMOUNTS)


def _by_line(http: TestClient, headers: dict[str, str]) -> dict[tuple[str, str, str], Row]:
    """BI3_LN_ACCT_SUMM by (SO line id, account type, period)."""
    names = {r["ID"]: r["SO_LINE_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    rows = table_of(http, headers, "BI3_LN_ACCT_SUMM")
    return {(names[r["ROOT_LINE_ID"]], r["ACCTG_TYPE_ID"], r["PRD_ID"]): r for r in rows}


def _transfer(http: TestClient, engine: Engine, headers: dict[str, str]) -> dict[str, Any]:
    """Program 153 (transfer every posted entry), then page 1 of the batch it made."""
    response = http.post(
        "/api/integration/v1/1/programs/153/submit", headers=headers, json={"parameters": []}
    )
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    batch = http.get("/api/integration/v1/journal/list", headers=headers).json()["result"][-1]
    page = http.get(f"/api/integration/v1/journal/batch/{batch['id']}/1", headers=headers)
    assert page.status_code == 200, page.text
    result: dict[str, Any] = page.json()
    return result


def test_line_balances_of_the_worked_example(http: TestClient, engine: Engine) -> None:
    # another client, its period June open, with the same lines: nothing of it may show or count here
    other = login(http, accounting_tenant(engine, open_period=202606))
    send(http, other, *worked_example("LB"))
    assert collect(http, engine, other)["status"] == "Completed"
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("LB"))
    assert collect(http, engine, headers)["status"] == "Completed"
    lines = {r["SO_LINE_ID"]: r for r in table_of(http, headers, "BI3_RC_LNS")}
    assert (D(lines["LB-1"]["REC_AMT"]), D(lines["LB-1"]["DEF_AMT"])) == (D("93.75"), D("1031.25"))
    rows = _by_line(http, headers)
    assert len(rows) == 12 * 2 + 2  # SUB: 12 periods x (L, R); SETUP: January x (L, R)
    zero = D(0)
    # SUB, January. L: billed 1,200, released 100 -> 1,100; Y: carve −6.25 released (Cr − Dr +6.25)
    assert _figures(rows[("LB-1", "L", "202601")]) == (
        zero, D("1200"), D("-100"), D("1100"), zero, zero, D("6.25"), D("6.25"),
        zero, D("1200"), D("-93.75"), D("1106.25"),
    )  # fmt: skip
    # SUB, January, recognised: revenue 100, carve −6.25, net 93.75
    assert _figures(rows[("LB-1", "R", "202601")]) == (
        zero,
        D("100"),
        zero,
        D("100"),
        zero,
        D("-6.25"),
        zero,
        D("-6.25"),
        zero,
        D("93.75"),
        zero,
        D("93.75"),
    )
    # SUB, December: L 100 -> 0; Y 11 x 6.25 = 68.75 -> 75; life to date revenue 1,200 − 75 = 1,125
    assert _figures(rows[("LB-1", "L", "202612")]) == (
        D("100"), zero, D("-100"), zero, D("68.75"), zero, D("6.25"), D("75"),
        D("168.75"), zero, D("-93.75"), D("75"),
    )  # fmt: skip
    december = rows[("LB-1", "R", "202612")]
    assert _figures(december)[3::4] == (D("1200"), D("-75"), D("1125"))  # EB, AL_EB, TL_EB
    # SETUP, January: billed 300 and released at once; carve +75 (Y Cr − Dr −75)
    assert _figures(rows[("LB-2", "L", "202601")]) == (
        zero,
        D("300"),
        D("-300"),
        zero,
        zero,
        zero,
        D("-75"),
        D("-75"),
        zero,
        D("300"),
        D("-375"),
        D("-75"),
    )
    setup = rows[("LB-2", "R", "202601")]
    assert (D(setup["F_AT"]), D(setup["F_AR_AT"]), D(setup["F_TL_AT"])) == (D("300"), D("75"), D("375"))
    assert all(D(r["F_TL_AT_PS"]) == 0 and D(r["F_TL_AT_UN"]) == D(r["F_TL_AT"]) for r in rows.values())
    assert setup["F_AT"] == "300.00" and setup["SEC_ATR_VAL"] == "1" and setup["INCR_UPDT_DT"]

    # ties with BI3_RC_SCHD: the R rows' additions are the schedules' amounts, line by line and period
    names = {r["ID"]: r["SO_LINE_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    for schedule in table_of(http, headers, "BI3_RC_SCHD"):
        row = rows[(names[schedule["LINE_ID"]], "R", schedule["POST_PRD_ID"])]
        column = "F_AD" if schedule["SCHD_TYPE_FLAG"] == "R" else "F_AL_AD"
        assert D(row[column]) == D(schedule["F_DR_AMOUNT"]), (schedule["SCHD_ID"], column)

    # close January, transfer it: the journal (batch lines, by account type) ties with January's rows
    assert close_period(http, engine, headers)["status"] == "Completed"
    batch = _transfer(http, engine, headers)
    journal: dict[str, D] = defaultdict(D)
    for line in batch["result"]:
        assert line["period_id"] == 202601
        journal[line["account_type"]] += D(line["f_cr_amt"]) - D(line["f_dr_amt"])
    january = [r for k, r in _by_line(http, headers).items() if k[2] == "202601"]

    def total(kind: str, column: str) -> D:
        return sum((D(r[column]) for r in january if r["ACCTG_TYPE_ID"] == kind), D(0))

    assert journal == {"R": D("400"), "X": D("68.75"), "L": D("1100"), "Y": D("-68.75"), "C": D("-1500")}
    assert (total("R", "F_AT"), total("R", "F_AR_AT")) == (journal["R"], journal["X"])
    assert (total("L", "F_AT"), total("L", "F_AR_AT")) == (journal["L"], journal["Y"])  # no netting here
    assert all(D(r["F_TL_AT_PS"]) == D(r["F_TL_AT"]) and D(r["F_TL_AT_UN"]) == 0 for r in january)

    # the schedules of January name the batch that took their entries; February's are not transferred
    schedules = table_of(http, headers, "BI3_RC_SCHD")
    sent = {(r["POST_BATCH_ID"], r["INTERFACED_FLAG"]) for r in schedules if r["POST_PRD_ID"] == "202601"}
    assert sent == {(str(batch["batch_id"]), "Y")}
    assert {
        (r["POST_BATCH_ID"], r["INTERFACED_FLAG"]) for r in schedules if r["POST_PRD_ID"] == "202602"
    } == {("", "N")}
    # lines: recognised through the open period (February) = 2 x 93.75 for SUB, deferred 1,125 − 187.50
    lines = {r["SO_LINE_ID"]: r for r in table_of(http, headers, "BI3_RC_LNS")}
    assert (D(lines["LB-1"]["REC_AMT"]), D(lines["LB-1"]["DEF_AMT"])) == (D("187.5"), D("937.5"))
    assert table_v2(http, headers, "BI3_LN_ACCT_SUMM") == table_of(http, headers, "BI3_LN_ACCT_SUMM")
    assert verify(engine, tenant) == []


def test_billing_and_netting_rows_of_the_waterfall(http: TestClient, engine: Engine) -> None:
    """Not invoiced in January: the contract's position at the end of January is a debit of 468.75
    (recognised 300 + 75 + 100 − 6.25, billed 0), netted Dr A / Cr L; invoiced 1,500 in February, it is a
    credit of 1,500 − 2 x 93.75 − 375 = 937.50, so February only reverses January's netting."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("NX", invoiced=None))
    assert collect(http, engine, headers)["status"] == "Completed"

    def netting() -> list[tuple[str, str, D, str]]:
        found = [r for r in table_of(http, headers, "BI3_WF_SUMM") if r["NETTING_ENTRY_FLAG"] == "Y"]
        return sorted((r["PRD_ID"], r["ACCTG_TYPE_ID"], D(r["T_AT"]), r["LINE_ID"]) for r in found)

    assert netting() == [("202601", "A", D("468.75"), "")]
    rows = _by_line(http, headers)
    position = sum((D(r["F_TL_EB"]) for k, r in rows.items() if k[1:] == ("L", "202601")), D(0))
    assert position == D("-468.75")  # the lines' L + Y, credit positive: the debit the netting reports
    assert close_period(http, engine, headers)["status"] == "Completed"
    send(http, headers, *invoices("NX", "01-FEB-2026"))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert netting() == [("202601", "A", D("468.75"), ""), ("202602", "A", D("-468.75"), "")]
    assert totals(engine, tenant, 202601)["A"] == (D("468.75"), D(0))
    assert totals(engine, tenant, 202602)["A"] == (D(0), D("468.75"))
    waterfall = table_v2(http, headers, "BI3_WF_SUMM")
    bills = [r for r in waterfall if r["ACCTG_TYPE_ID"] == "L"]
    assert sorted((r["PRD_ID"], D(r["T_AT"]), r["NETTING_ENTRY_FLAG"]) for r in bills) == [
        ("202602", D("300.00"), "N"),
        ("202602", D("1200.00"), "N"),
    ]
    # 26 schedule rows, and 2 more (0.00) since revising SETUP's schedule in February extended it to the
    # open period; 2 bills; the netting and its reversal
    assert len({r["SCHD_ID"] for r in waterfall}) == len(waterfall) == 28 + 2 + 2
    position = sum(
        (D(r["F_TL_EB"]) for k, r in _by_line(http, headers).items() if k[1:] == ("L", "202602")), D(0)
    )
    assert position == D("937.50")
    assert verify(engine, tenant) == []


def test_line_balances_of_a_right_to_bill_line(http: TestClient, engine: Engine) -> None:
    """Unbill Flag Y (flagged on the staged row, as a template mapping UNBILL_FLAG would): January's revenue
    100 is unbilled (Dr U / Cr L), so L gains 100 and releases 100; the invoice of 1,200 on 10 February
    reverses the 100 (Dr L / Cr U): L gains 1,200 − 100 and releases February's 100, ending at 1,000."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    line = subscription("RB-1", "RB")
    send(http, headers, line)
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        conn.execute(update(stage_line).where(stage_line.c.so_line_id == "RB-1").values(unbill_flag="Y"))
    assert collect(http, engine, headers)["status"] == "Completed"
    january = _by_line(http, headers)[("RB-1", "L", "202601")]
    assert _figures(january)[:4] == (D(0), D("100"), D("-100"), D(0))
    assert close_period(http, engine, headers)["status"] == "Completed"
    common = {k: line[k] for k in ("Doc Num", "Cust Num", "Item Num", "Start Date", "End Date")}
    send(http, headers, bill("INV", "RB-1", "RB-I", "1200.00", **common, **{"Inv Date": "10-FEB-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    february = _by_line(http, headers)[("RB-1", "L", "202602")]
    assert _figures(february)[:4] == (D(0), D("1100"), D("-100"), D("1000"))
    debit, credit = totals(engine, tenant, 202602)["L"]
    assert D(february["F_AT"]) == credit - debit == D("1000")
    assert verify(engine, tenant) == []
