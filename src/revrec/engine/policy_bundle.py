"""Bundle configurations (domain.md §7.2): a bundle line explodes into its child lines.

A configuration applies to lines whose item number is ``parent_item_num`` (and which match its criteria)
when the line's SO date lies in ``[valid_from, valid_until]``.  Each child gets a share of the parent's sell
and list prices by the split types: ``PCT`` (percent of the parent price; the percents must total 100, and
the children's prices then total the parent's exactly), ``FIXED_PRICE`` (the child value is the child's
extended price) or ``SAME`` (the parent's price).  Child quantity = parent quantity × configured quantity;
a configured duration (months) sets the child's end date from its start date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from .conditions import Condition, conditions_from_mapping
from .errors import PolicyError
from .mapping import (
    as_mapping,
    check_keys,
    dec_text,
    get_date,
    get_decimal,
    get_enum,
    get_int,
    get_list,
    get_str,
    get_str_mapping,
    join,
)


class SplitType(Enum):
    PCT = "PCT"
    FIXED_PRICE = "FIXED_PRICE"
    SAME = "SAME"


def _split_type(raw: Mapping[str, object], key: str, path: str) -> SplitType:
    value = raw.get(key, "PCT")
    if isinstance(value, str) and value.strip().upper() in ("PCT_OF_SP", "PCT_OF_LP", "PCT_OF_CP"):
        return SplitType.PCT
    return get_enum(raw, key, path, SplitType, SplitType.PCT)


@dataclass(frozen=True, slots=True)
class BundleChild:
    """One child of a bundle: its item number, split values, quantity multiplier and duration."""

    item_num: str
    sell_split_value: Decimal = Decimal(0)
    list_split_value: Decimal = Decimal(0)
    quantity: Decimal = Decimal(1)
    duration_months: int | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class BundleConfig:
    """How lines of ``parent_item_num`` explode into ``children``."""

    parent_item_num: str
    children: tuple[BundleChild, ...]
    sell_split_type: SplitType = SplitType.PCT
    list_split_type: SplitType = SplitType.PCT
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    criteria: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        path = f"bundles[{self.parent_item_num}]"
        if not self.children:
            raise PolicyError(path, "a bundle needs at least one child")
        for split, attribute in (
            (self.sell_split_type, "sell_split_value"),
            (self.list_split_type, "list_split_value"),
        ):
            if split is SplitType.PCT and sum(getattr(c, attribute) for c in self.children) != 100:
                raise PolicyError(path, f"children's {attribute} must total 100 for split type PCT")

    def applies_on(self, day: dt.date | None) -> bool:
        if day is None:
            return self.valid_from is None
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> BundleConfig:
        data = as_mapping(raw, path)
        check_keys(
            data,
            path,
            required=("parent_item_num", "children"),
            optional=("sell_split_type", "list_split_type", "valid_from", "valid_until", "criteria"),
        )
        children = []
        for index, item in enumerate(get_list(data, "children", path)):
            cpath = join(join(path, "children"), index)
            child = as_mapping(item, cpath)
            check_keys(
                child,
                cpath,
                required=("item_num",),
                optional=("sell_split_value", "list_split_value", "quantity", "duration_months", "fields"),
            )
            duration = child.get("duration_months")
            children.append(
                BundleChild(
                    get_str(child, "item_num", cpath),
                    get_decimal(child, "sell_split_value", cpath, Decimal(0)),
                    get_decimal(child, "list_split_value", cpath, Decimal(0)),
                    get_decimal(child, "quantity", cpath, Decimal(1)),
                    None if duration is None else get_int(child, "duration_months", cpath),
                    MappingProxyType(get_str_mapping(child, "fields", cpath)),
                )
            )
        try:
            return cls(
                get_str(data, "parent_item_num", path),
                tuple(children),
                _split_type(data, "sell_split_type", path),
                _split_type(data, "list_split_type", path),
                get_date(data, "valid_from", path),
                get_date(data, "valid_until", path),
                conditions_from_mapping(data.get("criteria", []), join(path, "criteria")),
            )
        except PolicyError as exc:
            raise PolicyError(exc.path if exc.path.startswith(path) else path, exc.reason) from None

    def to_mapping(self) -> dict[str, object]:
        result: dict[str, object] = {
            "parent_item_num": self.parent_item_num,
            "sell_split_type": self.sell_split_type.value,
            "list_split_type": self.list_split_type.value,
            "children": [
                {
                    "item_num": c.item_num,
                    "sell_split_value": dec_text(c.sell_split_value),
                    "list_split_value": dec_text(c.list_split_value),
                    "quantity": dec_text(c.quantity),
                    **({"duration_months": c.duration_months} if c.duration_months is not None else {}),
                    **({"fields": dict(c.fields)} if c.fields else {}),
                }
                for c in self.children
            ],
        }
        if self.valid_from:
            result["valid_from"] = self.valid_from.isoformat()
        if self.valid_until:
            result["valid_until"] = self.valid_until.isoformat()
        if self.criteria:
            result["criteria"] = [c.to_mapping() for c in self.criteria]
        return result
