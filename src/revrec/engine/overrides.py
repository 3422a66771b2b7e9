"""Manual overrides of a computed contract: a user's SSP per line, allocated amount per line, and manual
releases (pure: no I/O).

:func:`apply` takes a contract as the engine allocated it and returns it with the overrides in force:

* **SSP overrides** replace the SSP of the named lines; the transaction price is then allocated again by
  relative SSP over every eligible line (the others keep the SSP the engine found), with the engine's
  rounding: each share rounded half up in minor units, the remainder to the line the
  ``allocation_remainder`` convention names, so the allocated amounts sum exactly to the price.
* **Allocation overrides** set the allocated amount of the named lines (the others keep theirs); they are
  applied after the SSP overrides and only when the result sums *exactly* to the transaction price.
* **Manual releases** reach the schedules through the line activity (:mod:`revrec.engine.releases`); a
  line whose POB template releases on booking is already fully released, so one is reported, not applied.

An override that cannot apply is reported as a warning (``REVREC-ENG-030`` … ``033``) and the computed
figures stand: the contract is never left half overridden. Carve = allocated − allocatable, as always.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from math import lcm

from .allocation import RELATIVE, Allocation, ContractAllocation
from .allocation_rounding import by_rounded_percent, remainder_line, share_of
from .contracts import AllocatedContract
from .errors import WARNING, EngineError, engine_error
from .lines import ManualRelease
from .money import CURRENCY_EXPONENTS, from_minor, to_minor
from .policies import Policies
from .policy_pob import ReleaseEvent

MANUAL_SSP = "MANUAL"  # the ssp_type of a line whose SSP a user set
SEVERAL_CURRENCIES = "the contract's eligible lines are in several currencies"


@dataclass(frozen=True, slots=True)
class Overrides:
    """The manual overrides in force on one contract (line id → amount, in the line's currency)."""

    ssp: Mapping[str, Decimal] = field(default_factory=dict)
    allocated: Mapping[str, Decimal] = field(default_factory=dict)
    releases: tuple[ManualRelease, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ssp or self.allocated or self.releases)


def _warning(code: str, key: str, line_id: str | None = None, **values: object) -> EngineError:
    return engine_error(code, contract_key=key, line_id=line_id, severity=WARNING, **values)


def _fits(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` has no more decimals than ``currency`` has minor units."""
    return amount == amount.quantize(Decimal(1).scaleb(-CURRENCY_EXPONENTS[currency]))


def _single_currency(contract: AllocatedContract) -> bool:
    allocation = contract.allocation
    eligible = [line for line in contract.lines if line.allocation_eligible]
    return bool(eligible) and all(line.curr == allocation.currency for line in eligible)


def _relative(
    eligible: Sequence[int], ssp: Mapping[int, Decimal], price_minor: int, currency: str, policies: Policies
) -> tuple[dict[int, int], int, int]:
    """Minor units per eligible line summing exactly to the price, the remainder line and remainder
    (the arithmetic of :mod:`revrec.engine.allocation`: shares rounded half up, remainder to one line)."""
    conventions = policies.conventions
    if conventions.allocation_percent_places is not None:
        return by_rounded_percent(eligible, ssp, price_minor, currency, conventions)
    ratios = [ssp[i].as_integer_ratio() for i in eligible]
    scale = lcm(*(denominator for _, denominator in ratios))
    weights = [numerator * (scale // denominator) for numerator, denominator in ratios]
    total, twice = sum(weights), 2 * sum(weights)
    allocated: dict[int, int] = {}
    for i, weight in zip(eligible, weights, strict=True):
        product = 2 * price_minor * weight
        allocated[i] = (product + total) // twice if product >= 0 else -((total - product) // twice)
    target = remainder_line(eligible, allocated, conventions.allocation_remainder)
    remainder = price_minor - sum(allocated.values())
    allocated[target] += remainder
    return allocated, target, remainder


def _with_ssp(
    contract: AllocatedContract, ssp: Mapping[str, Decimal], policies: Policies
) -> tuple[ContractAllocation | None, list[EngineError]]:
    key, allocation = contract.key, contract.allocation
    index = {line.line_id: i for i, line in enumerate(contract.lines)}
    eligible = [i for i, line in enumerate(contract.lines) if line.allocation_eligible]
    errors: list[EngineError] = []
    for line_id, value in sorted(ssp.items()):
        if line_id not in index or index[line_id] not in eligible:
            reason = "the line is not an allocation-eligible line of the contract"
            errors.append(_warning("REVREC-ENG-031", key, line_id, line=line_id, reason=reason))
        elif value < 0:
            errors.append(
                _warning("REVREC-ENG-031", key, line_id, line=line_id, reason="an SSP is never negative")
            )
    if errors:
        return None, errors
    if not _single_currency(contract):
        return None, [
            _warning("REVREC-ENG-030", key, reason="the contract's eligible lines are in several currencies")
        ]
    values: dict[int, Decimal] = {}
    for i in eligible:
        line_id = contract.lines[i].line_id
        found = ssp.get(line_id, allocation.lines[i].ssp)
        if found is None:
            reason = f"line {line_id} has no SSP: override the SSP of every eligible line"
            return None, [_warning("REVREC-ENG-030", key, reason=reason)]
        values[i] = found
    total = sum(values.values(), Decimal(0))
    if total <= 0:
        return None, [_warning("REVREC-ENG-030", key, reason="the SSPs total zero")]
    price_minor = to_minor(allocation.transaction_price, allocation.currency)
    shares, target, remainder = _relative(eligible, values, price_minor, allocation.currency, policies)
    rows: list[Allocation] = []
    for i, old in enumerate(allocation.lines):
        if i not in shares:
            rows.append(old)
            continue
        overridden = contract.lines[i].line_id in ssp
        rows.append(
            replace(
                old,
                allocated_minor=shares[i],
                eligible=True,
                ssp=values[i],
                ssp_rule=MANUAL_SSP if overridden else old.ssp_rule,
                ssp_type=MANUAL_SSP if overridden else old.ssp_type,
                share=share_of(values[i], total, policies.conventions),
            )
        )
    result = replace(
        allocation,
        method=RELATIVE,
        ssp_total=total,
        lines=tuple(rows),
        remainder_line_id=contract.lines[target].line_id,
        remainder_minor=remainder,
    )
    return result, []


def _with_allocated(
    contract: AllocatedContract, allocation: ContractAllocation, amounts: Mapping[str, Decimal]
) -> tuple[ContractAllocation | None, list[EngineError]]:
    key = contract.key
    index = {line.line_id: i for i, line in enumerate(contract.lines)}
    for line_id, amount in sorted(amounts.items()):
        i = index.get(line_id)
        if i is None or not contract.lines[i].allocation_eligible:
            reason = f"line {line_id} is not an allocation-eligible line of the contract"
            return None, [_warning("REVREC-ENG-030", key, line_id, reason=reason)]
        if not _fits(amount, contract.lines[i].curr):
            reason = f"{amount} has more decimals than {contract.lines[i].curr} allows (line {line_id})"
            return None, [_warning("REVREC-ENG-030", key, line_id, reason=reason)]
    if not _single_currency(contract):
        return None, [
            _warning("REVREC-ENG-030", key, reason="the contract's eligible lines are in several currencies")
        ]
    rows: list[Allocation] = []
    for i, old in enumerate(allocation.lines):
        line = contract.lines[i]
        if line.line_id in amounts:
            rows.append(replace(old, allocated_minor=to_minor(amounts[line.line_id], line.curr), share=None))
        else:
            rows.append(old)
    currency = allocation.currency
    total_minor = sum(
        r.allocated_minor for r, line in zip(rows, contract.lines, strict=True) if line.allocation_eligible
    )
    price_minor = to_minor(allocation.transaction_price, currency)
    if total_minor != price_minor:
        total = from_minor(total_minor, currency)
        return None, [_warning("REVREC-ENG-032", key, total=total, price=allocation.transaction_price)]
    return replace(allocation, lines=tuple(rows), remainder_line_id=None, remainder_minor=0), []


def _release_problems(contract: AllocatedContract, releases: Sequence[ManualRelease]) -> list[EngineError]:
    templates = {line.line_id: t for line, t in zip(contract.lines, contract.pob_templates, strict=True)}
    errors: list[EngineError] = []
    for line_id in sorted({r.line_id for r in releases}):
        template = templates.get(line_id)
        if template is not None and template.release_event is ReleaseEvent.UPON_BOOKING:
            errors.append(
                _warning("REVREC-ENG-033", contract.key, line_id, line=line_id, template=template.name)
            )
    return errors


def apply(
    contract: AllocatedContract, overrides: Overrides, policies: Policies
) -> tuple[AllocatedContract, list[EngineError]]:
    """``contract`` with the SSP and allocation overrides in force, and the warnings of those that are not."""
    errors: list[EngineError] = []
    allocation = contract.allocation
    if overrides.ssp:
        by_ssp, problems = _with_ssp(contract, overrides.ssp, policies)
        errors.extend(problems)
        allocation = by_ssp or allocation
    if overrides.allocated:
        by_amount, problems = _with_allocated(contract, allocation, overrides.allocated)
        errors.extend(problems)
        allocation = by_amount or allocation
    errors.extend(_release_problems(contract, overrides.releases))
    if not errors and allocation is contract.allocation:
        return contract, []
    return replace(contract, allocation=allocation, errors=(*contract.errors, *errors)), errors
