"""The ``Policies`` aggregate: everything a client configures that the engine reads.

Built once (from dataclasses or from the setup document's plain mapping with :meth:`Policies.from_mapping`)
and validated as a whole: names are unique, every name a rule refers to exists, currencies are ISO 4217.
It precomputes the look-ups the hot path needs (template by name, item → POB rule, parent item → bundles)
so that per-line work is a dictionary access.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Final

from .calendar import AccountingCalendar
from .conventions import KEYS as CONVENTION_KEYS
from .conventions import Conventions
from .errors import PolicyError
from .mapping import (
    Raw,
    as_mapping,
    check_keys,
    get_bool,
    get_enum,
    get_int,
    get_list,
    get_opt_str,
    get_str,
    join,
)
from .money import is_currency
from .policy_bundle import BundleConfig
from .policy_discount import DiscountAllocation
from .policy_grouping import GroupingRule, RcGroupingTemplate
from .policy_pob import AssignmentKind, PobAssignmentRule, PobTemplate
from .policy_ssp import SspHierarchyRow, SspTemplate
from .schedules import PackedCurve
from .ssp import SspSelector

AUTO_POB: Final = PobTemplate("Auto POB")
DEFAULT_GROUPING: Final = RcGroupingTemplate(
    "Group by Customer and SO", (GroupingRule(1, "Customer and SO", ("CUST_NUM", "SO_NUM")),)
)
_KIND_ORDER: Final = {AssignmentKind.ADVANCED: 0, AssignmentKind.ATTRIBUTES: 1, AssignmentKind.ITEM: 2}


class AllocationCurrency(Enum):
    """``MULTI_CURR_FV_REPORT_LEVEL``: the currency multi-currency contracts allocate in."""

    LOWEST_COMMON_CURRENCY = "Lowest Common Currency"
    REPORTING_CURRENCY = "Reporting Currency"


def _unique(names: Sequence[str], path: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise PolicyError(path, f"duplicate name {name!r}")
        seen.add(name)


@dataclass(frozen=True)
class Policies:
    """All policies of one client (book); see docs/engine.md "Policy keys" for each key."""

    reporting_currency: str = "USD"
    calendar: AccountingCalendar = field(default_factory=AccountingCalendar)
    rc_grouping_templates: tuple[RcGroupingTemplate, ...] = (DEFAULT_GROUPING,)
    pob_templates: tuple[PobTemplate, ...] = ()
    pob_assignment_rules: tuple[PobAssignmentRule, ...] = ()
    auto_pob_template: str | None = AUTO_POB.name
    ssp_templates: tuple[SspTemplate, ...] = ()
    bundles: tuple[BundleConfig, ...] = ()
    allocation_enabled: bool = True
    bundle_explosion: bool = True
    rssp_floor_method: bool = False
    rssp_weight_places: int = 4
    multi_currency_allocation: AllocationCurrency = AllocationCurrency.LOWEST_COMMON_CURRENCY
    #: rounding and period conventions (flat keys of the section, see engine/conventions.py)
    conventions: Conventions = field(default_factory=Conventions)
    #: lines that take a contract's whole discount (IFRS 15.82; engine/discount_allocation.py)
    discount_allocation: DiscountAllocation = field(default_factory=DiscountAllocation)
    pob_by_name: Mapping[str, PobTemplate] = field(init=False, repr=False, compare=False)
    item_rules: Mapping[str, str] = field(init=False, repr=False, compare=False)
    condition_rules: tuple[PobAssignmentRule, ...] = field(init=False, repr=False, compare=False)
    ssp_by_name: Mapping[str, SspTemplate] = field(init=False, repr=False, compare=False)
    bundles_by_item: Mapping[str, tuple[BundleConfig, ...]] = field(init=False, repr=False, compare=False)
    ssp_hierarchies: Mapping[str, tuple[tuple[SspHierarchyRow, SspTemplate], ...]] = field(
        init=False, repr=False, compare=False
    )
    #: item number → POB template (the Item rules), and the auto POB template (hot-path look-ups)
    item_templates: Mapping[str, PobTemplate] = field(init=False, repr=False, compare=False)
    auto_template: PobTemplate | None = field(init=False, repr=False, compare=False)
    #: memoized SSP rule choice per grouping template (see ssp.SspSelector)
    ssp_selectors: Mapping[str, SspSelector] = field(init=False, repr=False, compare=False)
    #: memo of release curves (a pure cache: same key, same curve), filled by the schedule step
    curve_memo: dict[object, tuple[PobTemplate, tuple[int, tuple[int, ...], int]]] = field(
        init=False, repr=False, compare=False
    )

    #: memo of Upon Booking lines' curves and period keys (see contracts.schedule_contract)
    booked_memo: dict[
        tuple[str, dt.date, dt.date | None, dt.date | None, int | None],
        tuple[PobTemplate, PackedCurve, tuple[int, ...]],
    ] = field(init=False, repr=False, compare=False)
    #: one prepared curve per distinct (cumulative numerators, denominator)
    packed_memo: dict[tuple[tuple[int, ...], int], PackedCurve] = field(init=False, repr=False, compare=False)
    #: one tuple per distinct run of period keys (shared by the schedules)
    periods_memo: dict[tuple[int, ...], tuple[int, ...]] = field(init=False, repr=False, compare=False)
    #: currencies and conversion ratios per (currency, functional currency, F rate, G rate)
    rates_memo: dict[
        tuple[str, str, Decimal, Decimal],
        tuple[tuple[str, str, str], tuple[int, int], tuple[int, int]],
    ] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_currency(self.reporting_currency):
            raise PolicyError("reporting_currency", f"unknown currency code {self.reporting_currency!r}")
        if self.rssp_weight_places < 0:
            raise PolicyError("rssp_weight_places", "must be >= 0")
        _unique([t.name for t in self.pob_templates], "pob_templates")
        _unique([t.name for t in self.ssp_templates], "ssp_templates")
        _unique([t.name for t in self.rc_grouping_templates], "rc_grouping_templates")
        if not self.rc_grouping_templates:
            raise PolicyError("rc_grouping_templates", "at least one template is needed")
        pobs = {t.name: t for t in self.pob_templates}
        if self.auto_pob_template == AUTO_POB.name and AUTO_POB.name not in pobs:
            pobs[AUTO_POB.name] = AUTO_POB
        if self.auto_pob_template is not None and self.auto_pob_template not in pobs:
            raise PolicyError("auto_pob_template", f"no POB template named {self.auto_pob_template!r}")
        item_rules: dict[str, str] = {}
        for rule in sorted(self.pob_assignment_rules, key=lambda r: (r.seq, r.item_num)):
            if rule.template not in pobs:
                raise PolicyError("pob_assignment_rules", f"no POB template named {rule.template!r}")
            if rule.kind is AssignmentKind.ITEM:
                item_rules.setdefault(rule.item_num, rule.template)
        condition_rules = tuple(
            sorted(
                (r for r in self.pob_assignment_rules if r.kind is not AssignmentKind.ITEM),
                key=lambda r: (_KIND_ORDER[r.kind], r.seq, r.template),
            )
        )
        ssp = {t.name: t for t in self.ssp_templates}
        for template in self.rc_grouping_templates:
            for row in template.ssp_hierarchy:
                if row.template not in ssp:
                    raise PolicyError(
                        f"rc_grouping_templates[{template.name}].ssp_hierarchy",
                        f"no SSP template named {row.template!r}",
                    )
        hierarchies = {
            t.name: tuple((row, ssp[row.template]) for row in t.active_hierarchy)
            for t in self.rc_grouping_templates
        }
        for discount_rule in self.discount_allocation.rules:
            for name in discount_rule.pob_templates:
                if name not in pobs:
                    raise PolicyError("discount_allocation.rules", f"no POB template named {name!r}")
        bundles: dict[str, list[BundleConfig]] = {}
        for bundle in self.bundles:
            bundles.setdefault(bundle.parent_item_num, []).append(bundle)
        object.__setattr__(self, "pob_by_name", MappingProxyType(pobs))
        object.__setattr__(self, "item_rules", MappingProxyType(item_rules))
        object.__setattr__(self, "condition_rules", condition_rules)
        object.__setattr__(self, "ssp_by_name", MappingProxyType(ssp))
        object.__setattr__(self, "ssp_hierarchies", MappingProxyType(hierarchies))
        object.__setattr__(
            self, "item_templates", MappingProxyType({k: pobs[v] for k, v in item_rules.items()})
        )
        object.__setattr__(
            self, "auto_template", None if self.auto_pob_template is None else pobs[self.auto_pob_template]
        )
        object.__setattr__(
            self, "ssp_selectors", MappingProxyType({k: SspSelector(v) for k, v in hierarchies.items()})
        )
        object.__setattr__(self, "curve_memo", {})
        object.__setattr__(self, "booked_memo", {})
        object.__setattr__(self, "periods_memo", {})
        object.__setattr__(self, "packed_memo", {})
        object.__setattr__(self, "rates_memo", {})
        object.__setattr__(
            self, "bundles_by_item", MappingProxyType({k: tuple(v) for k, v in bundles.items()})
        )

    def grouping_template(self, name: str | None = None) -> RcGroupingTemplate:
        """The grouping template called ``name`` (the first one when ``name`` is None)."""
        if name is None:
            return self.rc_grouping_templates[0]
        for template in self.rc_grouping_templates:
            if template.name == name:
                return template
        raise PolicyError("rc_template_name", f"no RC grouping template named {name!r}")

    @classmethod
    def from_mapping(cls, raw: object) -> Policies:
        """Policies from the setup document's mapping; PolicyError names the first bad key."""
        data: Raw = as_mapping(raw, "")
        check_keys(
            data,
            "",
            optional=(
                "reporting_currency",
                "calendar",
                "rc_grouping_templates",
                "pob_templates",
                "pob_assignment_rules",
                "auto_pob_template",
                "ssp_templates",
                "bundles",
                "allocation_enabled",
                "bundle_explosion",
                "rssp_floor_method",
                "rssp_weight_places",
                "multi_currency_allocation",
                *CONVENTION_KEYS,
                "discount_allocation",
            ),
        )

        def items(key: str) -> list[tuple[object, str]]:
            return [(item, join(join("", key), i)) for i, item in enumerate(get_list(data, key, ""))]

        grouping = tuple(RcGroupingTemplate.from_mapping(i, p) for i, p in items("rc_grouping_templates"))
        return cls(
            reporting_currency=get_str(data, "reporting_currency", "", "USD"),
            calendar=AccountingCalendar.from_mapping(data.get("calendar", {})),
            rc_grouping_templates=grouping or (DEFAULT_GROUPING,),
            pob_templates=tuple(PobTemplate.from_mapping(i, p) for i, p in items("pob_templates")),
            pob_assignment_rules=tuple(
                PobAssignmentRule.from_mapping(i, p) for i, p in items("pob_assignment_rules")
            ),
            auto_pob_template=get_opt_str(data, "auto_pob_template", "")
            if "auto_pob_template" in data
            else AUTO_POB.name,
            ssp_templates=tuple(SspTemplate.from_mapping(i, p) for i, p in items("ssp_templates")),
            bundles=tuple(BundleConfig.from_mapping(i, p) for i, p in items("bundles")),
            allocation_enabled=get_bool(data, "allocation_enabled", "", True),
            bundle_explosion=get_bool(data, "bundle_explosion", "", True),
            rssp_floor_method=get_bool(data, "rssp_floor_method", "", False),
            rssp_weight_places=get_int(data, "rssp_weight_places", "", 4),
            multi_currency_allocation=get_enum(
                data,
                "multi_currency_allocation",
                "",
                AllocationCurrency,
                AllocationCurrency.LOWEST_COMMON_CURRENCY,
            ),
            conventions=Conventions.from_mapping(data),
            discount_allocation=DiscountAllocation.from_mapping(data.get("discount_allocation", {})),
        )

    def to_mapping(self) -> dict[str, object]:
        """The mapping :meth:`from_mapping` reads back to equal policies."""
        discount = self.discount_allocation
        return {
            "reporting_currency": self.reporting_currency,
            "calendar": self.calendar.to_mapping(),
            "rc_grouping_templates": [t.to_mapping() for t in self.rc_grouping_templates],
            "pob_templates": [t.to_mapping() for t in self.pob_templates],
            "pob_assignment_rules": [r.to_mapping() for r in self.pob_assignment_rules],
            "auto_pob_template": self.auto_pob_template,
            "ssp_templates": [t.to_mapping() for t in self.ssp_templates],
            "bundles": [b.to_mapping() for b in self.bundles],
            "allocation_enabled": self.allocation_enabled,
            "bundle_explosion": self.bundle_explosion,
            "rssp_floor_method": self.rssp_floor_method,
            "rssp_weight_places": self.rssp_weight_places,
            "multi_currency_allocation": self.multi_currency_allocation.value,
            **self.conventions.to_mapping(),
            **({"discount_allocation": discount.to_mapping()} if discount != DiscountAllocation() else {}),
        }
