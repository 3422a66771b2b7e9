"""Variable consideration (ASC 606-10-32-5..14, IFRS 15.50-59): estimate, constrain, allocate, reassess.

Pure functions, no I/O. A variable consideration (VC) amount is a change to a contract's transaction price:
positive for consideration the entity may earn on top of the fixed price (performance bonus, usage fee),
negative for consideration it may give back (rebate, volume discount, price concession, right of return).

* :func:`estimate` — the expected value (sum of amount x probability, 606-10-32-8a) or the most likely
  amount (the single amount of highest probability, 606-10-32-8b).
* :func:`constrain` — include only what is highly probable not to reverse (606-10-32-11). The constraint
  limits *increases* of the price; a reduction (negative VC) is always included in full, because a larger
  reduction can never cause a significant reversal of revenue.
* :func:`allocate` — spread the constrained amount over the contract's lines by relative SSP, or only over
  the lines the VC relates to (606-10-32-40, IFRS 15.85); the parts sum exactly to the whole.
* :func:`volume_unit_price` — a retrospective volume tier: the expected price per unit over the whole
  arrangement, applied from the first unit (ASC 606 Example 24).
* :func:`catch_up` — a changed estimate moves only the open period: the cumulative amount that should be
  recognised to date minus what is already recognised (606-10-32-14, 32-43).

Amounts are exact :class:`~decimal.Decimal`; rounding to the currency happens once, in :func:`minor`
(allocation and catch-up work in integer minor units).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .money import from_minor, ratio, round_div, to_minor

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


class VcError(ValueError):
    """VC input the engine cannot use (probabilities not totalling 1, no scenario, bad tier)."""


class VcMethod(Enum):
    EXPECTED_VALUE = "expected_value"
    MOST_LIKELY = "most_likely"


class ConstraintKind(Enum):
    NONE = "none"
    CAP = "cap"  # include at most ``value`` (an amount)
    PERCENT = "percent"  # include ``value`` percent of the estimate
    FULLY_CONSTRAINED = "fully_constrained"  # include nothing until resolved


@dataclass(frozen=True, slots=True)
class Constraint:
    kind: ConstraintKind = ConstraintKind.NONE
    value: Decimal | None = None

    def __post_init__(self) -> None:
        needs_value = self.kind in (ConstraintKind.CAP, ConstraintKind.PERCENT)
        if needs_value and (self.value is None or self.value < 0):
            raise VcError(f"constraint {self.kind.value} needs a value >= 0")
        if self.kind is ConstraintKind.PERCENT and self.value is not None and self.value > HUNDRED:
            raise VcError("a constraint percent is at most 100")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One possible outcome: the VC amount and its probability (0 < p <= 1)."""

    amount: Decimal
    probability: Decimal


def expected_value(scenarios: Sequence[Scenario]) -> Decimal:
    """Sum of amount x probability; the probabilities must total exactly 1."""
    _check(scenarios)
    return sum((s.amount * s.probability for s in scenarios), ZERO)


def most_likely(scenarios: Sequence[Scenario]) -> Decimal:
    """The amount of highest probability; a tie goes to the smaller amount (the prudent one)."""
    _check(scenarios)
    best = max(s.probability for s in scenarios)
    return min(s.amount for s in scenarios if s.probability == best)


def _check(scenarios: Sequence[Scenario]) -> None:
    if not scenarios:
        raise VcError("no scenario")
    if any(s.probability <= 0 or s.probability > ONE for s in scenarios):
        raise VcError("each probability must be > 0 and <= 1")
    total = sum((s.probability for s in scenarios), ZERO)
    if total != ONE:
        raise VcError(f"the probabilities total {total}, not 1")


def estimate(method: VcMethod, scenarios: Sequence[Scenario]) -> Decimal:
    """The unconstrained estimate by ``method``; a single scenario of probability 1 is its own estimate."""
    if method is VcMethod.EXPECTED_VALUE:
        return expected_value(scenarios)
    return most_likely(scenarios)


def constrain(amount: Decimal, constraint: Constraint) -> Decimal:
    """The part of ``amount`` included in the transaction price (see the module docstring)."""
    if amount <= 0 or constraint.kind is ConstraintKind.NONE:
        return amount
    if constraint.kind is ConstraintKind.FULLY_CONSTRAINED:
        return ZERO
    assert constraint.value is not None
    if constraint.kind is ConstraintKind.CAP:
        return min(amount, constraint.value)
    return amount * constraint.value / HUNDRED


def allocate(
    amount_minor: int,
    ssp: Mapping[str, Decimal],
    targets: Sequence[str] | None = None,
) -> dict[str, int]:
    """``amount_minor`` spread over lines by relative SSP, exactly.

    ``targets`` limits the allocation to the lines the VC relates to (IFRS 15.85); ``None`` means the whole
    contract. Each share is ``amount x SSP / total SSP`` rounded half up; the rounding remainder goes to the
    line of largest SSP (ties: first in key order), so the parts always sum to ``amount_minor``. A zero SSP
    total spreads equally.
    """
    lines = sorted(targets if targets is not None else ssp)
    if not lines:
        raise VcError("no line to allocate to")
    missing = [k for k in lines if k not in ssp]
    if missing:
        raise VcError(f"unknown line(s) {missing}")
    total = sum((ssp[k] for k in lines), ZERO)
    weights = {k: (ssp[k] if total != 0 else ONE) for k in lines}
    weight_total = total if total != 0 else Decimal(len(lines))
    wn, wd = ratio(weight_total)
    shares: dict[str, int] = {}
    for k in lines:
        n, d = ratio(weights[k])
        # amount x (n/d) / (wn/wd) = amount x n x wd / (d x wn)
        num, den = amount_minor * n * wd, d * wn
        if den < 0:
            num, den = -num, -den
        shares[k] = round_div(num, den)
    largest = max(lines, key=lambda k: (abs(weights[k]), -lines.index(k)))
    shares[largest] += amount_minor - sum(shares.values())
    return shares


@dataclass(frozen=True, slots=True)
class VolumeTier:
    """From ``from_units`` (inclusive) cumulative units on, *every* unit is priced at ``unit_price``."""

    from_units: Decimal
    unit_price: Decimal


def volume_unit_price(tiers: Sequence[VolumeTier], expected_units: Decimal) -> Decimal:
    """The unit price of the tier the expected total volume of the arrangement falls in (retrospective)."""
    if not tiers or min(t.from_units for t in tiers) != 0:
        raise VcError("volume tiers must start at 0 units")
    eligible = [t for t in tiers if t.from_units <= expected_units]
    return max(eligible, key=lambda t: t.from_units).unit_price


def volume_discount(
    tiers: Sequence[VolumeTier], expected_units: Decimal, list_unit_price: Decimal, units_to_date: Decimal
) -> Decimal:
    """The VC (negative: a discount) on the units delivered so far when the whole arrangement is expected
    to reach ``expected_units``: (expected unit price - list unit price) x units to date."""
    return (volume_unit_price(tiers, expected_units) - list_unit_price) * units_to_date


@dataclass(frozen=True, slots=True)
class CatchUp:
    """A reassessment: what should be recognised to date, what was, and the open-period adjustment."""

    target_minor: int
    recognised_minor: int

    @property
    def adjustment_minor(self) -> int:
        return self.target_minor - self.recognised_minor


def recognised_to_date(allocated_minor: int, satisfied: Decimal) -> int:
    """The VC allocated to a line times the fraction of it satisfied to date (0..1), rounded once."""
    if satisfied < 0 or satisfied > ONE:
        raise VcError(f"satisfied fraction {satisfied} outside 0..1")
    n, d = ratio(satisfied)
    return round_div(allocated_minor * n, d)


def catch_up(allocated_minor: int, satisfied: Decimal, posted_by_period: Mapping[int, int]) -> CatchUp:
    """The cumulative catch-up of a line's VC (posted amounts by period, all periods before the open one
    included): only the returned adjustment is new, and it belongs to the open period."""
    recognised = sum(posted_by_period.values())
    return CatchUp(recognised_to_date(allocated_minor, satisfied), recognised)


def reassess(
    posted_by_period: Mapping[int, int],
    open_period: int,
    allocated_minor: int,
    satisfied: Decimal,
) -> dict[int, int]:
    """The line's VC recognised by period after a reassessment in ``open_period``: closed periods (keys
    below ``open_period``) keep exactly what they had; the open period carries the catch-up."""
    if any(p > open_period for p in posted_by_period):
        raise VcError("a period after the open period holds VC")
    result = {p: v for p, v in posted_by_period.items() if p != open_period}
    prior_open = posted_by_period.get(open_period, 0)
    closed_total = sum(result.values())
    result[open_period] = recognised_to_date(allocated_minor, satisfied) - closed_total
    if result[open_period] == 0 and prior_open == 0:
        del result[open_period]
    return result


def minor(amount: Decimal, currency: str) -> int:
    """``amount`` rounded once to ``currency``'s minor unit (half up)."""
    return to_minor(amount, currency)


def major(units: int, currency: str) -> Decimal:
    return from_minor(units, currency)
