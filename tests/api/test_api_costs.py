"""Contract costs through HTTP (ASC 340-40): cost lines in the Standard Cost upload, the Cost Process
(program 158), G/I/P/H journal entries, the impairment test, closed periods unchanged. Figures by hand."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

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
    verify,
)
from biviews_support import table_of
from costs_support import COSTS_SETUP, cost_row, send_costs
from revrec.costs.report import CONTRACT_COST_ROLLFORWARD
from revrec.db.session import transaction
from revrec.db.tables import rc_cost, rc_cost_schedule, stage_error, stage_line
from revrec.jobs import worker
from revrec.setup import service as setup_service
from revrec.tenancy import repository as tenancy
from support import Tenant, login, unique


def cost_process(http: TestClient, engine: Engine, headers: dict[str, str]) -> dict[str, Any]:
    response = http.post(
        "/api/integration/v1/1/programs/158/submit", headers=headers, json={"parameters": []}
    )
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    job = http.get(f"/api/integration/v1/1/jobs/{response.json()['job_id']}", headers=headers)
    data: dict[str, Any] = job.json()["data"]
    return data


def rollforward(engine: Engine, tenant: Tenant, first: str, last: str) -> list[tuple[Any, ...]]:
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        params = CONTRACT_COST_ROLLFORWARD.resolve(conn, client.id, {"from_period": first, "to_period": last})
        return [tuple(r) for r in CONTRACT_COST_ROLLFORWARD.rows(conn, client.id, params)]


def _tenant(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str], str]:
    tenant = accounting_tenant(engine)
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"costs": COSTS_SETUP})
    api = login(http, tenant)
    so = unique("SO")
    send(http, api, subscription(f"{so}-1", so, "1200.00"))
    assert collect(http, engine, api)["status"] == "Completed"
    return tenant, api, f"{so}-1"


def _cost_rows(engine: Engine, cost_line_id: str) -> list[tuple[int, str, str, str, int]]:
    K, C = rc_cost_schedule.c, rc_cost.c
    with transaction(engine) as conn:
        query = (
            select(K.period_key, K.entry_kind, K.dr_type, K.cr_type, K.amount_t)
            .join(rc_cost, C.id == K.cost_id)
            .where(C.cost_line_id == cost_line_id)
            .order_by(K.period_key, K.id)
        )
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


def test_commission_capitalised_legal_fees_expensed_then_impaired(http: TestClient, engine: Engine) -> None:
    """A 1,200.00 subscription over 2026 (100.00 a month). A 120.00 sales commission (incremental:
    capitalised, ASC 340-40-25-1) amortises with the revenue, 120 × 100/1,200 = 10.00 a month; 50.00 of
    legal fees is expensed when incurred (ASC 340-40-25-2); a line with an unknown cost type is refused
    (RPRO-00048)."""
    tenant, api, line = _tenant(http, engine)
    c1, c2, bad = unique("CST"), unique("CST"), unique("CST")
    send_costs(http, api, cost_row(c1, line, "Commission", "120.00"), cost_row(c2, line, "Legal", "50.00"),
               cost_row(bad, line, "Bonus", "5.00"))  # fmt: skip
    with transaction(engine) as conn:
        codes = conn.execute(
            select(stage_error.c.code, stage_error.c.col_name)
            .join(stage_line, stage_line.c.id == stage_error.c.row_id)
            .where(stage_line.c.cost_line_id == bad)
        ).all()
    assert [tuple(c) for c in codes] == [("RPRO-00048", "COST_TYPE")]

    job = cost_process(http, engine, api)
    assert job["status"] == "Completed", job
    january = totals(engine, tenant, 202601)
    # G: Dr 120 capitalised, Cr 10 amortised; I: Dr 10 amortisation + 50 legal; P: Cr 120 + 50
    assert january["G"] == (D("120.00"), D("10.00"))
    assert january["I"] == (D("60.00"), D(0))
    assert january["P"] == (D(0), D("170.00"))
    assert balanced(engine, tenant, 202601)
    assert [r for r in _cost_rows(engine, c1) if r[0] == 202612] == [(202612, "AMORTISE", "I", "G", 1000)]
    assert sum(r[4] for r in _cost_rows(engine, c1) if r[1] == "AMORTISE") == 12000
    assert _cost_rows(engine, c2) == [(202601, "EXPENSE", "I", "P", 5000)]

    closing = close_period(http, engine, api, force=True)  # the refused Bonus line would block it
    assert closing["status"] == "Warning" and "forced past" in closing["error_message"], closing
    closed = [r for r in _cost_rows(engine, c1) if r[0] == 202601]
    assert totals(engine, tenant, 202602)["G"] == (D(0), D("10.00"))

    # February impairment test: carrying 120 − 20 = 100; remaining consideration 1,200 − 200 = 1,000; costs
    # still to provide 950 → recoverable 50 → loss 50 (ASC 340-40-35-3). The 100 left for March–December
    # (10 a month) becomes 50 (5.00 a month).
    response = http.post(f"/api/revrec/v1/costs/{c1}/impairment-test", headers=api,
                         json={"costs_to_provide": "950.00"})  # fmt: skip
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["carrying_amount"], result["remaining_consideration"], result["impairment_loss"]) == (
        "100.00", "1000.00", "50.00",
    )  # fmt: skip
    assert result["warnings"][0].startswith("REVREC-ENG-062")
    february = totals(engine, tenant, 202602)
    assert february["H"] == (D("50.00"), D(0))
    assert february["G"] == (D(0), D("60.00"))
    assert balanced(engine, tenant, 202602)
    rows = _cost_rows(engine, c1)
    assert [r[4] for r in rows if r[1] == "AMORTISE" and r[0] >= 202603] == [500] * 10
    assert [r for r in rows if r[0] == 202601] == closed  # the closed period never moves
    # capitalised = amortised + impaired (+ carrying 0 at the end): 12,000 = 2,000 + 5,000 + 5,000 cents
    assert sum(r[4] for r in rows if r[1] in ("AMORTISE", "IMPAIR")) == 12000

    # BI3_RC_LN_COST as of February (the open period): AMOUNT = DEF_AMT + REC_AMT + IMPAIRED_AMT
    view = {r["COST_LINE_ID"]: r for r in table_of(http, api, "BI3_RC_LN_COST")}
    commission, legal = view[c1], view[c2]
    amounts = ("AMOUNT", "DEF_AMT", "REC_AMT", "IMPAIRED_AMT")
    assert [commission[a] for a in amounts] == ["120.00", "50.00", "20.00", "50.00"]
    assert (commission["CAPITALIZED_FLAG"], commission["COST_TYPE"], commission["DOC_LINE_ID"]) == (
        "Y", "Commission", line,
    )  # fmt: skip
    assert (legal["AMOUNT"], legal["DEF_AMT"], legal["REC_AMT"], legal["CAPITALIZED_FLAG"]) == (
        "50.00", "0.00", "50.00", "N",
    )  # fmt: skip
    # the roll-forward: January 0 + 120 − 10 = 110; February 110 − 10 − 50 = 50 (legal fees never capitalised)
    assert rollforward(engine, tenant, "202601", "202602") == [
        (202601, "Commission", "USD", D(0), D("120.00"), D("10.00"), D(0), D("110.00")),
        (202602, "Commission", "USD", D("110.00"), D(0), D("10.00"), D("50.00"), D("50.00")),
    ]

    assert verify(engine, tenant) == []  # the books still tie, closed January included

    # a second test finds no further loss (carrying 50 = recoverable 50); a loss is never reversed
    again = http.post(f"/api/revrec/v1/costs/{c1}/impairment-test", headers=api,
                      json={"costs_to_provide": "0"})  # fmt: skip
    assert again.json()["impairment_loss"] == "0.00" and _cost_rows(engine, c1) == rows


def test_the_same_cost_line_twice_and_a_cost_of_a_closed_period(http: TestClient, engine: Engine) -> None:
    """A cost incurred in closed January is capitalised in open February with January's amortisation
    caught up there (straight-line fallback aside, the revenue pattern: 10 + 10 = 20 in February)."""
    tenant, api, line = _tenant(http, engine)
    assert close_period(http, engine, api)["status"] == "Completed"
    c1 = unique("CST")
    send_costs(http, api, cost_row(c1, line, "Commission", "120.00", day="20-JAN-2026"))
    job = cost_process(http, engine, api)
    assert job["status"] == "Warning" and "REVREC-ENG-063 x1" in job["error_message"], job
    rows = _cost_rows(engine, c1)
    assert rows[:2] == [(202602, "CAPITALISE", "G", "P", 12000), (202602, "AMORTISE", "I", "G", 2000)]
    assert totals(engine, tenant, 202601).get("G") is None  # closed January untouched
    send_costs(http, api, cost_row(c1, line, "Commission", "1.00"))
    job = cost_process(http, engine, api)
    assert job["status"] == "Warning" and "1 in error" in job["error_message"], job
    with transaction(engine) as conn:
        codes = conn.execute(
            select(stage_error.c.code).join(stage_line, stage_line.c.id == stage_error.c.row_id)
            .where(stage_line.c.cost_line_id == c1)
        ).scalars().all()  # fmt: skip
    assert codes == ["RREV-04306"]
    assert verify(engine, tenant) == []


def test_impairment_test_errors(http: TestClient, engine: Engine) -> None:
    _tenant_, api, line = _tenant(http, engine)
    missing = http.post(
        "/api/revrec/v1/costs/NOPE/impairment-test", headers=api, json={"costs_to_provide": "1"}
    )
    assert missing.status_code == 400 and "'NOPE' is not recorded" in missing.text  # NotFound is 400 here
    c2 = unique("CST")
    send_costs(http, api, cost_row(c2, line, "Legal", "50.00"))
    cost_process(http, engine, api)
    expensed = http.post(
        f"/api/revrec/v1/costs/{c2}/impairment-test", headers=api, json={"costs_to_provide": "1"}
    )
    assert expensed.status_code == 400 and "expensed" in expensed.text
    negative = http.post(
        f"/api/revrec/v1/costs/{c2}/impairment-test", headers=api, json={"costs_to_provide": "-1"}
    )
    assert negative.status_code == 400


def test_a_corrected_cost_line_replaces_its_errored_row(http: TestClient, engine: Engine) -> None:
    """Re-sent cost lines are matched on their Cost Line Id (line key ``CST:<id>``), not on the SO line
    they belong to: re-sending the SO line leaves the errored cost line alone."""
    _tenant_, api, line = _tenant(http, engine)
    cost = unique("CST")
    send_costs(http, api, cost_row(cost, line, "Bonus", "5.00"))
    send(http, api, subscription(line, line.rsplit("-", 1)[0], "1200.00"))  # same SO line id again
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        flags = conn.execute(
            select(stage_line.c.processed_flag, stage_line.c.line_key).where(
                stage_line.c.cost_line_id == cost
            )
        ).all()
    assert [tuple(f) for f in flags] == [("E", f"CST:{cost}")]
    send_costs(http, api, cost_row(cost, line, "Commission", "5.00"))
    with transaction(engine) as conn:
        flags = conn.execute(
            select(stage_line.c.processed_flag).where(stage_line.c.cost_line_id == cost)
        ).scalars().all()  # fmt: skip
    assert flags == ["N"]  # the errored row and its error were replaced
    assert "1 cost line(s) recorded" in cost_process(http, engine, api)["error_message"]
