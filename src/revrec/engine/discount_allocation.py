"""Allocating a contract's discount entirely to some of its obligations (IFRS 15.81–83, ASC 606-10-32-36..38).

By default the discount of a contract (the SSP total of its eligible lines less the transaction price) is
spread over every line by relative SSP.  When the client declares that the IFRS 15.82 criteria hold for a
group of goods — each is sold separately, the group is regularly sold together at a discount, and that
discount is substantially the contract's — a :class:`DiscountRule` names the lines that take the whole
discount: by item, by POB template, or through a line attribute (``line_attribute``, an ``ATR`` column)
whose value is the rule's name.  Then (IFRS 15 IE Example 34):

* every other eligible line is allocated its own SSP (rounded half up once, to the minor unit);
* residual (RSSP) lines, when present, are priced after the named lines were reduced by the rule's
  ``discount_percent`` (Case B: the discount is allocated first, the residual takes what is left); when
  the residual approach fails (the remaining price is below the RSSP minimum, Case C) the rule is not
  applied: the whole contract is allocated by relative SSP with the alternative SSP (REVREC-ENG-021);
* the named lines share what remains of the price by their relative SSP, rounded half up in minor units
  with the remainder on the line the ``allocation_remainder`` convention picks among them (or each share
  rounded to ``allocation_percent_places`` first): the allocated amounts sum exactly to the price.

A line's discount is its SSP (rounded to the minor unit) less its allocated amount; the line discounts sum
exactly to the contract's discount.  When a rule applies but cannot be honoured (a named item is absent,
the price exceeds or falls below what the named lines can absorb, a residual contract without
``discount_percent``, several currencies ...) the contract is allocated as usual and REVREC-ENG-020 says
why.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from math import lcm
from typing import TYPE_CHECKING, Final

from .allocation import RELATIVE, RESIDUAL, Allocation, ContractAllocation, allocate, minor_units
from .allocation_rounding import by_rounded_percent, remainder_line
from .errors import WARNING, EngineError, engine_error
from .lines import TransactionLine
from .money import from_minor, quantize_places, round_div, to_minor
from .policy_discount import DiscountAllocation, DiscountRule
from .policy_pob import PobTemplate
from .ssp import HUNDRED, SspResult

if TYPE_CHECKING:
    from .policies import Policies

PERCENT_PLACES: Final = 4


@dataclass(frozen=True, slots=True)
class LineDiscount:
    """The discount allocated to one named line (minor units of its currency; percent of its SSP)."""

    line_id: str
    currency: str
    amount_minor: int
    percent: Decimal | None

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor, self.currency)


@dataclass(frozen=True, slots=True)
class AppliedDiscount:
    """A discount rule applied to a contract: the rule, the pool the named lines shared, each line's part."""

    rule: str
    currency: str
    pool_minor: int
    lines: tuple[LineDiscount, ...]

    @property
    def amount_minor(self) -> int:
        """The contract's discount: the sum of the line discounts (exactly)."""
        return sum(d.amount_minor for d in self.lines)

    def of(self, line_id: str) -> LineDiscount | None:
        return next((d for d in self.lines if d.line_id == line_id), None)


@dataclass(frozen=True, slots=True)
class Match:
    """The rule that applies to a contract and the indexes of the lines it names."""

    rule: DiscountRule
    named: tuple[int, ...]


def _warning(key: str | None, rule: str, reason: str) -> EngineError:
    return engine_error("REVREC-ENG-020", contract_key=key, severity=WARNING, rule=rule, reason=reason)


def match(
    key: str | None,
    lines: Sequence[TransactionLine],
    templates: Sequence[PobTemplate | None],
    config: DiscountAllocation,
) -> tuple[Match | None, list[EngineError]]:
    """The first rule (declared to meet IFRS 15.82) naming an eligible line of the contract, or None; with
    REVREC-ENG-020 for a line attribute naming no such rule and for a rule whose items are not all there."""
    errors: list[EngineError] = []
    attribute = config.line_attribute
    active = {r.name: r for r in config.rules if r.criteria_hold}
    flagged: dict[int, str] = {}
    if attribute is not None:
        for i, line in enumerate(lines):
            value = line.attributes.get(attribute)
            if value:
                flagged[i] = value
                if value not in active:
                    reason = f"line {line.line_id} names it in {attribute} but no such rule is declared"
                    errors.append(_warning(key, value, reason))
    for rule in active.values():
        named = tuple(
            i
            for i, line in enumerate(lines)
            if line.allocation_eligible
            and (
                line.item_num in rule.items
                or ((t := templates[i]) is not None and t.name in rule.pob_templates)
                or flagged.get(i) == rule.name
            )
        )
        if not named:
            continue
        present = {lines[i].item_num for i in named}
        absent = [item for item in rule.items if item not in present]
        if absent:
            errors.append(_warning(key, rule.name, f"item(s) {', '.join(absent)} absent from the contract"))
            return None, errors
        return Match(rule, named), errors
    return None, errors


def split(
    indexes: Sequence[int], ssp: dict[int, Decimal], pool: int, currency: str, policies: Policies
) -> tuple[dict[int, int], int, int]:
    """``pool`` minor units shared by relative SSP: half up per line, the remainder on the line of the
    ``allocation_remainder`` convention (or shares rounded to ``allocation_percent_places`` first)."""
    conventions = policies.conventions
    if conventions.allocation_percent_places is not None:
        return by_rounded_percent(indexes, ssp, pool, currency, conventions)
    ratios = [ssp[i].as_integer_ratio() for i in indexes]
    scale = lcm(*(denominator for _, denominator in ratios))
    weights = [n * (scale // d) for n, d in ratios]
    total = sum(weights)
    shares = {i: round_div(pool * w, total) for i, w in zip(indexes, weights, strict=True)}
    target = remainder_line(indexes, shares, conventions.allocation_remainder)
    remainder = pool - sum(shares.values())
    shares[target] += remainder
    return shares, target, remainder


def allocate_with_discount(
    key: str | None,
    lines: Sequence[TransactionLine],
    results: Sequence[SspResult | None],
    policies: Policies,
    found: Match,
) -> tuple[ContractAllocation, list[EngineError]]:
    """Allocate a contract whose discount rule ``found`` applies (see the module docstring)."""
    rule = found.rule

    def usual(reason: str | None) -> tuple[ContractAllocation, list[EngineError]]:
        allocation, errors = allocate(key, lines, results, policies)
        if reason is not None:
            errors.append(_warning(key, rule.name, reason))
        return allocation, errors

    eligible = [i for i, line in enumerate(lines) if line.allocation_eligible]
    named = list(found.named)
    given = {i: r for i in eligible if (r := results[i]) is not None}
    if len(given) < len(eligible):
        return usual(None)  # allocate() reports RPRO-00607
    if len({lines[i].curr for i in eligible}) > 1:
        return usual("the contract has several transaction currencies")
    if len(named) == len(eligible):
        return usual(None)  # every line takes the discount: the relative allocation itself
    ssp: dict[int, Decimal] = {i: r.ssp for i, r in given.items() if not r.residual and r.ssp is not None}
    if any(i not in ssp for i in named):
        return usual("a named line has a residual SSP")
    currency = lines[eligible[0]].curr
    residual = [i for i in eligible if i not in ssp]
    allocated: dict[int, int] = {i: to_minor(ssp[i], currency) for i in ssp if i not in found.named}
    kinds = dict.fromkeys(eligible, "SSP")
    resolved: dict[int, Decimal] = {}
    first_errors: list[EngineError] = []
    if residual:
        if rule.discount_percent is None:
            return usual("the contract has residual lines and the rule has no discount_percent")
        keep = (HUNDRED - rule.discount_percent) / HUNDRED
        reduced = list(results)
        for i in named:
            reduced[i] = replace(given[i], ssp=ssp[i] * keep)
        first, first_errors = allocate(key, lines, reduced, policies)
        if first.rssp_failed:  # IE Example 34 Case C: no residual, no discount rule — relative SSP for all
            allocation, errors = allocate(key, lines, results, policies)
            errors.append(engine_error("REVREC-ENG-021", contract_key=key, severity=WARNING, rule=rule.name))
            return allocation, errors
        for i in residual:
            row = first.lines[i]
            assert row.ssp is not None
            resolved[i] = row.ssp
            allocated[i] = to_minor(row.ssp, currency)
            kinds[i] = row.ssp_type or "RSSP"
    price = sum(minor_units(lines[i].ext_sll_prc, currency) for i in eligible)
    pool = price - sum(allocated.values())
    named_ssp = {i: ssp[i] for i in named}
    ceiling = sum(to_minor(v, currency) for v in named_ssp.values())
    if pool < 0 or sum(named_ssp.values(), Decimal(0)) <= 0:
        return usual("the discount exceeds the SSP of the named lines")
    if pool > ceiling:
        return usual("the price exceeds the SSP total: there is no discount to allocate")
    shares, target, remainder = split(named, named_ssp, pool, currency, policies)
    allocated.update(shares)
    discounts = []
    for i in named:
        own = to_minor(ssp[i], currency)
        amount = own - allocated[i]
        percent = quantize_places(Decimal(amount) * HUNDRED / own, PERCENT_PLACES) if own else None
        discounts.append(LineDiscount(lines[i].line_id, currency, amount, percent))
    rows = []
    for index, line in enumerate(lines):
        result = results[index]
        own_price = minor_units(line.ext_sll_prc, line.curr)
        if index not in allocated:
            rows.append(
                Allocation(
                    line.line_id,
                    line.curr,
                    own_price,
                    own_price,
                    False,
                    result.ssp if result else None,
                    result.rule_name if result else None,
                )
            )
            continue
        rows.append(
            Allocation(
                line.line_id,
                line.curr,
                own_price,
                allocated[index],
                True,
                resolved.get(index, ssp.get(index)),
                result.rule_name if result else None,
                kinds[index],
                result.position if result else None,
                Decimal(allocated[index]) / Decimal(price) if price else None,
            )
        )
    ssp_total = sum(ssp.values(), Decimal(0)) + sum(resolved.values(), Decimal(0))
    return ContractAllocation(
        RESIDUAL if residual else RELATIVE,
        currency,
        from_minor(price, currency),
        ssp_total,
        tuple(rows),
        lines[target].line_id,
        remainder,
        False,
        AppliedDiscount(rule.name, currency, pool, tuple(discounts)),
    ), first_errors
