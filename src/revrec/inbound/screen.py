"""The fast path of pre-stage: one compiled regular expression screens a whole row.

Checking 77 cells a line one by one in Python costs more than storing them, so pre-stage first joins a
row's cells with :data:`SEP` and matches the result against one pattern built from the template's column
plan (:func:`row_screen`).  Each cell position has a pattern that accepts only cells whose per-cell check
(:meth:`revrec.inbound.prestage.PrestageChecker.check_row`, the reference) certainly passes with nothing to
change but the cell's form:

* Character: already stripped and (unless the policy is RAW) not starting with a formula character;
* Number: ``[-]digits[.digits]`` in ASCII with no more integer digits and decimals than the staging column
  stores exactly (amounts 12 and 6, rates 8 and 10); its exact value is ``Decimal(text)``;
* Date: anything; the date itself is read through a memo, which answers :data:`MISS` for a cell
  that is not simply a valid date in the template's format (:func:`date_cache`).

A row the screen refuses (or with a date the cache misses) goes through the reference check, which names
every problem; so the screen never changes an outcome, it only skips work.  ``SEP`` inside a cell makes the
row refused (the count of separators no longer matches the pattern).  Property tests check that the
screen accepts only rows the reference accepts, with the same values
(``tests/unit/inbound/test_inbound_screen.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Final

SEP: Final = "\x00"
#: The answer of :func:`date_cache` for a cell the fast path cannot take.
MISS: Final = object()
#: Distinct keys a :class:`Memo` remembers before it starts afresh (bounds memory).
MEMO_SIZE: Final = 4096
#: Number limits without storage limits: at most 38 digits in all (cells.MAX_DIGITS).
PLAIN_NUMBER_LIMITS: Final = (30, 8)

# Patterns without backtracking (possessive repeats, look-arounds): the engine's cost is per position.
_ANY: Final = f"[^{SEP}]*+"
_TEXT: Final = f"(?![\\s=+@-])[^{SEP}]*+(?<!\\s)"
_TEXT_RAW: Final = f"(?!\\s)[^{SEP}]*+(?<!\\s)"


def number_pattern(digits: int, decimals: int) -> str:
    """A plain number (or nothing) with at most ``digits`` integer digits and ``decimals`` decimals."""
    return f"(?:-?+(?=\\.?[0-9])[0-9]{{0,{digits}}}+(?:\\.[0-9]{{0,{decimals}}}+)?+)?+"


def cell_pattern(kind: str | None, *, raw: bool, limits: tuple[int, int] | None = None) -> str:
    """The pattern of one position: kind ``Character``/``Number``/``Date``, or None for an unmapped one."""
    if kind == "Character":
        return _TEXT_RAW if raw else _TEXT
    if kind == "Number":
        return number_pattern(*(limits or PLAIN_NUMBER_LIMITS))
    return _ANY


def row_screen(patterns: Sequence[str]) -> Callable[[str], re.Match[str] | None]:
    """``fullmatch`` of a row whose cells were joined with :data:`SEP`, one pattern per position."""
    return re.compile(SEP.join(patterns)).fullmatch


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
