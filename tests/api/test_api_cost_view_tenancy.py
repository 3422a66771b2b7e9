"""BI3_RC_LN_COST measures each cost as of its own client's latest period: another client's later periods
do not move it (the latest-period look-up is correlated to the cost row, not to every cost row)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, close_period, collect, send, subscription
from biviews_support import table_of
from costs_support import COSTS_SETUP, cost_row, send_costs
from revrec.db.session import transaction
from revrec.jobs import worker
from revrec.setup import service as setup_service
from support import Tenant, login, unique


def _with_commission(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str], str]:
    """A 1,200.00 subscription over 2026 with a 120.00 commission amortised with its revenue (10.00 a
    month), recorded by the Cost Process in January."""
    tenant = accounting_tenant(engine)
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"costs": COSTS_SETUP})
    api = login(http, tenant)
    so = unique("SO")
    send(http, api, subscription(f"{so}-1", so, "1200.00"))
    assert collect(http, engine, api)["status"] == "Completed"
    send_costs(http, api, cost_row(f"{so}-C", f"{so}-1", "Commission", "120.00"))
    response = http.post("/api/integration/v1/1/programs/158/submit", headers=api, json={"parameters": []})
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    return tenant, api, f"{so}-C"


def test_another_clients_later_periods_do_not_move_a_cost(http: TestClient, engine: Engine) -> None:
    """By hand: client A is in January, its commission amortised 10.00 of 120.00 (carrying 110.00). Client
    B closes January and February (open March): its own commission has 30.00 amortised (carrying 90.00);
    A's still shows 110.00."""
    _, first_api, first_cost = _with_commission(http, engine)
    _, second_api, second_cost = _with_commission(http, engine)
    for _ in range(2):
        assert close_period(http, engine, second_api)["status"] == "Completed"
    first = {r["COST_LINE_ID"]: r for r in table_of(http, first_api, "BI3_RC_LN_COST")}[first_cost]
    second = {r["COST_LINE_ID"]: r for r in table_of(http, second_api, "BI3_RC_LN_COST")}[second_cost]
    assert (first["DEF_AMT"], first["REC_AMT"]) == ("110.00", "10.00")
    assert (second["DEF_AMT"], second["REC_AMT"]) == ("90.00", "30.00")
