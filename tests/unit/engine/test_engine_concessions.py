"""Price concessions under prospective modifications (engine/concessions.py): the part of a credit that
relates to goods already delivered is booked in the period of the change, the rest reduces the remaining
consideration. Figures derived by hand."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from engine_builders import day, line, policies
from hypothesis import given, settings
from hypothesis import strategies as st

from revrec.contracts.revisions import PROSPECTIVE, Packed, pack, revise
from revrec.engine.concessions import Concession, delivered_part
from revrec.engine.contracts import allocate_contract, collect, schedule_contract
from revrec.engine.lines import RevenueEvent, TransactionLine
from revrec.engine.policies import Policies
from revrec.engine.policy_pob import EventProcessType, EventType, PobTemplate, RatableMethod, ReleaseEvent
from revrec.engine.prospective import Pattern, natural_patterns

UNITS = PobTemplate(
    "Units",
    release_event=ReleaseEvent.UPON_EVENT,
    ratable_method=RatableMethod.IMMEDIATE_USING_START_DATE,
    event=EventType("Delivery", EventProcessType.QUANTITY),
)


def _delivery(on: str, number: int, quantity: int) -> RevenueEvent:
    return RevenueEvent("L1", "Delivery", day(on), quantity=Decimal(quantity), event_id=f"{number:04d}")


def _units(price: str, qty: int) -> TransactionLine:
    return line("L1", price, item="Units", start="2025-01-01", end="2025-06-30", qty=str(qty))


def _schedule(pol: Policies, item: TransactionLine, events: Sequence[RevenueEvent]) -> tuple[Packed, Pattern]:
    collection = collect([item], pol, events=events)
    allocated = allocate_contract(collection.groups[0], pol)
    contract = schedule_contract(allocated, pol, collection.activity, open_period=202501)
    schedule = contract.schedules[0]
    packed = pack(schedule, pol.calendar.index_of_key(schedule.periods[0]))
    return packed, natural_patterns(allocated, pol, collection.activity)["L1"]


def _amounts(pol: Policies, packed: Packed) -> dict[int, int]:
    series, previous, out = packed.rev[0], 0, {}
    for index, running in enumerate(series):
        if running - previous:
            out[pol.calendar.keys[packed.first_index + index]] = running - previous
        previous = running
    return out


def test_example_5_case_b_concession_on_delivered_products() -> None:
    """ASC 606-10-55-114 to 55-116 / IFRS 15 IE22-IE24, Example 5 Case B: 120 products for $12,000, 60
    delivered in January (6,000.00, closed); in February 30 more at $80 (150 products, 14,400) and a $15
    credit for each of the 60 delivered defective products (−900.00 for 60 units): the line's consideration
    becomes 14,400 − 900 = 13,500. By hand: all 60 credited units were delivered, so the whole −900.00 is
    booked in February; the remaining 90 products earn 13,500 − (6,000 − 900) = 8,400, 93.33 each:
    February 20 → −900 + 1,866.67 = 966.67, March 70 → 6,533.33."""
    pol = policies(UNITS)
    january = _delivery("2025-01-20", 1, 60)
    old, _ = _schedule(pol, _units("12000.00", 120), [january])
    later = [january, _delivery("2025-02-10", 2, 20), _delivery("2025-03-05", 3, 70)]
    new, pattern = _schedule(pol, _units("13500.00", 150), later)
    open_index = pol.calendar.index_of_key(202502)
    shift = delivered_part([Concession(-90000, Decimal(60))], pattern, open_index, Decimal(150))
    assert shift == (-90000, -90000, -90000)
    revised = revise(old, new, pattern, open_index=open_index, treatment=PROSPECTIVE, shift=shift)
    assert _amounts(pol, revised) == {202501: 600000, 202502: 96667, 202503: 653333}
    assert revised.total("R", 0) == 1350000


def test_credit_on_the_whole_line_is_split_by_delivered_units() -> None:
    """120 products for 12,000.00, 60 delivered in January (closed); a credit of −1,200.00 on the whole line
    (no quantity): 60/120 delivered, so −600.00 in February at once and the other −600.00 reduces the
    remaining consideration: 10,800 − (6,000 − 600) = 5,400 for 60 products, 90 each; February delivers 30:
    −600 + 2,700 = 2,100.00, March 30: 2,700.00. A credit for 100 units (12.00 each) of which 60 were
    delivered: 60 × 12 = −720.00 at once."""
    pol = policies(UNITS)
    january = _delivery("2025-01-20", 1, 60)
    old, _ = _schedule(pol, _units("12000.00", 120), [january])
    later = [january, _delivery("2025-02-10", 2, 30), _delivery("2025-03-05", 3, 30)]
    new, pattern = _schedule(pol, _units("10800.00", 120), later)
    open_index = pol.calendar.index_of_key(202502)
    shift = delivered_part([Concession(-120000)], pattern, open_index, Decimal(120))
    assert shift == (-60000, -60000, -60000)
    revised = revise(old, new, pattern, open_index=open_index, treatment=PROSPECTIVE, shift=shift)
    assert _amounts(pol, revised) == {202501: 600000, 202502: 210000, 202503: 270000}
    partial = delivered_part([Concession(-120000, Decimal(100))], pattern, open_index, Decimal(120))
    assert partial[0] == -72000


@settings(max_examples=60, deadline=None)
@given(
    qty=st.integers(2, 400),
    price=st.integers(1, 10**8),
    first=st.integers(1, 399),
    credit=st.integers(1, 10**7),
    credited=st.integers(0, 400),
    rate=st.sampled_from(["1", "0.9137", "151.37"]),
)
def test_concession_keeps_closed_periods_and_ends_at_the_credited_price(
    qty: int, price: int, first: int, credit: int, credited: int, rate: str
) -> None:
    """Whatever the quantities, prices and credit: the closed period keeps its amounts in T/F/R, the open
    period books the delivered part (never more than the credit), and once every unit is delivered the
    line ends exactly at its price less the credit in every currency."""
    first = min(first, qty - 1)
    f_cur = "JPY" if rate == "151.37" else "EUR"
    pol = policies(UNITS)

    def make(cents: int) -> TransactionLine:
        sell = str(Decimal(cents) / 100)
        return line("L1", sell, item="Units", end="2025-06-30", qty=str(qty), f_cur=f_cur, f_rate=rate)

    january = _delivery("2025-01-20", 1, first)
    old, _ = _schedule(pol, make(price), [january])
    new, pattern = _schedule(pol, make(price - credit), [january, _delivery("2025-03-05", 2, qty - first)])
    open_index = pol.calendar.index_of_key(202502)
    shift = delivered_part([Concession(-credit, Decimal(credited))], pattern, open_index, Decimal(qty))
    assert -credit <= shift[0] <= 0
    revised = revise(old, new, pattern, open_index=open_index, treatment=PROSPECTIVE, shift=shift)
    for c in range(3):
        assert revised.through("R", c, open_index - 1) == old.through("R", c, open_index - 1)
        assert revised.through("R", c, open_index) - old.through("R", c, open_index - 1) == shift[c]
        assert revised.total("R", c) == pattern.allocatable[c]
