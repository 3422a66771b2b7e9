"""Allocation of the transaction price by relative SSP, with the residual approach (domain.md §8).

The transaction price of a contract is the sum of its allocation-eligible lines' allocatable prices (their
extended sell prices; ``CV_ELIGIBLE_FLAG`` = ``N`` lines keep their own price).  Each eligible line gets
``price × its SSP / total SSP``.  Invariants:

* the allocated amounts sum *exactly* to the transaction price: each share is rounded half up in minor
  units and the rounding remainder goes to the line chosen by the ``allocation_remainder`` convention (by
  default the largest allocated amount in absolute value, ties to the smallest line id) — lines are in
  line-id order, so the result does not depend on input order (see :mod:`revrec.engine.allocation_rounding`
  for the conventions);
* carve = allocated − allocatable, so the carves of a contract sum to zero;
* a contract whose SSP cannot be derived (RPRO-00607) or totals zero (RPRO-00604) is not allocated: every
  line keeps its price and the error is returned as a value.

Residual (RSSP) lines share what the SSP lines leave of the price, weighted by their RSSP FV type with the
weights rounded to ``rssp_weight_places`` decimals (4, which reproduces the published example 280,000 →
71,425 / 71,425 / 107,150), when that remainder covers their RSSP minimums; otherwise they fall back to their
alternative SSP (ASSP) and relative allocation.  Single-currency contracts allocate in the transaction
currency; multi-currency ones in the functional currency when all lines share it, else in the reporting
currency, and convert each line's allocated amount back to its transaction currency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from math import lcm
from typing import TYPE_CHECKING, Final

from .allocation_rounding import by_rounded_percent, remainder_line, share_of
from .conventions import Conventions
from .errors import WARNING, EngineError, engine_error
from .lines import TransactionLine
from .money import CURRENCY_EXPONENTS, from_minor, quantize_places, to_minor
from .policies import AllocationCurrency, Policies
from .policy_ssp import AlternativeSspType, RsspFvType, RsspMinType, SspRule
from .ssp import HUNDRED, SspResult

if TYPE_CHECKING:
    from .discount_allocation import AppliedDiscount

RELATIVE: Final = "RELATIVE"
RESIDUAL: Final = "RESIDUAL"
NONE: Final = "NONE"


@dataclass(frozen=True, slots=True)
class Allocation:
    """One line's allocation; amounts in minor units of ``currency`` (the line's transaction currency)."""

    line_id: str
    currency: str
    allocatable_minor: int
    allocated_minor: int
    eligible: bool
    ssp: Decimal | None = None
    ssp_rule: str | None = None
    ssp_type: str | None = None
    range_position: str | None = None
    share: Decimal | None = None

    @property
    def allocatable(self) -> Decimal:
        return from_minor(self.allocatable_minor, self.currency)

    @property
    def allocated(self) -> Decimal:
        return from_minor(self.allocated_minor, self.currency)

    @property
    def carve(self) -> Decimal:
        """``CV_AMT``: allocated − allocatable."""
        return from_minor(self.allocated_minor - self.allocatable_minor, self.currency)


class _AllocationBuilder:
    """Builds an :class:`Allocation` on the hot path (see ``schedules._LineScheduleBuilder``)."""

    __slots__ = (
        "line_id",
        "currency",
        "allocatable_minor",
        "allocated_minor",
        "eligible",
        "ssp",
        "ssp_rule",
        "ssp_type",
        "range_position",
        "share",
    )

    def __init__(
        self,
        line_id: str,
        currency: str,
        allocatable_minor: int,
        allocated_minor: int,
        eligible: bool,
        ssp: Decimal | None,
        ssp_rule: str | None,
        ssp_type: str | None,
        range_position: str | None,
        share: Decimal | None,
    ) -> None:
        self.line_id = line_id
        self.currency = currency
        self.allocatable_minor = allocatable_minor
        self.allocated_minor = allocated_minor
        self.eligible = eligible
        self.ssp = ssp
        self.ssp_rule = ssp_rule
        self.ssp_type = ssp_type
        self.range_position = range_position
        self.share = share
        self.__class__ = Allocation  # type: ignore[assignment]


new_allocation: Callable[
    [str, str, int, int, bool, Decimal | None, str | None, str | None, str | None, Decimal | None],
    Allocation,
] = _AllocationBuilder  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class ContractAllocation:
    """The allocation of one contract (``currency`` is the allocation currency)."""

    method: str
    currency: str
    transaction_price: Decimal
    ssp_total: Decimal | None
    lines: tuple[Allocation, ...]
    remainder_line_id: str | None = None
    remainder_minor: int = 0
    rssp_failed: bool = False
    #: the discount rule applied to the contract (engine/discount_allocation.py), if any; out of the repr
    #: so that the recorded golden digests of contracts without one are unchanged
    discount: AppliedDiscount | None = field(default=None, repr=False)

    def line(self, line_id: str) -> Allocation:
        for allocation in self.lines:
            if allocation.line_id == line_id:
                return allocation
        raise KeyError(line_id)


def minor_units(amount: Decimal, currency: str) -> int:
    """Fast :func:`to_minor` for amounts that already fit their currency (the usual case)."""
    scaled = amount.scaleb(CURRENCY_EXPONENTS[currency])
    units = int(scaled)
    return units if units == scaled else to_minor(amount, currency)


@dataclass(slots=True)
class _Work:
    """Mutable scratch state of one allocation (never leaves this module)."""

    lines: Sequence[TransactionLine]
    eligible: list[int]
    rates: dict[int, Decimal]
    currency: str
    price_minor: int
    ssp: dict[int, Decimal]
    kinds: dict[int, str]


def _unallocated(
    lines: Sequence[TransactionLine],
    allocatable: list[int],
    currency: str,
    results: Sequence[SspResult | None] | None = None,
) -> ContractAllocation:
    rows = []
    for index, line in enumerate(lines):
        result = results[index] if results is not None else None
        rows.append(
            Allocation(
                line.line_id,
                line.curr,
                allocatable[index],
                allocatable[index],
                line.allocation_eligible,
                result.ssp if result else None,
                result.rule_name if result else None,
                None,
                result.position if result else None,
            )
        )
    price = sum(
        allocatable[i] for i, line in enumerate(lines) if line.allocation_eligible and line.curr == currency
    )
    return ContractAllocation(NONE, currency, from_minor(price, currency), None, tuple(rows))


def _allocation_currency(
    lines: Sequence[TransactionLine], eligible: list[int], policies: Policies
) -> tuple[str, dict[int, Decimal]]:
    currencies = {lines[i].curr for i in eligible}
    if len(currencies) == 1:
        return currencies.pop(), {}
    functional = {lines[i].f_cur for i in eligible}
    if (
        len(functional) == 1
        and policies.multi_currency_allocation is AllocationCurrency.LOWEST_COMMON_CURRENCY
    ):
        return functional.pop(), {i: lines[i].f_ex_rate for i in eligible}
    return policies.reporting_currency, {i: lines[i].f_ex_rate * lines[i].g_ex_rate for i in eligible}


def _per_unit(line: TransactionLine, given: Decimal | None, extended: Decimal) -> Decimal:
    if given is not None:
        return given
    divisor = line.ord_qty * line.term_months
    return extended / divisor if divisor else extended


def rssp_minimum(line: TransactionLine, rule: SspRule) -> Decimal:
    """RSSP Min by type: CUSTOM amt×qty×term, LIST PRICE list×%×qty×term, SELL PRICE sell×qty×term"""
    factor = line.ord_qty * line.term_months
    if rule.rssp_min_type is RsspMinType.CUSTOM:
        assert rule.rssp_min_amount is not None
        return rule.rssp_min_amount * factor
    if rule.rssp_min_type is RsspMinType.LIST_PRICE:
        assert rule.rssp_min_percent is not None
        return (
            _per_unit(line, line.unit_list_prc, line.ext_lst_prc) * rule.rssp_min_percent / HUNDRED * factor
        )
    return _per_unit(line, line.unit_sell_prc, line.ext_sll_prc) * factor


def _custom(line: TransactionLine, rule: SspRule) -> Decimal:
    assert rule.alternative_amount is not None
    return rule.alternative_amount * line.ord_qty * line.term_months


def _rssp_weight(line: TransactionLine, rule: SspRule, minimum: Decimal) -> Decimal:
    kind = rule.rssp_fv_type
    if kind is RsspFvType.CUSTOM:
        return _custom(line, rule)
    if kind is RsspFvType.LIST_PRICE:
        return line.ext_lst_prc
    if kind is RsspFvType.SELL_PRICE:
        return line.ext_sll_prc
    if kind is RsspFvType.HIGHER_OF_SP_OR_RSSP_MIN_AMOUNT:
        return max(line.ext_sll_prc, minimum)
    return minimum


def _alternative(line: TransactionLine, rule: SspRule) -> Decimal:
    if rule.alternative_ssp_type is AlternativeSspType.CUSTOM:
        return _custom(line, rule)
    return (
        line.ext_lst_prc if rule.alternative_ssp_type is AlternativeSspType.LIST_PRICE else line.ext_sll_prc
    )


def _residual(
    work: _Work, results: Sequence[SspResult | None], policies: Policies, key: str | None
) -> tuple[bool, list[EngineError]]:
    """Settle the SSP of RSSP lines in ``work.ssp``; True when the residual approach failed."""
    rate = work.rates.get
    residual = [i for i in work.eligible if (r := results[i]) is not None and r.residual]
    minimums: dict[int, Decimal] = {}
    for i in residual:
        rule = results[i].rule  # type: ignore[union-attr]
        minimums[i] = rssp_minimum(work.lines[i], rule) * rate(i, Decimal(1))
        if policies.rssp_floor_method and minimums[i] > work.lines[i].ext_sll_prc * rate(i, Decimal(1)):
            work.ssp[i], work.kinds[i] = (
                minimums[i],
                "SSP",
            )  # ENABLE_RSSP_FLOOR_METHOD: an SSP line at its minimum
    residual = [i for i in residual if i not in work.ssp]
    if not residual:
        return False, []
    remaining = from_minor(work.price_minor, work.currency) - sum(
        (work.ssp[i] for i in work.eligible if i not in residual), Decimal(0)
    )
    minimum = sum((minimums[i] for i in residual), Decimal(0))
    weights = {
        i: _rssp_weight(work.lines[i], results[i].rule, minimums[i]) * rate(i, Decimal(1))  # type: ignore[union-attr]
        for i in residual
    }
    total_weight = sum(weights.values(), Decimal(0))
    if remaining >= minimum and total_weight > 0:
        for i in residual:
            work.ssp[i] = remaining * quantize_places(weights[i] / total_weight, policies.rssp_weight_places)
            work.kinds[i] = "RSSP"
        return False, []
    for i in residual:
        work.ssp[i] = _alternative(work.lines[i], results[i].rule) * rate(i, Decimal(1))  # type: ignore[union-attr]
        work.kinds[i] = "ASSP"
    return True, [
        engine_error(
            "REVREC-ENG-009", contract_key=key, severity=WARNING, remaining=remaining, minimum=minimum
        )
    ]


def _relative(work: _Work, conventions: Conventions) -> tuple[dict[int, int], Decimal, int, int]:
    """Allocated minor units per eligible line (summing to the price), SSP total, remainder line/amount."""
    ssp = work.ssp
    if conventions.allocation_percent_places is not None:
        rounded, target, remainder = by_rounded_percent(
            work.eligible, work.ssp, work.price_minor, work.currency, conventions
        )
        return rounded, sum(ssp.values(), Decimal(0)), target, remainder
    ratios = [ssp[i].as_integer_ratio() for i in work.eligible]
    scale = lcm(*(denominator for _, denominator in ratios))
    weights = [numerator * (scale // denominator) for numerator, denominator in ratios]
    total = sum(weights)
    price, twice = work.price_minor, 2 * total
    allocated: dict[int, int] = {}
    for i, weight in zip(work.eligible, weights, strict=True):
        product = 2 * price * weight
        allocated[i] = (product + total) // twice if product >= 0 else -((total - product) // twice)
    target = remainder_line(work.eligible, allocated, conventions.allocation_remainder)
    remainder = price - sum(allocated.values())
    allocated[target] += remainder
    return allocated, sum(ssp.values(), Decimal(0)), target, remainder


def allocate(
    contract_key: str | None,
    lines: Sequence[TransactionLine],
    results: Sequence[SspResult | None],
    policies: Policies,
    *,
    configured: bool = True,
) -> tuple[ContractAllocation, list[EngineError]]:
    """Allocate the contract's price over ``lines`` (sorted by line id) given each line's SSP result."""
    allocatable = [minor_units(line.ext_sll_prc, line.curr) for line in lines]
    eligible = [i for i, line in enumerate(lines) if line.allocation_eligible]
    if not eligible or not configured or not policies.allocation_enabled:
        return _unallocated(lines, allocatable, lines[0].curr if lines else policies.reporting_currency), []
    currency, rates = _allocation_currency(lines, eligible, policies)
    if rates:
        price = sum((lines[i].ext_sll_prc * rates[i] for i in eligible), Decimal(0))
        price_minor = to_minor(price, currency)
    else:
        price_minor = sum(allocatable[i] for i in eligible)
    missing = [i for i in eligible if results[i] is None]
    if missing:
        error = engine_error("RPRO-00607", contract_key=contract_key, line_id=lines[missing[0]].line_id)
        return _unallocated(lines, allocatable, currency, results), [error]
    work = _Work(lines, eligible, rates, currency, price_minor, {}, {})
    for i in eligible:
        result = results[i]
        assert result is not None
        if not result.residual:
            work.ssp[i] = result.ssp * rates.get(i, Decimal(1))  # type: ignore[operator]
            work.kinds[i] = "SSP"
    failed, errors = _residual(work, results, policies, contract_key)
    if sum(work.ssp.values(), Decimal(0)) <= 0:
        errors.append(engine_error("RPRO-00604", contract_key=contract_key))
        return _unallocated(lines, allocatable, currency, results), errors
    allocated, ssp_total, largest, remainder = _relative(work, policies.conventions)
    rows = []
    for index, line in enumerate(lines):
        result = results[index]
        if index not in allocated:
            rows.append(
                Allocation(
                    line.line_id,
                    line.curr,
                    allocatable[index],
                    allocatable[index],
                    False,
                    result.ssp if result else None,
                    result.rule_name if result else None,
                )
            )
            continue
        amount = allocated[index]
        if rates:
            amount = to_minor(from_minor(amount, currency) / rates[index], line.curr)
        rows.append(
            Allocation(
                line.line_id,
                line.curr,
                allocatable[index],
                amount,
                True,
                work.ssp[index],
                result.rule_name if result else None,
                work.kinds[index],
                result.position if result else None,
                share_of(work.ssp[index], ssp_total, policies.conventions),
            )
        )
    method = RESIDUAL if any(kind == "RSSP" for kind in work.kinds.values()) else RELATIVE
    return ContractAllocation(
        method,
        currency,
        from_minor(price_minor, currency),
        ssp_total,
        tuple(rows),
        lines[largest].line_id,
        remainder,
        failed,
    ), errors


_ONE: Final = Decimal(1)
_ZERO: Final = Decimal(0)


def allocate_relative(
    lines: Sequence[TransactionLine],
    ssps: Sequence[Decimal],
    rule_names: Sequence[str],
    positions: Sequence[str | None],
    policies: Policies,
) -> ContractAllocation | None:
    """:func:`allocate` for the common case, or None when it does not apply.

    The common case: every line has an SSP (no RSSP line, no formula error), the eligible lines share one
    transaction currency and their SSPs total more than zero — a relative allocation in that currency.  The
    arithmetic is the one of :func:`allocate` (and :func:`_relative`) step by step, so the result is the
    same object field for field; it only skips the scratch dictionaries and the generic branches.
    """
    allocatable = [minor_units(line.ext_sll_prc, line.curr) for line in lines]
    if not policies.allocation_enabled or not policies.conventions.default_allocation:
        return None
    eligible = [i for i, line in enumerate(lines) if line.cv_eligible_flag != "N"]
    if not eligible:
        return None
    currency = lines[eligible[0]].curr
    for i in eligible:
        if lines[i].curr != currency:
            return None
    price_minor = 0
    ssp = []
    for i in eligible:
        price_minor += allocatable[i]
        ssp.append(ssps[i] * _ONE)
    ssp_total = sum(ssp, _ZERO)
    if ssp_total <= 0:
        return None
    ratios = [value.as_integer_ratio() for value in ssp]
    scale = lcm(*(denominator for _, denominator in ratios))
    weights = [numerator * (scale // denominator) for numerator, denominator in ratios]
    total = sum(weights)
    twice = 2 * total
    shares = []
    largest, size = 0, -1
    for position, weight in enumerate(weights):
        product = 2 * price_minor * weight
        share = (product + total) // twice if product >= 0 else -((total - product) // twice)
        shares.append(share)
        if abs(share) > size:
            largest, size = position, abs(share)
    remainder = price_minor - sum(shares)
    shares[largest] += remainder
    rows: list[Allocation] = []
    if len(eligible) == len(lines):
        for index, line in enumerate(lines):
            value = ssp[index]
            rows.append(
                new_allocation(
                    line.line_id,
                    line.curr,
                    allocatable[index],
                    shares[index],
                    True,
                    value,
                    rule_names[index],
                    "SSP",
                    positions[index],
                    value / ssp_total,
                )
            )
    else:
        slot = dict(zip(eligible, range(len(eligible)), strict=True))
        for index, line in enumerate(lines):
            at = slot.get(index)
            if at is None:
                rows.append(
                    new_allocation(
                        line.line_id,
                        line.curr,
                        allocatable[index],
                        allocatable[index],
                        False,
                        ssps[index],
                        rule_names[index],
                        None,
                        None,
                        None,
                    )
                )
                continue
            value = ssp[at]
            rows.append(
                new_allocation(
                    line.line_id,
                    line.curr,
                    allocatable[index],
                    shares[at],
                    True,
                    value,
                    rule_names[index],
                    "SSP",
                    positions[index],
                    value / ssp_total,
                )
            )
    return ContractAllocation(
        RELATIVE,
        currency,
        from_minor(price_minor, currency),
        ssp_total,
        tuple(rows),
        lines[eligible[largest]].line_id,
        remainder,
        False,
    )
