"""Rights of return in the pure engine (revrec.engine.returns)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revrec.engine.returns import ZERO, ReturnTerms, excess_returns, movement, position

EXAMPLE_22 = ReturnTerms(return_percent=D(3), cost_percent=D(60))


def test_asc_606_example_22_right_of_return() -> None:
    """ASC 606-10-55-202 to 55-207 (Example 22, Right of Return): 100 products sold at $100 each, cash
    received when control transfers; the entity expects 97 to be kept (3 returned); each product cost $60;
    recovery costs immaterial. By hand, in cents: revenue 97 x 100 = 9,700.00; refund liability
    3 x 100 = 300.00; asset for the right to recover 3 x 60 = 180.00; cost of sales 97 x 60 = 5,820.00;
    inventory derecognised 100 x 60 = 6,000.00."""
    found = position(recognised=1_000_000, returned=0, terms=EXAMPLE_22)
    assert found.revenue == 970_000
    assert found.refund_liability == 30_000
    assert found.asset == 18_000
    assert found.cost_of_sales == 582_000
    assert found.inventory == 600_000
    entries = movement(ZERO, found)
    # Dr R 300 / Cr N 300 (the schedule recognised 10,000); Dr S 180, Dr O 5,820 / Cr Q 6,000
    assert (entries.revenue, entries.refund_liability) == (30_000, -30_000)
    assert (entries.asset, entries.cost_of_sales, entries.inventory) == (18_000, 582_000, -600_000)
    assert entries.total() == 0


def test_example_22_then_the_three_expected_returns_arrive() -> None:
    """The 3 products come back (the line's schedule loses 300.00 of revenue): the refund liability is
    consumed (Dr N 300.00, against the schedule's own Dr R 300.00, so net revenue stays 9,700.00) and the
    goods go back into inventory at their carrying amount (Dr Q 180.00 / Cr S 180.00)."""
    before = position(1_000_000, 0, EXAMPLE_22)
    after = position(recognised=970_000, returned=30_000, terms=EXAMPLE_22)
    assert (after.refund_liability, after.asset, after.revenue) == (0, 0, 970_000)
    entries = movement(before, after)
    assert (entries.revenue, entries.refund_liability) == (-30_000, 30_000)
    assert (entries.asset, entries.cost_of_sales, entries.inventory) == (-18_000, 0, 18_000)


def test_reassessment_and_recovery_costs() -> None:
    """Rate reassessed from 3 % to 5 % at the next period end: 10,000.00 x 2 % = 200.00 more liability;
    asset 500.00 x 60 % = 300.00 less recovery costs 10 % of it (30.00) = 270.00."""
    before = position(1_000_000, 0, EXAMPLE_22)
    terms = ReturnTerms(return_percent=D(5), cost_percent=D(60), recovery_percent=D(10))
    after = position(1_000_000, 0, terms)
    assert (after.refund_liability, after.asset, after.inventory) == (50_000, 27_000, 600_000)
    entries = movement(before, after)
    assert (entries.revenue, entries.asset, entries.cost_of_sales) == (20_000, 9_000, -9_000)


def test_expected_amount_replaces_the_percent_and_is_capped_by_the_revenue() -> None:
    terms = ReturnTerms(cost_percent=D(50), expected_amount=25_000)
    assert position(100_000, 0, terms).refund_liability == 25_000
    assert position(10_000, 0, terms).refund_liability == 10_000
    assert position(90_000, 40_000, terms).refund_liability == 0  # returns beyond expectation


def test_terms_are_checked() -> None:
    with pytest.raises(ValueError, match="return_percent"):
        ReturnTerms(return_percent=D(101))
    with pytest.raises(ValueError, match="expected_amount"):
        ReturnTerms(expected_amount=-1)


percents = st.decimals(min_value=0, max_value=100, places=4)
amounts = st.integers(min_value=0, max_value=10**13)


@given(amounts, amounts, percents, percents, percents)
def test_revenue_plus_refunds_is_the_consideration_and_entries_balance(
    recognised: int, returned: int, rate: D, cost: D, recovery: D
) -> None:
    terms = ReturnTerms(return_percent=rate, cost_percent=cost, recovery_percent=recovery)
    found = position(recognised, returned, terms)
    # revenue kept + refund liability + refunds made = the consideration of the goods transferred
    assert found.revenue + found.refund_liability + found.returned == recognised + returned
    assert 0 <= found.refund_liability <= recognised + returned
    assert found.asset >= 0 and found.cost_of_sales >= 0
    assert found.asset + found.cost_of_sales == found.inventory
    assert movement(ZERO, found).total() == 0


@given(amounts, amounts, amounts, amounts, percents, percents, percents, percents)
def test_movements_between_any_two_positions_balance(
    rec0: int, ret0: int, rec1: int, ret1: int, rate0: D, rate1: D, cost: D, recovery: D
) -> None:
    before = position(rec0, ret0, ReturnTerms(rate0, cost, recovery))
    after = position(rec1, ret1, ReturnTerms(rate1, cost, recovery))
    entries = movement(before, after)
    assert entries.total() == 0
    # the period's entries carry the position forward exactly
    assert before.refund_liability - entries.refund_liability == after.refund_liability
    assert before.asset + entries.asset == after.asset


def test_returns_beyond_the_expectation_warn() -> None:
    """Example 22's terms with 5 products back instead of 3: no liability left, warning REVREC-ENG-040."""
    found = position(recognised=950_000, returned=50_000, terms=EXAMPLE_22)
    assert (found.expected, found.refund_liability, found.revenue) == (30_000, 0, 950_000)
    warning = excess_returns(found, "L1", returned="500.00", expected="300.00", period=202601)
    assert warning is not None and warning.code == "REVREC-ENG-040" and warning.line_id == "L1"
    assert dict(warning.values) == {"returned": "500.00", "expected": "300.00", "period": "202601"}
    assert (
        excess_returns(position(970_000, 30_000, EXAMPLE_22), "L1", returned=0, expected=0, period=1) is None
    )
