"""Parsing one upload cell: numbers, dates and the CSV-injection rule.

Invariants:

* a Number is exact (``Decimal`` built from the cell text, never a float) and written plainly:
  ``[-]digits[.digits]`` or ``[-].digits`` with ASCII digits, at most :data:`MAX_DIGITS` digits.  Rejected:
  a blank after the minus sign (``- 12``), a leading ``+``, thousands separators (``1,000``), exponents
  (``1e3``), ``NaN``/``Infinity``, underscores (which ``Decimal`` itself would accept);
* a Date is a ``datetime.date`` read in one of the template date formats; month abbreviations of
  ``DD-MON-YYYY`` are English and case-insensitive; day and month may have one or two digits, the year four;
* a cell is a *formula* (CSV injection) when it starts with ``=``, ``+`` or ``@``, or with ``-`` followed
  by something that is not a plain unsigned number once blanks are skipped.  So ``-12.50`` and ``-`` are
  not formulas, ``-1+2``, ``-SUM(A1)`` and ``--5`` are; ``- 12`` is not a formula but is not a valid
  Number either (Zuora: no blank around the minus sign);
* a text cell (and a file name) holds no control character (:data:`CONTROL_CHARACTERS`): PostgreSQL cannot
  store NUL at all, and the others are never meant in revenue data. Tab, line feed and carriage return are
  text (a quoted cell may span lines).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Final

#: Largest count of digits in a Number cell (Oracle NUMBER precision; staging columns are exact).
MAX_DIGITS: Final = 38
#: First characters that make a cell a formula (``-`` only when a formula follows, see module doc).
FORMULA_START: Final = frozenset("=+@-")
#: What SANITIZE strips from the start of a formula cell: the whole leading run of these characters.
SANITIZE_STRIP: Final = "=+@- \t"

_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}

#: The control characters refused in text: C0 but tab, line feed and carriage return; DEL; C1.
CONTROL_CHARACTERS: Final = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_CONTROL: Final = re.compile(f"[{CONTROL_CHARACTERS}]")

NOT_A_NUMBER: Final = "nan"
TOO_MANY_DIGITS: Final = "long"


def is_plain_unsigned(text: str) -> bool:
    """True for ``digits``, ``digits.digits``, ``digits.`` or ``.digits`` in ASCII."""
    if not text.isascii():
        return False
    if text.isdigit():
        return True
    whole, dot, frac = text.partition(".")
    if not dot or not (whole or frac):
        return False
    return (not whole or whole.isdigit()) and (not frac or frac.isdigit())


def parse_number(text: str) -> Decimal | str:
    """The exact value of a stripped, non-empty Number cell, else NOT_A_NUMBER or TOO_MANY_DIGITS."""
    body = text[1:] if text[0] == "-" else text
    if not is_plain_unsigned(body):
        return NOT_A_NUMBER
    if len(body) > MAX_DIGITS and len(body.replace(".", "")) > MAX_DIGITS:
        return TOO_MANY_DIGITS
    return Decimal(text)


def storable(number: Decimal, digits: int, places: int) -> bool:
    """True when ``number`` has at most ``places`` significant decimals and is below ``10**digits``."""
    scaled = number.scaleb(places)
    bound = 10**digits
    return int(scaled) == scaled and -bound < number < bound


def control_character(text: str) -> str | None:
    """The first control character of ``text`` written as ``U+XXXX``, or None when it has none."""
    found = _CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def is_formula(text: str) -> bool:
    """True when a stripped, non-empty cell would be evaluated as a formula by a spreadsheet."""
    first = text[0]
    if first != "-":
        return first in FORMULA_START
    rest = text[1:].lstrip()
    return bool(rest) and not is_plain_unsigned(rest)


def sanitize(text: str) -> str:
    """The cell with its leading formula characters removed (policy SANITIZE)."""
    return text.lstrip(SANITIZE_STRIP)


def _small(text: str) -> int | None:
    return int(text) if 1 <= len(text) <= 2 and text.isascii() and text.isdigit() else None


def _year(text: str) -> int | None:
    return int(text) if len(text) == 4 and text.isascii() and text.isdigit() else None


def _make(y: int | None, m: int | None, d: int | None) -> date | None:
    if y is None or m is None or d is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _dd_mon_yyyy(text: str) -> date | None:
    parts = text.split("-")
    if len(parts) != 3:
        return None
    return _make(_year(parts[2]), _MONTHS.get(parts[1].upper()), _small(parts[0]))


def _yyyy_mm_dd(text: str) -> date | None:
    parts = text.split("-")
    if len(parts) != 3:
        return None
    return _make(_year(parts[0]), _small(parts[1]), _small(parts[2]))


def _mm_dd_yyyy(text: str) -> date | None:
    parts = text.split("/")
    if len(parts) != 3:
        return None
    return _make(_year(parts[2]), _small(parts[0]), _small(parts[1]))


def _dd_mm_yyyy(text: str) -> date | None:
    parts = text.split("/")
    if len(parts) != 3:
        return None
    return _make(_year(parts[2]), _small(parts[1]), _small(parts[0]))


_DATE_PARSERS: Final[dict[str, Callable[[str], date | None]]] = {
    "DD-MON-YYYY": _dd_mon_yyyy,
    "YYYY-MM-DD": _yyyy_mm_dd,
    "MM/DD/YYYY": _mm_dd_yyyy,
    "DD/MM/YYYY": _dd_mm_yyyy,
}


def date_parser(date_format: str) -> Callable[[str], date | None]:
    """The parser of a template date format (case-insensitive); it returns None for a bad date."""
    return _DATE_PARSERS[date_format.upper()]


def format_date(value: date, date_format: str) -> str:
    """``value`` written in ``date_format`` (the inverse of :func:`date_parser`, for tests and exports)."""
    fmt = date_format.upper()
    if fmt == "DD-MON-YYYY":
        month = next(k for k, v in _MONTHS.items() if v == value.month)
        return f"{value.day:02d}-{month}-{value.year:04d}"
    if fmt == "YYYY-MM-DD":
        return value.isoformat()
    if fmt == "MM/DD/YYYY":
        return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"
    if fmt == "DD/MM/YYYY":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    raise ValueError(f"unsupported date format {date_format!r}")
