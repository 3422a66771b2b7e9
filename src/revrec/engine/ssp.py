"""SSP derivation (domain.md §8): the extended standalone selling price of each line.

The SSP hierarchy of the contract's grouping template is walked in ``seq`` order; in each SSP template the
first rule whose conditions, currency and validity dates (against the SO date) fit the line gives its SSP.
With a range, the line's selling price is classified below / within / above ``[SSP × low %, SSP × high %]``
and the hierarchy row's treatment for that position gives the SSP used.  A residual rule only marks the
line as an RSSP line; its SSP is settled by the allocation.  SSPs are Decimals in the line's transaction
currency at full precision (they are weights, never booked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from .conditions import all_match
from .errors import EngineError, engine_error
from .formula import FormulaError
from .lines import TransactionLine
from .policy_ssp import AmountBasis, RangeTreatment, SspHierarchyRow, SspMethod, SspRule, SspTemplate

BELOW: Final = "BELOW"
WITHIN: Final = "WITHIN"
ABOVE: Final = "ABOVE"
HUNDRED: Final = Decimal(100)
_RESIDUAL: Final = SspMethod.RESIDUAL


@dataclass(frozen=True, slots=True)
class SspResult:
    """The SSP found for a line: value (None for RSSP lines), the rule, and the range position."""

    ssp: Decimal | None
    rule: SspRule
    template: str
    position: str | None = None
    residual: bool = False

    @property
    def rule_name(self) -> str:
        return f"{self.template}/{self.rule.name}"


def _applies(rule: SspRule, line: TransactionLine) -> bool:
    if rule.currency is not None and rule.currency != line.curr:
        return False
    day = line.so_date
    if day is not None and (
        (rule.valid_from and day < rule.valid_from) or (rule.valid_until and day > rule.valid_until)
    ):
        return False
    return not rule.conditions or all_match(rule.conditions, line)


def _midpoint(rule: SspRule, line: TransactionLine) -> Decimal:
    if rule.method is SspMethod.FIXED:
        assert rule.amount is not None
        return rule.amount * line.ord_qty if rule.basis is AmountBasis.UNIT else rule.amount
    if rule.method is SspMethod.PERCENT_OF_LIST:
        assert rule.percent is not None
        return line.ext_lst_prc * rule.percent / HUNDRED
    assert rule.formula is not None
    return rule.formula.evaluate(line)


def _treat(
    treatment: RangeTreatment, mid: Decimal, low: Decimal, high: Decimal, sell: Decimal, position: str
) -> Decimal:
    if treatment is RangeTreatment.MIDPOINT:
        return mid
    if treatment is RangeTreatment.SELL_PRICE:
        return sell
    if treatment is RangeTreatment.LOW:
        return low
    if treatment is RangeTreatment.HIGH:
        return high
    return low if position == BELOW else high if position == ABOVE else sell


def _apply_range(
    row: SspHierarchyRow, rule: SspRule, mid: Decimal, line: TransactionLine
) -> tuple[Decimal, str | None]:
    if rule.low_percent is None or rule.high_percent is None:
        return mid, None
    low, high, sell = mid * rule.low_percent / HUNDRED, mid * rule.high_percent / HUNDRED, line.ext_sll_prc
    if sell < low:
        return _treat(row.below, mid, low, high, sell, BELOW), BELOW
    if sell > high:
        return _treat(row.above, mid, low, high, sell, ABOVE), ABOVE
    return _treat(row.within, mid, low, high, sell, WITHIN), WITHIN


def derive_ssp(
    line: TransactionLine,
    hierarchy: Sequence[tuple[SspHierarchyRow, SspTemplate]],
    contract_key: str | None = None,
) -> tuple[SspResult | None, EngineError | None]:
    """The SSP of ``line`` under an SSP hierarchy: (result or None when not derivable, formula error)."""
    for row, ssp_template in hierarchy:
        for rule in ssp_template.rules:
            if not _applies(rule, line):
                continue
            if rule.method is _RESIDUAL:
                return SspResult(None, rule, ssp_template.name, None, True), None
            try:
                mid = _midpoint(rule, line)
            except FormulaError as exc:
                return None, engine_error(
                    "REVREC-ENG-010",
                    contract_key=contract_key,
                    line_id=line.line_id,
                    rule=f"{ssp_template.name}/{rule.name}",
                    reason=str(exc),
                )
            value, position = _apply_range(row, rule, mid, line)
            return SspResult(value, rule, ssp_template.name, position), None
    return None, None
