"""Lines that arrive after some periods closed: SO updates (new line version), reduction orders, credit
memos and new lines, under the retrospective and prospective modification treatments. Figures by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
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
from inbound_data import so_line
from revrec.db.session import transaction
from revrec.db.tables import rc_line, rc_schedule
from support import login, unique


def _revenue(engine: Engine, tenant: object, period: int) -> D:
    found = totals(engine, tenant, period).get("R", (D(0), D(0)))  # type: ignore[arg-type]
    return found[1] - found[0]


def _two_closed_months(
    http: TestClient, engine: Engine, treatment: str
) -> tuple[object, dict[str, str], str]:
    tenant = accounting_tenant(engine, treatment=treatment)
    headers = login(http, tenant)
    so = unique("SO")
    send(http, headers, subscription(f"{so}-1", so, "1200.00", **{"Ord Qty": "2"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    for _ in range(2):
        assert close_period(http, engine, headers)["status"] == "Completed"  # January and February closed
    return tenant, headers, so


@pytest.mark.parametrize(
    ("treatment", "march", "april"),
    [("Retrospective", "400.00", "200.00"), ("Prospective", "220.00", "220.00")],
)
def test_so_update_after_close(
    http: TestClient, engine: Engine, treatment: str, march: str, april: str
) -> None:
    tenant, headers, so = _two_closed_months(http, engine, treatment)
    send(http, headers, subscription(f"{so}-1", so, "2400.00", **{"Doc Date": "01-MAR-2026"}))
    status = collect(http, engine, headers)
    assert status["status"] == "Completed", status
    # retrospective: 2,400 / 12 = 200 a month; Jan+Feb booked 200, so March books 600 - 200 = 400;
    # prospective: what remains (2,400 - 200) over March-December = 220 a month
    assert _revenue(engine, tenant, 202601) == D("100.00") == _revenue(engine, tenant, 202602)
    assert _revenue(engine, tenant, 202603) == D(march)
    with transaction(engine) as conn:
        versions = conn.execute(
            select(rc_line.c.version, rc_line.c.current_flag, rc_line.c.ext_sll_prc)
            .where(rc_line.c.line_id == f"{so}-1")
            .order_by(rc_line.c.version)
        ).all()
        schedules = conn.execute(
            select(rc_schedule.c.version, rc_schedule.c.current_flag).where(
                rc_schedule.c.line_id == f"{so}-1"
            )
        ).all()
    assert [(v, bool(c), p) for v, c, p in versions] == [(1, False, D("1200.00")), (2, True, D("2400.00"))]
    assert sorted((v, bool(c)) for v, c in schedules) == [(1, False), (2, True)]
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert _revenue(engine, tenant, 202604) == D(april)
    assert verify(engine, tenant) == []
    for _ in range(9):
        assert close_period(http, engine, headers)["status"] == "Completed"
    assert _revenue_total(engine, tenant) == D("2400.00")


def _revenue_total(engine: Engine, tenant: object) -> D:
    found = totals(engine, tenant).get("R", (D(0), D(0)))  # type: ignore[arg-type]
    return found[1] - found[0]


def test_reduction_order_retrospective(http: TestClient, engine: Engine) -> None:
    tenant, headers, so = _two_closed_months(http, engine, "Retrospective")
    rord = so_line(
        f"{so}-R",
        Type="RORD",
        **{
            "Doc Num": so,
            "Cust Num": f"C-{so}",
            "Doc Date": "01-MAR-2026",
            "Orig So Line Id": f"{so}-1",
            "Item Num": "SUB",
            "Ext Sll Prc": "-600.00",
            "Ext Lst Prc": "-600.00",
            "Unit Sell Prc": "600.00",
            "Unit List Prc": "600.00",
            "Ord Qty": "1",
            "Start Date": "01-JAN-2026",
            "End Date": "31-DEC-2026",
        },
    )
    send(http, headers, rord)
    assert collect(http, engine, headers)["status"] == "Completed"
    # 1,200 - 600 = 600 over the year = 50 a month; 200 booked through February, 150 due through March:
    # March reverses 50
    assert _revenue(engine, tenant, 202603) == D("-50.00")
    with transaction(engine) as conn:
        line = conn.execute(
            select(rc_line).where(rc_line.c.line_id == f"{so}-1", rc_line.c.current_flag.is_(True))
        ).one()
    # a partial reduction keeps the return flag N (domain §3); quantity 2 - 1
    assert line.allocatable == D("600.00") and line.ord_qty == D("1") and line.return_flag != "Y"
    assert verify(engine, tenant) == []


def test_invoice_and_cancellation_in_a_later_period(http: TestClient, engine: Engine) -> None:
    tenant, headers, so = _two_closed_months(http, engine, "Retrospective")
    invoice = bill(
        "INV",
        f"{so}-1",
        f"{so}-I",
        "1200.00",
        **{"Doc Num": so, "Cust Num": f"C-{so}", "Inv Date": "05-MAR-2026", "Item Num": "SUB"},
    )
    send(http, headers, invoice)
    assert collect(http, engine, headers)["status"] == "Completed"
    march = totals(engine, tenant, 202603)
    assert march["C"] == (D("1200.00"), D("0"))
    # before March the contract had recognised 200 unbilled: a contract asset of 200 at the end of February,
    # reversed in March; billing 1,200 and revenue 100 leave a liability of 900
    assert march["A"] == (D("0"), D("200.00"))
    assert march["L"] == (D("100.00") + D("200.00"), D("1200.00"))
    assert close_period(http, engine, headers)["status"] == "Completed"
    cancel = bill(
        "CM-C",
        f"{so}-1",
        f"{so}-X",
        "-1200.00",
        **{
            "Doc Num": so,
            "Cust Num": f"C-{so}",
            "Inv Date": "02-APR-2026",
            "Item Num": "SUB",
            "Orig Inv Line Id": f"{so}-I",
        },
    )
    send(http, headers, cancel)
    assert collect(http, engine, headers)["status"] == "Completed"
    april = totals(engine, tenant, 202604)
    assert april["C"] == (D("0"), D("1200.00"))
    assert _revenue(engine, tenant, 202604) == D("100.00")  # CM-C changes billing only
    # end of April: recognised 400, billed 0 → contract asset 400 (Dr A / Cr L)
    assert april["A"] == (D("400.00"), D("0"))
    assert verify(engine, tenant) == []
