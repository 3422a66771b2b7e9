"""The fast path of pre-stage never changes an outcome: the row screen accepts only what the per-cell
reference accepts, with the same values; numbers become the integers SQLite stores exactly."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revrec.inbound.bulk import scaled_numbers, storage_limits
from revrec.inbound.cells import format_date
from revrec.inbound.prestage import InjectionPolicy, PrestageChecker
from revrec.inbound.templates_std import DATE_FORMATS, FieldMapping, UploadTemplateDef

FIELDS = (
    FieldMapping(1, "Type", "TYPE", "Character", True),
    FieldMapping(2, "Cstmr Nm", "CSTMR_NM"),
    FieldMapping(3, "Ext Sll Prc", "EXT_SLL_PRC", "Number"),
    FieldMapping(4, "Doc Date", "SO_DATE", "Date"),
    FieldMapping(5, "F Ex Rate", "F_EX_RATE", "Number"),
)


def short_text(col_name: str) -> int | None:
    """Text columns hold 4 characters here, so that generated cells cross the limit."""
    return 4 if storage_limits(col_name) is None else None


def template(date_format: str = "DD-MON-YYYY") -> UploadTemplateDef:
    return UploadTemplateDef(name="Screen", kind="transaction", fields=FIELDS, date_format=date_format)


def body(cells: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[f.label for f in FIELDS], cells])
    return out.getvalue()


def reference(checker: PrestageChecker, cells: list[str]) -> tuple[object, list[tuple[str | None, str]]]:
    """The per-cell check alone (no screen): values and (column, code) of the errors."""
    values, errors = checker.check_row(2, cells)
    return values, [(e.column, e.code) for e in errors]


def screened(
    tmpl: UploadTemplateDef, policy: InjectionPolicy, cells: list[str]
) -> tuple[object, list[object]]:
    checker = PrestageChecker(
        tmpl, injection_policy=policy, number_limits=storage_limits, text_limits=short_text
    )
    rows = list(checker.rows(body(cells)))
    errors = [(e.column, e.code) for e in checker.result().errors]
    return (rows[0].values if rows else None), errors


def header_checked(tmpl: UploadTemplateDef, policy: InjectionPolicy) -> PrestageChecker:
    checker = PrestageChecker(
        tmpl, injection_policy=policy, number_limits=storage_limits, text_limits=short_text
    )
    checker.header([f.label for f in FIELDS])
    return checker


texts = st.text(alphabet=st.sampled_from("ab Z9.,-=+@\t\n\u00a0\x1c\x00é"), max_size=6)
numbers = st.one_of(
    st.from_regex(r"-?[0-9]{0,14}(\.[0-9]{0,11})?", fullmatch=True),
    st.sampled_from(["", " 1", "1 ", "+1", "-", ".", "-.5", "5.", "1e3", "1,000", "00001.50", "1.0000000"]),
)
dates = st.one_of(
    st.dates().map(lambda d: format_date(d, "DD-MON-YYYY")),
    st.sampled_from(["", "31-FEB-2025", " 01-JAN-2025", "1-jan-2025", "2025-01-01", "=1"]),
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["BLOCK", "SANITIZE", "RAW"]),
    st.tuples(texts, texts, numbers, dates, numbers),
)
def test_screened_rows_give_the_reference_outcome(policy: InjectionPolicy, row: tuple[str, ...]) -> None:
    cells = list(row)
    expected_values, expected_errors = reference(header_checked(template(), policy), list(cells))
    values, errors = screened(template(), policy, cells)
    assert errors == expected_errors
    assert values == expected_values


@pytest.mark.parametrize("date_format", DATE_FORMATS)
def test_plain_rows_take_the_fast_path(date_format: str) -> None:
    from datetime import date

    day = format_date(date(2025, 1, 15), date_format)
    cells = ["SO", "Acme", "-1200.25", day, "1.0876543210"]
    checker = header_checked(template(date_format), "BLOCK")
    assert checker._screen(",".join(cells)) is not None  # noqa: SLF001 - the fast path is really taken
    values, errors = screened(template(date_format), "BLOCK", cells)
    assert errors == [] and values == {
        "TYPE": "SO", "CSTMR_NM": "Acme", "EXT_SLL_PRC": Decimal("-1200.25"), "SO_DATE": date(2025, 1, 15),
        "F_EX_RATE": Decimal("1.0876543210"),
    }  # fmt: skip


@pytest.mark.parametrize(
    "cells",
    [
        ["SO", " Acme", "1", "", ""],  # to be stripped
        ["SO", "Acme\n", "1", "", ""],
        ["SO", "-5", "1", "", ""],  # not a formula, but the screen leaves it to the reference
        ["SO", "=1+2", "1", "", ""],
        ["SO", "A", "1234567890123", "", ""],  # too large to store
        ["SO", "A", "1.0000001", "", ""],  # too many decimals
        ["SO", "A", "00001.5000000", "", ""],  # storable, but not in the screen's form
        ["SO", "A,B", "1", "", ""],  # the separator inside a (quoted) cell
        ["SO", "A", "1"],  # another field count
        ["SO", "Acmes", "1", "", ""],  # longer than its column (4 characters here)
        ["SO", "A\x00", "1", "", ""],  # a control character
        ["SO", "A\x85B", "1", "", ""],  # a C1 control character
    ],
)
def test_the_screen_refuses_what_needs_the_reference(cells: list[str]) -> None:
    checker = header_checked(template(), "BLOCK")
    assert checker._screen(",".join(cells)) is None  # noqa: SLF001


@given(st.from_regex(r"-?([0-9]{1,12}(\.[0-9]{0,6})?|\.[0-9]{1,6})", fullmatch=True))
def test_scaled_numbers_are_exactly_the_stored_integers(text: str) -> None:
    numbers = scaled_numbers(6)
    assert numbers[text] == int(Decimal(text).scaleb(6))
    assert numbers[Decimal(text)] == int(Decimal(text).scaleb(6))


def test_scaled_numbers_keep_blanks_and_rates_use_ten_decimals() -> None:
    assert scaled_numbers(6)[""] == ""
    assert scaled_numbers(10)["-.5"] == -5_000_000_000
    assert scaled_numbers(10)[Decimal("1.0000000000000")] == 10_000_000_000


def csv_records(text: str, sep: str) -> list[tuple[int, object]]:
    """What ``csv.reader`` alone reads: non-blank records (or a CSV error) with their first line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    out: list[tuple[int, object]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return out
        except csv.Error:
            out.append((start, "RREV-03010"))
            continue
        if cells and (len(cells) > 1 or cells[0].strip()):
            out.append((start, cells))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab ,|"\n\r\t'), max_size=40), st.sampled_from([",", "|"]))
def test_records_are_what_csv_reader_reads(text: str, sep: str) -> None:
    checker = PrestageChecker(
        UploadTemplateDef(name="R", kind="transaction", fields=FIELDS, field_separator=sep)
    )
    records = checker._records(iter(io.StringIO(text, newline="")))  # noqa: SLF001
    found: list[tuple[int, object]] = [(row, cells) for row, cells, _ in records]
    found += [(e.row, e.code) for e in checker.result().errors]
    assert sorted(found, key=lambda r: r[0]) == csv_records(text, sep)
