"""Staging validation of cost lines (``Type`` ``CST``): costs to obtain or fulfil a contract (ASC 340-40).

A cost line names its own id (``COST_LINE_ID``), the revenue line it belongs to (``SO_LINE_ID``, label
"Doc Line Id"), its cost type (``COST_TYPE``, one of the setup section ``costs``), the amount
(``COST_AMT``, in ``CURR``), the day it was incurred (``START_DATE``) and the account strings of the cost
asset and the cost expense (``COST_DEF_SEGMENTS``/``COST_REV_SEGMENTS``). Revenue columns (prices,
quantities, Def/Rev Segments) are not required: Zuora exempts CST lines from them (RPRO-00021/23/59 say
"all but CST"). Exchange rates follow the rules of revenue lines (F Ex Rate, G Ex Rate).

Like :func:`revrec.inbound.line_rules.validate_line`, every problem of the line is returned at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from revrec.engine.money import is_currency
from revrec.inbound.codes import message
from revrec.inbound.problems import LineError

if TYPE_CHECKING:
    from revrec.inbound.line_rules import LineContext

_Get = Callable[[str], object]

#: (column, code raised when it is blank)
MANDATORY: Final = (
    ("COST_LINE_ID", "RREV-04301"),
    ("SO_LINE_ID", "RREV-04302"),
    ("COST_TYPE", "RREV-04303"),
    ("COST_AMT", "RREV-04304"),
    ("CURR", "RPRO-00009"),
    ("F_CUR", "RPRO-00009"),
    ("START_DATE", "RPRO-00018"),
    ("COST_DEF_SEGMENTS", "RPRO-00040"),
    ("COST_REV_SEGMENTS", "RPRO-00042"),
)
#: the staging columns cost validation reads (beyond the revenue lines' ones)
COLUMNS: Final = ("COST_LINE_ID", "COST_TYPE", "COST_AMT", "COST_DEF_SEGMENTS", "COST_REV_SEGMENTS")
EARLIEST_DATE: Final = date(1947, 1, 1)


def _err(code: str, column: str, **params: object) -> LineError:
    return LineError(code, message(code, **params), column)


def validate_cost_line(
    get: _Get,
    context: LineContext,
    errors: list[LineError],
    *,
    fits: Callable[[Decimal, str], bool],
) -> None:
    """Append every problem of one CST line to ``errors`` (currency and rates are checked by the caller)."""
    errors.extend(_err(code, column) for column, code in MANDATORY if get(column) is None)
    cost_type, amount, curr = get("COST_TYPE"), get("COST_AMT"), get("CURR")
    if isinstance(cost_type, str) and context.cost_types is not None and cost_type not in context.cost_types:
        errors.append(_err("RPRO-00048", "COST_TYPE"))
    if isinstance(amount, Decimal):
        if amount <= 0:
            errors.append(_err("RREV-04305", "COST_AMT"))
        elif isinstance(curr, str) and is_currency(curr) and not fits(amount, curr):
            errors.append(_err("RPRO-00045", "COST_AMT"))
    start = get("START_DATE")
    if isinstance(start, date) and start < EARLIEST_DATE:
        errors.append(_err("RPRO-00015", "START_DATE"))
    _check_segments(get, context, errors)
    _check_links(get, context, errors)


def _check_segments(get: _Get, context: LineContext, errors: list[LineError]) -> None:
    delimiter, count = context.segment_delimiter, context.segment_count
    if delimiter is None or count is None:
        return
    for column, code in (("COST_DEF_SEGMENTS", "RPRO-00039"), ("COST_REV_SEGMENTS", "RPRO-00041")):
        value = get(column)
        if isinstance(value, str):
            parts = value.split(delimiter)
            if len(parts) != count or not all(part.strip() for part in parts):
                errors.append(_err(code, column))


def _check_links(get: _Get, context: LineContext, errors: list[LineError]) -> None:
    cost_line_id = get("COST_LINE_ID")
    if isinstance(cost_line_id, str):
        key = ("CST", cost_line_id)
        if key in context.seen_line_ids:
            errors.append(_err("RREV-00001", "COST_LINE_ID", line_id=cost_line_id))
        else:
            context.seen_line_ids.add(key)
    related = get("SO_LINE_ID")
    if isinstance(related, str) and related not in context.known_so_line_ids:
        errors.append(_err("RPRO-00600", "SO_LINE_ID"))
