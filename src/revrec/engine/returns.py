"""Rights of return (ASC 606-10-55-22..29, IFRS 15 B20-B27): the reserve a sale with a right of return
carries at a period end. Pure: integers in minor units of one currency in, integers out.

A line's position at the end of a period, from

* ``recognised``: revenue the line's schedule recognised through the period (already net of the actual
  returns, which reduce the line's price), and
* ``returned``: the consideration of the actual returns (RORD / CM-R reductions) through the period,

is, with ``gross = recognised + returned`` (the revenue recognised before any return):

* expected returns ``E`` = ``gross`` x return % (or the expected return amount, at most ``gross``);
* refund liability (account type N) = ``max(0, E - returned)``: the consideration expected to be refunded
  that has not been refunded yet. Revenue is reduced by the same amount (Dr R / Cr N), so revenue is the
  consideration expected to be kept; an actual return consumes the liability (the schedule's own reduction
  is matched by the liability's release);
* inventory (Q, credit) = the carrying amount of the goods transferred and not returned:
  (``gross`` - ``returned``) x cost % (the goods actually returned are back in inventory); the cost % is
  either the setup's percent or, when the goods' cost arrived as cost lines, ``cost_amount / cost_base``
  (that cost against the line's whole consideration before returns);
* right-of-return asset (S) = the former carrying amount of the goods still expected back
  (refund liability x cost %) less the expected recovery costs (that x recovery %);
* cost of sales (O, debit) = inventory credit - asset: the matching reduction of cost of sales.

Every figure is rounded once (half away from zero, revrec.engine.money.round_div) and the cost side is
completed by difference, so O + S = Q exactly and the entries between any two positions balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from revrec.engine.errors import WARNING, EngineError, engine_error
from revrec.engine.money import ratio, round_div

HUNDRED = Decimal(100)
EXCESS_RETURNS = "REVREC-ENG-040"


@dataclass(frozen=True, slots=True)
class ReturnTerms:
    """What the client expects of a line's returns (setup section ``returns``), reassessed at each period
    end. Percentages in [0, 100]; ``expected_amount`` (minor units, >= 0) replaces the return percent."""

    return_percent: Decimal = Decimal(0)
    cost_percent: Decimal = Decimal(0)
    recovery_percent: Decimal = Decimal(0)
    expected_amount: int | None = None
    cost_amount: int | None = None
    cost_base: int = 0

    def __post_init__(self) -> None:
        for name in ("return_percent", "cost_percent", "recovery_percent"):
            value = getattr(self, name)
            if not Decimal(0) <= value <= HUNDRED:
                raise ValueError(f"{name} must be within 0 and 100, not {value}")
        if self.expected_amount is not None and self.expected_amount < 0:
            raise ValueError("expected_amount must not be negative")
        if self.cost_amount is not None and (self.cost_amount < 0 or self.cost_base <= 0):
            raise ValueError("cost_amount must not be negative and cost_base must be positive")

    def cost_fraction(self) -> tuple[int, int]:
        """The goods' cost as a fraction of their consideration: ``cost_amount / cost_base`` (the cost of
        the goods sent as cost lines, against the line's whole consideration) or ``cost_percent`` / 100."""
        if self.cost_amount is not None:
            return self.cost_amount, self.cost_base
        numerator, denominator = ratio(self.cost_percent)
        return numerator, denominator * 100


@dataclass(frozen=True, slots=True)
class ReservePosition:
    """A line's cumulative right-of-return position at a period end (minor units of one currency).

    ``refund_liability`` (N, credit) = the revenue reduction (R, debit); ``inventory`` (Q, credit) =
    ``asset`` (S, debit) + ``cost_of_sales`` (O, debit)."""

    gross: int
    returned: int
    expected: int
    refund_liability: int
    asset: int
    cost_of_sales: int
    inventory: int

    @property
    def revenue(self) -> int:
        """Revenue kept: the consideration recognised less the refunds expected or made."""
        return self.gross - self.returned - self.refund_liability


ZERO = ReservePosition(0, 0, 0, 0, 0, 0, 0)


def _percent_of(amount: int, percent: Decimal) -> int:
    """``amount`` x ``percent`` / 100, rounded half away from zero."""
    numerator, denominator = ratio(percent)
    return round_div(amount * numerator, denominator * 100)


def position(recognised: int, returned: int, terms: ReturnTerms) -> ReservePosition:
    """The reserve position of a line (see the module docstring). ``returned`` >= 0; a negative gross
    (a credit beyond the revenue recognised) carries no reserve."""
    if returned < 0:
        raise ValueError("returned must not be negative")
    gross = max(recognised + returned, 0)
    if terms.expected_amount is not None:
        expected = min(terms.expected_amount, gross)
    else:
        expected = _percent_of(gross, terms.return_percent)
    liability = max(expected - returned, 0)
    recovery_numerator, recovery_denominator = ratio(terms.recovery_percent)
    cost_numerator, cost_denominator = terms.cost_fraction()
    # asset = liability x cost fraction x (1 - recovery %), one rounding of the exact product
    asset = round_div(
        liability * cost_numerator * (100 * recovery_denominator - recovery_numerator),
        cost_denominator * recovery_denominator * 100,
    )
    # the carrying amount of the goods still with customers (liability <= gross - returned, so >= asset)
    inventory = round_div((gross - min(returned, gross)) * cost_numerator, cost_denominator)
    return ReservePosition(gross, returned, expected, liability, asset, inventory - asset, inventory)


@dataclass(frozen=True, slots=True)
class ReserveMovement:
    """The entries of a period: the change from the previous period's position to this one's, debit
    positive per account type (R revenue, N refund liability, S asset, O cost of sales, Q inventory)."""

    revenue: int
    refund_liability: int
    asset: int
    cost_of_sales: int
    inventory: int

    def total(self) -> int:
        return self.revenue + self.refund_liability + self.asset + self.cost_of_sales + self.inventory


def movement(before: ReservePosition, after: ReservePosition) -> ReserveMovement:
    """Dr R / Cr N by the liability's change; Dr S, Dr O / Cr Q by the cost side's changes."""
    change = after.refund_liability - before.refund_liability
    return ReserveMovement(
        revenue=change,
        refund_liability=-change,
        asset=after.asset - before.asset,
        cost_of_sales=after.cost_of_sales - before.cost_of_sales,
        inventory=-(after.inventory - before.inventory),
    )


def excess_returns(
    found: ReservePosition, line_id: str, *, returned: object, expected: object, period: int
) -> EngineError | None:
    """Warning REVREC-ENG-040 when the actual returns exceed the expected ones (the liability is used up,
    the excess reduced revenue of the period it arrived in): the estimate needs reassessing. ``returned``
    and ``expected`` are the amounts shown with it."""
    if found.returned <= found.expected:
        return None
    return engine_error(
        EXCESS_RETURNS, line_id=line_id, severity=WARNING, returned=returned, expected=expected, period=period
    )
