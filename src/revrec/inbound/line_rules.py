"""Staging validation of one transaction line, by its ``Type`` (domain §3, §5, §6).

A line is a mapping of staging column name → converted value (``Decimal`` for numbers, ``date`` for dates,
stripped ``str`` or ``None``; a column absent from the mapping counts as ``None``).  :func:`validate_line`
returns every problem of the line as :class:`~revrec.inbound.problems.LineError` values; an empty list
means the line is valid (staging ``processed_flag`` ``N``), otherwise it is ``E`` with all its errors.

Invariants and choices:

* the rules of a type are data: :data:`_SPECS` holds, per type, the mandatory columns with the error
  each raises when blank, so validating a line is a handful of dict look-ups (no regex, no allocation for
  errors: the LineError values are built once and shared);
* an unknown or blank ``Type`` yields only RPRO-00001; the obsolete ``PORD`` is refused with its own code
  (RREV-00003) and no other check; cost lines (``CST``) follow :mod:`revrec.inbound.cost_rules`;
* cross-line rules go through :class:`LineContext`: duplicates within the upload (RREV-00001; the first
  occurrence is valid, later ones are not), billing/RORD lines whose sales-order line is unknown
  (RPRO-00600) and INV lines signed against their SO (RPRO-00078).  The context is per upload and
  remembers the line ids it has seen, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from revrec.engine.conventions import UNIT_PRICE_PLACES
from revrec.engine.money import exponent, is_currency, quantize_places
from revrec.inbound.codes import message
from revrec.inbound.cost_rules import validate_cost_line
from revrec.inbound.problems import LineError

SUPPORTED_TYPES: Final = ("SO", "INV", "CM", "CM-C", "CM-R", "CM-RO", "RORD")
BILLING_TYPES: Final = frozenset({"INV", "CM", "CM-C", "CM-R", "CM-RO"})
CREDIT_TYPES: Final = frozenset({"CM", "CM-C", "CM-R", "CM-RO"})
CREDIT_RULES: Final = frozenset({"P", "L", "F"})
YES_NO: Final = frozenset({"Y", "N"})
#: Dates before this day are invalid start/end dates (RPRO-00015/00016).
EARLIEST_DATE: Final = date(1947, 1, 1)

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_ERRORS: dict[tuple[str, str | None], LineError] = {}


def _err(code: str, column: str | None = None) -> LineError:
    """The shared LineError of ``code`` on ``column`` (messages without placeholders only)."""
    key = (code, column)
    error = _ERRORS.get(key)
    if error is None:
        error = _ERRORS[key] = LineError(code, message(code), column)
    return error


def _missing(column: str) -> LineError:
    """RREV-00004 for a mandatory column that has no RPRO code of its own."""
    key = ("RREV-00004", column)
    error = _ERRORS.get(key)
    if error is None:
        error = _ERRORS[key] = LineError("RREV-00004", message("RREV-00004", field=column), column)
    return error


@dataclass(frozen=True, slots=True)
class _TypeSpec:
    mandatory: tuple[tuple[str, LineError], ...]
    key_group: str  # duplicate-id namespace: "SO" (SO_LINE_ID) or "BILL" (INV_LINE_ID)
    key_column: str


_COMMON: Final = (
    ("CSTMR_NM", "RPRO-00003"), ("ITEM_NUM", "RPRO-00006"), ("DEF_SEGMENTS", "RPRO-00021"),
    ("REV_SEGMENTS", "RPRO-00023"), ("EXT_SLL_PRC", "RPRO-00059"), ("CURR", "RPRO-00009"),
    ("F_CUR", "RPRO-00009"),
)  # fmt: skip
_BILLING: Final = (
    ("INV_QTY", "RPRO-00007"),
    ("INV_LINE_ID", "RPRO-00036"),
    ("INV_DATE", None),
    ("INV_NUM", "RPRO-00035"),
)
# Per type, beyond _COMMON (domain §5 table; None = no RPRO code, RREV-00004 names the column).
_TYPE_COLUMNS: Final[dict[str, tuple[tuple[str, str | None], ...]]] = {
    "SO": (("EXT_LST_PRC", None), ("ORD_QTY", "RPRO-00072"), ("SO_LINE_ID", None), ("SO_DATE", None)),
    "INV": (("EXT_LST_PRC", None), ("ORD_QTY", None), *_BILLING),
    "CM": _BILLING,
    "CM-C": _BILLING,
    "CM-R": (("EXT_LST_PRC", None), *_BILLING),
    "CM-RO": (("SO_LINE_ID", None), *_BILLING),
    "RORD": (
        ("EXT_LST_PRC", None), ("ORD_QTY", "RPRO-00072"), ("SO_LINE_ID", None), ("SO_DATE", None),
        ("ORIG_SO_LINE_ID", "RPRO-00030"),
    ),
}  # fmt: skip


def _spec(tran_type: str) -> _TypeSpec:
    pairs = (*_COMMON, *_TYPE_COLUMNS[tran_type])
    mandatory = tuple((col, _err(code, col) if code else _missing(col)) for col, code in pairs)
    billing = tran_type in BILLING_TYPES
    return _TypeSpec(mandatory, "BILL" if billing else "SO", "INV_LINE_ID" if billing else "SO_LINE_ID")


_SPECS: Final = {t: _spec(t) for t in SUPPORTED_TYPES}


def mandatory_columns(tran_type: str) -> tuple[str, ...]:
    """The columns a line of supported ``tran_type`` must have (each blank one is an error)."""
    return tuple(col for col, _ in _SPECS[tran_type].mandatory)


def key_column(tran_type: str) -> str:
    """The column whose repetition within an upload is RREV-00001 (SO_LINE_ID or INV_LINE_ID)."""
    return _SPECS[tran_type].key_column


_REFUSED: Final = {"PORD": [_err("RREV-00003", "TYPE")]}


@dataclass(slots=True)
class LineContext:
    """What one line's validation needs to know beyond the line itself; one per upload.

    ``known_so_line_ids`` must answer for SO/RORD lines of this upload, staged and collected ones;
    ``so_signs`` maps an SO_LINE_ID to the sign (1 or -1) of that SO line's Ext Sell Price when known.
    ``segment_delimiter``/``segment_count`` enable the format check of account segments (RPRO-00020/22).
    """

    known_so_line_ids: Container[str] = frozenset()
    so_signs: Mapping[str, int] = field(default_factory=dict)
    segment_delimiter: str | None = None
    segment_count: int | None = None
    require_customer_number: bool = False
    #: decimals a unit price may carry (policies.unit_price_places; the storage scale checks nothing more)
    unit_price_places: int = UNIT_PRICE_PLACES
    seen_line_ids: set[tuple[str, str]] = field(default_factory=set)
    #: the cost type names of the setup section ``costs`` (None: not checked)
    cost_types: Container[str] | None = None


def sales_order_line_id(line: Mapping[str, object]) -> str | None:
    """The SO_LINE_ID a SO or RORD line contributes to ``known_so_line_ids`` (None for other types)."""
    if line.get("TYPE") in ("SO", "RORD"):
        value = line.get("SO_LINE_ID")
        return value if isinstance(value, str) else None
    return None


def validate_line(
    line: Mapping[str, object], *, reporting_currency: str, context: LineContext
) -> list[LineError]:
    """Every problem of one staging line (empty when valid)."""
    get = line.get
    tran_type = get("TYPE")
    if tran_type == "CST":
        return _validate_cost(get, reporting_currency, context)
    if not isinstance(tran_type, str) or tran_type not in _SPECS:
        refused = _REFUSED.get(tran_type) if isinstance(tran_type, str) else None
        return list(refused) if refused else [_err("RPRO-00001", "TYPE")]
    spec = _SPECS[tran_type]
    errors = [error for col, error in spec.mandatory if get(col) is None]
    _check_currency(get, reporting_currency, errors)
    _check_unit_prices(get, context.unit_price_places, errors)
    _check_dates_and_flags(get, tran_type, errors)
    _check_quantities_and_signs(get, tran_type, context, errors)
    _check_segments(get, context, errors)
    _check_links(get, tran_type, spec, context, errors)
    return errors


_Get = Callable[[str], object]


def _validate_cost(get: _Get, reporting_currency: str, context: LineContext) -> list[LineError]:
    """A cost line: its own rules plus the currency and exchange-rate rules of every line."""
    errors: list[LineError] = []
    validate_cost_line(get, context, errors, fits=fits_precision)
    _check_currency(get, reporting_currency, errors)
    return errors


_QUANTA: Final = {places: _ONE.scaleb(-places) for places in range(0, 5)}


def _decimal(get: _Get, column: str) -> Decimal | None:
    value = get(column)
    return value if isinstance(value, Decimal) else None


def fits_precision(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` has no more significant decimals than ``currency`` allows (never rounds)."""
    places = exponent(currency)
    exp = amount.as_tuple().exponent
    if isinstance(exp, int) and exp >= -places:
        return True
    try:
        return amount == amount.quantize(_QUANTA[places])
    except InvalidOperation:  # more digits than the decimal context holds: certainly not a fit
        return False


def _check_unit_prices(get: _Get, places: int, errors: list[LineError]) -> None:
    """RREV-00020: unit prices (e.g. usage at 0.0005 a call) within ``unit_price_places`` decimals."""
    for column in ("UNIT_SELL_PRC", "UNIT_LIST_PRC"):
        price = _decimal(get, column)
        if price is not None and price != quantize_places(price, places):
            errors.append(_err("RREV-00020", column))


def _check_currency(get: _Get, reporting_currency: str, errors: list[LineError]) -> None:
    curr, f_cur = get("CURR"), get("F_CUR")
    curr_ok = isinstance(curr, str) and is_currency(curr)
    if curr is not None and not curr_ok:
        errors.append(_err("RPRO-00009", "CURR"))
    if f_cur is not None and not (isinstance(f_cur, str) and is_currency(f_cur)):
        errors.append(_err("RPRO-00009", "F_CUR"))
    if curr_ok and isinstance(curr, str):
        for column in ("EXT_LST_PRC", "EXT_SLL_PRC"):
            amount = _decimal(get, column)
            if amount is not None and not fits_precision(amount, curr):
                errors.append(_err("RPRO-00009", column))
    # F Ex Rate converts transaction → functional currency, G Ex Rate functional → reporting (domain §5).
    f_rate, g_rate = _decimal(get, "F_EX_RATE"), _decimal(get, "G_EX_RATE")
    if f_rate is not None and f_rate <= _ZERO:
        errors.append(_err("RPRO-00067", "F_EX_RATE"))
    elif curr is not None and f_cur is not None:
        if curr == f_cur:
            if f_rate is not None and f_rate != _ONE:
                errors.append(_err("RPRO-00011", "F_EX_RATE"))
        elif f_rate is None:
            errors.append(_err("RPRO-00076", "F_EX_RATE"))
    if g_rate is not None and g_rate <= _ZERO:
        errors.append(_err("RPRO-00067", "G_EX_RATE"))
    elif f_cur is not None:
        if f_cur == reporting_currency:
            if g_rate is not None and g_rate != _ONE:
                errors.append(_err("RPRO-00012", "G_EX_RATE"))
        elif g_rate is None:
            errors.append(_err("RPRO-00076", "G_EX_RATE"))


def _check_dates_and_flags(get: _Get, tran_type: str, errors: list[LineError]) -> None:
    start, end, rule = get("START_DATE"), get("END_DATE"), get("CREDIT_RULE")
    credit = tran_type in CREDIT_TYPES
    fixed_rule = credit and rule == "F"  # credit rule F consumes over the CM's own dates: both needed
    if not isinstance(start, date):
        errors.append(_err("RPRO-00014" if fixed_rule else "RPRO-00018", "START_DATE"))
    elif start < EARLIEST_DATE:
        errors.append(_err("RPRO-00015", "START_DATE"))
    if not isinstance(end, date):
        if fixed_rule:
            errors.append(_err("RPRO-00063", "END_DATE"))
    elif end < EARLIEST_DATE:
        errors.append(_err("RPRO-00016", "END_DATE"))
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors.append(_err("RPRO-00013", "END_DATE"))
    if rule is not None:
        if rule not in CREDIT_RULES:
            errors.append(_err("RPRO-00046", "CREDIT_RULE"))
        elif credit and get("ORIG_INV_LINE_ID") is None:
            errors.append(_err("RPRO-00047", "CREDIT_RULE"))
    for column, code in _FLAGS:
        flag = get(column)
        if flag is not None and flag not in YES_NO:
            errors.append(_err(code, column))


_FLAGS: Final = (
    ("CV_ELIGIBLE_FLAG", "RPRO-00002"),
    ("UNBILL_FLAG", "RPRO-00049"),
    ("FV_ELIGIBLE_FLAG", "RPRO-00052"),
)


def _check_quantities_and_signs(
    get: _Get, tran_type: str, context: LineContext, errors: list[LineError]
) -> None:
    if tran_type == "SO" or tran_type == "RORD":
        quantity = _decimal(get, "ORD_QTY")
        if quantity is not None and quantity <= _ZERO:
            errors.append(_err("RPRO-00072", "ORD_QTY"))
    if tran_type == "RORD":  # a reduction order carries negative prices and a positive quantity
        sell, lst = _decimal(get, "EXT_SLL_PRC"), _decimal(get, "EXT_LST_PRC")
        if sell is not None and sell > _ZERO:
            errors.append(_err("RPRO-00058", "EXT_SLL_PRC"))
        if lst is not None and lst > _ZERO:
            errors.append(_err("RREV-00005", "EXT_LST_PRC"))
        for column in ("RETURN_FLAG", "CANCEL_FLAG"):
            if get(column) not in (None, "N"):
                errors.append(_err("RREV-00006", column))
    elif tran_type == "INV":
        so_line_id, sell = get("SO_LINE_ID"), _decimal(get, "EXT_SLL_PRC")
        so_sign = context.so_signs.get(so_line_id) if isinstance(so_line_id, str) else None
        if so_sign and sell is not None and sell != _ZERO and (sell > _ZERO) != (so_sign > 0):
            errors.append(_err("RPRO-00078", "EXT_SLL_PRC"))
    for column, code in (("TERM", "RPRO-00050"), ("DURATION", "RPRO-00068")):
        value = _decimal(get, column)
        if value is not None and value <= _ZERO:
            errors.append(_err(code, column))


def _check_segments(get: _Get, context: LineContext, errors: list[LineError]) -> None:
    delimiter, count = context.segment_delimiter, context.segment_count
    if delimiter is None or count is None:
        return
    for column, code in (("DEF_SEGMENTS", "RPRO-00020"), ("REV_SEGMENTS", "RPRO-00022")):
        value = get(column)
        if isinstance(value, str):
            parts = value.split(delimiter)
            if len(parts) != count or not all(part.strip() for part in parts):
                errors.append(_err(code, column))


def _check_links(
    get: _Get, tran_type: str, spec: _TypeSpec, context: LineContext, errors: list[LineError]
) -> None:
    line_id = get(spec.key_column)
    if isinstance(line_id, str):
        key = (spec.key_group, line_id)
        if key in context.seen_line_ids:
            errors.append(LineError("RREV-00001", message("RREV-00001", line_id=line_id), spec.key_column))
        else:
            context.seen_line_ids.add(key)
    if context.require_customer_number and get("CUST_NUM") is None:
        errors.append(_err("RPRO-00051", "CUST_NUM"))
    # A billing line names its SO line (SO-based credits through ORIG_SO_LINE_ID); a blank reference makes
    # it standalone.  A RORD must reduce a known SO line.
    if tran_type in BILLING_TYPES:
        column = "SO_LINE_ID" if get("SO_LINE_ID") is not None else "ORIG_SO_LINE_ID"
    elif tran_type == "RORD":
        column = "ORIG_SO_LINE_ID"
    else:
        return
    reference = get(column)
    if isinstance(reference, str) and reference not in context.known_so_line_ids:
        errors.append(_err("RPRO-00600", column))
