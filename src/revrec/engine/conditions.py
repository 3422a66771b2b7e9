"""Field conditions: the filters of grouping templates, POB assignment rules, SSP rules and bundles.

A :class:`Condition` compares one staging field of a line with operand values.  Text compares exactly
(after trimming); numbers compare as Decimals and dates as dates, so ``NUM1 > 10`` and ``SO_DATE >=
2025-01-01`` mean what they say.  A blank field matches only ``!=``/``NOT IN`` conditions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from .errors import PolicyError
from .lines import FIELD_ATTRIBUTES, FieldValue, TransactionLine, line_field, normalize_field
from .mapping import as_mapping, check_keys, get_str, get_str_list, join
from .money import MoneyError, to_decimal

OPERATORS: Final = ("=", "!=", "IN", "NOT IN", "<", "<=", ">", ">=")


@dataclass(frozen=True, slots=True)
class Condition:
    """``field operator values`` (``values`` has one item except for IN / NOT IN)."""

    field: str
    operator: str
    values: tuple[str, ...]

    def matches(self, line: TransactionLine) -> bool:
        attribute = FIELD_ATTRIBUTES.get(self.field)
        value = getattr(line, attribute) if attribute is not None else line_field(line, self.field)
        return self.matches_value(value)

    def matches_value(self, value: FieldValue) -> bool:
        """Whether a field holding ``value`` (text, Decimal, date or None) meets the condition."""
        if self.operator == "=" and isinstance(value, str):
            return value == self.values[0] or value.strip() == self.values[0]
        if value == "":
            value = None
        if value is None:
            return self.operator in ("!=", "NOT IN")
        if self.operator in ("=", "IN"):
            return any(_compare(value, operand) == 0 for operand in self.values)
        if self.operator in ("!=", "NOT IN"):
            return all(_compare(value, operand) != 0 for operand in self.values)
        order = _compare(value, self.values[0])
        if order is None:
            return False
        return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[self.operator]

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> Condition:
        data = as_mapping(raw, path)
        check_keys(data, path, required=("field",), optional=("operator", "value", "values"))
        operator = get_str(data, "operator", path, "=").strip().upper()
        if operator not in OPERATORS:
            raise PolicyError(join(path, "operator"), f"unknown operator {operator!r} (expected {OPERATORS})")
        values = get_str_list(data, "values", path) if "values" in data else (get_str(data, "value", path),)
        if not values or (operator not in ("IN", "NOT IN") and len(values) != 1):
            raise PolicyError(
                path, f"operator {operator} needs {'values' if 'IN' in operator else 'one value'}"
            )
        return cls(normalize_field(get_str(data, "field", path)), operator, tuple(v.strip() for v in values))

    def to_mapping(self) -> dict[str, object]:
        if self.operator in ("IN", "NOT IN"):
            return {"field": self.field, "operator": self.operator, "values": list(self.values)}
        return {"field": self.field, "operator": self.operator, "value": self.values[0]}


def _compare(value: FieldValue, operand: str) -> int | None:
    """-1/0/1 ordering of ``value`` against the operand text, or None when they cannot be compared."""
    try:
        if isinstance(value, Decimal):
            other: object = to_decimal(operand)
        elif isinstance(value, dt.date):
            other = dt.date.fromisoformat(operand)
        else:
            left, right = str(value).strip(), operand
            if left != right and _numeric(left) and _numeric(right):
                value, other = to_decimal(left), to_decimal(right)  # "9" < "10" for attributes like NUM1
                return (value > other) - (value < other)
            return (left > right) - (left < right)
    except (MoneyError, ValueError):
        return None
    assert isinstance(other, type(value))
    return (value > other) - (value < other)  # type: ignore[operator]


def _numeric(text: str) -> bool:
    try:
        to_decimal(text)
    except MoneyError:
        return False
    return True


def all_match(conditions: Sequence[Condition], line: TransactionLine) -> bool:
    """True when every condition holds (an empty list always holds)."""
    return all(condition.matches(line) for condition in conditions)


def conditions_from_mapping(raw: object, path: str) -> tuple[Condition, ...]:
    """A list of condition mappings, or a ``{FIELD: value}`` shorthand for equality conditions."""
    if isinstance(raw, dict):
        return tuple(Condition(normalize_field(k), "=", (str(v).strip(),)) for k, v in sorted(raw.items()))
    if not isinstance(raw, list):
        raise PolicyError(path, "expected a list of conditions or a mapping of field: value")
    return tuple(Condition.from_mapping(item, join(path, i)) for i, item in enumerate(raw))
