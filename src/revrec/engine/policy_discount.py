"""The ``discount_allocation`` policy key: which lines take a contract's whole discount (IFRS 15.82).

A rule applies only when the client declares the IFRS 15.82 criteria hold (``criteria_hold: true``); the
engine's use of it is in :mod:`revrec.engine.discount_allocation`.  See docs/judgment.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from .errors import PolicyError
from .mapping import (
    Raw,
    as_mapping,
    check_keys,
    get_bool,
    get_list,
    get_opt_decimal,
    get_opt_str,
    get_str,
    get_str_list,
    join,
)
from .ssp import HUNDRED

#: the free line attributes a line can name its discount rule in (the upload template is unchanged)
_ATTRIBUTE: Final = re.compile(r"^ATR([1-9]|[1-5][0-9]|60)$")


@dataclass(frozen=True)
class DiscountRule:
    """Lines that take a contract's whole discount when the IFRS 15.82 criteria are declared to hold.

    ``items``: every item must be in the contract (the discounted group is complete), else REVREC-ENG-020;
    ``pob_templates``: lines assigned one of these templates; ``discount_percent``: the group's observable
    discount (percent of its SSP), needed only when the contract has residual lines (IE Example 34 Case B).
    """

    name: str
    items: tuple[str, ...] = ()
    pob_templates: tuple[str, ...] = ()
    discount_percent: Decimal | None = None
    criteria_hold: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise PolicyError("name", "a discount rule needs a name")
        percent = self.discount_percent
        if percent is not None and not Decimal(0) < percent < HUNDRED:
            raise PolicyError("discount_percent", "must be > 0 and < 100")

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> DiscountRule:
        data = as_mapping(raw, path)
        check_keys(
            data,
            path,
            required=("name",),
            optional=("items", "pob_templates", "discount_percent", "criteria_hold"),
        )
        try:
            return cls(
                name=get_str(data, "name", path),
                items=get_str_list(data, "items", path),
                pob_templates=get_str_list(data, "pob_templates", path),
                discount_percent=get_opt_decimal(data, "discount_percent", path),
                criteria_hold=get_bool(data, "criteria_hold", path, False),
            )
        except PolicyError as exc:
            if exc.path.startswith(path):
                raise
            raise PolicyError(join(path, exc.path), exc.reason) from None

    def to_mapping(self) -> dict[str, object]:
        found: dict[str, object] = {
            "name": self.name,
            "items": list(self.items),
            "pob_templates": list(self.pob_templates),
            "criteria_hold": self.criteria_hold,
        }
        if self.discount_percent is not None:
            found["discount_percent"] = str(self.discount_percent)
        return found


@dataclass(frozen=True)
class DiscountAllocation:
    """The ``discount_allocation`` key of the policies: the rules (first match wins) and the line attribute
    a line names its rule in."""

    rules: tuple[DiscountRule, ...] = ()
    line_attribute: str | None = None

    def __post_init__(self) -> None:
        if self.line_attribute is not None and not _ATTRIBUTE.match(self.line_attribute):
            raise PolicyError("discount_allocation.line_attribute", "must be one of ATR1..ATR60")
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise PolicyError("discount_allocation.rules", "duplicate rule name")

    @property
    def active(self) -> bool:
        return bool(self.rules)

    @classmethod
    def from_mapping(cls, raw: object) -> DiscountAllocation:
        path = "discount_allocation"
        data: Raw = as_mapping(raw, path)
        check_keys(data, path, optional=("rules", "line_attribute"))
        rules = tuple(
            DiscountRule.from_mapping(item, join(join(path, "rules"), i))
            for i, item in enumerate(get_list(data, "rules", path))
        )
        attribute = get_opt_str(data, "line_attribute", path)
        return cls(rules, attribute.upper() if attribute else None)

    def to_mapping(self) -> dict[str, object]:
        return {"rules": [r.to_mapping() for r in self.rules], "line_attribute": self.line_attribute}
