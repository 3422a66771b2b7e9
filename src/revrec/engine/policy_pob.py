"""POB templates and POB assignment rules (domain.md §7): how a line is released and spread over periods.

A :class:`PobTemplate` fixes a line's release event (what makes revenue available), its ratable method (how
released revenue is spread over periods) and its accounting method (daily or partial-month weights).
Assignment rules are tried in the published order — advanced rules, then by attributes, then by item — each
kind by ``seq``; a line no rule matches gets the auto POB template.  Invariants kept at construction: an
event-based template names its event type, an expiry template its expiry, Invoice Ratable is used only with
Upon Billing, and user-defined schedule rows total exactly 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .conditions import Condition, conditions_from_mapping
from .errors import PolicyError
from .lines import normalize_field
from .mapping import (
    as_mapping,
    check_keys,
    dec_text,
    get_bool,
    get_decimal,
    get_enum,
    get_int,
    get_list,
    get_str,
    join,
)


class ReleaseEvent(Enum):
    UPON_BOOKING = "Upon Booking"
    UPON_BILLING = "Upon Billing"
    UPON_EVENT = "Upon Event"
    MANUAL = "Manual"
    UPON_EXPIRY = "Upon Expiry"


class RatableMethod(Enum):
    RATABLE = "Ratable"
    CONTRACT_RATABLE = "Contract Ratable"
    INVOICE_RATABLE = "Invoice Ratable"
    MID_MONTH_RATABLE = "Mid Month Ratable"
    NEXT_MONTH_RATABLE = "Next Month Ratable"
    IMMEDIATE_USING_START_DATE = "Immediate Using Start Date"
    IMMEDIATE_USING_OPEN_PERIOD = "Immediate Using Open Period"
    CONDENSE = "Condense"
    SLIDING = "Sliding"
    USER_DEFINED = "User Defined Schedules"


class AccountingMethod(Enum):
    DAILY = "Daily"
    PARTIAL_MONTH = "Partial Month"


class BillingRelease(Enum):
    BILLED = "Billed Release"
    FULL_BOOKING = "Full Booking Release"


class EventProcessType(Enum):
    PERCENT = "By Percent"
    QUANTITY = "By Quantity"
    AMOUNT = "By Amount"


class ReleaseBase(Enum):
    RELEASE_DATE = "Release Date"
    START_DATE = "Start Date"
    SO_DATE = "SO Date"


class ExpiryUnit(Enum):
    DAYS = "Days"
    MONTHS = "Months"


class AssignmentKind(Enum):
    ADVANCED = "Advanced"
    ATTRIBUTES = "Attributes"
    ITEM = "Item"


@dataclass(frozen=True, slots=True)
class EventType:
    """A revenue event type (Setups > Event Setup): how its lines measure progress, cumulative or not."""

    name: str
    process_type: EventProcessType = EventProcessType.PERCENT
    cumulative: bool = False


@dataclass(frozen=True, slots=True)
class Expiry:
    """Release on expiry: ``number`` days/months after the date in staging field ``field``."""

    number: int
    unit: ExpiryUnit = ExpiryUnit.DAYS
    field: str = "SO_DATE"


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One row of a user-defined schedule: ``percent`` of the line spread evenly over ``periods`` periods."""

    periods: int
    percent: Decimal


@dataclass(frozen=True, slots=True)
class PobTemplate:
    """How the lines of a POB are released and spread; see docs/engine.md "Policy keys"."""

    name: str
    release_event: ReleaseEvent = ReleaseEvent.UPON_BOOKING
    ratable_method: RatableMethod = RatableMethod.RATABLE
    accounting_method: AccountingMethod = AccountingMethod.PARTIAL_MONTH
    billing_release: BillingRelease = BillingRelease.BILLED
    event: EventType | None = None
    expiry: Expiry | None = None
    schedule: tuple[ScheduleRow, ...] = ()
    release_base: ReleaseBase = ReleaseBase.RELEASE_DATE

    def __hash__(self) -> int:
        # templates key the engine's memo caches: hash by name (equal templates have equal names)
        return hash(self.name)

    def __post_init__(self) -> None:
        path = f"pob_templates[{self.name}]"
        if self.release_event is ReleaseEvent.UPON_EVENT and self.event is None:
            raise PolicyError(path, "release event Upon Event needs an event")
        if self.release_event is ReleaseEvent.UPON_EXPIRY and self.expiry is None:
            raise PolicyError(path, "release event Upon Expiry needs an expiry")
        if (
            self.ratable_method is RatableMethod.INVOICE_RATABLE
            and self.release_event is not ReleaseEvent.UPON_BILLING
        ):
            raise PolicyError(path, "Invoice Ratable is only valid with release event Upon Billing")
        if self.ratable_method is RatableMethod.USER_DEFINED:
            if not self.schedule or sum(row.percent for row in self.schedule) != 100:
                raise PolicyError(path, "User Defined Schedules need schedule rows totalling 100 percent")
            if any(row.periods < 1 or row.percent < 0 for row in self.schedule):
                raise PolicyError(path, "schedule rows need periods >= 1 and percent >= 0")

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> PobTemplate:
        data = as_mapping(raw, path)
        check_keys(
            data,
            path,
            required=("name",),
            optional=(
                "release_event",
                "ratable_method",
                "accounting_method",
                "billing_release",
                "event",
                "expiry",
                "schedule",
                "release_base",
            ),
        )
        event = None
        if data.get("event") is not None:
            raw_event = as_mapping(data["event"], join(path, "event"))
            check_keys(
                raw_event, join(path, "event"), required=("name",), optional=("process_type", "cumulative")
            )
            event = EventType(
                get_str(raw_event, "name", path),
                get_enum(
                    raw_event, "process_type", join(path, "event"), EventProcessType, EventProcessType.PERCENT
                ),
                get_bool(raw_event, "cumulative", join(path, "event"), False),
            )
        expiry = None
        if data.get("expiry") is not None:
            epath = join(path, "expiry")
            raw_expiry = as_mapping(data["expiry"], epath)
            check_keys(raw_expiry, epath, required=("number",), optional=("unit", "field"))
            expiry = Expiry(
                get_int(raw_expiry, "number", epath),
                get_enum(raw_expiry, "unit", epath, ExpiryUnit, ExpiryUnit.DAYS),
                normalize_field(get_str(raw_expiry, "field", epath, "SO_DATE")),
            )
        rows = []
        for index, item in enumerate(get_list(data, "schedule", path)):
            rpath = join(join(path, "schedule"), index)
            raw_row = as_mapping(item, rpath)
            check_keys(raw_row, rpath, required=("periods", "percent"))
            rows.append(
                ScheduleRow(get_int(raw_row, "periods", rpath), get_decimal(raw_row, "percent", rpath))
            )
        try:
            return cls(
                name=get_str(data, "name", path),
                release_event=get_enum(data, "release_event", path, ReleaseEvent, ReleaseEvent.UPON_BOOKING),
                ratable_method=get_enum(data, "ratable_method", path, RatableMethod, RatableMethod.RATABLE),
                accounting_method=get_enum(
                    data, "accounting_method", path, AccountingMethod, AccountingMethod.PARTIAL_MONTH
                ),
                billing_release=get_enum(
                    data, "billing_release", path, BillingRelease, BillingRelease.BILLED
                ),
                event=event,
                expiry=expiry,
                schedule=tuple(rows),
                release_base=get_enum(data, "release_base", path, ReleaseBase, ReleaseBase.RELEASE_DATE),
            )
        except PolicyError as exc:
            raise PolicyError(exc.path if exc.path.startswith(path) else path, exc.reason) from None

    def to_mapping(self) -> dict[str, object]:
        result: dict[str, object] = {
            "name": self.name,
            "release_event": self.release_event.value,
            "ratable_method": self.ratable_method.value,
            "accounting_method": self.accounting_method.value,
        }
        if self.release_event is ReleaseEvent.UPON_BILLING:
            result["billing_release"] = self.billing_release.value
        if self.event is not None:
            result["event"] = {
                "name": self.event.name,
                "process_type": self.event.process_type.value,
                "cumulative": self.event.cumulative,
            }
        if self.expiry is not None:
            result["expiry"] = {
                "number": self.expiry.number,
                "unit": self.expiry.unit.value,
                "field": self.expiry.field,
            }
        if self.schedule:
            result["schedule"] = [
                {"periods": r.periods, "percent": dec_text(r.percent)} for r in self.schedule
            ]
            result["release_base"] = self.release_base.value
        return result


@dataclass(frozen=True, slots=True)
class PobAssignmentRule:
    """Assigns ``template`` to lines with ``item_num`` (kind Item) or matching ``conditions`` (others)."""

    template: str
    kind: AssignmentKind = AssignmentKind.ITEM
    seq: int = 0
    item_num: str = ""
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        if self.kind is AssignmentKind.ITEM and not self.item_num:
            raise PolicyError(f"pob_assignment_rules[{self.seq}]", "an Item rule needs item_num")
        if self.kind is not AssignmentKind.ITEM and not self.conditions:
            raise PolicyError(
                f"pob_assignment_rules[{self.seq}]", f"a {self.kind.value} rule needs conditions"
            )

    @classmethod
    def from_mapping(cls, raw: object, path: str) -> PobAssignmentRule:
        data = as_mapping(raw, path)
        check_keys(data, path, required=("template",), optional=("kind", "seq", "item_num", "conditions"))
        try:
            return cls(
                template=get_str(data, "template", path),
                kind=get_enum(data, "kind", path, AssignmentKind, AssignmentKind.ITEM),
                seq=get_int(data, "seq", path, 0),
                item_num=get_str(data, "item_num", path, ""),
                conditions=conditions_from_mapping(data.get("conditions", []), join(path, "conditions")),
            )
        except PolicyError as exc:
            raise PolicyError(exc.path if exc.path.startswith(path) else path, exc.reason) from None

    def to_mapping(self) -> dict[str, object]:
        result: dict[str, object] = {"template": self.template, "kind": self.kind.value, "seq": self.seq}
        if self.item_num:
            result["item_num"] = self.item_num
        if self.conditions:
            result["conditions"] = [c.to_mapping() for c in self.conditions]
        return result
