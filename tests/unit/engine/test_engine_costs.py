"""Costs of obtaining and fulfilling a contract (revrec.engine.costs): worked examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revrec.engine import costs
from revrec.engine.costs import (
    EXPENSE,
    FULFIL,
    OBTAIN,
    REVENUE_PATTERN,
    STRAIGHT_LINE,
    CostType,
    carrying_after,
    check_cost_type,
    entries,
    fold_before,
    impair,
    impairment_loss,
    in_open_period,
    plan_cost,
    spread,
)

COMMISSION = CostType("Commission", OBTAIN, REVENUE_PATTERN)
LEGAL = CostType("Legal", OBTAIN, EXPENSE)
TRAVEL = CostType("Travel", OBTAIN, EXPENSE)


def test_asc_340_40_example_1_incremental_costs_of_obtaining_a_contract() -> None:
    """ASC 340-40-55-2 to 55-4, Example 1 (IFRS 15 Illustrative Example 36).

    A consulting firm wins a competitive bid. Costs to obtain the contract: external legal fees for due
    diligence $15,000, travel to deliver the proposal $25,000, commissions to sales employees $10,000
    (total $50,000). Only the commission is incremental (it is owed only because the contract was
    obtained), so it is capitalised; the legal fees and travel would have been incurred anyway and are
    expensed when incurred (ASC 340-40-25-2).

    The example does not give the contract's term; this test assumes the consulting services are
    recognised evenly over 5 years (60 monthly periods, $1,000,000 of revenue a month, in cents), so the
    commission amortises in the same pattern: 1,000,000 cents / 60 = 16,666.67 cents a month, by cumulative
    rounding: period 1 = round(1,000,000 × 1/60) = 16,667; period 2 = round(1,000,000 × 2/60) − 16,667 =
    33,333 − 16,667 = 16,666; period 3 = 50,000 − 33,333 = 16,667; and so on, summing to exactly 1,000,000.
    """
    revenue = [100_000_000] * 60  # $1,000,000.00 a month, in cents
    commission = plan_cost(cost="C1", amount=1_000_000, cost_type=COMMISSION, incurred_index=0,
                           related_line="SO-1", revenue_first_index=0, revenue=revenue)  # fmt: skip
    legal = plan_cost(cost="C2", amount=1_500_000, cost_type=LEGAL, incurred_index=0, related_line="SO-1")
    travel = plan_cost(cost="C3", amount=2_500_000, cost_type=TRAVEL, incurred_index=0, related_line="SO-1")

    assert commission.capitalised and not legal.capitalised and not travel.capitalised
    assert commission.amortisation[:3] == (16_667, 16_666, 16_667)
    assert sum(commission.amortisation) == 1_000_000 and len(commission.amortisation) == 60
    # Capitalised $10,000; expensed when incurred $15,000 + $25,000 = $40,000 of the $50,000.
    booked = [e for plan in (commission, legal, travel) for e in entries(plan) if e.index == 0]
    assert sum(e.amount for e in booked if (e.debit, e.credit) == ("G", "P")) == 1_000_000
    assert sum(e.amount for e in booked if (e.debit, e.credit) == ("I", "P")) == 4_000_000
    # First month: the commission's amortisation, Dr I / Cr G 166.67.
    assert [(e.debit, e.credit, e.amount) for e in entries(commission) if e.kind == "AMORTISE"][0] == (
        "I", "G", 16_667,
    )  # fmt: skip


def test_practical_expedient_expenses_a_commission_amortised_within_one_year() -> None:
    """ASC 340-40-25-4: a commission on a 12-month contract may be expensed when incurred."""
    expedient = CostType("Commission", OBTAIN, REVENUE_PATTERN, practical_expedient=True)
    twelve = plan_cost(cost="C", amount=1200, cost_type=expedient, incurred_index=5, related_line="L",
                       revenue_first_index=5, revenue=[100] * 12)  # fmt: skip
    thirteen = plan_cost(cost="C", amount=1200, cost_type=expedient, incurred_index=5, related_line="L",
                         revenue_first_index=5, revenue=[100] * 13)  # fmt: skip
    assert not twelve.capitalised and twelve.warnings[0].code == "REVREC-ENG-060"
    assert [(e.debit, e.credit, e.amount, e.index) for e in entries(twelve)] == [("I", "P", 1200, 5)]
    assert thirteen.capitalised and len(thirteen.amortisation) == 13


def test_straight_line_over_the_term_from_the_incurred_period() -> None:
    """1,000.00 over 3 periods: round(100000/3) = 33,333; round(200000/3) − 33,333 = 33,334; 33,333."""
    setup_fee = CostType("Setup", FULFIL, STRAIGHT_LINE, term_periods=3)
    plan = plan_cost(cost="C", amount=100_000, cost_type=setup_fee, incurred_index=7, related_line=None)
    assert (plan.first_index, plan.amortisation) == (7, (33_333, 33_334, 33_333))


def test_revenue_pattern_without_revenue_falls_back_with_a_warning() -> None:
    plan = plan_cost(cost="C", amount=500, cost_type=COMMISSION, incurred_index=2, related_line="L",
                     revenue_first_index=None, revenue=())  # fmt: skip
    assert plan.amortisation == (500,) and plan.warnings[0].code == "REVREC-ENG-061"


def test_amortisation_before_the_incurred_period_is_caught_up() -> None:
    """Revenue 100 a period from index 0 for 4 periods; a 400 cost incurred in index 2 amortises 100 + 100
    (periods 0 and 1, caught up) + 100 in index 2, then 100 in index 3."""
    plan = plan_cost(cost="C", amount=400, cost_type=COMMISSION, incurred_index=2, related_line="L",
                     revenue_first_index=0, revenue=[100] * 4)  # fmt: skip
    assert (plan.first_index, plan.amortisation) == (2, (300, 100))


def test_impairment_asc_340_40_35_3() -> None:
    """Carrying 600, remaining consideration 1,000, costs still to provide 700: recoverable 300, loss 300.
    The remaining 300 of amortisation (3 periods of 200 after the test) becomes 100 a period."""
    assert impairment_loss(carrying=600, remaining_consideration=1000, costs_to_provide=700) == 300
    assert impairment_loss(carrying=600, remaining_consideration=1000, costs_to_provide=100) == 0
    schedule = (200, 200, 200, 200, 200)
    assert carrying_after(schedule, 0, 1, 1000) == 600
    assert impair(schedule, 0, 1, 300) == (200, 200, 100, 100, 100)
    with pytest.raises(ValueError):
        impair(schedule, 0, 1, 601)


def test_check_cost_type() -> None:
    assert check_cost_type(COMMISSION) == []
    assert check_cost_type(CostType("S", FULFIL, STRAIGHT_LINE)) == [
        "a STRAIGHT_LINE cost type needs term_periods ≥ 1"
    ]
    assert check_cost_type(CostType("F", FULFIL, EXPENSE, practical_expedient=True)) == [
        "the practical expedient (ASC 340-40-25-4) applies to costs to obtain only"
    ]
    assert len(check_cost_type(CostType("X", "OTHER", "LATER"))) == 2


def test_a_cost_of_a_closed_period_is_booked_in_the_open_period() -> None:
    """Incurred in index 2, straight-line over 4 periods (25 each); open period index 4: capitalised in 4
    with 25 + 25 + 25 caught up there and 25 in index 5."""
    plan = plan_cost(cost="C", amount=100, cost_type=CostType("S", FULFIL, STRAIGHT_LINE, term_periods=4),
                     incurred_index=2, related_line=None)  # fmt: skip
    moved = in_open_period(plan, 4)
    assert (moved.booked_index, moved.first_index, moved.amortisation) == (4, 4, (75, 25))
    assert in_open_period(plan, 1) is plan
    expensed = in_open_period(
        plan_cost(cost="E", amount=9, cost_type=LEGAL, incurred_index=0, related_line=None), 3
    )
    assert [(e.index, e.debit, e.credit) for e in entries(expensed)] == [(3, "I", "P")]


def test_fold_before() -> None:
    assert fold_before(0, (1, 2, 3), 5) == (5, (6,))
    assert fold_before(3, (1, 2), 1) == (3, (1, 2))


amounts = st.integers(min_value=1, max_value=10**12)
revenues = st.lists(st.integers(min_value=-(10**6), max_value=10**9), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(amount=amounts, revenue=revenues, incurred=st.integers(0, 50), first=st.integers(0, 50))
def test_amortised_plus_carrying_is_capitalised_and_entries_balance(
    amount: int, revenue: list[int], incurred: int, first: int
) -> None:
    plan = plan_cost(cost="C", amount=amount, cost_type=COMMISSION, incurred_index=incurred,
                     related_line="L", revenue_first_index=first, revenue=revenue)  # fmt: skip
    assert plan.capitalised and plan.first_index >= incurred
    assert sum(plan.amortisation) == amount
    assert all(part >= 0 for part in plan.amortisation)
    last = plan.first_index + len(plan.amortisation) - 1
    for index in range(plan.first_index, last + 1):
        amortised = sum(plan.amortisation[: index - plan.first_index + 1])
        assert amortised + carrying_after(plan.amortisation, plan.first_index, index, amount) == amount
    booked = entries(plan)
    assert all(e.amount > 0 and e.debit != e.credit for e in booked)
    asset = sum(e.amount for e in booked if e.debit == "G") - sum(e.amount for e in booked if e.credit == "G")
    assert asset == 0  # fully amortised at the end


@settings(max_examples=200, deadline=None)
@given(
    schedule=st.lists(st.integers(0, 10**9), min_size=1, max_size=30),
    at=st.integers(-3, 35),
    share=st.fractions(min_value=0, max_value=1),
)
def test_impairment_never_moves_closed_periods_and_keeps_the_books_whole(
    schedule: list[int], at: int, share: object
) -> None:
    from fractions import Fraction

    assert isinstance(share, Fraction)
    cut = max(at + 1, 0)
    remaining = sum(schedule[cut:])
    loss = int(remaining * share)
    after = impair(schedule, 0, at, loss)
    assert after[:cut] == tuple(schedule[:cut])  # periods through the test never move
    assert sum(after) + loss == sum(schedule)  # amortised + impaired + carrying (0 at the end) = capitalised
    assert all(part >= 0 for part in after)


@given(
    amount=st.integers(-(10**12), 10**12), weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=50)
)
def test_spread_sums_exactly(amount: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        with pytest.raises(ValueError):
            spread(amount, weights)
        return
    assert sum(spread(amount, weights)) == amount


def test_engine_costs_messages_are_in_the_assigned_range() -> None:
    assert all(60 <= int(code.rsplit("-", 1)[1]) <= 69 for code in costs.MESSAGES)


@settings(max_examples=200, deadline=None)
@given(
    amount=amounts,
    term=st.integers(1, 40),
    incurred=st.integers(0, 30),
    open_index=st.integers(0, 60),
    expensed=st.booleans(),
)
def test_nothing_is_booked_before_the_open_period(
    amount: int, term: int, incurred: int, open_index: int, expensed: bool
) -> None:
    cost_type = LEGAL if expensed else CostType("S", FULFIL, STRAIGHT_LINE, term_periods=term)
    plan = in_open_period(
        plan_cost(cost="C", amount=amount, cost_type=cost_type, incurred_index=incurred, related_line=None),
        open_index,
    )
    booked = entries(plan)
    earliest = max(incurred, open_index)
    assert plan.booked_index == earliest and all(e.index >= earliest for e in booked)
    assert sum(e.amount for e in booked if e.credit == "P") == amount  # booked once, in full
    if plan.capitalised:
        assert sum(plan.amortisation) == amount and plan.first_index >= earliest
