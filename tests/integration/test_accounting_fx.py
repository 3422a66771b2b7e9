"""Bills and entries in functional and reporting currency: T × F Ex Rate, then × G Ex Rate, each exact."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, bill, collect, scope_of, send, verify
from inbound_data import so_line
from revrec.accounting import service as accounting
from revrec.db.session import transaction
from revrec.db.tables import rc_bill
from support import login


def test_eur_subscription_billed_and_recognised_in_functional_and_reporting(
    http: TestClient, engine: Engine
) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    fx = {"Curr": "EUR", "F Cur": "USD", "F Ex Rate": "1.1", "G Ex Rate": "1"}
    common = {"Doc Num": "FX-SO", "Doc Date": "01-JAN-2026", "Cust Num": "FX-C", "Item Num": "SUB",
              "Start Date": "01-JAN-2026", "End Date": "31-DEC-2026"}  # fmt: skip
    prices = {"Ext Sll Prc": "1200.00", "Ext Lst Prc": "1200.00", "Unit Sell Prc": "1200.00",
              "Unit List Prc": "1200.00"}  # fmt: skip
    send(
        http,
        headers,
        so_line("FX-1", **common, **prices, **fx),
        bill("INV", "FX-1", "FX-I1", "1200.00", **fx),
    )
    collect(http, engine, headers)
    with transaction(engine) as conn:
        amounts = conn.execute(select(rc_bill.c.amount_t, rc_bill.c.amount_f, rc_bill.c.amount_r)).all()
    assert (120000, 132000, 132000) in [tuple(a) for a in amounts]  # 1,200.00 EUR = 1,320.00 USD
    scope, _ = scope_of(engine, tenant)
    with transaction(engine) as conn:
        entries = accounting.stored_entries(conn, scope, 202601)
    debit: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for line in entries:
        if line.currencies[0] == "EUR":
            for i in range(3):
                debit[line.acctg_type][i] += line.debit[i]
    assert debit["C"] == [Decimal("1200.00"), Decimal("1320.00"), Decimal("1320.00")]
    assert debit["L"][:2] == [Decimal("100.00"), Decimal("110.00")]  # January revenue: Dr L / Cr R
    assert verify(engine, tenant) == []
