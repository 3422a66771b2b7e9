"""The pure rules of manual journal entries (revrec.engine.manual_entries): balance checks and the
conversion to F and R, whose rounding never unbalances an entry. Figures derived by hand below."""

from __future__ import annotations

from decimal import Decimal as D

from revrec.engine.manual_entries import (
    BAD_RATE,
    BAD_SIDE,
    TOO_FEW_LINES,
    TOO_PRECISE,
    UNBALANCED,
    LineIn,
    Rates,
    check,
    convert,
    reversed_lines,
)

USD = Rates("USD", "USD", "USD", D(1), D(1))


def _codes(rates: Rates, lines: list[LineIn]) -> list[str]:
    return [p.code for p in check(rates, lines)]


def test_a_balanced_entry_has_no_problem() -> None:
    lines = [LineIn("L", "2400", D("10.00"), D(0)), LineIn("R", "4000", D(0), D("10.00"))]
    assert check(USD, lines) == []


def test_problems_name_the_line_and_code() -> None:
    assert _codes(USD, [LineIn("L", "2400", D("10"), D(0))]) == [TOO_FEW_LINES, UNBALANCED]
    both = [LineIn("L", "2400", D("1"), D("1")), LineIn("R", "4000", D(0), D(0))]
    found = check(USD, both)
    assert [(p.code, p.line) for p in found] == [(BAD_SIDE, 1), (BAD_SIDE, 2)]
    cents = [LineIn("L", "2400", D("1.005"), D(0)), LineIn("R", "4000", D(0), D("1.005"))]
    assert _codes(USD, cents) == [TOO_PRECISE, TOO_PRECISE]  # USD has 2 decimals
    assert _codes(Rates("EUR", "EUR", "USD", D("1.1"), D(1)), cents[:0] + [
        LineIn("L", "2400", D(1), D(0)), LineIn("R", "4000", D(0), D(1))
    ]) == [BAD_RATE]  # fmt: skip  # ex_rate must be 1 when F is the entry currency


def test_rounding_goes_to_the_largest_line_so_each_side_stays_whole() -> None:
    """Three debits of EUR 0.05 and one credit of 0.15 at 1.1 USD per EUR: each debit is 0.055 → 0.06
    (half up), 0.18 in all, but the side is 0.15 × 1.1 = 0.165 → 0.17, so the first of the equal largest
    debits takes the −0.01: 0.05 + 0.06 + 0.06 = 0.17 = the credit's 0.165 → 0.17. R = F × 1 here."""
    rates = Rates("EUR", "USD", "USD", D("1.1"), D(1))
    lines = [LineIn("L", "a", D("0.05"), D(0)), LineIn("L", "b", D("0.05"), D(0)),
             LineIn("L", "c", D("0.05"), D(0)), LineIn("R", "d", D(0), D("0.15"))]  # fmt: skip
    assert check(rates, lines) == []
    out = convert(rates, lines)
    assert [x.dr for x in out] == [(5, 5, 5), (5, 6, 6), (5, 6, 6), (0, 0, 0)]
    assert [x.cr for x in out] == [(0, 0, 0), (0, 0, 0), (0, 0, 0), (15, 17, 17)]
    back = reversed_lines(out)
    assert [x.cr for x in back] == [x.dr for x in out] and [x.dr for x in back] == [x.cr for x in out]
