"""Cell parsing: exact numbers, template date formats and the CSV-injection rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revrec.inbound.cells import (
    NOT_A_NUMBER,
    TOO_MANY_DIGITS,
    date_parser,
    format_date,
    is_formula,
    parse_number,
    sanitize,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", Decimal("12")),
        ("-12.50", Decimal("-12.50")),
        ("0.001", Decimal("0.001")),
        (".5", Decimal("0.5")),
        ("5.", Decimal("5")),
        ("-0", Decimal("0")),
        ("1" * 38, Decimal("1" * 38)),
        ("1" * 20 + "." + "1" * 18, Decimal("1" * 20 + "." + "1" * 18)),
    ],
)
def test_numbers_are_exact(text: str, expected: Decimal) -> None:
    value = parse_number(text)
    assert isinstance(value, Decimal)
    assert value == expected


@pytest.mark.parametrize(
    "text",
    [
        "1,000",
        "1e3",
        "1E3",
        "- 12",
        "+12",
        "--1",
        "1-",
        "1.2.3",
        ".",
        "-",
        "NaN",
        "Infinity",
        "1_000",
        "١٢",
        "12a",
        "0x10",
        "½",
    ],
)
def test_not_numbers(text: str) -> None:
    assert parse_number(text) == NOT_A_NUMBER


def test_too_many_digits() -> None:
    assert parse_number("1" * 39) == TOO_MANY_DIGITS
    assert parse_number("-" + "1" * 20 + "." + "1" * 19) == TOO_MANY_DIGITS


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("DD-MON-YYYY", "15-JAN-2025", date(2025, 1, 15)),
        ("DD-MON-YYYY", "15-jan-2025", date(2025, 1, 15)),
        ("DD-MON-YYYY", "5-Dec-1999", date(1999, 12, 5)),
        ("dd-mon-yyyy", "29-FEB-2024", date(2024, 2, 29)),
        ("YYYY-MM-DD", "2025-01-15", date(2025, 1, 15)),
        ("MM/DD/YYYY", "01/15/2025", date(2025, 1, 15)),
        ("DD/MM/YYYY", "15/01/2025", date(2025, 1, 15)),
    ],
)
def test_dates_in_each_format(fmt: str, text: str, expected: date) -> None:
    assert date_parser(fmt)(text) == expected
    assert date_parser(fmt)(format_date(expected, fmt)) == expected


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("DD-MON-YYYY", "2025-01-15"),
        ("DD-MON-YYYY", "15-JANUARY-2025"),
        ("DD-MON-YYYY", "29-FEB-2025"),
        ("DD-MON-YYYY", "15-JAN-25"),
        ("DD-MON-YYYY", "015-JAN-2025"),
        ("DD-MON-YYYY", "15-JAN-2025 00:00:00"),
        ("YYYY-MM-DD", "2025-13-01"),
        ("YYYY-MM-DD", "15-JAN-2025"),
        ("MM/DD/YYYY", "15/01/2025"),
        ("DD/MM/YYYY", "01/15/2025"),
        ("DD/MM/YYYY", "1/1/0000"),
        ("YYYY-MM-DD", "２０２５-01-01"),
    ],
)
def test_bad_dates(fmt: str, text: str) -> None:
    assert date_parser(fmt)(text) is None


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=SUM(A1:A2)", True),
        ("+1", True),
        ("@SUM(A1)", True),
        ("-1+2", True),
        ("-SUM(A1)", True),
        ("--5", True),
        ("-=1", True),
        ("-cmd|' /C calc'!A0", True),
        ("-12.50", False),
        ("-.5", False),
        ("- 12", False),
        ("-", False),
        ("Acme = best", False),
        ("a+b", False),
        ("12", False),
    ],
)
def test_formula_rule(text: str, formula: bool) -> None:
    assert is_formula(text) is formula


@pytest.mark.parametrize(("text", "clean"), [("=1+2", "1+2"), ("+-@x", "x"), ("@", ""), ("- =cmd", "cmd")])
def test_sanitize_strips_the_leading_formula_characters(text: str, clean: str) -> None:
    assert sanitize(text) == clean
