"""Variable consideration settled against actual billing, end to end through HTTP: an INV or CM line whose
settlement attribute (``variable_consideration.settlement_attribute``, here ATR5) names a VC type is the
actual of its line and type, never an ordinary bill, and clears the VC clearing account K against the
billing clearing C (docs/judgment.md, "Settlement by billing")."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from accounting_support import (
    accounting_tenant,
    balanced,
    bill,
    close_period,
    collect,
    scope_of,
    send,
    subscription,
    totals,
    upload_csv,
    verify,
)
from biviews_support import table_of
from inbound_data import to_csv
from revrec.db.session import transaction
from revrec.db.tables import rc_bill, stage_error, stage_line, vc_schedule, vc_settlement
from revrec.inbound.templates_std import STANDARD_VC
from revrec.setup import service as setup_service
from revrec.tenancy import repository as tenancy
from revrec.vc import service as vc_service
from support import Tenant, login, unique

D = Decimal
VC_LABELS = [f.label for f in STANDARD_VC.fields]
SETUP: dict[str, Any] = {
    "accounts": {"liability": "2450", "revenue": "4050", "clearing": "1450"},
    "settlement_attribute": "ATR5",
    "types": [
        {"name": "performance_bonus", "method": "most_likely", "constraint": {"kind": "cap", "value": "600"}},
        {
            "name": "volume_discount",
            "tiers": [{"from_units": "0", "unit_price": "100"}, {"from_units": "1000", "unit_price": "90"}],
            "allocation": {"to": "line"},
        },
        {"name": "old_rebate", "enabled": False},
    ],
}


def _tenant(engine: Engine, setup: Mapping[str, Any] = SETUP) -> Tenant:
    tenant = accounting_tenant(engine)
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"variable_consideration": setup})
    return tenant


def _client_id(engine: Engine, tenant: Tenant) -> int:
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        return client.id


def _estimate(http: TestClient, headers: Mapping[str, str], **values: str) -> None:
    upload_csv(http, headers, "Standard VC", to_csv(VC_LABELS, [values]), "vc")


def _settling(line: str, so: str, kind: str, amount: str, vc_type: str, day: str) -> dict[str, str]:
    """An INV / CM line on ``line`` naming ``vc_type`` in Atr5, invoiced on ``day``."""
    return bill(kind, line, unique(f"{line}-S"), amount, **{
        "Doc Num": so, "Cust Num": f"C-{so}", "Doc Date": "01-JAN-2026", "Item Num": "SUB",
        "Start Date": "01-JAN-2026", "End Date": "31-DEC-2026", "Inv Date": day, "Atr5": vc_type,
    })  # fmt: skip


def _schedule(engine: Engine, tenant: Tenant) -> dict[tuple[str, str, int], tuple[int, int]]:
    """(line, VC type, period) → (alloc_t, rev_t) of the VC schedule rows."""
    client_id = _client_id(engine, tenant)
    with transaction(engine) as conn:
        rows = conn.execute(select(vc_schedule).where(vc_schedule.c.client_id == client_id)).all()
    return {(r.line_id, r.vc_type, r.period_key): (r.alloc_t, r.rev_t) for r in rows}


def _net(engine: Engine, tenant: Tenant, period: int | None) -> dict[str, Decimal]:
    """Net credit per account type (C, K, V, W) of the stored entries of ``period`` (None: all periods)."""
    found = totals(engine, tenant, period)
    return {k: found[k][1] - found[k][0] for k in ("C", "K", "V", "W") if k in found}


def _counts(engine: Engine, tenant: Tenant) -> tuple[int, int]:
    """(settlement bills, ordinary bills) of the client."""
    client_id = _client_id(engine, tenant)
    with transaction(engine) as conn:
        settled = conn.execute(
            select(func.count()).select_from(vc_settlement).where(vc_settlement.c.client_id == client_id)
        ).scalar_one()
        bills = conn.execute(
            select(func.count()).select_from(rc_bill).where(rc_bill.c.client_id == client_id)
        ).scalar_one()
    return int(settled), int(bills)


def _bonus_estimated_in_january(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str], str, str]:
    """A 1,200.00 subscription ratable over 2026 (1/12 a month); a performance bonus estimated in January at
    most likely 1,000.00, capped at 600.00: January allocates 600.00 and recognises 600/12 = 50.00 (K Dr
    600.00, V Cr 550.00, W Cr 50.00). January is then closed."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("vs")
    line, so = f"{p}-1", f"{p}-SO"
    send(http, headers, subscription(line, so))
    collect(http, engine, headers)
    _estimate(http, headers, **{"Doc Line Id": line, "VC Type": "performance_bonus",
                                "Estimate Date": "15-JAN-2026", "Most Likely Amt": "1000"})  # fmt: skip
    collect(http, engine, headers)
    assert _schedule(engine, tenant) == {(line, "performance_bonus", 202601): (60000, 5000)}
    assert _net(engine, tenant, 202601) == {"K": D("-600.00"), "V": D("550.00"), "W": D("50.00")}
    assert close_period(http, engine, headers)["status"] == "Completed"
    return tenant, headers, line, so


def test_bonus_settled_by_an_invoice_in_a_later_period(http: TestClient, engine: Engine) -> None:
    """A performance bonus measured at its most likely amount, as in ASC 606-10-55-194 to 55-200 (Example
    21, a bonus that is either earned or not), settled when it is invoiced.

    January (closed): 600.00 allocated (1,000.00 capped), 50.00 recognised. February: the bonus is invoiced
    at 400.00 (INV, Atr5 performance_bonus). The invoice is the actual: it replaces the estimate and is not
    constrained. February's VC row allocates 400 - 600 = -200.00 and recognises 400 x 2/12 - 50 = 66.67 -
    50.00 = 16.67. February's entries: K net credit 200.00 (the true-up) + 400.00 (the settlement) =
    600.00, V net credit -200 - 16.67 = -216.67, W 16.67, C -400.00 (Dr billing clearing). K over both
    periods: -600 + 600 = 0. The invoice is no ordinary bill (no rc_bill row) and January does not move.
    """
    tenant, headers, line, so = _bonus_estimated_in_january(http, engine)
    january = totals(engine, tenant, 202601)
    send(http, headers, _settling(line, so, "INV", "400.00", "performance_bonus", "10-FEB-2026"))
    result = collect(http, engine, headers)
    assert result["status"] == "Completed", result
    assert _counts(engine, tenant) == (1, 0)
    assert _schedule(engine, tenant)[(line, "performance_bonus", 202602)] == (-20000, 1667)
    assert _net(engine, tenant, 202602) == {
        "C": D("-400.00"),
        "K": D("600.00"),
        "V": D("-216.67"),
        "W": D("16.67"),
    }
    assert _net(engine, tenant, None)["K"] == D("0.00")
    assert totals(engine, tenant, 202601) == january
    assert balanced(engine, tenant, 202602)
    assert verify(engine, tenant) == []
    february = totals(engine, tenant, 202602)
    scope, _ = scope_of(engine, tenant)
    with transaction(engine) as conn:  # the VC journal replaces exactly its own rows (C legs included)
        vc_service.journalize(conn, scope, 202602)
    assert totals(engine, tenant, 202602) == february
    client_id = _client_id(engine, tenant)
    with transaction(engine) as conn:
        flags = conn.execute(
            select(stage_line.c.processed_flag).where(
                stage_line.c.client_id == client_id, stage_line.c.type == "INV"
            )
        ).scalars()
        assert list(flags) == ["Y"]
    # closing February posts the settlement legs; verify compares them per closed period
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert verify(engine, tenant) == []
    lines = {r["SO_LINE_ID"]: r for r in table_of(http, headers, "BI3_RC_LNS")}
    assert D(lines[line]["VC_AMT"]) == D("400") and lines[line]["VC_CLEARING_FLAG"] == "Y"
    journal = [(r["ACCTG_TYPE_ID"], D(r["DR_AMOUNT"]), D(r["CR_AMOUNT"]))
               for r in table_of(http, headers, "BI3_RI_ACCT_SUMM")]  # fmt: skip
    assert ("C", D("400"), D("0")) in journal and ("K", D("0"), D("600")) in journal


def test_rebate_settled_by_a_credit_memo(http: TestClient, engine: Engine) -> None:
    """ASC 606-10-55-216 to 55-220 (Example 24, volume discount incentive), the first quarter's units: 75
    units at $100 delivered at once (7,500.00, all recognised in January). The expected volume, 1,200 units,
    reaches the $90 tier, so every unit is $90: the 75 units carry (90 - 100) x 75 = -750.00, recognised at
    once (January: K net credit 750.00, W net credit -750.00). January is closed. In February the
    retrospective reduction is paid: a credit memo of -750.00 (CM, Atr5 volume_discount). The actual equals
    the estimate, so no VC row moves; the credit memo books Dr K 750.00 / Cr C 750.00, and K nets to zero.
    """
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("vr")
    line, so = f"{p}-1", f"{p}-SO"
    units = {"Item Num": "SETUP", "End Date": "01-JAN-2026", "Ord Qty": "75", "Ext Sll Prc": "7500.00",
             "Ext Lst Prc": "7500.00", "Unit Sell Prc": "100", "Unit List Prc": "100"}  # fmt: skip
    send(http, headers, subscription(line, so, **units))
    collect(http, engine, headers)
    _estimate(http, headers, **{"Doc Line Id": line, "VC Type": "volume_discount",
                                "Estimate Date": "20-JAN-2026", "Expected Qty": "1200"})  # fmt: skip
    collect(http, engine, headers)
    assert _net(engine, tenant, 202601) == {"K": D("750.00"), "W": D("-750.00")}
    assert close_period(http, engine, headers)["status"] == "Completed"
    january = totals(engine, tenant, 202601)
    credit = {
        **_settling(line, so, "CM", "-750.00", "volume_discount", "15-FEB-2026"),
        **{"Item Num": "SETUP", "End Date": "01-JAN-2026", "Unit Sell Prc": "10", "Unit List Prc": "10"},
        "Inv Qty": "75",
    }
    send(http, headers, credit)
    assert collect(http, engine, headers)["status"] == "Completed"
    assert _counts(engine, tenant) == (1, 0)
    assert (line, "volume_discount", 202602) not in _schedule(engine, tenant)
    assert _net(engine, tenant, 202602) == {"C": D("750.00"), "K": D("-750.00")}
    assert _net(engine, tenant, None)["K"] == D("0.00")
    assert totals(engine, tenant, 202601) == january
    assert balanced(engine, tenant, 202602)
    assert verify(engine, tenant) == []


def test_partial_settlement_leaves_the_rest_in_k(http: TestClient, engine: Engine) -> None:
    """January (closed) as in the bonus test: 600.00 allocated, 50.00 recognised. February: the bonus is
    agreed at 400.00 (Actual Flag Y) and 250.00 of it invoiced. The actual row is the amount agreed: the
    allocation moves by -200.00, recognition 16.67 (as above); the invoice clears 250.00, so K over both
    periods is -600 + 200 + 250 = -150.00 (Dr: 150.00 still to invoice). February closed; March invoices
    the remaining 150.00: no change of allocation, recognition 400 x 3/12 - 66.67 = 33.33; K nets to zero.
    """
    tenant, headers, line, so = _bonus_estimated_in_january(http, engine)
    agreed = {"Estimate Date": "05-FEB-2026", "Most Likely Amt": "400", "Actual Flag": "Y"}
    _estimate(http, headers, **{"Doc Line Id": line, "VC Type": "performance_bonus", **agreed})
    send(http, headers, _settling(line, so, "INV", "250.00", "performance_bonus", "10-FEB-2026"))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert _schedule(engine, tenant)[(line, "performance_bonus", 202602)] == (-20000, 1667)
    assert _net(engine, tenant, 202602)["K"] == D("450.00")
    assert _net(engine, tenant, None)["K"] == D("-150.00")
    assert verify(engine, tenant) == []
    assert close_period(http, engine, headers)["status"] == "Completed"
    february = totals(engine, tenant, 202602)
    send(http, headers, _settling(line, so, "INV", "150.00", "performance_bonus", "10-MAR-2026"))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert _schedule(engine, tenant)[(line, "performance_bonus", 202603)] == (0, 3333)
    assert _net(engine, tenant, 202603) == {
        "C": D("-150.00"),
        "K": D("150.00"),
        "V": D("-33.33"),
        "W": D("33.33"),
    }
    assert _net(engine, tenant, None)["K"] == D("0.00")
    assert totals(engine, tenant, 202602) == february
    assert balanced(engine, tenant, 202603)
    assert verify(engine, tenant) == []


def test_staging_refuses_an_attribute_naming_no_enabled_type(http: TestClient, engine: Engine) -> None:
    """RREV-04112 on Atr5 for an INV naming an unknown type and a CM naming a disabled one; an INV with Atr5
    blank is an ordinary bill."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("ve")
    line, so = f"{p}-1", f"{p}-SO"
    send(http, headers, subscription(line, so))
    collect(http, engine, headers)
    rows = [
        _settling(line, so, "INV", "100.00", "nope", "10-JAN-2026"),
        _settling(line, so, "CM", "-100.00", "old_rebate", "10-JAN-2026"),
        _settling(line, so, "INV", "1200.00", "", "10-JAN-2026"),
    ]
    send(http, headers, *rows)
    result = collect(http, engine, headers)
    client_id = _client_id(engine, tenant)
    with transaction(engine) as conn:
        staged = conn.execute(
            select(stage_line.c.id, stage_line.c.type, stage_line.c.processed_flag)
            .where(stage_line.c.client_id == client_id, stage_line.c.type != "SO")
            .order_by(stage_line.c.id)
        ).all()
        errors = conn.execute(
            select(stage_error.c.code, stage_error.c.col_name, stage_error.c.message).where(
                stage_error.c.kind == "transaction", stage_error.c.row_id.in_([r.id for r in staged])
            )
        ).all()
    assert [r.processed_flag for r in staged] == ["E", "E", "Y"]
    assert sorted((e.code, e.col_name) for e in errors) == [("RREV-04112", "ATR5")] * 2
    assert any("'nope'" in e.message and "not an enabled VC type" in e.message for e in errors)
    assert _counts(engine, tenant) == (0, 1), result
    assert verify(engine, tenant) == []


def test_without_the_attribute_configured_bills_are_ordinary(http: TestClient, engine: Engine) -> None:
    """The same INV naming performance_bonus in Atr5, for a client whose setup has no settlement_attribute:
    an ordinary bill (rc_bill, contractual billing), exactly as before."""
    setup = {k: v for k, v in SETUP.items() if k != "settlement_attribute"}
    tenant = _tenant(engine, setup)
    headers = login(http, tenant)
    p = unique("vn")
    line, so = f"{p}-1", f"{p}-SO"
    send(http, headers, subscription(line, so), _settling(line, so, "INV", "400.00", "performance_bonus",
                                                         "10-JAN-2026"))  # fmt: skip
    assert collect(http, engine, headers)["status"] == "Completed"
    assert _counts(engine, tenant) == (0, 1)
    assert _net(engine, tenant, 202601)["C"] == D("-400.00")
    assert "K" not in _net(engine, tenant, 202601)
    assert verify(engine, tenant) == []


def test_settlements_are_isolated_between_clients(http: TestClient, engine: Engine) -> None:
    """Two clients with the same line ids and setup: the settlement of one is neither stored nor booked nor
    verified in the other, whose bonus stays estimated (600.00 allocated, K Dr 600.00)."""
    p = unique("vi")
    line, so = f"{p}-1", f"{p}-SO"
    tenants = []
    for _ in range(2):
        tenant = _tenant(engine)
        headers = login(http, tenant)
        send(http, headers, subscription(line, so))
        _estimate(http, headers, **{"Doc Line Id": line, "VC Type": "performance_bonus",
                                    "Estimate Date": "15-JAN-2026", "Most Likely Amt": "1000"})  # fmt: skip
        collect(http, engine, headers)
        tenants.append((tenant, headers))
    (first, first_headers), (second, _) = tenants
    send(http, first_headers, _settling(line, so, "INV", "400.00", "performance_bonus", "20-JAN-2026"))
    assert collect(http, engine, first_headers)["status"] == "Completed"
    assert _counts(engine, first) == (1, 0) and _counts(engine, second) == (0, 0)
    assert _net(engine, first, 202601) == {"C": D("-400.00"), "V": D("400.00") - D("33.33"),
                                           "W": D("33.33")}  # fmt: skip
    assert _net(engine, second, 202601) == {"K": D("-600.00"), "V": D("550.00"), "W": D("50.00")}
    assert _schedule(engine, second) == {(line, "performance_bonus", 202601): (60000, 5000)}
    assert verify(engine, first) == [] and verify(engine, second) == []


MONTHS = ("JAN", "FEB", "MAR", "APR")
amount = st.integers(min_value=-90000, max_value=90000)  # minor units
step = st.tuples(st.one_of(st.none(), amount), st.lists(amount.filter(bool), max_size=2))


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(step, min_size=1, max_size=3))
def test_settlement_keeps_the_books(
    http: TestClient, engine: Engine, steps: list[tuple[Any, list[int]]]
) -> None:
    """Whatever the estimates and settlement bills (INV for a positive amount, CM for a negative one) of a
    bonus on a 1,200.00 subscription, month after month with each month closed: (1) a closed period's
    entries never move, (2) every period balances and ``verify`` finds nothing, (3) K over all periods =
    -VC allocated + settled (net credit), the allocated VC being the sum of the VC rows."""
    tenant = _tenant(engine, {**SETUP, "types": [{"name": "performance_bonus", "method": "most_likely"}]})
    headers = login(http, tenant)
    p = unique("vp")
    line, so = f"{p}-1", f"{p}-SO"
    send(http, headers, subscription(line, so))
    collect(http, engine, headers)
    closed: dict[int, dict[str, tuple[Decimal, Decimal]]] = {}
    settled = 0
    for month, (estimate, bills) in enumerate(steps):
        if estimate is not None:
            _estimate(http, headers, **{"Doc Line Id": line, "VC Type": "performance_bonus",
                                        "Estimate Date": f"05-{MONTHS[month]}-2026",
                                        "Most Likely Amt": str(D(estimate) / 100)})  # fmt: skip
        day = f"10-{MONTHS[month]}-2026"
        rows = [
            _settling(line, so, "INV" if units > 0 else "CM", str(D(units) / 100), "performance_bonus", day)
            for units in bills
        ]
        if rows:
            send(http, headers, *rows)
        settled += sum(bills)
        assert collect(http, engine, headers)["status"] == "Completed"
        assert verify(engine, tenant) == []
        assert close_period(http, engine, headers)["status"] == "Completed"
        closed[202601 + month] = totals(engine, tenant, 202601 + month)
        for key, before in closed.items():
            assert totals(engine, tenant, key) == before
            assert balanced(engine, tenant, key)
        assert verify(engine, tenant) == []
    allocated = sum(alloc for alloc, _ in _schedule(engine, tenant).values())
    assert _net(engine, tenant, None).get("K", D(0)) == D(-allocated + settled) / 100
    assert _counts(engine, tenant) == (sum(len(b) for _, b in steps), 0)
