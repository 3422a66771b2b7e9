"""An SO line already collected into one contract, re-sent under another Doc Num after January closed: the
grouping template now puts it in another contract (docs/engine.md, "A line that moves between contracts").

Figures by hand. Every line is item SUB (fixed SSP 1,500, quantity 1, so all SSPs are equal and a
contract's price is shared equally), ratable over 2026. January: contract A (A-1 1,500, A-2 1,500, A-3 600)
allocates 3,600 / 3 = 1,200 a line, 100 a month; contract B (B-1 1,500 alone) 125 a month. In February
A-3 moves: A keeps A-1 and A-2, 3,000 / 2 = 1,500 each, 125 a month, so February books 250 - 100 = 150 a
line (retrospective catch-up); A-3's 100 recognised in A in January is reversed in A in February. Into B
(existing): B-1 and A-3 share 2,100, 1,050 each, 87.50 a month, so B-1 books 175 - 125 = 50 and A-3 175
in February. A-3's January invoice (600) stays with A. Into C (new): A-3 alone, 600, 50 a month, 100 in
February. Either way February recognises 150 + 150 - 100 + 50 + 175 = 150 + 150 - 100 + 125 + 100 = 425
= (3,000 + 2,100) / 12, as January did.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from accounting_support import (
    accounting_tenant,
    bill,
    close_period,
    collect,
    scope_of,
    send,
    subscription,
    totals,
    verify,
)
from biviews_support import table_of
from revrec.contracts.repository import packed_of
from revrec.db.session import transaction
from revrec.db.tables import rc_bill, rc_line, rc_schedule, revenue_contract
from revrec.engine.money import from_minor
from support import Tenant, login, unique

JAN, FEB = 202601, 202602


def _revenue(engine: Engine, tenant: Tenant, period: int) -> D:
    found = totals(engine, tenant, period).get("R", (D(0), D(0)))
    return found[1] - found[0]


def _state(engine: Engine, tenant: Tenant) -> tuple[dict[str, tuple[str, D]], dict[tuple[str, str], list[D]]]:
    """Current lines (line id → contract key, allocated) and current schedules ((contract key, line id) →
    amounts recognised through January, through February and in all)."""
    scope, calendar = scope_of(engine, tenant)
    jan = calendar.index_of_key(JAN)
    with transaction(engine, readonly=True) as conn:
        mine = revenue_contract.c.client_id == scope.client_id
        keys = {int(r.id): r.rc_key for r in conn.execute(select(revenue_contract).where(mine))}
        current = rc_line.c.client_id == scope.client_id, rc_line.c.current_flag.is_(True)
        lines = {
            r.line_id: (keys[int(r.rc_id)], D(r.allocated))
            for r in conn.execute(select(rc_line).where(*current))
        }
        assert (
            len(lines) == conn.execute(select(func.count()).where(*current)).scalar_one()
        )  # one version a line
        schedules: dict[tuple[str, str], list[D]] = {}
        c = rc_schedule.c
        for row in conn.execute(
            select(rc_schedule).where(c.client_id == scope.client_id, c.current_flag.is_(True))
        ):
            packed = packed_of(row)
            through = [packed.through("R", 0, i) + packed.through("A", 0, i) for i in (jan, jan + 1, 10**6)]
            schedules[(keys[int(row.rc_id)], row.line_id)] = [from_minor(t, row.curr) for t in through]
    return lines, schedules


def _bi_schedules(
    http: TestClient, headers: dict[str, str], engine: Engine, tenant: Tenant
) -> dict[tuple[str, str], list[D]]:
    """The same as :func:`_state`'s schedules, read from BI3_RC_SCHD (types R and A, every period row):
    (contract key, SO line id) → [through January, through February, in all]."""
    client_id = scope_of(engine, tenant)[0].client_id
    with transaction(engine, readonly=True) as conn:
        mine = revenue_contract.c.client_id == client_id
        keys = {str(r.id): r.rc_key for r in conn.execute(select(revenue_contract).where(mine))}
    so_line = {r["ID"]: r["SO_LINE_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    found: dict[tuple[str, str], list[D]] = {}
    for row in table_of(http, headers, "BI3_RC_SCHD"):
        sums = found.setdefault((keys[row["RC_ID"]], so_line[row["LINE_ID"]]), [D(0), D(0), D(0)])
        for n, through in enumerate((JAN, FEB, 10**6)):
            if int(row["POST_PRD_ID"]) <= through:
                sums[n] += D(row["AMOUNT"])
    return found


def _key(lines: dict[str, tuple[str, D]], line_id: str) -> str:
    return lines[line_id][0]


@pytest.mark.parametrize("target", ["B", "C"])
def test_a_line_moved_to_another_contract(http: TestClient, engine: Engine, target: str) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    a, b = unique("A"), unique("B")
    first = [
        subscription(f"{a}-1", a, "1500.00"),
        subscription(f"{a}-2", a, "1500.00"),
        subscription(f"{a}-3", a, "600.00"),
        subscription(f"{b}-1", b, "1500.00"),
        bill("INV", f"{a}-3", f"{a}-I3", "600.00", **{"Inv Date": "15-JAN-2026"}),
    ]
    send(http, headers, *first)
    assert collect(http, engine, headers)["status"] == "Completed"
    lines, _ = _state(engine, tenant)
    key_a, key_b = _key(lines, f"{a}-1"), _key(lines, f"{b}-1")
    assert {line_id: v[1] for line_id, v in lines.items()} == {
        f"{a}-1": D(1200),
        f"{a}-2": D(1200),
        f"{a}-3": D(1200),
        f"{b}-1": D(1500),
    }
    assert _revenue(engine, tenant, JAN) == D("425.00")
    assert close_period(http, engine, headers)["status"] == "Completed"  # January closed, February open

    so = b if target == "B" else unique("C")
    send(http, headers, subscription(f"{a}-3", so, "600.00"))
    status = collect(http, engine, headers)
    assert status["status"] == "Completed", status

    assert verify(engine, tenant) == []
    lines, schedules = _state(engine, tenant)
    key_new = _key(lines, f"{a}-3")
    assert key_new not in (key_a, key_b) if target == "C" else key_new == key_b
    into_b = target == "B"
    moved = D("1050.00") if into_b else D("600.00")
    assert lines == {
        f"{a}-1": (key_a, D("1500.00")),
        f"{a}-2": (key_a, D("1500.00")),
        f"{a}-3": (key_new, moved),
        f"{b}-1": (key_b, D("1050.00") if into_b else D("1500.00")),
    }
    # [through January, through February, in all]: closed January untouched everywhere
    assert schedules == {
        (key_a, f"{a}-1"): [D(100), D(250), D(1500)],
        (key_a, f"{a}-2"): [D(100), D(250), D(1500)],
        (key_a, f"{a}-3"): [D(100), D(0), D(0)],  # what A recognised for it, reversed in February
        (key_new, f"{a}-3"): [D(0), moved / 6, moved],
        (key_b, f"{b}-1"): [D(125), D(175), D(1050)] if into_b else [D(125), D(250), D(1500)],
    }
    # per line, the current schedules add up to its allocation: nothing counted twice
    for line_id, (_, allocated) in lines.items():
        assert sum(s[2] for (_, lid), s in schedules.items() if lid == line_id) == allocated
    # BI3_RC_SCHD shows every one of them, A's reversal of the moved line included (its LINE_ID is the
    # line's current version, in the new contract, as BI3_RC_LNS lists it)
    assert _bi_schedules(http, headers, engine, tenant) == schedules
    assert _revenue(engine, tenant, JAN) == D("425.00")
    assert _revenue(engine, tenant, FEB) == D("425.00")
    # A-3's January invoice stays with A, once: billed 600 in all
    assert totals(engine, tenant).get("C") == (D("600.00"), D(0))
    with transaction(engine, readonly=True) as conn:
        client_id = scope_of(engine, tenant)[0].client_id
        bills = conn.execute(
            select(rc_bill.c.rc_id, rc_bill.c.line_id).where(rc_bill.c.client_id == client_id)
        )
        keys = {
            int(r.id): r.rc_key
            for r in conn.execute(select(revenue_contract).where(revenue_contract.c.client_id == client_id))
        }
        assert [(keys[int(rc_id)], line_id) for rc_id, line_id in bills] == [(key_a, f"{a}-3")]


@pytest.mark.parametrize("target", ["B", "C"])
def test_a_moved_line_under_the_prospective_treatment(http: TestClient, engine: Engine, target: str) -> None:
    """The same move under the prospective treatment: the invariants (the prospective figures are those
    of tests/api/test_api_collection_modifications.py): verify is clean, January stays as posted, the moved
    line's schedule in A is reversed in February, per line the current schedules add up to the allocation,
    and once the year is closed all the revenue of 2026 is recognised, 3,000 + 2,100, nothing twice."""
    tenant = accounting_tenant(engine, treatment="Prospective")
    headers = login(http, tenant)
    a, b = unique("A"), unique("B")
    send(
        http,
        headers,
        subscription(f"{a}-1", a, "1500.00"),
        subscription(f"{a}-2", a, "1500.00"),
        subscription(f"{a}-3", a, "600.00"),
        subscription(f"{b}-1", b, "1500.00"),
    )
    assert collect(http, engine, headers)["status"] == "Completed"
    key_a = _key(_state(engine, tenant)[0], f"{a}-1")
    assert close_period(http, engine, headers)["status"] == "Completed"
    send(http, headers, subscription(f"{a}-3", b if target == "B" else unique("C"), "600.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert verify(engine, tenant) == []
    lines, schedules = _state(engine, tenant)
    assert schedules[(key_a, f"{a}-3")] == [D(100), D(0), D(0)]
    for line_id, (_, allocated) in lines.items():
        assert sum(s[2] for (_, lid), s in schedules.items() if lid == line_id) == allocated
    assert _revenue(engine, tenant, JAN) == D("425.00")
    for _ in range(11):
        assert close_period(http, engine, headers)["status"] == "Completed"
    assert verify(engine, tenant) == []
    found = totals(engine, tenant).get("R", (D(0), D(0)))
    assert found[1] - found[0] == D("5100.00")
