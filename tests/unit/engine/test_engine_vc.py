"""Variable consideration (engine/vc.py): ASC 606 illustrative examples worked by hand, and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revrec.engine.vc import (
    Constraint,
    ConstraintKind,
    Scenario,
    VcError,
    VcMethod,
    VolumeTier,
    allocate,
    catch_up,
    constrain,
    estimate,
    expected_value,
    most_likely,
    reassess,
    recognised_to_date,
    volume_discount,
    volume_unit_price,
)

D = Decimal


def test_example_20_penalty_most_likely_amount() -> None:
    """ASC 606-10-55-194 to 55-196 (IFRS 15 IE102-IE104), Example 20, penalty gives rise to VC.

    A $1,000,000 asset; a $100,000 penalty if it is not completed within three months of the contract
    date. Fixed $900,000, variable $100,000. Two outcomes only, so the most likely amount applies. We
    assume (the example publishes no probability) an 80 % chance of finishing on time: the most likely VC
    is the $100,000 kept, and the transaction price is 900,000 + 100,000 = $1,000,000. With the odds
    reversed (20 % on time) the most likely VC is $0 and the price $900,000.
    """
    on_time = [Scenario(D("100000"), D("0.8")), Scenario(D("0"), D("0.2"))]
    assert D("900000") + estimate(VcMethod.MOST_LIKELY, on_time) == D("1000000")
    late = [Scenario(D("100000"), D("0.2")), Scenario(D("0"), D("0.8"))]
    assert D("900000") + estimate(VcMethod.MOST_LIKELY, late) == D("900000")


def test_example_21_two_methods_in_one_contract() -> None:
    """ASC 606-10-55-197 to 55-200 (IFRS 15 IE105-IE109), Example 21, estimating VC.

    Price $2,500,000, +/- $10,000 per day of completion before/after 31 March; a $150,000 quality bonus.
    The timing incentive has many outcomes: expected value. The bonus has two: most likely amount. The
    example gives no probabilities; we assume 5 days early (+50,000) 20 %, on the day (0) 50 %, 10 days late
    (-100,000) 30 %: expected value 50,000x0.2 + 0 - 100,000x0.3 = 10,000 - 30,000 = -20,000. Bonus 70 %
    likely: most likely 150,000. Transaction price 2,500,000 - 20,000 + 150,000 = 2,630,000.
    """
    timing = [
        Scenario(D("50000"), D("0.2")),
        Scenario(D("0"), D("0.5")),
        Scenario(D("-100000"), D("0.3")),
    ]
    bonus = [Scenario(D("150000"), D("0.7")), Scenario(D("0"), D("0.3"))]
    ev = estimate(VcMethod.EXPECTED_VALUE, timing)
    ml = estimate(VcMethod.MOST_LIKELY, bonus)
    assert ev == D("-20000")
    assert ml == D("150000")
    assert D("2500000") + constrain(ev, Constraint()) + constrain(ml, Constraint()) == D("2630000")


def test_example_22_right_of_return_expected_value() -> None:
    """ASC 606-10-55-202 to 55-207 (IFRS 15 IE110-IE115), Example 22, right of return.

    100 products at $100 each (10,000); the entity uses the expected value and expects 97 products not to be
    returned: revenue 97 x 100 = $9,700 and a refund liability of $300. We give the expectation as a
    distribution (the example states only the 97): 0 returns 25 %, 3 returns 50 %, 6 returns 25 %, so
    expected returns 0 + 1.5 + 1.5 = 3 products, VC -300 x 0.5 - 600 x 0.25 = -300. A reduction is never
    constrained (even fully_constrained keeps it): price 10,000 - 300 = 9,700.
    """
    returns = [Scenario(D(0), D("0.25")), Scenario(D(-300), D("0.5")), Scenario(D(-600), D("0.25"))]
    vc = estimate(VcMethod.EXPECTED_VALUE, returns)
    assert vc == D(-300)
    assert D(10000) + constrain(vc, Constraint(ConstraintKind.FULLY_CONSTRAINED)) == D(9700)


def test_example_24_volume_discount_catch_up() -> None:
    """ASC 606-10-55-216 to 55-220 (IFRS 15 IE124-IE128), Example 24, volume discount incentive.

    $100 per unit; above 1,000 units in the year every unit is priced $90 retrospectively.
    Q1: 75 units sold, the entity expects fewer than 1,000: revenue 75 x 100 = $7,500, no VC.
    Q2: 500 units sold, the entity now expects more than 1,000: price $90 from the first unit. Revenue to
    date (75 + 500) x 90 = 51,750; Q2 revenue 51,750 - 7,500 = $44,250 (500 x 90 = 45,000 less the
    75 x 10 = 750 catch-up on Q1's units). Q1 stays $7,500 (closed).
    """
    tiers = [VolumeTier(D(0), D(100)), VolumeTier(D(1000), D(90))]
    assert volume_unit_price(tiers, D(900)) == D(100)
    assert volume_unit_price(tiers, D(1000)) == D(90)
    q1_vc = volume_discount(tiers, D(900), D(100), D(75))
    assert q1_vc == 0
    q2_vc_to_date = volume_discount(tiers, D(1200), D(100), D(575))
    assert q2_vc_to_date == D(-5750)
    # VC recognised by quarter (cents): Q1 closed with 0; Q2 (open) takes the whole catch-up
    posted = {202403: 0}
    after = reassess(posted, 202406, allocated_minor=-575000, satisfied=D(1))
    assert after[202403] == 0
    q2_revenue = 500 * 100 * 100 + after[202406]
    assert q2_revenue == 4425000  # $44,250.00


def test_expected_value_needs_probabilities_totalling_one() -> None:
    with pytest.raises(VcError, match="total 0.9"):
        expected_value([Scenario(D(10), D("0.5")), Scenario(D(0), D("0.4"))])
    with pytest.raises(VcError):
        most_likely([])


def test_most_likely_tie_takes_the_smaller_amount() -> None:
    assert most_likely([Scenario(D(100), D("0.5")), Scenario(D(40), D("0.5"))]) == D(40)


@pytest.mark.parametrize(
    ("amount", "constraint", "expected"),
    [
        (D(1000), Constraint(ConstraintKind.CAP, D(600)), D(600)),
        (D(500), Constraint(ConstraintKind.CAP, D(600)), D(500)),
        (D(1000), Constraint(ConstraintKind.PERCENT, D(25)), D(250)),
        (D(1000), Constraint(ConstraintKind.FULLY_CONSTRAINED), D(0)),
        (D(-1000), Constraint(ConstraintKind.FULLY_CONSTRAINED), D(-1000)),  # reductions never constrained
        (D(-1000), Constraint(ConstraintKind.CAP, D(10)), D(-1000)),
    ],
)
def test_constraint(amount: Decimal, constraint: Constraint, expected: Decimal) -> None:
    assert constrain(amount, constraint) == expected


def test_constraint_needs_a_value() -> None:
    with pytest.raises(VcError):
        Constraint(ConstraintKind.CAP)
    with pytest.raises(VcError):
        Constraint(ConstraintKind.PERCENT, D(101))


def test_allocate_by_ssp_and_to_specific_lines() -> None:
    """$100.00 over equal SSPs: 33.33 each leaves 0.01, which goes to the largest SSP (ties: the first
    line): 33.34 / 33.33 / 33.33. Limited to lines b and c (IFRS 15.85): 50.00 / 50.00."""
    ssp = {"a": D(300), "b": D(300), "c": D(300)}
    assert allocate(10000, ssp) == {"a": 3334, "b": 3333, "c": 3333}
    assert allocate(10000, ssp, ["c", "b"]) == {"b": 5000, "c": 5000}
    # 2:1 split of -$10.00: -6.67 / -3.33
    assert allocate(-1000, {"x": D(200), "y": D(100)}) == {"x": -667, "y": -333}
    with pytest.raises(VcError):
        allocate(100, ssp, ["z"])


def test_recognised_to_date_and_catch_up() -> None:
    assert recognised_to_date(120000, D("0.25")) == 30000
    change = catch_up(150000, D("0.5"), {202401: 20000, 202402: 30000})
    assert (change.target_minor, change.recognised_minor, change.adjustment_minor) == (75000, 50000, 25000)


def test_reassess_refuses_future_postings() -> None:
    with pytest.raises(VcError):
        reassess({202405: 1}, 202404, 100, D(1))


amounts = st.integers(min_value=-(10**12), max_value=10**12)
ssps = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amounts, st.dictionaries(st.sampled_from("abcdefgh"), ssps, min_size=1))
def test_allocation_parts_sum_to_the_whole(amount: int, ssp: dict[str, Decimal]) -> None:
    parts = allocate(amount, ssp)
    assert sum(parts.values()) == amount
    assert set(parts) == set(ssp)


@given(
    st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=0, max_size=12),
    amounts,
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
)
def test_reassessment_never_changes_closed_periods(history: list[int], allocated: int, frac: object) -> None:
    periods = [202001 + i for i in range(len(history))]
    posted = dict(zip(periods, history, strict=True))
    open_period = 202001 + len(history)
    satisfied = D(frac.numerator) / D(frac.denominator)  # type: ignore[attr-defined]
    after = reassess(posted, open_period, allocated, satisfied)
    for p in periods:
        assert after[p] == posted[p]
    assert sum(after.values()) == recognised_to_date(allocated, satisfied)
