"""The return reserve with the goods' cost given as an amount against the line's consideration
(revrec.engine.returns, ``cost_amount`` / ``cost_base``). Figures by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from revrec.engine.returns import ReturnTerms, position


def test_cost_amount_replaces_the_cost_percent() -> None:
    """ASC 606-10-55-202 to 55-207 (Example 22): 10,000.00 recognised, 3 % expected back, goods costing
    6,000.00 (a cost percent of 10 is ignored). By hand, in cents: liability 30,000; asset 30,000 x 6,000 /
    10,000 = 18,000; inventory 1,000,000 x 0.6 = 600,000; cost of sales 600,000 - 18,000 = 582,000."""
    terms = ReturnTerms(D(3), D(10), D(0), None, cost_amount=600_000, cost_base=1_000_000)
    found = position(1_000_000, 0, terms)
    assert (found.refund_liability, found.asset, found.inventory, found.cost_of_sales) == (
        30_000, 18_000, 600_000, 582_000,
    )  # fmt: skip


def test_a_cost_of_a_third_rounds_once_and_the_cost_side_still_sums() -> None:
    """Cost 1 of consideration 3 (a third): liability 10 % of 100 = 10; asset 10 / 3 = 3.33 -> 3 after
    a 50 % recovery cost: 10 / 3 / 2 = 1.67 -> 2; inventory 100 / 3 = 33.3 -> 33; cost of sales 31."""
    terms = ReturnTerms(D(10), D(0), D(50), None, cost_amount=1, cost_base=3)
    found = position(100, 0, terms)
    assert (found.asset, found.inventory, found.cost_of_sales) == (2, 33, 31)
    assert found.asset + found.cost_of_sales == found.inventory


@pytest.mark.parametrize(("amount", "base"), [(-1, 10), (1, 0)])
def test_a_negative_cost_or_an_empty_base_is_refused(amount: int, base: int) -> None:
    with pytest.raises(ValueError, match="cost_amount"):
        ReturnTerms(cost_amount=amount, cost_base=base)
