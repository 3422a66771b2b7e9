"""Provenance: where any schedule amount comes from, so an API can explain every number.

:func:`explain` gathers, for one line (and optionally one period), the facts that produced its amounts:
the contract and POB, the POB template with its release event, ratable and accounting methods, the SSP,
its rule and type, the allocation share and method, and the line's allocatable, allocated and carve
amounts.  It reads only the computed contract, so an explanation can never disagree with the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .contracts import RevenueContract, line_curve
from .conventions import ScheduleRounding
from .money import from_minor
from .policies import Policies
from .policy_pob import AccountingMethod
from .releases import NO_ACTIVITY, LineActivity


@dataclass(frozen=True, slots=True)
class Provenance:
    """The origin of a line's schedule amounts (one period's amounts when ``period`` is given)."""

    contract_key: str
    line_id: str
    pob_key: str | None
    pob_template: str | None
    release_event: str | None
    ratable_method: str | None
    accounting_method: str | None
    ssp: Decimal | None
    ssp_rule: str | None
    ssp_type: str | None
    range_position: str | None
    share: Decimal | None
    allocation_method: str
    allocation_currency: str
    remainder_line: bool
    allocatable: Decimal
    allocated: Decimal
    carve: Decimal
    released: Fraction
    period: int | None = None
    amounts: tuple[Decimal, Decimal, Decimal] | None = None
    revenue_amounts: tuple[Decimal, Decimal, Decimal] | None = None
    weights: PeriodWeights | None = None


@dataclass(frozen=True, slots=True)
class PeriodWeights:
    """How a ratable line's value is spread: per period of its schedule, the weight it earns (days of the
    service span, or the share of the period covered, scaled to integers; catch-up and several releases
    combined), its running total, all over one ``denominator``.  Running amount through period i is
    ``round_half_up(total × cumulative[i] / denominator)``; a period's amount is the difference of two running
    amounts (``cumulative_rounding``: False when another schedule-rounding convention applies)."""

    periods: tuple[int, ...]
    weights: tuple[int, ...]
    cumulative: tuple[int, ...]
    denominator: int
    unit: str
    cumulative_rounding: bool

    def fraction_through(self, period: int) -> Fraction:
        return Fraction(self.cumulative[self.periods.index(period)], self.denominator)

    def fraction_before(self, period: int) -> Fraction:
        index = self.periods.index(period)
        return Fraction(self.cumulative[index - 1] if index else 0, self.denominator)


def explain(
    contract: RevenueContract,
    policies: Policies,
    line_id: str,
    period: int | None = None,
    *,
    activity: LineActivity | None = None,
    open_period: int | None = None,
) -> Provenance:
    """Why line ``line_id`` of ``contract`` earns what it earns (in ``period`` if given: with the weights
    it was spread along when ``activity`` and ``open_period`` are those the contract was computed with)."""
    allocation = contract.allocation.line(line_id)
    pob = next((p for p in contract.pobs if line_id in p.line_ids), None)
    template = policies.pob_by_name.get(pob.template) if pob else None
    schedule = next((s for s in contract.schedules if s.line_id == line_id), None)
    amounts = revenue = None
    if period is not None and schedule is not None:
        index = schedule.periods.index(period)
        amounts = tuple(from_minor(schedule.allocated(c)[index], schedule.currencies[c]) for c in range(3))
        revenue = tuple(from_minor(schedule.revenue(c)[index], schedule.currencies[c]) for c in range(3))
    weights = None
    if period is not None and schedule is not None and template is not None:
        line = next((x for x in contract.lines if x.line_id == line_id), None)
        curve = line_curve(line, template, activity or NO_ACTIVITY, policies, open_period) if line else None
        if curve is not None:
            first, cumulative, denominator = curve
            keys = policies.calendar.keys[first : first + len(cumulative)]
            if tuple(keys) == tuple(schedule.periods):  # the curve the schedule was spread along
                daily = template.accounting_method is AccountingMethod.DAILY
                weights = PeriodWeights(
                    tuple(keys),
                    tuple(b - a for a, b in zip((0, *cumulative[:-1]), cumulative, strict=True)),
                    tuple(cumulative),
                    denominator,
                    "days" if daily else "share of the period covered (a full period weighs the most)",
                    policies.conventions.schedule_rounding is ScheduleRounding.CUMULATIVE,
                )
    return Provenance(
        contract.key,
        line_id,
        pob.key if pob else None,
        pob.template if pob else None,
        template.release_event.value if template else None,
        template.ratable_method.value if template else None,
        template.accounting_method.value if template else None,
        allocation.ssp,
        allocation.ssp_rule,
        allocation.ssp_type,
        allocation.range_position,
        allocation.share,
        contract.allocation.method,
        contract.allocation.currency,
        contract.allocation.remainder_line_id == line_id and contract.allocation.remainder_minor != 0,
        allocation.allocatable,
        allocation.allocated,
        allocation.carve,
        schedule.released if schedule else Fraction(0),
        period,
        amounts,  # type: ignore[arg-type]
        revenue,  # type: ignore[arg-type]
        weights,
    )
