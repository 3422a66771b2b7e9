"""SSP templates and rules (domain.md §8): how a line's standalone selling price is derived.

An :class:`SspRule` applies to the lines matching its conditions (and currency and validity dates, compared
with the line's SO date) and derives an *extended* SSP: a fixed amount (per unit × ``ORD_QTY``, or per
line), a percent of the extended list price, or a formula over line fields.  An optional range (low/high
as percentages of that SSP) classifies the selling price as below, within or above range; the SSP hierarchy
row of the grouping template then says which value the line uses.  A ``RESIDUAL`` rule marks an RSSP line:
its SSP is a share of what the SSP lines leave of the transaction price, provided that remainder covers the
RSSP minimums; otherwise its alternative SSP is used (ASSP).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .conditions import Condition, conditions_from_mapping
from .errors import PolicyError
from .formula import Formula, FormulaError
from .mapping import (
    as_mapping,
    check_keys,
    dec_text,
    get_bool,
    get_date,
    get_enum,
    get_int,
    get_list,
    get_opt_decimal,
    get_opt_str,
    get_str,
    join,
)


class SspMethod(Enum):
    FIXED = "Fixed Amount"
    PERCENT_OF_LIST = "Percent Of List Price"
    FORMULA = "Formula"
    RESIDUAL = "Residual"


class AmountBasis(Enum):
    UNIT = "Unit"
    EXTENDED = "Extended"


class RangeTreatment(Enum):
    MIDPOINT = "M"
    SELL_PRICE = "Sell Price"
    LOW = "Low"
    HIGH = "High"
    NEAREST_LIMIT = "Nearest Limit"


class RsspMinType(Enum):
    CUSTOM = "CUSTOM"
    LIST_PRICE = "LIST PRICE"
    SELL_PRICE = "SELL PRICE"


class RsspFvType(Enum):
    CUSTOM = "CUSTOM"
    LIST_PRICE = "LIST PRICE"
    SELL_PRICE = "SELL PRICE"
    HIGHER_OF_SP_OR_RSSP_MIN_AMOUNT = "HIGHER OF SP OR RSSP MIN AMOUNT"
    RSSP_MIN_BASIS = "RSSP MIN BASIS"


class AlternativeSspType(Enum):
    CUSTOM = "CUSTOM"
    LIST_PRICE = "LIST PRICE"
    SELL_PRICE = "SELL PRICE"


@dataclass(frozen=True)
class SspRule:
    """One SSP rule; which fields matter depends on ``method`` (see docs/engine.md)."""

    name: str
    method: SspMethod
    conditions: tuple[Condition, ...] = ()
    currency: str | None = None
    amount: Decimal | None = None
    percent: Decimal | None = None
    formula: Formula | None = None
    basis: AmountBasis = AmountBasis.UNIT
    low_percent: Decimal | None = None
    high_percent: Decimal | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    rssp_min_type: RsspMinType = RsspMinType.SELL_PRICE
    rssp_min_amount: Decimal | None = None
    rssp_min_percent: Decimal | None = None
    rssp_fv_type: RsspFvType = RsspFvType.SELL_PRICE
    alternative_ssp_type: AlternativeSspType = AlternativeSspType.LIST_PRICE
    alternative_amount: Decimal | None = None

    def __post_init__(self) -> None:
        path = f"ssp rule {self.name}"
        needs = {
            SspMethod.FIXED: self.amount,
            SspMethod.PERCENT_OF_LIST: self.percent,
            SspMethod.FORMULA: self.formula,
        }
        if self.method in needs and needs[self.method] is None:
            field = {
                SspMethod.FIXED: "amount",
                SspMethod.PERCENT_OF_LIST: "percent",
                SspMethod.FORMULA: "formula",
            }[self.method]
            raise PolicyError(path, f"method {self.method.value} needs {field}")
        if (self.low_percent is None) != (self.high_percent is None):
            raise PolicyError(path, "a range needs both low_percent and high_percent")
        if (
            self.low_percent is not None
            and self.high_percent is not None
            and self.low_percent > self.high_percent
        ):
            raise PolicyError(path, "low_percent is above high_percent")
        if self.method is SspMethod.RESIDUAL:
            if self.rssp_min_type is RsspMinType.CUSTOM and self.rssp_min_amount is None:
                raise PolicyError(path, "RSSP min type CUSTOM needs rssp_min_amount")
            if self.rssp_min_type is RsspMinType.LIST_PRICE and self.rssp_min_percent is None:
                raise PolicyError(path, "RSSP min type LIST PRICE needs rssp_min_percent")
            custom = (
                self.rssp_fv_type is RsspFvType.CUSTOM
                or self.alternative_ssp_type is AlternativeSspType.CUSTOM
            )
            if custom and self.alternative_amount is None:
                raise PolicyError(path, "CUSTOM RSSP FV / alternative SSP types need alternative_amount")

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> SspRule:
        data = as_mapping(raw, path)
        check_keys(
            data,
            path,
            required=("name", "method"),
            optional=(
                "conditions",
                "currency",
                "amount",
                "percent",
                "formula",
                "basis",
                "low_percent",
                "high_percent",
                "valid_from",
                "valid_until",
                "rssp_min_type",
                "rssp_min_amount",
                "rssp_min_percent",
                "rssp_fv_type",
                "alternative_ssp_type",
                "alternative_amount",
            ),
        )
        formula_text = get_opt_str(data, "formula", path)
        try:
            formula = Formula(formula_text) if formula_text is not None else None
        except FormulaError as exc:
            raise PolicyError(join(path, "formula"), str(exc)) from None
        try:
            return cls(
                name=get_str(data, "name", path),
                method=get_enum(data, "method", path, SspMethod),
                conditions=conditions_from_mapping(data.get("conditions", []), join(path, "conditions")),
                currency=get_opt_str(data, "currency", path),
                amount=get_opt_decimal(data, "amount", path),
                percent=get_opt_decimal(data, "percent", path),
                formula=formula,
                basis=get_enum(data, "basis", path, AmountBasis, AmountBasis.UNIT),
                low_percent=get_opt_decimal(data, "low_percent", path),
                high_percent=get_opt_decimal(data, "high_percent", path),
                valid_from=get_date(data, "valid_from", path),
                valid_until=get_date(data, "valid_until", path),
                rssp_min_type=get_enum(data, "rssp_min_type", path, RsspMinType, RsspMinType.SELL_PRICE),
                rssp_min_amount=get_opt_decimal(data, "rssp_min_amount", path),
                rssp_min_percent=get_opt_decimal(data, "rssp_min_percent", path),
                rssp_fv_type=get_enum(data, "rssp_fv_type", path, RsspFvType, RsspFvType.SELL_PRICE),
                alternative_ssp_type=get_enum(
                    data, "alternative_ssp_type", path, AlternativeSspType, AlternativeSspType.LIST_PRICE
                ),
                alternative_amount=get_opt_decimal(data, "alternative_amount", path),
            )
        except PolicyError as exc:
            raise PolicyError(exc.path if exc.path.startswith(path) else path, exc.reason) from None

    def to_mapping(self) -> dict[str, object]:
        result: dict[str, object] = {"name": self.name, "method": self.method.value}
        if self.conditions:
            result["conditions"] = [c.to_mapping() for c in self.conditions]
        optional: dict[str, object] = {
            "currency": self.currency,
            "amount": self.amount,
            "percent": self.percent,
            "formula": self.formula.text if self.formula else None,
            "low_percent": self.low_percent,
            "high_percent": self.high_percent,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }
        if self.method is SspMethod.FIXED:
            optional["basis"] = self.basis.value
        if self.method is SspMethod.RESIDUAL:
            optional.update(
                rssp_min_type=self.rssp_min_type.value,
                rssp_min_amount=self.rssp_min_amount,
                rssp_min_percent=self.rssp_min_percent,
                rssp_fv_type=self.rssp_fv_type.value,
                alternative_ssp_type=self.alternative_ssp_type.value,
                alternative_amount=self.alternative_amount,
            )
        for key, value in optional.items():
            if value is not None:
                result[key] = dec_text(value) if isinstance(value, Decimal) else value
        return result


@dataclass(frozen=True)
class SspTemplate:
    """A named set of SSP rules; the first rule (in order) that applies to a line gives its SSP."""

    name: str
    rules: tuple[SspRule, ...]

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> SspTemplate:
        data = as_mapping(raw, path)
        check_keys(data, path, required=("name", "rules"))
        rules = tuple(
            SspRule.from_mapping(item, join(join(path, "rules"), i))
            for i, item in enumerate(get_list(data, "rules", path))
        )
        return cls(get_str(data, "name", path), rules)

    def to_mapping(self) -> dict[str, object]:
        return {"name": self.name, "rules": [rule.to_mapping() for rule in self.rules]}


@dataclass(frozen=True, slots=True)
class SspHierarchyRow:
    """One row of a grouping template's SSP hierarchy: a template and its range treatments."""

    seq: int
    template: str
    below: RangeTreatment = RangeTreatment.NEAREST_LIMIT
    above: RangeTreatment = RangeTreatment.NEAREST_LIMIT
    within: RangeTreatment = RangeTreatment.SELL_PRICE
    enabled: bool = True

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> SspHierarchyRow:
        data = as_mapping(raw, path)
        check_keys(
            data, path, required=("template",), optional=("seq", "below", "above", "within", "enabled")
        )
        return cls(
            get_int(data, "seq", path, 0),
            get_str(data, "template", path),
            get_enum(data, "below", path, RangeTreatment, RangeTreatment.NEAREST_LIMIT),
            get_enum(data, "above", path, RangeTreatment, RangeTreatment.NEAREST_LIMIT),
            get_enum(data, "within", path, RangeTreatment, RangeTreatment.SELL_PRICE),
            get_bool(data, "enabled", path, True),
        )

    def to_mapping(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "template": self.template,
            "below": self.below.value,
            "above": self.above.value,
            "within": self.within.value,
            "enabled": self.enabled,
        }
