"""Prospective modifications (ASC 606-10-25-13(a), IFRS 15.21(a)): closed periods and delivered units keep
their revenue; the remaining consideration follows the exact remaining pattern. Figures derived by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from engine_builders import day, line, policies
from hypothesis import given, settings
from hypothesis import strategies as st

from revrec.contracts.revisions import PROSPECTIVE, Packed, pack, revise
from revrec.engine.contracts import allocate_contract, collect, schedule_contract
from revrec.engine.conventions import ScheduleRounding
from revrec.engine.lines import RevenueEvent, TransactionLine
from revrec.engine.money import from_minor, round_div, to_minor
from revrec.engine.policies import Policies
from revrec.engine.policy_pob import (
    AccountingMethod,
    EventProcessType,
    EventType,
    PobTemplate,
    RatableMethod,
    ReleaseEvent,
)
from revrec.engine.prospective import natural_patterns


def _units(process: EventProcessType = EventProcessType.QUANTITY, name: str = "Units") -> PobTemplate:
    return PobTemplate(
        name,
        release_event=ReleaseEvent.UPON_EVENT,
        ratable_method=RatableMethod.IMMEDIATE_USING_START_DATE,
        event=EventType("Delivery", process),
    )


def _delivery(on: str, number: int, **measure: str) -> RevenueEvent:
    values = {k: Decimal(v) for k, v in measure.items()}
    return RevenueEvent("L1", "Delivery", day(on), event_id=f"{number:04d}", **values)  # type: ignore[arg-type]


def _packed(pol: Policies, item: TransactionLine, events: Sequence[RevenueEvent], open_key: int) -> Packed:
    collection = collect([item], pol, events=events)
    contract = schedule_contract(
        allocate_contract(collection.groups[0], pol), pol, collection.activity, open_period=open_key
    )
    schedule = contract.schedules[0]
    return pack(schedule, pol.calendar.index_of_key(schedule.periods[0]))


def _revised(
    pol: Policies,
    old: Packed,
    item: TransactionLine,
    events: Sequence[RevenueEvent],
    open_key: int,
    rounding: ScheduleRounding = ScheduleRounding.CUMULATIVE,
) -> Packed:
    """The new current schedule of ``item`` (its new terms) revised prospectively at ``open_key``."""
    collection = collect([item], pol, events=events)
    allocated = allocate_contract(collection.groups[0], pol)
    contract = schedule_contract(allocated, pol, collection.activity, open_period=open_key)
    new = pack(contract.schedules[0], pol.calendar.index_of_key(contract.schedules[0].periods[0]))
    pattern = natural_patterns(allocated, pol, collection.activity)["L1"]
    open_index = pol.calendar.index_of_key(open_key)
    return revise(old, new, pattern, open_index=open_index, treatment=PROSPECTIVE, rounding=rounding)


def _amounts(packed: Packed, currency: int = 0, kind: str = "R") -> dict[int, int]:
    series = (packed.rev if kind == "R" else packed.cv)[currency]
    previous, out = 0, {}
    for index, running in enumerate(series):
        out[packed.first_index + index] = running - previous
        previous = running
    return out


def _by_key(pol: Policies, packed: Packed) -> dict[int, int]:
    return {pol.calendar.keys[i]: v for i, v in _amounts(packed).items() if v}


def test_example_5_case_b_blended_price_for_remaining_units() -> None:
    """ASC 606-10-55-111 to 55-116 / IFRS 15 IE19-IE24, Example 5 Case B (modification for goods).

    120 products for $12,000 ($100 each), control passing on delivery; after 60 products are delivered the
    contract is modified for 30 more at $80 each (not their standalone selling price) — a termination of
    the old contract and creation of a new one (25-13(a)): each of the 90 remaining products earns the
    blended ($100 × 60 + $80 × 30) / 90 = $93.33. (The example's separate $900 credit for the defective
    products already delivered is a price concession, not part of this line's modification.)
    By hand: January 60 × 100 = 6,000.00; the line becomes 150 products for 14,400.00; February delivers 20:
    8,400 × 20 / 90 = 1,866.666… → 1,866.67; March the last 70: 8,400 − 1,866.67 = 6,533.33.
    """
    pol = policies(_units())
    old_line = line("L1", "12000.00", item="Units", start="2025-01-01", end="2025-06-30", qty="120")
    january = _delivery("2025-01-20", 1, quantity="60")
    old = _packed(pol, old_line, [january], 202501)
    assert _by_key(pol, old) == {202501: 600000}
    modified = line("L1", "14400.00", item="Units", start="2025-01-01", end="2025-06-30", qty="150")
    later = [january, _delivery("2025-02-10", 2, quantity="20"), _delivery("2025-03-05", 3, quantity="70")]
    revised = _revised(pol, old, modified, later, 202502)
    assert _by_key(pol, revised) == {202501: 600000, 202502: 186667, 202503: 653333}
    # retrospective would have repriced the 60 delivered units at 96: the prospective result keeps them
    assert sum(_amounts(revised).values()) == 1440000


def test_example_5_case_a_is_a_separate_contract() -> None:
    """ASC 606-10-55-112 to 55-113 / IFRS 15 IE20-IE21, Example 5 Case A: the 30 additional products at
    their standalone selling price of $95 are a separate contract (a separate sales order here), so the
    original line keeps $100 a product (60 in January → 6,000.00, 60 in March → 6,000.00) and the new one
    earns 30 × 95 = 2,850.00 when delivered."""
    pol = policies(_units())
    first = line("L1", "12000.00", item="Units", start="2025-01-01", end="2025-06-30", qty="120")
    second = line("L2", "2850.00", item="Units", start="2025-02-01", end="2025-06-30", qty="30", so_num="SO2")
    events = [
        _delivery("2025-01-20", 1, quantity="60"),
        _delivery("2025-03-05", 2, quantity="60"),
        RevenueEvent("L2", "Delivery", day("2025-03-05"), quantity=Decimal(30), event_id="0003"),
    ]
    collection = collect([first, second], pol, events=events)
    assert len(collection.groups) == 2
    found = {}
    for group in collection.groups:
        contract = schedule_contract(allocate_contract(group, pol), pol, collection.activity)
        for schedule in contract.schedules:
            found[schedule.line_id] = {p: str(a) for p, a in schedule.amounts() if a}
    assert found == {"L1": {202501: "6000.00", 202503: "6000.00"}, "L2": {202503: "2850.00"}}


def test_percent_and_amount_events_keep_delivered_revenue() -> None:
    """By percent: 1,000.00, 40 % delivered in January (400.00); the price becomes 1,600.00; the remaining
    60 % (1,600 − 400 = 1,200.00) earns 1,200 × 30/60 = 600.00 for the next 30 % in February.
    By amount: 1,000.00, 250.00 delivered in January; price 1,600.00 (the amounts measure the new price):
    delivered 250/1,600 of the line; the next 600.00 of 1,350 remaining earns (1,600 − 250) × 600/1,350 =
    600.00 in February."""
    for process, first, second in (
        (EventProcessType.PERCENT, {"percent": "40"}, {"percent": "30"}),
        (EventProcessType.AMOUNT, {"amount": "250"}, {"amount": "600"}),
    ):
        pol = policies(_units(process))
        january = _delivery("2025-01-20", 1, **first)
        old = _packed(pol, line("L1", "1000.00", item="Units", end="2025-06-30"), [january], 202501)
        base = 40000 if process is EventProcessType.PERCENT else 25000
        assert _by_key(pol, old) == {202501: base}
        modified = line("L1", "1600.00", item="Units", end="2025-06-30")
        revised = _revised(pol, old, modified, [january, _delivery("2025-02-10", 2, **second)], 202502)
        assert _by_key(pol, revised) == {202501: base, 202502: 60000}, process


def test_time_based_line_follows_the_exact_pattern_not_rounded_amounts() -> None:
    """100.00 over January-March (Ratable, Partial Month: thirds). January closed at 33.33; the line is
    re-priced to 200.00: 200 − 33.33 = 166.67 remain for two equal thirds. Exact pattern: February
    33.33 + round(166.67 / 2) = 33.33 + 83.34 (83.335 rounds half up) → 83.34, March 83.33. Spreading over
    the new line's rounded amounts (66.67, 66.66, 66.67) would give February 83.33 instead."""
    pol = policies(PobTemplate("Sub"))
    old = _packed(pol, line("L1", "100.00", item="Sub", end="2025-03-31"), [], 202501)
    assert _by_key(pol, old) == {202501: 3333, 202502: 3334, 202503: 3333}
    revised = _revised(pol, old, line("L1", "200.00", item="Sub", end="2025-03-31"), [], 202502)
    assert _by_key(pol, revised) == {202501: 3333, 202502: 8334, 202503: 8333}


# --- properties --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    qty=st.integers(1, 500),
    price=st.integers(-(10**7), 10**8),
    first=st.integers(0, 500),
    new_qty=st.integers(1, 800),
    new_price=st.integers(-(10**7), 10**8),
    later=st.lists(st.integers(0, 300), min_size=0, max_size=4),
    rate=st.sampled_from(["1", "0.9137", "151.37"]),
    by_percent=st.booleans(),
    rounding=st.sampled_from(list(ScheduleRounding)),
)
def test_prospective_never_moves_closed_or_delivered_revenue(
    qty: int,
    price: int,
    first: int,
    new_qty: int,
    new_price: int,
    later: list[int],
    rate: str,
    by_percent: bool,
    rounding: ScheduleRounding,
) -> None:
    """Whatever the quantities (or percentages), prices, deliveries and ``schedule_rounding`` convention:
    closed periods keep their amounts in T/F/R, and a fully delivered line ends exactly at its new full
    consideration in every currency."""
    first = min(first, 100 if by_percent else qty)
    process = EventProcessType.PERCENT if by_percent else EventProcessType.QUANTITY
    pol = policies(_units(process))
    measure = "percent" if by_percent else "quantity"
    f_cur = "JPY" if rate == "151.37" else "EUR"

    def make(units: int, cents: int) -> TransactionLine:
        sell = str(Decimal(cents) / 100)
        return line("L1", sell, item="Units", end="2025-12-31", qty=str(units), f_cur=f_cur, f_rate=rate)

    events = [_delivery("2025-01-20", 1, **{measure: str(first)})] if first else []
    old = _packed(pol, make(qty, price), events, 202501) if first else None
    for n, units in enumerate(later):
        events.append(_delivery(f"2025-{n + 2:02d}-10", n + 2, **{measure: str(units)}))
    # whatever is left (capped at 100 % with a warning): the line is fully delivered
    events.append(_delivery("2025-09-10", 99, **{measure: "100" if by_percent else str(new_qty)}))
    if old is None:
        return
    revised = _revised(pol, old, make(new_qty, new_price), events, 202502, rounding)
    jan = pol.calendar.index_of_key(202501)
    for c in range(3):
        assert revised.through("R", c, jan) == old.through("R", c, jan)
        assert revised.through("A", c, jan) == old.through("A", c, jan)
    # fully delivered (the last event releases whatever is left): the new consideration, exactly
    functional = to_minor(from_minor(new_price, "USD") * Decimal(rate), f_cur)
    reporting = to_minor(from_minor(functional, f_cur), "USD")
    assert (revised.total("R", 0), revised.total("R", 1), revised.total("R", 2)) == (
        new_price,
        functional,
        reporting,
    )


@settings(max_examples=60, deadline=None)
@given(
    months=st.integers(2, 24),
    start_day=st.integers(1, 28),
    closed=st.integers(1, 23),
    old_price=st.integers(0, 10**9),
    new_price=st.integers(-(10**6), 10**9),
)
def test_time_based_revision_is_cumulative_rounding_of_the_exact_pattern(
    months: int, start_day: int, closed: int, old_price: int, new_price: int
) -> None:
    """A daily ratable line re-priced after ``closed`` months: every later running total equals
    base + round((new − base) × (days through the period − days through the closed ones) / days left),
    computed here from the calendar days alone."""
    start = dt.date(2025, 1, start_day)
    end = _add_months(start, months) - dt.timedelta(days=1)
    closed = min(closed, months - 1)
    pol = policies(PobTemplate("Sub", accounting_method=AccountingMethod.DAILY))

    def make(cents: int) -> TransactionLine:
        return line("L1", str(Decimal(cents) / 100), item="Sub", start=str(start), end=str(end))

    old = _packed(pol, make(old_price), [], 202501)
    open_date = _add_months(dt.date(2025, 1, 1), closed)
    open_key = open_date.year * 100 + open_date.month
    revised = _revised(pol, old, make(new_price), [], open_key)
    total_days = (end - start).days + 1
    base_days = (open_date - start).days
    open_index = pol.calendar.index_of_key(open_key)
    base = old.through("R", 0, open_index - 1)
    assert revised.through("R", 0, open_index - 1) == base
    for month in range(closed, months + 1):
        period_end = _add_months(dt.date(2025, 1, 1), month + 1)
        days = min((period_end - start).days, total_days)
        expected = base + round_div((new_price - base) * (days - base_days), total_days - base_days)
        index = pol.calendar.index_of(period_end - dt.timedelta(days=1))
        assert revised.through("R", 0, index) == expected
    # no term changed: the engine's own schedule, running totals off by one minor unit at most
    same = _revised(pol, old, make(old_price), [], open_key)
    for index in range(open_index, same.first_index + same.n):
        assert abs(same.through("R", 0, index) - old.through("R", 0, index)) <= 1


def test_prospective_revision_honours_schedule_rounding() -> None:
    """100.00 over January–April 2025 (Ratable, Partial Month: quarters of 25.00); January closed at
    25.00; the line is re-priced to 200.00, so 175.00 remain for three equal quarters of 58.333…
    By hand: cumulative rounding 58.33 (round 58.333), 116.67 − 58.33 = 58.34, 175.00 − 116.67 = 58.33;
    Last Period: 58.33, 58.33 and the remainder 175.00 − 116.66 = 58.34 in April; First Period: the
    remainder in February (58.34), then 58.33, 58.33. Closed January stays 25.00 under every convention."""
    pol = policies(PobTemplate("Sub"))
    old = _packed(pol, line("L1", "100.00", item="Sub", end="2025-04-30"), [], 202501)
    assert _by_key(pol, old) == {202501: 2500, 202502: 2500, 202503: 2500, 202504: 2500}
    new = line("L1", "200.00", item="Sub", end="2025-04-30")
    expected = {
        ScheduleRounding.CUMULATIVE: (5833, 5834, 5833),
        ScheduleRounding.LAST_PERIOD: (5833, 5833, 5834),
        ScheduleRounding.FIRST_PERIOD: (5834, 5833, 5833),
    }
    for rounding, (feb, mar, apr) in expected.items():
        revised = _revised(pol, old, new, [], 202502, rounding)
        assert _by_key(pol, revised) == {202501: 2500, 202502: feb, 202503: mar, 202504: apr}, rounding


@settings(max_examples=60, deadline=None)
@given(
    months=st.integers(2, 24),
    start_day=st.integers(1, 28),
    closed=st.integers(1, 23),
    old_price=st.integers(0, 10**9),
    new_price=st.integers(-(10**6), 10**9),
    rounding=st.sampled_from([ScheduleRounding.LAST_PERIOD, ScheduleRounding.FIRST_PERIOD]),
)
def test_time_based_revision_under_last_or_first_period_rounding(
    months: int, start_day: int, closed: int, old_price: int, new_price: int, rounding: ScheduleRounding
) -> None:
    """A daily ratable line re-priced after ``closed`` months under Last / First Period rounding: closed
    periods unchanged; each remaining period except the one taking the remainder is
    round((new − base) × its days / days left) on its own; the remaining periods sum exactly to new − base
    (the line ends at its new price); computed here from the calendar days alone."""
    start = dt.date(2025, 1, start_day)
    end = _add_months(start, months) - dt.timedelta(days=1)
    closed = min(closed, months - 1)
    pol = policies(PobTemplate("Sub", accounting_method=AccountingMethod.DAILY))

    def make(cents: int) -> TransactionLine:
        return line("L1", str(Decimal(cents) / 100), item="Sub", start=str(start), end=str(end))

    old = _packed(pol, make(old_price), [], 202501)
    open_date = _add_months(dt.date(2025, 1, 1), closed)
    open_key = open_date.year * 100 + open_date.month
    revised = _revised(pol, old, make(new_price), [], open_key, rounding)
    open_index = pol.calendar.index_of_key(open_key)
    for index in range(old.first_index, open_index):
        assert revised.through("R", 0, index) == old.through("R", 0, index)
    base = old.through("R", 0, open_index - 1)
    total_days = (end - start).days + 1
    days_left = total_days - (open_date - start).days
    amounts: list[tuple[int, int]] = []  # (exact days, amount) of each remaining period with days
    previous = base
    for month in range(closed, months + 1):
        period_start = _add_months(dt.date(2025, 1, 1), month)
        period_end = _add_months(dt.date(2025, 1, 1), month + 1)
        days = (min(period_end, end + dt.timedelta(days=1)) - max(period_start, start)).days
        running = revised.through("R", 0, pol.calendar.index_of(period_start))
        if days > 0:
            amounts.append((days, running - previous))
        previous = running
    assert previous == new_price
    at = len(amounts) - 1 if rounding is ScheduleRounding.LAST_PERIOD else 0
    for position, (days, amount) in enumerate(amounts):
        if position != at:
            assert amount == round_div((new_price - base) * days, days_left)


def _add_months(value: dt.date, months: int) -> dt.date:
    month = value.month - 1 + months
    return value.replace(year=value.year + month // 12, month=month % 12 + 1)
