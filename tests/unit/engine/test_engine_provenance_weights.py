"""Engine provenance of ratable amounts: the weights a line's schedule was spread along, from which a
period's amount follows by cumulative rounding. Expected figures derived here by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from engine_builders import day, line, policies

from revrec.engine.contracts import compute_revenue
from revrec.engine.lines import ManualRelease
from revrec.engine.policy_pob import AccountingMethod, PobTemplate, RatableMethod, ReleaseEvent
from revrec.engine.provenance import explain
from revrec.engine.releases import LineActivity
from revrec.engine.schedules import cumulative_amounts

MONTH_DAYS_2025 = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def test_daily_weights_are_days_and_reproduce_february() -> None:
    """domain §7 Contract Ratable example: 1,200 over 2025 (365 days) amortised daily. February weighs its
    28 days; through February 59 of 365: 1,200 × 59 / 365 = 193.9726… → 193.97; through January
    1,200 × 31 / 365 = 101.9178… → 101.92; February 193.97 − 101.92 = 92.05."""
    template = PobTemplate(
        "P", ratable_method=RatableMethod.RATABLE, accounting_method=AccountingMethod.DAILY
    )
    rules = policies(template)
    (contract,) = compute_revenue([line("L1", "1200.00", item="P")], rules).contracts
    p = explain(contract, rules, "L1", 202502)
    assert p.weights is not None
    assert p.weights.weights == MONTH_DAYS_2025 and p.weights.denominator == 365 and p.weights.unit == "days"
    assert p.weights.fraction_through(202502) == Fraction(59, 365)
    assert p.weights.fraction_before(202502) == Fraction(31, 365)
    through = cumulative_amounts(120000, (59,), 365)[0]
    before = cumulative_amounts(120000, (31,), 365)[0]
    assert (through, before, through - before) == (19397, 10192, 9205)
    assert p.amounts is not None and p.amounts[0] == Decimal("92.05")


def test_half_release_in_february_weights_include_the_catch_up() -> None:
    """domain §7 Ratable: 50 % released on 15 February of a Jan–Dec 1,200 line. Each month weighs 1 of 12;
    the release books January and February in February: through February ½ × 2/12 = 2/24, then one more
    24th a month; 1,200 × 2/24 = 100.00 in February and 1,200 × 1/24 = 50.00 a month after (600 in all)."""
    template = PobTemplate("P", release_event=ReleaseEvent.MANUAL)
    rules = policies(template)
    manual = (ManualRelease("L1", day("2025-02-15"), Decimal(50)),)
    (contract,) = compute_revenue([line("L1", "1200.00", item="P")], rules, manual_releases=manual).contracts
    p = explain(contract, rules, "L1", 202503, activity=LineActivity(manual=manual))
    assert p.weights is not None
    assert p.weights.periods[0] == 202502 and p.weights.denominator == 24
    assert p.weights.cumulative == tuple(range(2, 13))
    assert p.weights.fraction_through(202503) == Fraction(3, 24)
    assert p.amounts is not None and p.amounts[0] == Decimal("50.00")
    # without the activity the engine schedules nothing for a manual line: no weights are claimed
    assert explain(contract, rules, "L1", 202503).weights is None
