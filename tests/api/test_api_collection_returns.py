"""Returns and reduction-order credits after periods closed (CM-R, CM-RO), retrospective. Figures by
hand: SO 1,200.00 for 2 units over 2026 (100.00 a month), invoiced in full in January; January and February
closed."""

from __future__ import annotations

from decimal import Decimal as D

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

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
from revrec.db.session import transaction
from revrec.db.tables import rc_line
from support import login, unique


def _setup(http: TestClient, engine: Engine) -> tuple[object, dict[str, str], str]:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    line = subscription(
        f"{so}-1", so, **{"Ord Qty": "2", "Unit Sell Prc": "600.00", "Unit List Prc": "600.00"}
    )
    send(http, headers, line, bill("INV", f"{so}-1", f"{so}-I1", "1200.00", **{"Inv Qty": "2"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    for _ in range(2):
        assert close_period(http, engine, headers)["status"] == "Completed"
    return tenant, headers, so


def _net(engine: Engine, tenant: object, period: int, kind: str) -> D:
    debit, credit = totals(engine, tenant, period).get(kind, (D(0), D(0)))  # type: ignore[arg-type]
    return credit - debit


def test_return_of_one_unit_reduces_the_line_and_catches_up_fifo(http: TestClient, engine: Engine) -> None:
    tenant, headers, so = _setup(http, engine)
    credit = bill("CM-R", f"{so}-1", f"{so}-R1", "-600.00", **{"Orig Inv Line Id": f"{so}-I1", "Inv Qty": "1",
                  "Inv Date": "10-MAR-2026", "Doc Date": "01-JAN-2026"})  # fmt: skip
    send(http, headers, credit)
    assert collect(http, engine, headers)["status"] == "Completed"
    # the line is now worth 600.00; FIFO (blank credit rule) takes the credit from the earliest periods:
    # January to June become 0. January and February (200.00 booked) cannot change, so March books
    # 0 - 200.00 = -200.00; April to June 0; July to December 100.00 each; 600.00 in all.
    assert _net(engine, tenant, 202601, "R") == D("100.00") == _net(engine, tenant, 202602, "R")
    assert _net(engine, tenant, 202603, "R") == D("-200.00")
    # billing: the return credits the billing clearing account (Dr L / Cr C) for 600.00 in March
    assert _net(engine, tenant, 202603, "C") == D("600.00")
    with transaction(engine) as conn:
        current = conn.execute(
            select(rc_line.c.allocatable, rc_line.c.allocated, rc_line.c.ord_qty, rc_line.c.ext_lst_prc)
            .where(rc_line.c.line_id == f"{so}-1", rc_line.c.current_flag.is_(True))
        ).one()  # fmt: skip
    # domain §3: a return reduces allocatable, list price and quantity of the SO line
    assert (current.allocatable, current.allocated) == (D("600.00"), D("600.00"))
    assert (current.ord_qty, current.ext_lst_prc) == (D("1"), D("600.00"))
    assert verify(engine, tenant) == []


def test_reduction_order_credit_memo_changes_billing_only(http: TestClient, engine: Engine) -> None:
    tenant, headers, so = _setup(http, engine)
    credit = bill("CM-RO", f"{so}-1", f"{so}-RO1", "-100.00", **{"Orig So Line Id": f"{so}-1",
                  "Inv Date": "10-MAR-2026"})  # fmt: skip
    send(http, headers, credit)
    assert collect(http, engine, headers)["status"] == "Completed"
    assert _net(engine, tenant, 202603, "R") == D("100.00")  # no amortisation impact
    assert _net(engine, tenant, 202603, "C") == D("100.00")  # billing reduced by 100.00 (Dr L / Cr C)
    assert verify(engine, tenant) == []
