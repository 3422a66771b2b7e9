"""The conventions of docs/engine.md "Conventions": schedule rounding, allocation remainder and rounded
percentages, period patterns — each against a published example or figures derived by hand below."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_builders import amounts, line, policies

from revrec.engine.contracts import compute_revenue
from revrec.engine.conventions import (
    AllocationRemainder,
    Conventions,
    PeriodPattern,
    ScheduleRounding,
)
from revrec.engine.errors import PolicyError
from revrec.engine.lines import TransactionLine
from revrec.engine.policies import Policies
from revrec.engine.policy_pob import AccountingMethod, PobTemplate
from revrec.engine.policy_ssp import SspMethod, SspRule, SspTemplate
from revrec.engine.schedule_rounding import remainder_period
from revrec.engine.schedules import LineSchedule

D = Decimal
P = PobTemplate("P")
LIST_SSP = SspTemplate("SSP", (SspRule("list", SspMethod.PERCENT_OF_LIST, percent=D(100)),))


def schedule_of(
    subject: TransactionLine, conventions: Conventions, template: PobTemplate = P
) -> LineSchedule:
    result = compute_revenue([subject], policies(template, conventions=conventions))
    (contract,) = result.contracts
    assert result.errors == () and contract.errors == ()
    return contract.schedules[0]


def allocated(
    lines: list[TransactionLine], conventions: Conventions, currency: str = "USD"
) -> dict[str, str]:
    """Allocated amounts by line id, SSP = each line's list price."""
    (contract,) = compute_revenue(lines, policies(P, ssp=LIST_SSP, conventions=conventions)).contracts
    return {a.line_id: str(a.allocated) for a in contract.allocation.lines}


def priced(line_id: str, sell: str, ssp: str, curr: str = "USD") -> TransactionLine:
    return line(line_id, sell, listed=ssp, item="P", curr=curr, start="2025-01-01", end="2025-01-01")


# --- schedule_rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        (ScheduleRounding.CUMULATIVE, ("333.33", "333.34", "333.33")),
        (ScheduleRounding.LAST_PERIOD, ("333.33", "333.33", "333.34")),
        (ScheduleRounding.FIRST_PERIOD, ("333.34", "333.33", "333.33")),
    ],
)
def test_schedule_rounding_remainder_period(rounding: ScheduleRounding, expected: tuple[str, ...]) -> None:
    """Microsoft Dynamics AX 2012, SMAAccrueRoundOff ("In which period should rounding be calculated":
    First / Last) names the choice; figures by hand: 1,000.00 over January–March is 333.333… a month.
    Cumulative: running totals round(333.333)=333.33, round(666.667)=666.67, 1,000.00 → 333.33, 333.34,
    333.33.  Per period: 333.33 × 3 = 999.99, the remainder 0.01 in the last or the first period."""
    subject = line("L1", "1000.00", item="P", start="2025-01-01", end="2025-03-31")
    schedule = schedule_of(subject, Conventions(schedule_rounding=rounding))
    assert tuple(amounts(schedule.amounts()).values()) == expected
    assert schedule.total() == D("1000.00")


def test_first_period_remainder_never_lands_in_a_closed_period() -> None:
    """Weights 1, 1, 1 with the first open period at position 1: the remainder goes to position 1."""
    assert remainder_period((1, 1, 1), ScheduleRounding.FIRST_PERIOD, 1) == 1
    assert remainder_period((0, 1, 1, 0), ScheduleRounding.FIRST_PERIOD) == 1
    assert remainder_period((0, 1, 1, 0), ScheduleRounding.LAST_PERIOD) == 2


def test_last_period_rounding_in_functional_and_reporting_currency() -> None:
    """EUR 1,000.00 over three months at F Ex Rate 1.1 (USD) and G Ex Rate 1: transaction 333.33, 333.33,
    333.34; functional round(333.33 × 1.1) = 366.66 twice and 1,100.00 − 733.32 = 366.68 in March (the
    functional total round(1,000.00 × 1.1) = 1,100.00); reporting equals functional (rate 1)."""
    subject = line(
        "L1", "1000.00", item="P", start="2025-01-01", end="2025-03-31", curr="EUR", f_cur="USD", f_rate="1.1"
    )
    schedule = schedule_of(subject, Conventions(schedule_rounding=ScheduleRounding.LAST_PERIOD))
    assert schedule.allocated(0) == (33333, 33333, 33334)
    assert schedule.allocated(1) == (36666, 36666, 36668)
    assert schedule.allocated(2) == schedule.allocated(1)


# --- allocation_remainder and allocation_percent_places ------------------------------------------------


@pytest.mark.parametrize(
    ("remainder", "expected"),
    [
        (AllocationRemainder.LARGEST_LINE, {"1": "0.03", "2": "0.04", "3": "0.03"}),
        (AllocationRemainder.FIRST_LINE, {"1": "0.02", "2": "0.05", "3": "0.03"}),
        (AllocationRemainder.LAST_LINE, {"1": "0.03", "2": "0.05", "3": "0.02"}),
    ],
)
def test_allocation_remainder_line(remainder: AllocationRemainder, expected: dict[str, str]) -> None:
    """Figures by hand: a price of 0.10 over SSPs 1 : 2 : 1 is 0.025, 0.05, 0.025 exactly; rounded half up
    0.03 + 0.05 + 0.03 = 0.11, so −0.01 goes to the chosen line (the largest is line 2)."""
    lines = [priced("1", "0.04", "1"), priced("2", "0.03", "2"), priced("3", "0.03", "1")]
    assert allocated(lines, Conventions(allocation_remainder=remainder)) == expected


def test_example_33_allocation_with_percentages_rounded_to_whole_percent() -> None:
    """ASC 606-10-55-256 to 55-258 (IFRS 15 IE164–IE166), Example 33 "Allocation Methodology": products A,
    B and C with stand-alone selling prices 50, 25 and 75 (total 150) sold together for 100; the published
    allocation is A 33, B 17, C 50.  By hand with percentages rounded to 0 decimals: 50/150 = 33.33 % → 33 %,
    25/150 = 16.67 % → 17 %, 75/150 = 50 % → 100 × 33 % = 33, 17 and 50 (total 100, no remainder)."""
    lines = [priced("A", "40", "50", "JPY"), priced("B", "20", "25", "JPY"), priced("C", "40", "75", "JPY")]
    rounded = Conventions(allocation_percent_places=0)
    assert allocated(lines, rounded) == {"A": "33", "B": "17", "C": "50"}
    assert allocated(lines, Conventions()) == {"A": "33", "B": "17", "C": "50"}  # exact shares agree
    (contract,) = compute_revenue(lines, policies(P, ssp=LIST_SSP, conventions=rounded)).contracts
    assert [a.share for a in contract.allocation.lines] == [D("0.33"), D("0.17"), D("0.50")]


@pytest.mark.parametrize(
    ("remainder", "expected"),
    [
        (AllocationRemainder.LARGEST_LINE, {"1": "33.34", "2": "33.33", "3": "33.33"}),
        (AllocationRemainder.LAST_LINE, {"1": "33.33", "2": "33.33", "3": "33.34"}),
    ],
)
def test_rounded_percentages_leave_a_remainder(
    remainder: AllocationRemainder, expected: dict[str, str]
) -> None:
    """By hand: three equal SSPs, price 100.00, percentages rounded to 2 decimals: 33.33 % each applies
    33.33 three times = 99.99; the 0.01 the rounded percentages leave goes to the remainder line (ties of
    the largest line go to the first)."""
    lines = [priced("1", "30.00", "10"), priced("2", "30.00", "10"), priced("3", "40.00", "10")]
    conventions = Conventions(allocation_remainder=remainder, allocation_percent_places=2)
    assert allocated(lines, conventions) == expected


# --- period_pattern ------------------------------------------------------------------------------------


def test_half_month_convention_halves_the_partial_first_and_last_months() -> None:
    """Restaurant365 "Convention Definitions", Mid Period Half: the first and last (partial) periods take
    half a full period's amount.  By hand: 1,200.00 from 15 January 2025 to 14 January 2026 touches 13
    months, 11 full (2 halves each) and 2 partial (1 half each) = 24 halves of 50.00."""
    subject = line("L1", "1200.00", item="P", start="2025-01-15", end="2026-01-14")
    schedule = schedule_of(subject, Conventions(period_pattern=PeriodPattern.HALF_MONTH))
    got = amounts(schedule.amounts())
    assert got[202501] == got[202601] == "50.00"
    assert {got[202500 + m] for m in range(2, 13)} == {"100.00"} and len(got) == 13


def test_anniversary_months_oracle_partial_period_example() -> None:
    """Oracle Subscription Management "Bill Partial Periods": a service from 15 January 2019 to 10 April
    2019 with periods tied to the service start is 2 full periods (15 January – 14 March) and 27/31 of a
    period (15 March – 10 April, 27 days of the 31 of 15 March – 14 April).  By hand for 890.00: weights
    1 : 1 : 27/31, i.e. 31 : 31 : 27 over 89 → 890 × 31/89 = 310.00 twice and 890 × 27/89 = 270.00, each in
    the period in which its anniversary month begins."""
    subject = line("L1", "890.00", item="P", start="2019-01-15", end="2019-04-10")
    schedule = schedule_of(subject, Conventions(period_pattern=PeriodPattern.ANNIVERSARY_MONTHS))
    assert amounts(schedule.amounts()) == {201901: "310.00", 201902: "310.00", 201903: "270.00"}


def test_anniversary_months_from_the_31st_do_not_drift() -> None:
    """By hand: from 31 January 2025 for twelve months the anniversaries are 28 February, 31 March, 30 April
    … 31 December (each computed from the start date), so each month Jan–Dec 2025 begins one: 100.00 each."""
    subject = line("L1", "1200.00", item="P", start="2025-01-31", end="2026-01-30")
    schedule = schedule_of(subject, Conventions(period_pattern=PeriodPattern.ANNIVERSARY_MONTHS))
    assert amounts(schedule.amounts()) == {202500 + m: "100.00" for m in range(1, 13)}


def test_period_patterns_leave_the_daily_method_alone() -> None:
    daily = PobTemplate("P", accounting_method=AccountingMethod.DAILY)
    subject = line("L1", "1200.00", item="P", start="2025-01-15", end="2026-01-14")
    expected = amounts(schedule_of(subject, Conventions(), daily).amounts())
    for pattern in PeriodPattern:
        assert amounts(schedule_of(subject, Conventions(period_pattern=pattern), daily).amounts()) == expected


# --- the policy keys -----------------------------------------------------------------------------------


def test_policy_keys_round_trip_and_default_to_the_previous_behaviour() -> None:
    keys = {
        "schedule_rounding": "Last Period",
        "allocation_remainder": "First Line",
        "allocation_percent_places": 2,
        "period_pattern": "Anniversary Months",
        "unit_price_places": 4,
    }
    read = Policies.from_mapping(keys)
    assert read.conventions == Conventions(
        ScheduleRounding.LAST_PERIOD, AllocationRemainder.FIRST_LINE, 2, PeriodPattern.ANNIVERSARY_MONTHS, 4
    )
    assert Policies.from_mapping(read.to_mapping()) == read
    assert Policies.from_mapping({}).conventions == Conventions()
    assert {k: Policies().to_mapping()[k] for k in keys} == {
        "schedule_rounding": "Cumulative",
        "allocation_remainder": "Largest Line",
        "allocation_percent_places": None,
        "period_pattern": "Calendar Months",
        "unit_price_places": 6,
    }


@pytest.mark.parametrize(
    ("raw", "path", "message"),
    [
        ({"schedule_rounding": "Middle"}, "schedule_rounding", "Cumulative, Last Period, First Period"),
        ({"allocation_remainder": 1}, "allocation_remainder", "Largest Line, First Line, Last Line"),
        ({"allocation_percent_places": 9}, "allocation_percent_places", "between 0 and 8"),
        ({"allocation_percent_places": "2"}, "allocation_percent_places", "expected an integer"),
        ({"period_pattern": "Weekly"}, "period_pattern", "Calendar Months, Anniversary Months, Half Month"),
        ({"unit_price_places": 7}, "unit_price_places", "between 0 and 6"),
    ],
)
def test_bad_convention_keys_name_the_key_and_the_fix(
    raw: dict[str, object], path: str, message: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        Policies.from_mapping(raw)
    assert path in str(caught.value) and message in str(caught.value)
