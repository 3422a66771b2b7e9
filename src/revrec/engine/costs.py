"""Costs of obtaining and fulfilling a contract (ASC 340-40, IFRS 15.91-104), as pure functions.

A *cost line* (upload type ``CST``) is an amount the entity paid or owes for one revenue contract line: a
sales commission (cost to obtain) or a cost to fulfil. Its *cost type* (setup section ``costs``) says what
to do with it:

* ``EXPENSE`` — recognise it when incurred (costs that would have been incurred anyway, ASC 340-40-25-2, or
  fulfilment costs that do not meet ASC 340-40-25-5);
* ``REVENUE_PATTERN`` — capitalise it and amortise it in the pattern the related line's revenue is
  recognised (ASC 340-40-35-1: "consistent with the transfer to the customer of the goods or services to
  which the asset relates");
* ``STRAIGHT_LINE`` — capitalise it and amortise it evenly over ``term_periods`` periods from the period the
  cost is incurred.

A ``REVENUE_PATTERN`` cost whose related line has no revenue schedule yet falls back to straight-line over
the type's ``term_periods`` (one period when it has none) with warning REVREC-ENG-061.

The one-year practical expedient (ASC 340-40-25-4, IFRS 15.94) is applied only to costs *to obtain* whose type
enables it: when the amortisation period would be one year (12 periods) or less, the cost is expensed.

Invariants kept here (and checked by the property tests):

* amounts are integer minor units; an amortisation schedule sums *exactly* to the capitalised amount
  (cumulative rounding on the running total, so no period drifts);
* amortised to date + carrying amount = capitalised − impairment, in every period;
* periods before the open period never move: amortisation that falls in them is booked in the open period
  (catch-up), and an impairment only reshapes the open period and later;
* an impairment loss is never reversed (US GAAP, ASC 340-40-35-6);
* every entry has one debit and one credit leg of the same amount (entries balance by construction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from revrec.engine.money import round_div

OBTAIN: Final = "OBTAIN"
FULFIL: Final = "FULFIL"
KINDS: Final = (OBTAIN, FULFIL)

EXPENSE: Final = "EXPENSE"
REVENUE_PATTERN: Final = "REVENUE_PATTERN"
STRAIGHT_LINE: Final = "STRAIGHT_LINE"
TREATMENTS: Final = (EXPENSE, REVENUE_PATTERN, STRAIGHT_LINE)

#: The practical expedient's horizon: "one year or less" (ASC 340-40-25-4), in monthly periods.
EXPEDIENT_PERIODS: Final = 12

# Account-type letters of cost entries (docs/accounting.md): G contract cost asset, I cost expense
# (amortisation), P cost payable, H impairment loss.
ASSET: Final = "G"
EXPENSE_ACCOUNT: Final = "I"
PAYABLE: Final = "P"
IMPAIRMENT: Final = "H"

MESSAGES: Final[dict[str, str]] = {
    "REVREC-ENG-060": (
        "Cost {cost} expensed under the practical expedient: its amortisation period is {periods} "
        "period(s), one year or less (ASC 340-40-25-4)"
    ),
    "REVREC-ENG-061": (
        "Cost {cost} amortised straight-line over {periods} period(s): its related line {line} has no "
        "revenue schedule to follow"
    ),
    "REVREC-ENG-062": (
        "Cost {cost} impaired by {loss} in period {period}: carrying amount exceeds the remaining "
        "consideration less the costs still to provide (ASC 340-40-35-3)"
    ),
    "REVREC-ENG-063": (
        "Cost {cost} incurred in closed period {period}: its capitalisation and amortisation to date are "
        "booked in the open period"
    ),
}


@dataclass(frozen=True, slots=True)
class CostWarning:
    code: str
    message: str


def warning(code: str, **fields: object) -> CostWarning:
    """The warning ``code`` with its message filled in."""
    return CostWarning(code, MESSAGES[code].format(**fields))


@dataclass(frozen=True, slots=True)
class CostType:
    """One cost type of the setup section ``costs``."""

    name: str
    kind: str  # OBTAIN | FULFIL
    treatment: str  # EXPENSE | REVENUE_PATTERN | STRAIGHT_LINE
    term_periods: int | None = None  # STRAIGHT_LINE: how many periods; REVENUE_PATTERN: the fallback
    practical_expedient: bool = False  # OBTAIN only: expense when amortisation ≤ one year


@dataclass(frozen=True, slots=True)
class CostPlan:
    """What happens to one cost: capitalised and amortised per period (index → minor units), or expensed."""

    capitalised: bool
    amount: int  # minor units of the cost line's currency
    booked_index: int  # calendar index of the period the cost is booked in (capitalised or expensed)
    first_index: int  # calendar index of the first amortisation period (booked_index when expensed)
    amortisation: tuple[int, ...]  # per period from first_index; () when expensed
    warnings: tuple[CostWarning, ...] = ()

    def total(self) -> int:
        return sum(self.amortisation)


def check_cost_type(cost_type: CostType) -> list[str]:
    """Every problem of a cost type definition (empty when valid)."""
    problems: list[str] = []
    if cost_type.kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    if cost_type.treatment not in TREATMENTS:
        problems.append(f"treatment must be one of {', '.join(TREATMENTS)}")
    if cost_type.treatment == STRAIGHT_LINE and (
        cost_type.term_periods is None or cost_type.term_periods < 1
    ):
        problems.append("a STRAIGHT_LINE cost type needs term_periods ≥ 1")
    if cost_type.treatment == EXPENSE and cost_type.term_periods is not None:
        problems.append("term_periods does not apply to EXPENSE cost types")
    if cost_type.term_periods is not None and cost_type.term_periods < 1:
        problems.append("term_periods must be ≥ 1")
    if cost_type.practical_expedient and cost_type.kind != OBTAIN:
        problems.append("the practical expedient (ASC 340-40-25-4) applies to costs to obtain only")
    return problems


def spread(amount: int, weights: Sequence[int]) -> tuple[int, ...]:
    """``amount`` spread along ``weights`` (non-negative, not all zero) by cumulative rounding.

    Period k gets round(amount × W_k / W) − round(amount × W_{k−1} / W), where W_k is the running weight, so
    the parts sum exactly to ``amount``."""
    total = sum(weights)
    if total <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative and not all zero")
    parts: list[int] = []
    running, previous = 0, 0
    for weight in weights:
        running += weight
        cumulative = round_div(amount * running, total)
        parts.append(cumulative - previous)
        previous = cumulative
    return tuple(parts)


def revenue_weights(revenue: Sequence[int]) -> tuple[int, ...] | None:
    """The related line's revenue per period as amortisation weights (None when it recognises nothing).

    A period with negative revenue (a reversal) weighs zero: amortisation never runs backwards."""
    weights = tuple(max(r, 0) for r in revenue)
    while weights and weights[-1] == 0:
        weights = weights[:-1]
    return weights if sum(weights) > 0 else None


def plan_cost(
    *,
    cost: str,
    amount: int,
    cost_type: CostType,
    incurred_index: int,
    related_line: str | None,
    revenue_first_index: int | None = None,
    revenue: Sequence[int] = (),
) -> CostPlan:
    """Decide and schedule one cost (ASC 340-40-25-1..25-5, 35-1).

    ``revenue`` is the related line's revenue per period from ``revenue_first_index``. Amortisation that
    would fall before ``incurred_index`` (revenue recognised before the cost was incurred) is caught up in
    the incurred period."""
    if cost_type.treatment == EXPENSE:
        return CostPlan(False, amount, incurred_index, incurred_index, ())
    warnings: list[CostWarning] = []
    weights = revenue_weights(revenue) if cost_type.treatment == REVENUE_PATTERN else None
    if weights is not None and revenue_first_index is not None:
        first = revenue_first_index
        parts = spread(amount, weights)
    else:
        periods = cost_type.term_periods or 1
        if cost_type.treatment == REVENUE_PATTERN:
            warnings.append(warning("REVREC-ENG-061", cost=cost, periods=periods, line=related_line))
        first, parts = incurred_index, spread(amount, (1,) * periods)
    first, parts = fold_before(first, parts, incurred_index)
    last = first + len(parts) - 1
    span = last - incurred_index + 1
    if cost_type.practical_expedient and cost_type.kind == OBTAIN and span <= EXPEDIENT_PERIODS:
        expedient = warning("REVREC-ENG-060", cost=cost, periods=span)
        return CostPlan(False, amount, incurred_index, incurred_index, (), (expedient,))
    return CostPlan(True, amount, incurred_index, first, parts, tuple(warnings))


def in_open_period(plan: CostPlan, open_index: int) -> CostPlan:
    """The plan with whatever falls before the open period booked in it instead (closed periods never
    move): a cost incurred in a closed period is capitalised, and its amortisation to date caught up, in
    the open period."""
    if plan.booked_index >= open_index:
        return plan
    first, parts = (
        fold_before(plan.first_index, plan.amortisation, open_index) if plan.capitalised else (open_index, ())
    )
    return CostPlan(plan.capitalised, plan.amount, open_index, first, parts, plan.warnings)


def fold_before(first: int, parts: Sequence[int], index: int) -> tuple[int, tuple[int, ...]]:
    """A schedule from ``first`` with everything before ``index`` added to period ``index`` (catch-up)."""
    if first >= index:
        return first, tuple(parts)
    cut = index - first
    head = sum(parts[:cut])
    tail = list(parts[cut:]) or [0]
    tail[0] += head
    return index, tuple(tail)


def impairment_loss(*, carrying: int, remaining_consideration: int, costs_to_provide: int) -> int:
    """The loss of ASC 340-40-35-3: carrying amount over (remaining consideration − costs to provide)."""
    recoverable = remaining_consideration - costs_to_provide
    return max(carrying - recoverable, 0)


def carrying_after(amortisation: Sequence[int], first: int, index: int, amount: int) -> int:
    """The carrying amount at the end of period ``index``: capitalised less amortisation through it."""
    through = index - first + 1
    return amount - sum(amortisation[: max(through, 0)])


def impair(amortisation: Sequence[int], first: int, index: int, loss: int) -> tuple[int, ...]:
    """The schedule after an impairment of ``loss`` at the end of period ``index`` (no reversal later).

    Periods through ``index`` keep their amortisation; the carrying amount left after it, less the loss, is
    spread over the remaining periods in proportion to what they carried before (cumulative rounding)."""
    cut = max(index - first + 1, 0)
    kept, rest = list(amortisation[:cut]), list(amortisation[cut:])
    remaining = sum(rest)
    if loss <= 0:
        return tuple(amortisation)
    if loss > remaining:
        raise ValueError("an impairment cannot exceed the carrying amount")
    left = remaining - loss
    if left == 0 or not any(rest):
        return (*kept, *([0] * len(rest)))
    return (*kept, *spread(left, rest))


@dataclass(frozen=True, slots=True)
class CostEntry:
    """One balanced journal entry of a cost: Dr ``debit`` / Cr ``credit`` for ``amount`` minor units."""

    index: int  # calendar index of the period it is booked in
    kind: str  # CAPITALISE | EXPENSE | AMORTISE | IMPAIR
    debit: str
    credit: str
    amount: int


def entries(plan: CostPlan, *, impairments: Sequence[tuple[int, int]] = ()) -> list[CostEntry]:
    """The entries of one cost: capitalisation Dr G / Cr P (or expense Dr I / Cr P), amortisation Dr I /
    Cr G per period, impairment Dr H / Cr G. ``impairments`` are (index, loss) pairs."""
    if not plan.capitalised:
        return [CostEntry(plan.booked_index, EXPENSE, EXPENSE_ACCOUNT, PAYABLE, plan.amount)]
    booked = [CostEntry(plan.booked_index, "CAPITALISE", ASSET, PAYABLE, plan.amount)]
    for offset, part in enumerate(plan.amortisation):
        if part:
            booked.append(CostEntry(plan.first_index + offset, "AMORTISE", EXPENSE_ACCOUNT, ASSET, part))
    booked.extend(CostEntry(i, "IMPAIR", IMPAIRMENT, ASSET, loss) for i, loss in impairments if loss)
    return booked
