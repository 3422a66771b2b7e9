"""The fast path of pre-stage: one compiled regular expression screens a whole row.

Checking 77 cells a line one by one in Python costs more than storing them, so pre-stage matches the
whole row (its line, or its cells joined with the field separator) against one pattern built from the
template's column plan (:func:`row_screen`).  Each cell position has a pattern that accepts only cells
whose per-cell check (:meth:`revrec.inbound.prestage.PrestageChecker.check_row`, the reference) certainly
passes with nothing to change but the cell's form:

* Character: already stripped, (unless the policy is RAW) not starting with a formula character, without
  a control character and no longer than the staging column holds;
* Number: ``[-]digits[.digits]`` in ASCII with no more integer digits and decimals than the staging column
  stores exactly (amounts 12 and 6, rates 8 and 10); its exact value is ``Decimal(text)``;
* Date: anything; the date itself is read through a memo, which answers :data:`MISS` for a cell
  that is not simply a valid date in the template's format (:func:`date_cache`).

A row the screen refuses (or with a date the cache misses) goes through the reference check, which names
every problem; so the screen never changes an outcome, it only skips work.  A separator inside a (quoted)
cell makes the row refused (the count of separators no longer matches the pattern).  Lines without quotes
are split with ``str.split`` rather than ``csv.reader`` (:func:`simple_record`, the same cells).  Property
tests check that the screen accepts only rows the reference accepts, with the same values, and that
simple lines split as ``csv.reader`` reads them (``tests/unit/inbound/test_inbound_screen.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Final

from revrec.inbound.cells import CONTROL_CHARACTERS

#: The answer of :func:`date_cache` for a cell the fast path cannot take.
MISS: Final = object()
#: Distinct keys a :class:`Memo` remembers before it starts afresh (bounds memory).
MEMO_SIZE: Final = 4096
#: Number limits without storage limits: at most 38 digits in all (cells.MAX_DIGITS).
PLAIN_NUMBER_LIMITS: Final = (30, 8)


def cell_pattern(
    kind: str | None, sep: str, *, raw: bool, limits: tuple[int, int] | None = None, length: int | None = None
) -> str:
    """The pattern of one position: kind ``Character``/``Number``/``Date``, or None for an unmapped one.

    ``limits`` are a Number's (integer digits, decimals), ``length`` the characters a Character cell may
    have (None: any). No pattern backtracks (possessive repeats, look-arounds): the engine's cost is per
    position.
    """
    other = f"[^{re.escape(sep)}]*+"
    if kind == "Character":  # empty, or a first character that is neither blank nor (unless RAW) a formula
        never = re.escape(sep) + CONTROL_CHARACTERS
        text = f"[^{never}]"
        first = f"[^\\s{never}]" if raw else f"[^\\s=+@{never}-]"
        rest = "*+" if length is None else f"{{0,{length - 1}}}+"
        return f"(?:{first}{text}{rest}(?<!\\s))?+"
    if kind == "Number":
        digits, decimals = limits or PLAIN_NUMBER_LIMITS
        return f"(?:-?+(?=\\.?[0-9])[0-9]{{0,{digits}}}+(?:\\.[0-9]{{0,{decimals}}}+)?+)?+"
    return other


def row_screen(patterns: Sequence[str], sep: str) -> Callable[[str], re.Match[str] | None]:
    """``fullmatch`` of a row whose cells were joined with ``sep``, one pattern per position."""
    return re.compile(re.escape(sep).join(patterns)).fullmatch


def simple_line(line: str) -> str | None:
    """A line without its end when it has no quote or carriage return inside, else None.

    ``csv.reader`` (quote ``"``, no escape character) reads such a line as exactly ``body.split(sep)``;
    any other line is left to it.
    """
    body = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line
    return None if '"' in body or "\r" in body else body


class Memo(dict[Any, Any]):
    """A bounded memo of one conversion (cell texts, numbers and dates repeat within an upload)."""

    def __init__(self, convert: Callable[[Any], Any], size: int = MEMO_SIZE) -> None:
        super().__init__()
        self.convert = convert
        self.size = size

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.convert(key)
        return value


def date_cache(parse: Callable[[str], date | None]) -> Memo:
    """Cell text → ISO date text (``''`` for a blank cell), or :data:`MISS` for anything else."""

    def iso(cell: str) -> object:
        day = parse(cell) if cell and cell == cell.strip() else None
        return day.isoformat() if day is not None else ("" if cell == "" else MISS)

    return Memo(iso)
