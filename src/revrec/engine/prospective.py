"""Prospective modifications (ASC 606-10-25-13(a), IFRS 15.21(a)): what a revised line earns from now on.

A prospective modification is accounted for as if the existing contract ended and a new one began at the
start of the open period: revenue already recognised (through the last closed period) stays, and the
*remaining consideration* — the line's new full consideration less what was recognised — is recognised as
the *remaining performance* happens, whatever releases the line (booking, billing, events by percent,
quantity or amount, manual releases, expiry).

The performance of a line is its exact natural pattern (:class:`Pattern`): the cumulative fraction of the
line released *and* earned through each period, as integers ``k_i`` over one denominator ``D`` — for a
quantity event ``units delivered / ORD_QTY`` of the new line, for a ratable line the fraction of its term,
both combined when released lines spread over time.  With ``k0`` the pattern through the last closed period,
the running total recognised through open or later period ``i`` is, per currency::

    run(i) = base + round((full − base) × (k_i − k0) / (D − k0))          (half away from zero)

so units already delivered keep their price, each remaining unit earns an equal share of the remaining
consideration, and a fully delivered line ends exactly at ``full``.  When the pattern was complete before
the open period (``k0 = D``) the whole change lands in the open period (nothing remains to spread it over).
The rounding is cumulative over the exact pattern, never over already-rounded period amounts, so parts sum
exactly to the whole in each currency.

Under the other ``schedule_rounding`` conventions (:mod:`revrec.engine.schedule_rounding`) each remaining
period's exact amount ``(full − base) × (k_i − k_{i−1}) / (D − k0)`` is rounded on its own and what that
leaves of the rounded remaining total lands in the last remaining period with revenue (``Last Period``) or
the first one (``First Period``; the open period at the earliest, so never a closed one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate

from .contracts import AllocatedContract, natural_curve
from .conventions import ScheduleRounding
from .money import round_div
from .policies import Policies
from .releases import NO_ACTIVITY, LineActivity
from .schedule_rounding import distribute, remainder_period
from .schedules import convert_cumulative


@dataclass(frozen=True, slots=True)
class Pattern:
    """A line's exact natural pattern and its full consideration (100 % released) in T/F/R minor units.

    ``cumulative[j]`` over ``denominator`` is the fraction released and earned through calendar index
    ``first_index + j``; before ``first_index`` nothing, after the last entry its value.
    """

    first_index: int
    cumulative: tuple[int, ...]
    denominator: int
    allocated: tuple[int, int, int]
    allocatable: tuple[int, int, int]
    rates: tuple[tuple[int, int], tuple[int, int]] = ((1, 1), (1, 1))  # functional, reporting ratios

    @property
    def end_index(self) -> int:
        """One past the last calendar index of the pattern."""
        return self.first_index + len(self.cumulative)

    def earned(self, index: int) -> int:
        """Numerator of the fraction earned through calendar index ``index``."""
        if not self.cumulative or index < self.first_index:
            return 0
        return self.cumulative[min(index - self.first_index, len(self.cumulative) - 1)]


def remaining_runs(
    base: int,
    full: int,
    pattern: Pattern,
    open_index: int,
    end_index: int,
    rounding: ScheduleRounding = ScheduleRounding.CUMULATIVE,
) -> list[int]:
    """Running totals for calendar indices ``open_index`` … ``end_index − 1`` (see the module docstring)."""
    before = pattern.earned(open_index - 1)
    left = pattern.denominator - before
    remaining = full - base
    if left <= 0 or end_index <= open_index:
        return [full] * (end_index - open_index)
    if rounding is ScheduleRounding.CUMULATIVE:
        return [
            base + round_div(remaining * (pattern.earned(i) - before), left)
            for i in range(open_index, end_index)
        ]
    earned = [before, *(pattern.earned(i) for i in range(open_index, end_index))]
    weights = [b - a for a, b in zip(earned, earned[1:], strict=False)]
    target = round_div(remaining * (earned[-1] - before), left)
    at = remainder_period(weights, rounding)
    amounts = distribute([remaining * w for w in weights], left, target, at)
    return [base + run for run in accumulate(amounts)]


def _full(total: int, functional: tuple[int, int], reporting: tuple[int, int]) -> tuple[int, int, int]:
    """``total`` (transaction minor units) in T/F/R as the schedules convert a running total."""
    f = convert_cumulative([total], *functional, total < 0)[0]
    return total, f, convert_cumulative([f], *reporting, f < 0)[0]


def natural_patterns(
    contract: AllocatedContract, policies: Policies, activity: Mapping[str, LineActivity] | None = None
) -> dict[str, Pattern]:
    """The :class:`Pattern` of each line of ``contract`` that has a POB template and a start date.

    A line without any release (nothing delivered yet) has an empty pattern: it earns nothing until it is.
    """
    patterns: dict[str, Pattern] = {}
    for line, template, allocation in zip(
        contract.lines, contract.pob_templates, contract.allocation.lines, strict=True
    ):
        if template is None:
            continue
        found = (activity or {}).get(line.line_id, NO_ACTIVITY)
        curve, (_, functional, reporting) = natural_curve(line, template, found, policies)
        first, cumulative, denominator = curve if curve is not None else (0, (), 1)
        patterns[line.line_id] = Pattern(
            first,
            cumulative,
            denominator,
            _full(allocation.allocated_minor, functional, reporting),
            _full(allocation.allocatable_minor, functional, reporting),
            (functional, reporting),
        )
    return patterns
