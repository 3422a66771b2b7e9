"""Staging validation of one event row (domain §7.1).

An event row releases (``REC``) or defers (``DEF``) revenue of one transaction line, identified by its
``SO_LINE_ID`` (label ``Doc Line Id``), by percent, amount or quantity according to its *process type*.

Where the process type comes from, in order: the event type's setup (``EventContext.event_types``, the
authority when given; a row ``PROCESS_TYPE`` that disagrees is an error), else the row's ``PROCESS_TYPE``
column (``PERCENT``/``AMOUNT``/``QUANTITY``, also ``By Percent``, ``PCT``, ``AMT``, ``QTY``, any case), else
whichever single release value the row carries.  A process type of ``None`` in the setup (hold events)
takes no release value check.

Invariants: exactly one release value per event, matching the process type (INVALID_*_EVENT otherwise);
a percent lies in [0, 100]; amounts and quantities are not negative (deferral is ``Action`` DEF, not a
sign); cumulative-ness (25% then 30% ⇒ 30%) is a property applied later by the engine, only the flag's
value is checked here.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from revrec.inbound.codes import message
from revrec.inbound.problems import LineError

ProcessType = Literal["PERCENT", "AMOUNT", "QUANTITY"]
ACTIONS: Final = frozenset({"REC", "DEF"})
_HUNDRED: Final = Decimal(100)
_ZERO: Final = Decimal(0)
_PROCESS_ALIASES: Final[dict[str, ProcessType]] = {
    "PERCENT": "PERCENT", "PCT": "PERCENT", "AMOUNT": "AMOUNT", "AMT": "AMOUNT", "QUANTITY": "QUANTITY",
    "QTY": "QUANTITY",
}  # fmt: skip
#: Release column of each process type, and the error when another release column is filled.
RELEASE_COLUMNS: Final[dict[ProcessType, str]] = {
    "PERCENT": "RELEASE_PCT", "AMOUNT": "RELEASE_AMT", "QUANTITY": "RELEASE_QTY",
}  # fmt: skip
_WRONG_VALUE_CODE: Final[dict[ProcessType, str]] = {k: f"INVALID_{k}_EVENT" for k in RELEASE_COLUMNS}


@dataclass(frozen=True, slots=True)
class EventTypeDef:
    """An event type of Event Setup: its process type (None for hold events) and cumulative flag."""

    name: str
    process_type: ProcessType | None
    cumulative: bool = False


@dataclass(frozen=True, slots=True)
class EventContext:
    """``known_line_ids``: SO_LINE_IDs of staged or collected lines; ``event_types``: the setup, if any."""

    known_line_ids: Container[str]
    event_types: Mapping[str, EventTypeDef] | None = None


def parse_process_type(text: str) -> ProcessType | None:
    """``PERCENT``/``AMOUNT``/``QUANTITY`` from a cell (``By Percent``, ``pct``, ...), None if not one."""
    key = text.strip().upper()
    key = key.removeprefix("BY ").strip()
    return _PROCESS_ALIASES.get(key)


def _e(code: str, column: str | None, **params: object) -> LineError:
    return LineError(code, message(code, **params), column)


def validate_event(event: Mapping[str, object], *, context: EventContext) -> list[LineError]:
    """Every problem of one staged event row (empty when valid)."""
    get = event.get
    errors: list[LineError] = []
    line_id = get("SO_LINE_ID")
    if line_id is None:
        errors.append(_e("RREV-01001", "SO_LINE_ID"))
    elif not isinstance(line_id, str) or line_id not in context.known_line_ids:
        errors.append(_e("RREV-01002", "SO_LINE_ID"))
    type_def = _event_type(get, context, errors)
    if get("ACTION") not in ACTIONS:
        errors.append(_e("RREV-01005", "ACTION"))
    if get("EVENT_DATE") is None:
        errors.append(_e("RREV-01006", "EVENT_DATE"))
    if get("CUMULATIVE_FLAG") not in (None, "Y", "N"):
        errors.append(_e("RREV-01012", "CUMULATIVE_FLAG"))
    resolved, kind = _process_type(get, type_def, errors)
    if resolved:
        _check_release(get, kind, errors)
    return errors


def _event_type(
    get: Callable[[str], object], context: EventContext, errors: list[LineError]
) -> EventTypeDef | None:
    event_type = get("EVENT_TYPE")
    if event_type is None:
        errors.append(_e("RREV-01003", "EVENT_TYPE"))
        return None
    if context.event_types is None:
        return None
    type_def = context.event_types.get(str(event_type))
    if type_def is None:
        errors.append(_e("RREV-01004", "EVENT_TYPE", event_type=event_type))
    return type_def


def _process_type(
    get: Callable[[str], object], type_def: EventTypeDef | None, errors: list[LineError]
) -> tuple[bool, ProcessType | None]:
    """(whether release values are to be checked, the process type or None to infer it from the row)."""
    raw = get("PROCESS_TYPE")
    given = parse_process_type(raw) if isinstance(raw, str) else None
    if raw is not None and given is None:
        errors.append(_e("RREV-01007", "PROCESS_TYPE"))
        return False, None
    if type_def is None:
        return True, given
    if given is not None and type_def.process_type is not None and given != type_def.process_type:
        errors.append(
            _e(
                "RREV-01013",
                "PROCESS_TYPE",
                given=given,
                expected=type_def.process_type,
                event_type=type_def.name,
            )
        )
        return False, None
    return type_def.process_type is not None, type_def.process_type


def _check_release(get: Callable[[str], object], kind: ProcessType | None, errors: list[LineError]) -> None:
    present = {k: v for k, col in RELEASE_COLUMNS.items() if isinstance(v := get(col), Decimal)}
    if kind is None:  # inferred from the row: exactly one value must be there
        if not present:
            errors.append(_e("RREV-01008", None))
        elif len(present) > 1:
            errors.append(_e("RREV-01010", None))
    else:
        if any(k != kind for k in present):
            errors.append(_e(_WRONG_VALUE_CODE[kind], RELEASE_COLUMNS[kind]))
        if kind not in present:
            errors.append(_e("RREV-01008", RELEASE_COLUMNS[kind]))
    percent = present.get("PERCENT")
    if percent is not None and not _ZERO <= percent <= _HUNDRED:
        errors.append(_e("RREV-01009", "RELEASE_PCT"))
    for k in ("AMOUNT", "QUANTITY"):
        value = present.get(k)
        if value is not None and value < _ZERO:
            errors.append(_e("RREV-01011", RELEASE_COLUMNS[k]))
