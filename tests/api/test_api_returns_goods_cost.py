"""Rights of return with the cost of the goods sent as a cost line (Standard Cost upload, cost type of kind
FULFIL) instead of the setup's cost percent: the return reserve's asset (S), cost of sales (O) and inventory
(Q) take the cost line's amount, and the Cost Process books nothing of its own for it. Figures by hand."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, close_period, collect, send, totals, verify
from costs_support import cost_row, send_costs
from returns_support import EXAMPLE_22, sale
from revrec.db.session import transaction
from revrec.db.tables import rc_cost, rc_cost_schedule
from revrec.jobs import worker
from revrec.setup import service as setup_service
from support import login, unique

GOODS_SETUP = {
    "payable_account": "2100-000",
    "cost_types": [{"name": "Goods", "kind": "FULFIL", "treatment": "EXPENSE"}],
}


def _net(found: dict[str, tuple[D, D]], kind: str) -> D:
    debit, credit = found.get(kind, (D(0), D(0)))
    return debit - credit


def _cost_process(http: TestClient, engine: Engine, headers: dict[str, str]) -> dict[str, Any]:
    response = http.post(
        "/api/integration/v1/1/programs/158/submit", headers=headers, json={"parameters": []}
    )
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    job = http.get(f"/api/integration/v1/1/jobs/{response.json()['job_id']}", headers=headers)
    data: dict[str, Any] = job.json()["data"]
    return data


def test_example_22_cost_of_goods_from_a_cost_line(http: TestClient, engine: Engine) -> None:
    """ASC 606-10-55-202 to 55-207 (Example 22, Right of Return): 100 products sold at 100 each (10,000
    cash), 3 expected back, each costing 60. The setup's cost percent is deliberately wrong (10 %); the
    cost of the goods arrives as a FULFIL cost line of 6,000 (100 x 60).

    By hand, before the cost line: liability 3 x 100 = 300; inventory 10,000 x 10 % = 1,000; asset 300 x
    10 % = 30; cost of sales 1,000 - 30 = 970. After the Cost Process, the cost line replaces the percent
    (6,000 / 10,000 = 60 %): refund liability 300 (Cr N), revenue 10,000 - 300 = 9,700, asset 3 x 60 = 180
    (Dr S), cost of sales 97 x 60 = 5,820 (Dr O), inventory 100 x 60 = 6,000 (Cr Q); the cost line books
    no cost expense (I) nor payable (P): its cost is the cost of sales above, booked once. February, with
    the return percent reassessed to 5 %: liability 500 (Dr R 200 / Cr N 200), asset 5 x 60 = 300
    (Dr S 120 / Cr O 120)."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    with transaction(engine) as conn:
        setup_service.apply_setup(
            conn,
            client_name=tenant.client,
            document={"costs": GOODS_SETUP, "returns": [{**EXAMPLE_22, "cost_percent": "10"}]},
        )
    so = unique("SO")
    send(http, headers, *sale(so))
    assert collect(http, engine, headers)["status"] == "Completed"
    before = totals(engine, tenant, 202601)
    assert (_net(before, "N"), _net(before, "S"), _net(before, "O"), _net(before, "Q")) == (
        D("-300.00"), D("30.00"), D("970.00"), D("-1000.00"),
    )  # fmt: skip

    goods = {**cost_row(f"{so}-G", f"{so}-1", "Goods", "6000.00"), "Item Num": "SETUP"}
    send_costs(http, headers, goods)
    result = _cost_process(http, engine, headers)
    assert result["status"] == "Completed", result
    january = totals(engine, tenant, 202601)
    assert _net(january, "R") == D("-9700.00")
    assert _net(january, "N") == D("-300.00")
    assert _net(january, "S") == D("180.00")
    assert _net(january, "O") == D("5820.00")
    assert _net(january, "Q") == D("-6000.00")
    assert _net(january, "I") == 0 and _net(january, "P") == 0 and _net(january, "G") == 0
    assert sum((d - c for d, c in january.values()), D(0)) == 0
    with transaction(engine) as conn:
        cost = conn.execute(select(rc_cost).where(rc_cost.c.cost_line_id == f"{so}-G")).one()
        assert (cost.treatment, cost.capitalised_flag, cost.amount_t) == ("RETURN_RESERVE", False, 600_000)
        schedule = conn.execute(select(rc_cost_schedule).where(rc_cost_schedule.c.cost_id == cost.id))
        assert list(schedule) == []
    assert verify(engine, tenant) == []
    assert close_period(http, engine, headers)["status"] == "Completed"

    with transaction(engine) as conn:
        setup_service.apply_setup(
            conn, client_name=tenant.client, document={"returns": [{**EXAMPLE_22, "return_percent": "5"}]}
        )
    assert close_period(http, engine, headers)["status"] == "Completed"
    february = totals(engine, tenant, 202602)
    assert (_net(february, "R"), _net(february, "N")) == (D("200.00"), D("-200.00"))
    assert (_net(february, "S"), _net(february, "O"), _net(february, "Q")) == (D("120.00"), D("-120.00"), 0)
    assert totals(engine, tenant, 202601) == january
    assert verify(engine, tenant) == []


def test_a_fulfilment_cost_of_a_line_without_return_terms_is_still_a_contract_cost(
    http: TestClient, engine: Engine
) -> None:
    """No return terms for the line: the FULFIL cost line keeps its cost type's treatment (expensed when
    incurred: Dr I 6,000 / Cr P 6,000) and the reserve books nothing."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"costs": GOODS_SETUP})
    so = unique("SO")
    send(http, headers, *sale(so))
    assert collect(http, engine, headers)["status"] == "Completed"
    send_costs(http, headers, {**cost_row(f"{so}-G", f"{so}-1", "Goods", "6000.00"), "Item Num": "SETUP"})
    assert _cost_process(http, engine, headers)["status"] == "Completed"
    january = totals(engine, tenant, 202601)
    assert (_net(january, "I"), _net(january, "P")) == (D("6000.00"), D("-6000.00"))
    assert all(_net(january, k) == 0 for k in "NSOQ")
