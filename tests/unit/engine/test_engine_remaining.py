"""A line added by a prospective modification (engine/remaining.py): the contract's remaining consideration
reallocated over the remaining goods by SSP; nothing recognised or closed moves. Figures derived by hand."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from engine_builders import day, line, policies
from hypothesis import given, settings
from hypothesis import strategies as st

from revrec.contracts.revisions import PROSPECTIVE, Packed, pack, prospective_new, revise
from revrec.engine.conditions import Condition
from revrec.engine.contracts import AllocatedContract, allocate_contract, collect, schedule_contract
from revrec.engine.lines import RevenueEvent, TransactionLine
from revrec.engine.policies import Policies
from revrec.engine.policy_pob import EventProcessType, EventType, PobTemplate, RatableMethod, ReleaseEvent
from revrec.engine.policy_ssp import SspMethod, SspRule, SspTemplate
from revrec.engine.prospective import Pattern, natural_patterns
from revrec.engine.remaining import reallocate_remaining

UNITS = PobTemplate(
    "Units",
    release_event=ReleaseEvent.UPON_EVENT,
    ratable_method=RatableMethod.IMMEDIATE_USING_START_DATE,
    event=EventType("Delivery", EventProcessType.QUANTITY),
)
SSP = SspTemplate(
    "SSP", (SspRule("unit", SspMethod.FIXED, (Condition("ITEM_NUM", "=", ("Units",)),), amount=Decimal(100)),)
)


def _pol() -> Policies:
    return policies(UNITS, ssp=SSP)


def _delivery(line_id: str, on: str, number: int, quantity: int) -> RevenueEvent:
    return RevenueEvent(line_id, "Delivery", day(on), quantity=Decimal(quantity), event_id=f"{number:04d}")


def _units(line_id: str, cents: int, qty: int, **extra: str) -> TransactionLine:
    sell = str(Decimal(cents) / 100)
    return line(line_id, sell, item="Units", end="2025-06-30", qty=str(qty), **extra)


def _contract(
    pol: Policies, lines: Sequence[TransactionLine], events: Sequence[RevenueEvent]
) -> tuple[dict[str, Packed], dict[str, Pattern], AllocatedContract]:
    collection = collect(list(lines), pol, events=events)
    allocated = allocate_contract(collection.groups[0], pol)
    contract = schedule_contract(allocated, pol, collection.activity, open_period=202501)
    packed = {s.line_id: pack(s, pol.calendar.index_of_key(s.periods[0])) for s in contract.schedules}
    return packed, natural_patterns(allocated, pol, collection.activity), allocated


def _ssp(allocated: AllocatedContract) -> dict[str, tuple[Decimal | None, str, bool]]:
    return {a.line_id: (a.ssp, a.currency, a.eligible) for a in allocated.allocation.lines}


def _recognised(packed: Packed, open_index: int) -> tuple[int, int, int]:
    through = open_index - 1
    return tuple(packed.through("R", c, through) + packed.through("A", c, through) for c in range(3))  # type: ignore[return-value]


def _net(pol: Policies, packed: Packed) -> dict[int, int]:
    """Net revenue (allocated: revenue + carve) per period key, transaction currency."""
    out, previous = {}, 0
    for j in range(packed.n):
        running = packed.rev[0][j] + packed.cv[0][j]
        if running - previous:
            out[pol.calendar.keys[packed.first_index + j]] = running - previous
        previous = running
    return out


def test_example_5_case_b_as_a_new_line() -> None:
    """ASC 606-10-25-13(a) / IFRS 15.21(a) with ASC 606-10-55-114 to 55-116 (Example 5 Case B): 120
    products at $100 (SSP $100 a product), 60 delivered in January (6,000.00, closed); in February a new
    line of 30 products for $2,400 ($80; SSP $100 a product). By hand: remaining consideration
    12,000 + 2,400 − 6,000 = 8,400; weights 60 × 100 = 6,000 (line 1's undelivered products) and
    30 × 100 = 3,000 (line 2): line 1 8,400 × 6,000/9,000 = 5,600.00, line 2 2,800.00 (93.33 a product).
    Line 1 delivers 30 in February (2,800.00) and 30 in March (2,800.00); line 2 its 30 in March
    (2,800.00). Line 1's new consideration 6,000 + 5,600 = 11,600; the two lines total 14,400."""
    pol = _pol()
    january = _delivery("L1", "2025-01-20", 1, 60)
    old, _, _ = _contract(pol, [_units("L1", 1200000, 120)], [january])
    events = [
        january,
        _delivery("L1", "2025-02-10", 2, 30),
        _delivery("L1", "2025-03-05", 3, 30),
        _delivery("L2", "2025-03-05", 4, 30),
    ]
    new, patterns, allocated = _contract(pol, [_units("L1", 1200000, 120), _units("L2", 240000, 30)], events)
    open_index = pol.calendar.index_of_key(202502)
    found = reallocate_remaining(
        patterns, {"L1": _recognised(old["L1"], open_index)}, _ssp(allocated), open_index
    )
    assert found["L1"].allocated == (1160000,) * 3 and found["L2"].allocated == (280000,) * 3
    first = revise(old["L1"], new["L1"], found["L1"], open_index=open_index, treatment=PROSPECTIVE)
    second = prospective_new(new["L2"], found["L2"], open_index=open_index)
    assert _net(pol, first) == {202501: 600000, 202502: 280000, 202503: 280000}
    assert _net(pol, second) == {202503: 280000}
    # allocating the whole 14,400 by SSP instead would reprice line 1: 14,400 × 12,000/15,000 = 11,520
    assert patterns["L1"].allocated[0] == 1152000


@settings(max_examples=60, deadline=None)
@given(
    qty=st.integers(2, 300),
    price=st.integers(1, 10**8),
    delivered=st.integers(1, 299),
    new_qty=st.integers(1, 300),
    new_price=st.integers(0, 10**8),
    later=st.integers(0, 300),
    rate=st.sampled_from(["1", "0.9137", "151.37"]),
)
def test_added_line_moves_nothing_recognised_and_totals_are_exact(
    qty: int, price: int, delivered: int, new_qty: int, new_price: int, later: int, rate: str
) -> None:
    """Whatever the quantities, prices and deliveries: the closed period keeps line 1's amounts in T/F/R;
    the shares of the remaining consideration sum exactly to it, so the lines' new totals sum to the
    contract's in every currency; fully delivered, each line ends exactly at its new total."""
    delivered = min(delivered, qty - 1)
    f_cur = "JPY" if rate == "151.37" else "EUR"
    pol = _pol()
    extra = {"f_cur": f_cur, "f_rate": rate}
    january = _delivery("L1", "2025-01-20", 1, delivered)
    old, _, _ = _contract(pol, [_units("L1", price, qty, **extra)], [january])
    events = [january, _delivery("L1", "2025-02-10", 2, min(later, qty - delivered))]
    events += [_delivery("L1", "2025-04-10", 3, qty), _delivery("L2", "2025-04-10", 4, new_qty)]
    lines = [_units("L1", price, qty, **extra), _units("L2", new_price, new_qty, **extra)]
    new, patterns, allocated = _contract(pol, lines, events)
    open_index = pol.calendar.index_of_key(202502)
    recognised = _recognised(old["L1"], open_index)
    found = reallocate_remaining(patterns, {"L1": recognised}, _ssp(allocated), open_index)
    first = revise(old["L1"], new["L1"], found["L1"], open_index=open_index, treatment=PROSPECTIVE)
    second = prospective_new(new["L2"], found["L2"], open_index=open_index)
    for c in range(3):
        for index in range(old["L1"].first_index, open_index):
            assert first.through("R", c, index) == old["L1"].through("R", c, index)
            assert first.through("A", c, index) == old["L1"].through("A", c, index)
        assert second.through("R", c, open_index - 1) + second.through("A", c, open_index - 1) == 0
        contract_total = patterns["L1"].allocated[c] + patterns["L2"].allocated[c]
        assert found["L1"].allocated[c] + found["L2"].allocated[c] == contract_total
        assert first.total("R", c) + first.total("A", c) == found["L1"].allocated[c]
        assert second.total("R", c) + second.total("A", c) == found["L2"].allocated[c]
