"""Rights of return through the whole stack, as properties (Hypothesis): whatever the terms reassessed at
each period end and the actual returns, (1) every period's entries balance and `verify` finds nothing,
(2) a closed period's entries never move, (3) revenue + refund liability + refunds = the consideration."""

from __future__ import annotations

from decimal import Decimal as D

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from accounting_support import accounting_tenant, bill, close_period, collect, send, totals, verify
from returns_support import sale, terms
from support import login, unique

MONTHS = ("JAN", "FEB", "MAR", "APR")
percent = st.decimals(min_value=0, max_value=100, places=2)
step = st.tuples(percent, percent, st.integers(min_value=0, max_value=4))


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(first=st.tuples(percent, percent), steps=st.lists(step, min_size=1, max_size=3))
def test_reassessments_and_returns_keep_the_books(
    http: TestClient, engine: Engine, first: tuple[D, D], steps: list[tuple[D, D, int]]
) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    terms(engine, tenant, {"item": "SETUP", "return_percent": str(first[0]), "cost_percent": str(first[1])})
    so = unique("SO")
    send(http, headers, *sale(so))
    assert collect(http, engine, headers)["status"] == "Completed"
    closed: dict[int, dict[str, tuple[D, D]]] = {}
    returned = 0
    for month, (rate, cost, units) in enumerate(steps):
        terms(engine, tenant, {"item": "SETUP", "return_percent": str(rate), "cost_percent": str(cost)})
        if units:
            returned += units
            dates = {"Doc Date": "15-JAN-2026", "Start Date": "15-JAN-2026", "End Date": "15-JAN-2026"}
            credit = bill("CM-R", f"{so}-1", unique(f"{so}-R"), f"-{units * 100}.00", **dates,
                          **{"Orig Inv Line Id": f"{so}-I1", "Inv Qty": str(units), "Unit Sell Prc": "100.00",
                             "Unit List Prc": "100.00", "Inv Date": f"10-{MONTHS[month]}-2026"})  # fmt: skip
            send(http, headers, credit)
            assert collect(http, engine, headers)["status"] == "Completed"
        assert close_period(http, engine, headers)["status"] == "Completed"
        closed[202601 + month] = totals(engine, tenant, 202601 + month)
        for key, before in closed.items():
            assert totals(engine, tenant, key) == before  # closed periods never move
        assert verify(engine, tenant) == []
    for key in (*closed, 202601 + len(steps)):
        found = totals(engine, tenant, key)
        assert sum((d for d, _ in found.values()), D(0)) == sum((c for _, c in found.values()), D(0))
    everything = totals(engine, tenant)
    revenue = everything["R"][1] - everything["R"][0]
    liability = everything.get("N", (D(0), D(0)))
    assert revenue + (liability[1] - liability[0]) + returned * D(100) == D("10000.00")
