"""GET /api/revrec/v1/contracts/{rc_id}/explanation[/{line_id}]: every explained figure reproduces the
stored amount to the cent; tenants cannot read each other's explanations; unknown ids give 400 (the API's
not-found status).

Worked example (accounting-model.md's, derived here by hand): SUB sells for 1,200 (SSP 1,500, ratable over
2026) and SETUP for 300 (SSP 500, at once); transaction price 1,500, SSP total 2,000.
SUB: 1,500 × 1,500 / 2,000 = 1,125.00; SETUP: 1,500 × 500 / 2,000 = 375.00 (sum 1,500: no remainder).
SUB earns 1,125 / 12 = 93.75 a month, so January: 93.75, cumulatively 93.75, deferred after it 1,031.25;
June: cumulatively 6 × 93.75 = 562.50, the month 562.50 − 468.75 = 93.75.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, collect, send, subscription, worked_lines
from revrec.db.session import transaction
from revrec.db.tables import revenue_contract
from support import login

BASE = "/api/revrec/v1/contracts"


def _contract(http: TestClient, engine: Engine, prefix: str) -> tuple[dict[str, str], int]:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines(prefix))
    collect(http, engine, headers)
    with transaction(engine, readonly=True) as conn:
        key_like = revenue_contract.c.rc_key.like(f"%{prefix}-SO%")
        rc_id = conn.execute(select(revenue_contract.c.id).where(key_like)).scalar_one()
    return headers, int(rc_id)


def _get(http: TestClient, url: str, headers: dict[str, str], status: int = 200) -> Any:
    response = http.get(url, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def test_allocation_explained_to_the_cent(http: TestClient, engine: Engine) -> None:
    headers, rc_id = _contract(http, engine, "XA")
    body = _get(http, f"{BASE}/{rc_id}/explanation", headers)
    assert D(body["transaction_price"]) == D("1500")
    lines = {line["line_id"]: line for line in body["lines"]}
    sub, setup = lines["XA-1"], lines["XA-2"]
    assert (D(sub["ssp"]), D(setup["ssp"])) == (D("1500"), D("500"))
    assert D(sub["share"]) == D("0.75") and D(setup["share"]) == D("0.25")
    assert D(sub["computed"]) == D(sub["stored"]) == D("1125.00")
    assert D(setup["computed"]) == D(setup["stored"]) == D("375.00")
    assert all(line["reproduces"] for line in body["lines"])
    assert D(sub["carve"]) == D("-75.00") and D(setup["carve"]) == D("75.00")


def test_period_revenue_and_deferred_balance_explained(http: TestClient, engine: Engine) -> None:
    headers, rc_id = _contract(http, engine, "XB")
    january = _get(http, f"{BASE}/{rc_id}/explanation/XB-1?period=202601", headers)["period"]
    assert D(january["computed"]) == D(january["stored"]) == D("93.75")
    assert january["reproduces"] is True
    assert D(january["deferred_after"]) == D("1031.25")
    assert january["ratable_method"] == "Ratable"
    june = _get(http, f"{BASE}/{rc_id}/explanation/XB-1?period=202606", headers)["period"]
    assert (D(june["cumulative_before"]), D(june["cumulative_through"])) == (D("468.75"), D("562.50"))
    assert D(june["stored"]) == D("93.75") and june["reproduces"] is True
    source = _get(http, f"{BASE}/{rc_id}/explanation/XB-1", headers)["source"]
    assert source["upload_id"] is not None and D(source["ext_sell_price"]) == D("1200")


def test_every_line_and_period_reproduces(http: TestClient, engine: Engine) -> None:
    headers, rc_id = _contract(http, engine, "XC")
    for line_id in ("XC-1", "XC-2"):
        for month in range(1, 13):
            url = f"{BASE}/{rc_id}/explanation/{line_id}?period=2026{month:02d}"
            response = http.get(url, headers=headers)
            if month > 1 and line_id == "XC-2":  # the setup line earns in January only
                assert response.status_code == 400 and "no revenue in period" in response.text
                continue
            steps = response.json()["period"]
            assert steps["reproduces"] is True, response.text
            assert steps["weights"]["agrees"] is True and D(steps["weights"]["computed"]) == D(
                steps["stored"]
            )


def test_other_tenant_and_unknown_ids(http: TestClient, engine: Engine) -> None:
    _, rc_id = _contract(http, engine, "XD")
    stranger = login(http, accounting_tenant(engine))
    assert "check the RC id" in _get(http, f"{BASE}/{rc_id}/explanation", stranger, 400)["message"]
    headers, rc_id = _contract(http, engine, "XE")
    _get(http, f"{BASE}/{rc_id}/explanation/NOPE", headers, 400)
    _get(http, f"{BASE}/{rc_id}/explanation/XE-1?period=203001", headers, 400)
    assert http.get(f"{BASE}/{rc_id}/explanation").status_code == 401


def test_ratable_period_explained_by_its_weights(http: TestClient, engine: Engine) -> None:
    """Hand-derived (Partial Month weights as docs/engine.md defines them: a period's covered share of its
    days, scaled by lcm(first period's days, last period's days); a full period weighs the scale).

    One SUB line of 1,000.00 alone in its contract (allocated 1,000.00), service 16 January – 15 April 2026:
    January covers 16 of 31 days, April 15 of 30; scale lcm(31, 30) = 930, so the weights are
    Jan 16 × 930 / 31 = 480, Feb 930, Mar 930, Apr 15 × 930 / 30 = 465; total 2,805.
    Running amounts: through Jan 1,000 × 480 / 2,805 = 171.1229… → 171.12; through Feb
    1,000 × 1,410 / 2,805 = 502.6737… → 502.67; through Mar 1,000 × 2,340 / 2,805 = 834.2245… → 834.22.
    February: 502.67 − 171.12 = 331.55; March 834.22 − 502.67 = 331.55; April 1,000 − 834.22 = 165.78
    (171.12 + 331.55 + 331.55 + 165.78 = 1,000.00).
    """
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    dates = {"Doc Date": "16-JAN-2026", "Start Date": "16-JAN-2026", "End Date": "15-APR-2026"}
    send(http, headers, subscription("XW-1", "XW-SO", "1000.00", **dates))
    collect(http, engine, headers)
    with transaction(engine, readonly=True) as conn:
        key_like = revenue_contract.c.rc_key.like("%XW-SO%")
        rc_id = conn.execute(select(revenue_contract.c.id).where(key_like)).scalar_one()
    expected = {202601: "171.12", 202602: "331.55", 202603: "331.55", 202604: "165.78"}
    for period, amount in expected.items():
        steps = _get(http, f"{BASE}/{rc_id}/explanation/XW-1?period={period}", headers)["period"]
        weights = steps["weights"]
        assert [(r["period"], r["weight"]) for r in weights["periods"]] == [
            (202601, 480), (202602, 930), (202603, 930), (202604, 465)
        ]  # fmt: skip
        assert weights["denominator"] == 2805
        assert D(weights["computed"]) == D(steps["stored"]) == D(amount)
        assert weights["agrees"] is True and steps["reproduces"] is True
    february = _get(http, f"{BASE}/{rc_id}/explanation/XW-1?period=202602", headers)["period"]["weights"]
    assert february["fraction_through"] == "1410/2805" and february["fraction_before"] == "480/2805"
    assert february["formula"].endswith(
        "→ 502.67; 1000.00 × 480/2805 ≈ 171.1229946524064171122994652 → 171.12; 502.67 − 171.12 = 331.55"
    )
