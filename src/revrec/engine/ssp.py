"""SSP derivation (domain.md §8): the extended standalone selling price of each line.

The SSP hierarchy of the contract's grouping template is walked in ``seq`` order; in each SSP template the
first rule whose conditions, currency and validity dates (against the SO date) fit the line gives its SSP.
With a range, the line's selling price is classified below / within / above ``[SSP × low %, SSP × high %]``
and the hierarchy row's treatment for that position gives the SSP used.  A residual rule only marks the
line as an RSSP line; its SSP is settled by the allocation.  SSPs are Decimals in the line's transaction
currency at full precision (they are weights, never booked).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Final

from .conditions import all_match
from .errors import EngineError, engine_error
from .formula import FormulaError
from .lines import FIELD_ATTRIBUTES, TransactionLine, line_field
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


_FIXED: Final = SspMethod.FIXED
_PERCENT_OF_LIST: Final = SspMethod.PERCENT_OF_LIST
_UNIT: Final = AmountBasis.UNIT


def ssp_value(row: SspHierarchyRow, rule: SspRule, line: TransactionLine) -> tuple[Decimal, str | None]:
    """The SSP of ``line`` under a non-residual ``rule`` and its range position (raises FormulaError).

    The rule's value (its midpoint), then, with a range, the line's selling price classified below / within
    / above ``[mid × low %, mid × high %]`` and the hierarchy row's treatment for that position.
    """
    method = rule.method
    if method is _PERCENT_OF_LIST:
        assert rule.percent is not None
        mid = line.ext_lst_prc * rule.percent / HUNDRED
    elif method is _FIXED:
        assert rule.amount is not None
        mid = rule.amount * line.ord_qty if rule.basis is _UNIT else rule.amount
    else:
        assert rule.formula is not None
        mid = rule.formula.evaluate(line)
    low_percent, high_percent = rule.low_percent, rule.high_percent
    if low_percent is None or high_percent is None:
        return mid, None
    low, high, sell = mid * low_percent / HUNDRED, mid * high_percent / HUNDRED, line.ext_sll_prc
    if sell < low:
        return _treat(row.below, mid, low, high, sell, BELOW), BELOW
    if sell > high:
        return _treat(row.above, mid, low, high, sell, ABOVE), ABOVE
    return _treat(row.within, mid, low, high, sell, WITHIN), WITHIN


def _first_rule(
    line: TransactionLine, hierarchy: Sequence[tuple[SspHierarchyRow, SspTemplate]]
) -> tuple[SspHierarchyRow, SspTemplate, SspRule] | None:
    """The hierarchy row, SSP template and rule that give ``line`` its SSP (None when no rule applies)."""
    for row, ssp_template in hierarchy:
        for rule in ssp_template.rules:
            if _applies(rule, line):
                return row, ssp_template, rule
    return None


#: what a selector remembers per key: (hierarchy row, rule, template name, "template/rule", residual)
Selected = tuple[SspHierarchyRow, SspRule, str, str, bool] | None

_SELECTOR_LIMIT: Final = 1 << 16


class SspSelector:
    """:func:`_first_rule` memoized by the line fields the hierarchy's rules read.

    Which rule applies depends only on the line's currency (when a rule names one), its SO date (when a
    rule has validity dates) and the fields its conditions test — not on amounts — so the choice is kept
    per tuple of those values.  One selector per (Policies, grouping template); see
    :func:`revrec.engine.contracts.allocate_contract`.
    """

    __slots__ = ("hierarchy", "_key", "_memo")

    def __init__(self, hierarchy: Sequence[tuple[SspHierarchyRow, SspTemplate]]) -> None:
        self.hierarchy = tuple(hierarchy)
        rules = [rule for _, template in self.hierarchy for rule in template.rules]
        names: list[str] = []
        for rule in rules:
            for condition in rule.conditions:
                if condition.field not in names:
                    names.append(condition.field)
        uses_currency = any(rule.currency is not None for rule in rules)
        uses_date = any(rule.valid_from or rule.valid_until for rule in rules)
        self._key = _key_function(names, uses_currency, uses_date)
        self._memo: dict[object, Selected] = {}

    def select(self, line: TransactionLine) -> Selected:
        key = self._key(line)
        memo = self._memo
        try:
            return memo[key]
        except KeyError:
            pass
        found = _first_rule(line, self.hierarchy)
        selected: Selected = None
        if found is not None:
            row, ssp_template, rule = found
            name = ssp_template.name
            selected = (row, rule, name, f"{name}/{rule.name}", rule.method is _RESIDUAL)
        if len(memo) >= _SELECTOR_LIMIT:
            memo.clear()
        memo[key] = selected
        return selected


def _key_function(
    names: Sequence[str], uses_currency: bool, uses_date: bool
) -> Callable[[TransactionLine], object]:
    """The memo key of a line: the values :meth:`Condition.matches` and :func:`_applies` read."""
    attributes = [FIELD_ATTRIBUTES.get(name) for name in names]
    wanted = [a for a in attributes if a is not None]
    if len(wanted) == len(attributes):
        wanted += ["curr"] if uses_currency else []
        wanted += ["so_date"] if uses_date else []
        if not wanted:
            return _no_key
        return attrgetter(*wanted)
    pairs = tuple(zip(attributes, names, strict=True))

    def key(line: TransactionLine) -> object:
        values = (getattr(line, a) if a is not None else line_field(line, n) for a, n in pairs)
        return (line.curr, line.so_date, *values)

    return key


def _no_key(line: TransactionLine) -> object:
    return None


def derive_ssp(
    line: TransactionLine,
    hierarchy: Sequence[tuple[SspHierarchyRow, SspTemplate]],
    contract_key: str | None = None,
) -> tuple[SspResult | None, EngineError | None]:
    """The SSP of ``line`` under an SSP hierarchy: (result or None when not derivable, formula error)."""
    found = _first_rule(line, hierarchy)
    if found is None:
        return None, None
    row, ssp_template, rule = found
    if rule.method is _RESIDUAL:
        return SspResult(None, rule, ssp_template.name, None, True), None
    try:
        value, position = ssp_value(row, rule, line)
    except FormulaError as exc:
        return None, formula_error(line, f"{ssp_template.name}/{rule.name}", exc, contract_key)
    return SspResult(value, rule, ssp_template.name, position), None


def formula_error(
    line: TransactionLine, rule_name: str, exc: FormulaError, contract_key: str | None
) -> EngineError:
    return engine_error(
        "REVREC-ENG-010", contract_key=contract_key, line_id=line.line_id, rule=rule_name, reason=str(exc)
    )
