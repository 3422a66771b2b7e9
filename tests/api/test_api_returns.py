"""Rights of return end to end (upload, Data Collection, Period Close, setup section ``returns``), on the
journal: ASC 606-10-55-202 to 55-207 (Example 22, Right of Return), then a reassessment and the actual
returns. Figures by hand in each test."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from accounting_support import (
    accounting_tenant,
    bill,
    close_period,
    collect,
    scope_of,
    send,
    totals,
    verify,
)
from biviews_support import table_of
from inbound_data import so_line
from returns_support import EXAMPLE_22, sale, terms
from revrec.accounting import service as accounting
from revrec.contracts.returns_reserve import reserve_rows
from revrec.db.session import transaction
from revrec.db.tables import rc_return_reserve, rc_warning
from revrec.errors import InvalidInput
from revrec.reports.generators import standard_generators
from revrec.setup import service as setup_service
from revrec.tenancy import repository as tenancy
from support import login, unique


def _net(found: dict[str, tuple[D, D]], kind: str) -> D:
    """Debit less credit of account type ``kind``."""
    debit, credit = found.get(kind, (D(0), D(0)))
    return debit - credit


def test_example_22_reassessment_and_actual_returns(http: TestClient, engine: Engine) -> None:
    """ASC 606 Example 22: cash 10,000 (100 x 100), 97 products expected to be kept at cost 60 each.
    By hand, January: revenue 10,000 - 3 x 100 = 9,700 (Dr R 300 against the schedule's Cr R 10,000),
    refund liability 300 (Cr N), asset 3 x 60 = 180 (Dr S), cost of sales 97 x 60 = 5,820 (Dr O),
    inventory 100 x 60 = 6,000 (Cr Q)."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    terms(engine, tenant, EXAMPLE_22)
    so = unique("SO")
    send(http, headers, *sale(so))
    assert collect(http, engine, headers)["status"] == "Completed"
    january = totals(engine, tenant, 202601)
    assert _net(january, "R") == D("-9700.00")
    assert _net(january, "N") == D("-300.00")
    assert _net(january, "S") == D("180.00")
    assert _net(january, "O") == D("5820.00")
    assert _net(january, "Q") == D("-6000.00")
    assert _net(january, "C") == D("10000.00")  # the cash (billing clearing) side of the sale
    assert sum((d - c for d, c in january.values()), D(0)) == 0
    assert verify(engine, tenant) == []
    assert close_period(http, engine, headers)["status"] == "Completed"

    # reassessment at the end of February: 5 % expected back. By hand: liability 5 x 100 = 500 (200 more:
    # Dr R 200 / Cr N 200); asset 5 x 60 = 300 (Dr S 120 / Cr O 120); inventory unchanged. January stays.
    terms(engine, tenant, {**EXAMPLE_22, "return_percent": "5"})
    assert close_period(http, engine, headers)["status"] == "Completed"
    february = totals(engine, tenant, 202602)
    assert (_net(february, "R"), _net(february, "N")) == (D("200.00"), D("-200.00"))
    assert (_net(february, "S"), _net(february, "O")) == (D("120.00"), D("-120.00"))
    assert _net(february, "Q") == 0
    assert totals(engine, tenant, 202601) == january
    assert verify(engine, tenant) == []

    # March: 3 products come back (CM-R of 300). The schedule books Dr R 300 (the line is now 9,700); the
    # reserve: expected 5 % of 10,000 = 500, of which 300 refunded, liability 200 (Dr N 300 / Cr R 300):
    # revenue does not move. Goods back: inventory (100 - 3) x 60 = 5,820 (Dr Q 180); asset 2 x 60 = 120
    # (Cr S 180); cost of sales 5,820 - 120 = 5,700, unchanged.
    dates = {"Doc Date": "15-JAN-2026", "Start Date": "15-JAN-2026", "End Date": "15-JAN-2026"}
    credit = bill("CM-R", f"{so}-1", f"{so}-R1", "-300.00", **dates, **{"Orig Inv Line Id": f"{so}-I1",
                  "Inv Qty": "3", "Unit Sell Prc": "100.00", "Unit List Prc": "100.00",
                  "Inv Date": "10-MAR-2026"})  # fmt: skip
    send(http, headers, credit)
    assert collect(http, engine, headers)["status"] == "Completed"
    march = totals(engine, tenant, 202603)
    assert _net(march, "R") == 0
    assert _net(march, "N") == D("300.00")
    assert (_net(march, "S"), _net(march, "Q"), _net(march, "O")) == (D("-180.00"), D("180.00"), 0)
    assert _net(march, "C") == D("-300.00")  # the refund
    assert sum((d - c for d, c in march.values()), D(0)) == 0
    # in all: revenue 9,700 - 300 + 300 ... = 10,000 - 500 expected back; liability 200 left
    everything = totals(engine, tenant)
    assert _net(everything, "R") == D("-9500.00")
    assert _net(everything, "N") == D("-200.00")
    assert verify(engine, tenant) == []
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        rows = reserve_rows(conn, client.id)
    by_period = {r.period_key: (r.gross_t, r.returned_t, r.expected_t, r.n_t, r.s_t) for r in rows}
    assert by_period[202601] == (1_000_000, 0, 30_000, 30_000, 18_000)
    assert by_period[202602] == (1_000_000, 0, 50_000, 50_000, 30_000)
    assert by_period[202603] == (1_000_000, 30_000, 50_000, 20_000, 12_000)
    # the returns-rollforward report, by hand from the figures above (opening + expected - settled = closing)
    with transaction(engine) as conn:
        report = standard_generators().get("returns-rollforward")
        resolved = report.resolve(conn, client.id, {"FROM_PERIOD": "202601", "TO_PERIOD": "MAR-2026"})
        lines = list(report.rows(conn, client.id, resolved))
    assert [tuple(str(v) for v in line) for line in lines] == [
        ("202601", "USD", "0.00", "300.00", "0.00", "300.00", "0.00", "0.00", "180.00", "180.00"),
        ("202602", "USD", "300.00", "200.00", "0.00", "500.00", "0.00", "180.00", "120.00", "300.00"),
        ("202603", "USD", "500.00", "0.00", "300.00", "200.00", "300.00", "300.00", "-180.00", "120.00"),
    ]


def test_terms_removed_release_the_reserve_and_items_win_over_families(
    http: TestClient, engine: Engine
) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    # the item's entry (10 %, cost 50 %) wins over the family's: liability 1,000, asset 500
    terms(engine, tenant, EXAMPLE_22, {"item": "SETUP", "return_percent": "10", "cost_percent": "50",
                                        "refund_liability_account": "2450-REFUNDS"})  # fmt: skip
    send(http, headers, *sale(unique("SO")))
    assert collect(http, engine, headers)["status"] == "Completed"
    january = totals(engine, tenant, 202601)
    assert (_net(january, "N"), _net(january, "S")) == (D("-1000.00"), D("500.00"))
    assert close_period(http, engine, headers)["status"] == "Completed"
    terms(engine, tenant)  # no terms any more: February releases everything booked in January
    assert close_period(http, engine, headers)["status"] == "Completed"
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        # January's position, February's zero row (the release); March (open) needs no row
        assert [r.period_key for r in reserve_rows(conn, client.id)] == [202601, 202602]
    february = totals(engine, tenant, 202602)
    assert (_net(february, "R"), _net(february, "N")) == (D("-1000.00"), D("1000.00"))
    assert (_net(february, "S"), _net(february, "O"), _net(february, "Q")) == (
        D("-500.00"), D("-4500.00"), D("5000.00"),
    )  # fmt: skip
    assert verify(engine, tenant) == []


def test_setup_section_is_checked(engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    with pytest.raises(InvalidInput, match="more than one entry"):
        terms(engine, tenant, EXAMPLE_22, EXAMPLE_22)
    with pytest.raises(InvalidInput, match="exactly one of return_percent"):
        terms(engine, tenant, {"item": "X", "cost_percent": "10"})
    with pytest.raises(InvalidInput):
        terms(engine, tenant, {"item": "X", "return_percent": "120"})
    with transaction(engine) as conn:
        exported = setup_service.export_setup(conn, client_name=tenant.client)["returns"]
    assert exported == []


def test_waterfall_shows_the_reserve(http: TestClient, engine: Engine) -> None:
    """BI3_WF_SUMM after Example 22's January (credit positive): the schedule's revenue row 10,000.00 and
    the reserve rows R -300.00 / N 300.00 (SCHD_TYPE_FLAG V), S -180.00, O -5,820.00, Q 6,000.00 (C), with
    SCHD_ID above 10^14; the revenue rows (R) add up to 9,700.00, the journal's revenue."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    terms(engine, tenant, EXAMPLE_22)
    send(http, headers, *sale(unique("SO")))
    assert collect(http, engine, headers)["status"] == "Completed"
    rows = table_of(http, headers, "BI3_WF_SUMM")
    reserve = sorted(
        (r["SCHD_TYPE_FLAG"], r["ACCTG_TYPE_ID"], D(r["T_AT"]), r["PRD_ID"])
        for r in rows
        if int(r["SCHD_ID"]) >= 10**14
    )
    assert reserve == [
        ("C", "O", D("-5820.00"), "202601"),
        ("C", "Q", D("6000.00"), "202601"),
        ("C", "S", D("-180.00"), "202601"),
        ("V", "N", D("300.00"), "202601"),
        ("V", "R", D("-300.00"), "202601"),
    ]
    revenue = [D(r["T_AT"]) for r in rows if r["ACCTG_TYPE_ID"] == "R" and r["PRD_ID"] == "202601"]
    assert sum(revenue, D(0)) == D("9700.00")
    assert len({r["SCHD_ID"] for r in rows}) == len(rows)


def test_returns_beyond_the_expectation_warn_until_reassessed(http: TestClient, engine: Engine) -> None:
    """Example 22's terms (3 %), but 5 products come back in January (CM-R 500.00): revenue 10,000 - 500 =
    9,500 (the liability of 300 used up, the excess 200 out of revenue), refund liability 0, and warning
    REVREC-ENG-040 (returned 500.00, expected 300.00). A later write of the contract (a CM-C) keeps the
    warning's row; reassessed to 10 % at the end of February (expected 1,000.00, 500 left: Dr R 500 / Cr N
    500 in February) the warning goes."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    terms(engine, tenant, EXAMPLE_22)
    so = unique("SO")
    dates = {"Doc Date": "15-JAN-2026", "Start Date": "15-JAN-2026", "End Date": "15-JAN-2026"}
    credit = bill("CM-R", f"{so}-1", f"{so}-R1", "-500.00", **dates, **{"Orig Inv Line Id": f"{so}-I1",
                  "Inv Qty": "5", "Unit Sell Prc": "100.00", "Unit List Prc": "100.00",
                  "Inv Date": "20-JAN-2026"})  # fmt: skip
    send(http, headers, *sale(so), credit)
    assert collect(http, engine, headers)["status"] == "Completed"
    january = totals(engine, tenant, 202601)
    assert (_net(january, "R"), _net(january, "N")) == (D("-9500.00"), 0)
    assert verify(engine, tenant) == []

    def warnings() -> list[tuple[int, str, str | None, str]]:
        with transaction(engine) as conn:
            client = tenancy.find_client(conn, tenant.client)
            assert client is not None
            w = rc_warning.c
            query = select(w.id, w.code, w.line_id, w.detail).where(w.client_id == client.id)
            return [(int(r.id), r.code, r.line_id, r.detail) for r in conn.execute(query)]

    first = warnings()
    assert [w[1:] for w in first] == [
        ("REVREC-ENG-040", f"{so}-1", '{"expected": "300.00", "period": "202601", "returned": "500.00"}')
    ]
    send(http, headers, bill("CM-C", f"{so}-1", f"{so}-C1", "-10.00", **dates, **{"Inv Date": "21-JAN-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert warnings() == first
    assert close_period(http, engine, headers)["status"] == "Completed"
    terms(engine, tenant, {**EXAMPLE_22, "return_percent": "10"})
    assert close_period(http, engine, headers)["status"] == "Completed"
    february = totals(engine, tenant, 202602)
    assert (_net(february, "R"), _net(february, "N")) == (D("500.00"), D("-500.00"))
    assert warnings() == []
    assert verify(engine, tenant) == []


def test_verify_ties_the_journal_to_the_reserve(http: TestClient, engine: Engine) -> None:
    """`verify` checks the journal's N, S, O, Q balances against the lines' latest reserve positions: a
    reserve row changed behind the journal's back (refund liability 300.00 -> 300.01) is reported."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    terms(engine, tenant, EXAMPLE_22)
    send(http, headers, *sale(unique("SO")))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert verify(engine, tenant) == []
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        r = rc_return_reserve.c
        conn.execute(update(rc_return_reserve).where(r.client_id == client.id).values(n_t=r.n_t + 1))
    assert [p for p in verify(engine, tenant) if "journal N 30000 != reserve 30001" in p]


def test_functional_and_reporting_currencies(http: TestClient, engine: Engine) -> None:
    """Example 22 sold in USD with functional currency EUR at 0.9 and reporting currency USD at 1.1 from EUR,
    returns at 3 %, cost 60 %: the reserve is computed in each currency from the schedule's own amounts.
    By hand: refund liability 300.00 USD = 270.00 EUR = 297.00 USD reporting; asset 180.00 / 162.00 /
    178.20; every period balances in T, F and R (`verify`)."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    terms(engine, tenant, EXAMPLE_22)
    rows = [{**row, "F Cur": "EUR", "F Ex Rate": "0.9", "G Ex Rate": "1.1"} for row in sale(unique("SO"))]
    send(http, headers, *rows)
    assert collect(http, engine, headers)["status"] == "Completed"
    scope, _ = scope_of(engine, tenant)
    with transaction(engine) as conn:
        lines = accounting.stored_entries(conn, scope, 202601)
    found = {e.acctg_type: tuple(c - d for d, c in zip(e.debit, e.credit, strict=True)) for e in lines}
    assert found["N"] == (D("300.00"), D("270.00"), D("297.00"))
    assert found["S"] == (D("-180.00"), D("-162.00"), D("-178.20"))
    assert found["Q"] == (D("6000.00"), D("5400.00"), D("5940.00"))
    assert verify(engine, tenant) == []


def test_reduction_order_settles_against_the_refund_liability(http: TestClient, engine: Engine) -> None:
    """Example 22 (3 %, cost 60 %), then in February an RORD takes 3 products back (the SO line 10,000 ->
    9,700). By hand, February: the schedule's catch-up Dr R 300.00 / Cr L 300.00 (the 300.00 now owed to
    the customer) is matched by the liability's release Dr N 300.00 / Cr R 300.00, so revenue stays 9,700;
    the goods go back into inventory: Dr Q 180.00 / Cr S 180.00."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    terms(engine, tenant, EXAMPLE_22)
    so = unique("SO")
    send(http, headers, *sale(so))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert close_period(http, engine, headers)["status"] == "Completed"
    rord = so_line(f"{so}-R", Type="RORD", **{"Doc Num": so, "Cust Num": f"C-{so}", "Doc Date": "10-FEB-2026",
                   "Orig So Line Id": f"{so}-1", "Item Num": "SETUP", "Prod Fmly": "HARDWARE",
                   "Ext Sll Prc": "-300.00", "Ext Lst Prc": "-300.00", "Unit Sell Prc": "100.00",
                   "Unit List Prc": "100.00", "Ord Qty": "3", "Start Date": "15-JAN-2026",
                   "End Date": "15-JAN-2026"})  # fmt: skip
    send(http, headers, rord)
    assert collect(http, engine, headers)["status"] == "Completed"
    february = totals(engine, tenant, 202602)
    assert (_net(february, "R"), _net(february, "N"), _net(february, "L")) == (0, D("300.00"), D("-300.00"))
    assert (_net(february, "S"), _net(february, "Q"), _net(february, "O")) == (D("-180.00"), D("180.00"), 0)
    assert verify(engine, tenant) == []
