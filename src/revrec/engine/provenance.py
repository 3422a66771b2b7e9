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

from .contracts import RevenueContract
from .money import from_minor
from .policies import Policies


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


def explain(
    contract: RevenueContract, policies: Policies, line_id: str, period: int | None = None
) -> Provenance:
    """Why line ``line_id`` of ``contract`` earns what it earns (in ``period`` if given)."""
    allocation = contract.allocation.line(line_id)
    pob = next((p for p in contract.pobs if line_id in p.line_ids), None)
    template = policies.pob_by_name.get(pob.template) if pob else None
    schedule = next((s for s in contract.schedules if s.line_id == line_id), None)
    amounts = revenue = None
    if period is not None and schedule is not None:
        index = schedule.periods.index(period)
        amounts = tuple(from_minor(schedule.allocated(c)[index], schedule.currencies[c]) for c in range(3))
        revenue = tuple(from_minor(schedule.revenue(c)[index], schedule.currencies[c]) for c in range(3))
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
    )
