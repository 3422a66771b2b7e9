"""Manual journal entries, pure: check one keyed entry and convert its lines to minor units of T, F and R.

An entry is a set of lines, each a debit or a credit (never both, never negative) of one account type and
account string, in the entry's transaction currency (T). Debits must equal credits in T. Functional (F)
and reporting (R) amounts are ``T × ex_rate`` and ``T × ex_rate × g_ex_rate``, rounded once per line to
the currency's minor unit; so that rounding never unbalances an entry, each side (debits, credits) is
converted as a whole and its largest line (the first of equals) absorbs the difference between that whole
and the sum of its rounded lines. Both sides have the same T total, hence the same F and R totals.

Problems are returned as :class:`Problem` (code ``RREV-04nnn``, the line, the field, what to fix) rather
than raised, so an upload can report every row of every entry at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .money import fits_currency, is_currency, to_minor

#: the account types a manual line may use (those of the system entries, BI3_ACCT_TYPE)
ACCOUNT_TYPES = ("R", "L", "X", "Y", "A", "U", "C")

UNBALANCED = "RREV-04001"
BAD_SIDE = "RREV-04002"
BAD_ACCOUNT_TYPE = "RREV-04003"
NO_ACCOUNT = "RREV-04004"
TOO_PRECISE = "RREV-04005"
BAD_CURRENCY = "RREV-04006"
BAD_RATE = "RREV-04007"
TOO_FEW_LINES = "RREV-04008"
NOT_OPEN_PERIOD = "RREV-04009"
UNKNOWN_CONTRACT = "RREV-04010"
DUPLICATE_NUMBER = "RREV-04011"
MIXED_HEADER = "RREV-04012"
BAD_VALUE = "RREV-04013"


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    line: int | None  # 1-based line of the entry (None: the entry as a whole)
    field: str
    message: str

    def sentence(self) -> str:
        where = f"line {self.line} " if self.line is not None else ""
        return f"{self.code}: {where}{self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class LineIn:
    acctg_type: str
    acctg_seg: str
    debit: Decimal
    credit: Decimal
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Rates:
    curr: str
    f_cur: str
    r_cur: str
    ex_rate: Decimal  # T → F
    g_ex_rate: Decimal  # F → R


@dataclass(frozen=True, slots=True)
class LineOut:
    """A checked line: debit and credit in minor units of T, F and R."""

    acctg_type: str
    acctg_seg: str
    description: str | None
    dr: tuple[int, int, int]
    cr: tuple[int, int, int]


def check(rates: Rates, lines: Sequence[LineIn]) -> list[Problem]:
    """Every problem of the entry (empty when it may be stored)."""
    found: list[Problem] = []
    for name, code in (("currency", rates.curr), ("f_cur", rates.f_cur), ("r_cur", rates.r_cur)):
        if not is_currency(code):
            found.append(Problem(BAD_CURRENCY, None, name, f"{code!r} is not an ISO 4217 currency code"))
    for name, rate in (("ex_rate", rates.ex_rate), ("g_ex_rate", rates.g_ex_rate)):
        if rate <= 0:
            found.append(Problem(BAD_RATE, None, name, f"must be positive, not {rate}"))
    if rates.f_cur == rates.curr and rates.ex_rate != 1:
        found.append(Problem(BAD_RATE, None, "ex_rate", "must be 1 when f_cur is the entry currency"))
    if rates.r_cur == rates.f_cur and rates.g_ex_rate != 1:
        found.append(Problem(BAD_RATE, None, "g_ex_rate", "must be 1 when r_cur is f_cur"))
    if len(lines) < 2:
        found.append(
            Problem(TOO_FEW_LINES, None, "lines", f"an entry needs 2 lines at least, not {len(lines)}")
        )
    money_ok = not any(p.code == BAD_CURRENCY and p.field == "currency" for p in found)
    for number, line in enumerate(lines, start=1):
        if line.acctg_type not in ACCOUNT_TYPES:
            found.append(
                Problem(
                    BAD_ACCOUNT_TYPE,
                    number,
                    "acctg_type",
                    f"{line.acctg_type!r} is not one of {', '.join(ACCOUNT_TYPES)}",
                )
            )
        if not line.acctg_seg.strip():
            found.append(Problem(NO_ACCOUNT, number, "acctg_seg", "an account string is required"))
        if line.debit < 0 or line.credit < 0 or (line.debit == 0) == (line.credit == 0):
            found.append(
                Problem(
                    BAD_SIDE,
                    number,
                    "debit/credit",
                    f"give a positive debit or a positive credit, not {line.debit} and {line.credit}",
                )
            )
        elif money_ok and not fits_currency(line.debit + line.credit, rates.curr):
            found.append(
                Problem(
                    TOO_PRECISE,
                    number,
                    "debit/credit",
                    f"{line.debit + line.credit} has more decimals than {rates.curr} allows",
                )
            )
    debits = sum((line.debit for line in lines), Decimal(0))
    credits = sum((line.credit for line in lines), Decimal(0))
    if debits != credits:
        found.append(
            Problem(
                UNBALANCED,
                None,
                "lines",
                f"debits {debits} != credits {credits} ({rates.curr}): an entry must balance",
            )
        )
    return found


def _side(amounts: Sequence[Decimal], rate: Decimal, currency: str) -> list[int]:
    """``amounts`` × ``rate`` in minor units of ``currency``, summing exactly to the converted whole."""
    rounded = [to_minor(a * rate, currency) if a else 0 for a in amounts]
    whole = to_minor(sum(amounts, Decimal(0)) * rate, currency)
    if any(amounts):
        largest = max(range(len(amounts)), key=lambda i: (amounts[i], -i))
        rounded[largest] += whole - sum(rounded)
    return rounded


def convert(rates: Rates, lines: Sequence[LineIn]) -> list[LineOut]:
    """The lines of a checked entry (:func:`check` found nothing) in minor units of T, F and R."""
    sides = {}
    for side in ("debit", "credit"):
        amounts = [getattr(line, side) for line in lines]
        sides[side] = (
            _side(amounts, Decimal(1), rates.curr),
            _side(amounts, rates.ex_rate, rates.f_cur),
            _side(amounts, rates.ex_rate * rates.g_ex_rate, rates.r_cur),
        )
    dr, cr = sides["debit"], sides["credit"]
    return [
        LineOut(
            line.acctg_type,
            line.acctg_seg.strip(),
            line.description,
            (dr[0][i], dr[1][i], dr[2][i]),
            (cr[0][i], cr[1][i], cr[2][i]),
        )
        for i, line in enumerate(lines)
    ]


def reversed_lines(lines: Sequence[LineOut]) -> list[LineOut]:
    """The lines of the entry that reverses ``lines``: every debit a credit and every credit a debit."""
    return [LineOut(x.acctg_type, x.acctg_seg, x.description, x.cr, x.dr) for x in lines]
