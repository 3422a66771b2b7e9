"""Credit rules of credit memos (contracts/credits.py): SO 1,200 over 2026 (100 a month), invoiced in
January, January and February closed, then a CM of -300 dated March with rule blank (FIFO), L, P or F.
Figures by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

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
from support import login, unique


def _revenue(engine: Engine, tenant: object, period: int | None = None) -> D:
    found = totals(engine, tenant, period).get("R", (D(0), D(0)))  # type: ignore[arg-type]
    return found[1] - found[0]


def _balanced(engine: Engine, tenant: object, period: int) -> None:
    found = totals(engine, tenant, period)  # type: ignore[arg-type]
    assert sum(d for d, _ in found.values()) == sum(c for _, c in found.values())


MONTHS = [202603, 202604, 202605, 202606, 202607, 202608, 202609, 202610, 202611, 202612]


@pytest.mark.parametrize(
    ("treatment", "rule", "dates", "expected"),
    [
        # FIFO: Jan, Feb, Mar consumed (-100 each); Jan and Feb are closed, so March books 0 - 200 = -200
        ("Retrospective", "", None, ["-200", "100", "100", "100", "100", "100", "100", "100", "100", "100"]),
        # LIFO: Dec, Nov, Oct consumed
        ("Retrospective", "L", None, ["100", "100", "100", "100", "100", "100", "100", "0", "0", "0"]),
        # prorate: -25 a month; March books 75 and the catch-up of Jan and Feb (-50)
        ("Retrospective", "P", None, ["25", "75", "75", "75", "75", "75", "75", "75", "75", "75"]),
        # fixed duration over the CM's dates March-May: -100 a month there
        ("Retrospective", "F", ("01-MAR-2026", "31-MAY-2026"), ["0", "0", "0"] + ["100"] * 7),
        # F over January-March: the closed months' share (-200) lands in March
        ("Retrospective", "F", ("01-JAN-2026", "31-MAR-2026"), ["-200"] + ["100"] * 9),
        # prospective: only the open and later periods take the credit
        ("Prospective", "", None, ["0", "0", "0"] + ["100"] * 7),
        ("Prospective", "L", None, ["100"] * 7 + ["0", "0", "0"]),
        ("Prospective", "P", None, ["70"] * 10),
        ("Prospective", "F", ("01-JAN-2026", "31-MAR-2026"), ["-200"] + ["100"] * 9),
    ],
)
def test_credit_rule(
    http: TestClient,
    engine: Engine,
    treatment: str,
    rule: str,
    dates: tuple[str, str] | None,
    expected: list[str],
) -> None:
    tenant = accounting_tenant(engine, treatment=treatment)
    headers = login(http, tenant)
    so = unique("SO")
    common = {"Doc Num": so, "Cust Num": f"C-{so}", "Item Num": "SUB"}
    line = subscription(f"{so}-1", so)
    invoice = bill("INV", f"{so}-1", f"{so}-I", "1200.00", **common, **{"Inv Date": "05-JAN-2026"})
    send(http, headers, line, invoice)
    assert collect(http, engine, headers)["status"] == "Completed"
    for _ in range(2):
        assert close_period(http, engine, headers)["status"] == "Completed"  # January and February closed
    extra = {"Credit Rule": rule} if rule else {}
    if dates:
        extra.update({"Start Date": dates[0], "End Date": dates[1]})
    credit = bill(
        "CM",
        f"{so}-1",
        f"{so}-C",
        "-300.00",
        **common,
        **{"Inv Date": "05-MAR-2026", "Orig Inv Line Id": f"{so}-I", **extra},
    )
    send(http, headers, credit)
    status = collect(http, engine, headers)
    assert status["status"] == "Completed", status
    assert _revenue(engine, tenant, 202601) == D("100.00") == _revenue(engine, tenant, 202602)
    assert verify(engine, tenant) == []
    figures = [_revenue(engine, tenant, 202603)]
    _balanced(engine, tenant, 202603)
    for period in MONTHS[1:]:
        assert close_period(http, engine, headers)["status"] == "Completed"
        figures.append(_revenue(engine, tenant, period))
        _balanced(engine, tenant, period)
    assert figures == [D(x) for x in expected]
    assert _revenue(engine, tenant) == D("900.00")
    assert verify(engine, tenant) == []


def test_later_invoice_keeps_the_credit_rule(http: TestClient, engine: Engine) -> None:
    """A recomputation that leaves the line's total unchanged (a later invoice) keeps the LIFO shape."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    common = {"Doc Num": so, "Cust Num": f"C-{so}", "Item Num": "SUB"}
    line = subscription(f"{so}-1", so)
    first = bill("INV", f"{so}-1", f"{so}-I", "600.00", **common, **{"Inv Date": "05-JAN-2026"})
    send(http, headers, line, first)
    assert collect(http, engine, headers)["status"] == "Completed"
    for _ in range(2):
        assert close_period(http, engine, headers)["status"] == "Completed"
    credit = bill(
        "CM",
        f"{so}-1",
        f"{so}-C",
        "-300.00",
        **common,
        **{"Inv Date": "05-MAR-2026", "Orig Inv Line Id": f"{so}-I", "Credit Rule": "L"},
    )
    send(http, headers, credit)
    assert collect(http, engine, headers)["status"] == "Completed"
    assert close_period(http, engine, headers)["status"] == "Completed"  # March closed
    second = bill("INV", f"{so}-1", f"{so}-J", "300.00", **common, **{"Inv Date": "05-APR-2026"})
    send(http, headers, second)
    assert collect(http, engine, headers)["status"] == "Completed"
    figures = [_revenue(engine, tenant, 202604)]
    for period in MONTHS[2:]:
        assert close_period(http, engine, headers)["status"] == "Completed"
        figures.append(_revenue(engine, tenant, period))
    # still LIFO: 100 through September, October-December 0 (not 75 a month)
    assert figures == [D(x) for x in ["100"] * 6 + ["0", "0", "0"]]
    assert _revenue(engine, tenant) == D("900.00")
    assert verify(engine, tenant) == []
