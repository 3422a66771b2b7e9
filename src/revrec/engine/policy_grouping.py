"""RC grouping templates (domain.md §2.6): which lines form one revenue contract.

A template has primary grouping rules tried by ``seq``: lines go into the same contract when *all* the
rule's ``group_by`` fields are equal (blank fields make a rule inapplicable to a line).  A rule with a
duration only joins a line to a contract whose earliest ``duration_field`` date is at most ``duration``
days/months before the line's; outside that window the rule does not apply.  The template's filters choose
which lines it collects and its SSP hierarchy chooses the SSP templates of its contracts.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conditions import Condition, conditions_from_mapping
from .errors import PolicyError
from .lines import normalize_field
from .mapping import (
    as_mapping,
    check_keys,
    get_bool,
    get_enum,
    get_int,
    get_list,
    get_str,
    get_str_list,
    join,
)
from .policy_pob import ExpiryUnit
from .policy_ssp import SspHierarchyRow


@dataclass(frozen=True, slots=True)
class GroupingRule:
    """Group lines whose ``group_by`` fields are all equal (within the optional duration window)."""

    seq: int
    name: str
    group_by: tuple[str, ...]
    duration: int | None = None
    duration_unit: ExpiryUnit = ExpiryUnit.DAYS
    duration_field: str = "SO_DATE"
    enabled: bool = True

    def __post_init__(self) -> None:
        if not self.group_by:
            raise PolicyError(f"grouping rule {self.name}", "group_by needs at least one field")

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> GroupingRule:
        data = as_mapping(raw, path)
        check_keys(
            data,
            path,
            required=("name", "group_by"),
            optional=("seq", "duration", "duration_unit", "duration_field", "enabled"),
        )
        duration = data.get("duration")
        try:
            return cls(
                seq=get_int(data, "seq", path, 0),
                name=get_str(data, "name", path),
                group_by=tuple(normalize_field(f) for f in get_str_list(data, "group_by", path)),
                duration=None if duration is None else get_int(data, "duration", path),
                duration_unit=get_enum(data, "duration_unit", path, ExpiryUnit, ExpiryUnit.DAYS),
                duration_field=normalize_field(get_str(data, "duration_field", path, "SO_DATE")),
                enabled=get_bool(data, "enabled", path, True),
            )
        except PolicyError as exc:
            raise PolicyError(exc.path if exc.path.startswith(path) else path, exc.reason) from None

    def to_mapping(self) -> dict[str, object]:
        result: dict[str, object] = {
            "seq": self.seq,
            "name": self.name,
            "group_by": list(self.group_by),
            "enabled": self.enabled,
        }
        if self.duration is not None:
            result.update(
                duration=self.duration,
                duration_unit=self.duration_unit.value,
                duration_field=self.duration_field,
            )
        return result


@dataclass(frozen=True, slots=True)
class RcGroupingTemplate:
    """A named RC grouping template: rules, line filters and the SSP hierarchy of its contracts."""

    name: str
    rules: tuple[GroupingRule, ...]
    filters: tuple[Condition, ...] = ()
    ssp_hierarchy: tuple[SspHierarchyRow, ...] = ()

    def __post_init__(self) -> None:
        if not any(rule.enabled for rule in self.rules):
            raise PolicyError(f"rc_grouping_templates[{self.name}]", "needs at least one enabled rule")

    @property
    def active_rules(self) -> tuple[GroupingRule, ...]:
        return tuple(sorted((r for r in self.rules if r.enabled), key=lambda r: (r.seq, r.name)))

    @property
    def active_hierarchy(self) -> tuple[SspHierarchyRow, ...]:
        return tuple(sorted((r for r in self.ssp_hierarchy if r.enabled), key=lambda r: (r.seq, r.template)))

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> RcGroupingTemplate:
        data = as_mapping(raw, path)
        check_keys(data, path, required=("name", "rules"), optional=("filters", "ssp_hierarchy"))
        rules = tuple(
            GroupingRule.from_mapping(item, join(join(path, "rules"), i))
            for i, item in enumerate(get_list(data, "rules", path))
        )
        hierarchy = tuple(
            SspHierarchyRow.from_mapping(item, join(join(path, "ssp_hierarchy"), i))
            for i, item in enumerate(get_list(data, "ssp_hierarchy", path))
        )
        try:
            return cls(
                get_str(data, "name", path),
                rules,
                conditions_from_mapping(data.get("filters", []), join(path, "filters")),
                hierarchy,
            )
        except PolicyError as exc:
            raise PolicyError(exc.path if exc.path.startswith(path) else path, exc.reason) from None

    def to_mapping(self) -> dict[str, object]:
        result: dict[str, object] = {"name": self.name, "rules": [r.to_mapping() for r in self.rules]}
        if self.filters:
            result["filters"] = [c.to_mapping() for c in self.filters]
        if self.ssp_hierarchy:
            result["ssp_hierarchy"] = [r.to_mapping() for r in self.ssp_hierarchy]
        return result
