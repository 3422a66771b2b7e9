"""Pre-stage: the streamed, all-or-nothing check of an upload against its template."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from revrec.inbound.codes import MESSAGES
from revrec.inbound.prestage import InjectionPolicy, PrestageChecker, check_upload
from revrec.inbound.problems import RowError
from revrec.inbound.reading import InvalidUtf8, LineTooLong, decode_lines
from revrec.inbound.templates_std import STANDARD_TRANSACTION, FieldMapping, UploadTemplateDef

MINI = UploadTemplateDef(
    name="Mini",
    kind="transaction",
    fields=(
        FieldMapping(1, "Type", "TYPE", "Character", True),
        FieldMapping(2, "Doc Line Id", "SO_LINE_ID"),
        FieldMapping(3, "Ext Sll Prc", "EXT_SLL_PRC", "Number"),
        FieldMapping(4, "Doc Date", "SO_DATE", "Date"),
        FieldMapping(5, "Cstmr Nm", "CSTMR_NM"),
    ),
)
HEADER = ["Type", "Doc Line Id", "Ext Sll Prc", "Doc Date", "Cstmr Nm"]


def text(*rows: list[str], sep: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def good(n: int = 1) -> list[str]:
    return ["SO", f"L{n}", "100.50", "15-JAN-2025", "Acme"]


def check(
    body: str, template: UploadTemplateDef = MINI, policy: InjectionPolicy = "BLOCK", **kw: int
) -> list[RowError]:
    result = check_upload(body, template, injection_policy=policy, **kw)
    assert result.ok == (not result.errors)
    return list(result.errors)


def test_valid_upload_yields_converted_rows() -> None:
    checker = PrestageChecker(MINI)
    rows = list(checker.rows(text(HEADER, good(1), ["INV", " L2 ", "-3", "1-feb-2025", ""])))
    assert [r.row for r in rows] == [2, 3]
    assert rows[0].values == {
        "TYPE": "SO",
        "SO_LINE_ID": "L1",
        "EXT_SLL_PRC": Decimal("100.50"),
        "SO_DATE": date(2025, 1, 15),
        "CSTMR_NM": "Acme",
    }
    assert rows[1].values["SO_LINE_ID"] == "L2" and rows[1].values["CSTMR_NM"] is None
    assert checker.result().ok and checker.result().data_lines == 2


def test_header_only_upload_is_refused() -> None:
    # The Create upload curl sample sends only the 77-column header (api-contract §2.13): nothing to stage.
    result = check_upload(",".join(f.label for f in STANDARD_TRANSACTION.fields) + "\n", STANDARD_TRANSACTION)
    assert not result.ok and result.data_lines == 0
    assert [(e.row, e.code) for e in result.errors] == [(1, "RREV-03016")]
    assert "no data lines" in result.errors[0].message


def test_header_may_be_a_subset_in_any_order_and_any_case() -> None:
    checker = PrestageChecker(MINI)
    rows = list(checker.rows(text(["ext sll prc", " TYPE "], ["7", "SO"])))
    assert rows[0].values == {"EXT_SLL_PRC": Decimal("7"), "TYPE": "SO"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ["Type", "Colour"],
            [
                RowError(
                    1, "Colour", "Colour", "RREV-03003", 'Column label "Colour" is not in template "Mini"'
                )
            ],
        ),
        (
            ["Doc Line Id"],
            [
                RowError(
                    1,
                    "Type",
                    None,
                    "RREV-03004",
                    'Required column "Type" of template "Mini" is missing from the header',
                )
            ],
        ),
        (
            ["Type", "Doc Line Id", "doc line id"],
            [
                RowError(
                    1,
                    "doc line id",
                    "doc line id",
                    "RREV-03005",
                    'Column label "doc line id" appears more than once in the header',
                )
            ],
        ),
    ],
)
def test_header_errors(header: list[str], expected: list[RowError]) -> None:
    assert check(text(header)) == expected


def test_no_header_is_a_file_error() -> None:
    assert check("") == [RowError(1, None, None, "RREV-03002", MESSAGES["RREV-03002"])]
    assert check("\n\n") == [RowError(1, None, None, "RREV-03002", MESSAGES["RREV-03002"])]


def test_every_bad_row_and_cell_is_reported_with_row_column_value() -> None:
    body = text(
        HEADER,
        good(1),
        ["SO", "L2", "1,000", "15-JAN-2025", "Acme"],
        ["SO", "L3", "12", "2025-01-15", '=HYPERLINK("x")'],
        ["SO", "L4"],
        good(5),
        ["SO", "L6", "- 12", "31-FEB-2025", "Acme"],
    )
    errors = check(body)
    assert [(e.row, e.column, e.value, e.code) for e in errors] == [
        (3, "Ext Sll Prc", "1,000", "RREV-03007"),
        (4, "Doc Date", "2025-01-15", "RREV-03008"),
        (4, "Cstmr Nm", '=HYPERLINK("x")', "RPRO-00603"),
        (5, None, None, "RREV-03006"),
        (7, "Ext Sll Prc", "- 12", "RREV-03007"),
        (7, "Doc Date", "31-FEB-2025", "RREV-03008"),
    ]
    assert errors[1].message == "The value is not a valid date in the template's date format DD-MON-YYYY"
    assert errors[2].message == "The upload file is not processed due to special characters “=”, “+”, “@”"
    assert errors[3].message == "The row has 2 fields but the header has 5"


def test_rows_stop_being_yielded_after_the_first_error_but_checking_goes_on() -> None:
    checker = PrestageChecker(MINI)
    body = text(
        HEADER, good(1), ["SO", "L2", "x", "15-JAN-2025", "A"], good(3), ["SO", "L4", "y", "15-JAN-2025", "A"]
    )
    assert [r.row for r in checker.rows(body)] == [2]
    assert [e.row for e in checker.result().errors] == [3, 5]


@pytest.mark.parametrize(
    ("policy", "cell", "expected"),
    [
        ("SANITIZE", "=1+2", "1+2"),
        ("SANITIZE", "@@cmd", "cmd"),
        ("SANITIZE", "+", None),
        ("SANITIZE", "-12.5", "-12.5"),
        ("RAW", "=1+2", "=1+2"),
        ("BLOCK", "-12.5", "-12.5"),
        ("BLOCK", "a=b", "a=b"),
    ],
)
def test_injection_policies_on_character_cells(
    policy: InjectionPolicy, cell: str, expected: str | None
) -> None:
    checker = PrestageChecker(MINI, injection_policy=policy)
    rows = list(checker.rows(text(["Type", "Cstmr Nm"], ["SO", cell])))
    assert checker.result().ok
    assert rows[0].values["CSTMR_NM"] == expected


@pytest.mark.parametrize(
    ("policy", "cell", "value", "code"),
    [
        ("BLOCK", "+12", None, "RPRO-00603"),
        ("BLOCK", "-1+2", None, "RPRO-00603"),
        ("SANITIZE", "+12", Decimal("12"), None),
        ("SANITIZE", "=1+2", None, "RREV-03007"),
        ("RAW", "+12", None, "RREV-03007"),
        ("BLOCK", "-12", Decimal("-12"), None),
    ],
)
def test_injection_policies_on_number_cells(
    policy: InjectionPolicy, cell: str, value: object, code: str | None
) -> None:
    checker = PrestageChecker(MINI, injection_policy=policy)
    rows = list(checker.rows(text(["Type", "Ext Sll Prc"], ["SO", cell])))
    assert [e.code for e in checker.result().errors] == ([code] if code else [])
    if code is None:
        assert rows[0].values["EXT_SLL_PRC"] == value


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="injection policy"):
        PrestageChecker(MINI, injection_policy="ALLOW")  # type: ignore[arg-type]


def test_too_many_data_lines_is_one_file_error_and_reading_stops() -> None:
    consumed: list[int] = []

    def lines() -> Iterator[str]:
        yield text(HEADER)
        for i in range(1, 100):
            consumed.append(i)
            yield text(good(i))

    result = check_upload(lines(), MINI, max_data_lines=3)
    assert result.errors == (
        RowError(
            5,
            None,
            None,
            "RREV-03009",
            "The upload has more than 3 data lines; split it into files of at most 3 lines",
        ),
    )
    assert result.data_lines == 3 and len(consumed) == 4


def test_blank_lines_are_ignored_and_rows_keep_their_file_line_numbers() -> None:
    body = text(HEADER) + "\n" + text(good(1)) + "\n   \n" + text(["SO", "L9", "x", "", ""]) + "\n\n"
    assert [(e.row, e.code) for e in check(body)] == [(6, "RREV-03007")]


def test_quoted_cells_with_separators_and_newlines() -> None:
    checker = PrestageChecker(MINI)
    body = text(HEADER, ["SO", "L1", "1", "15-JAN-2025", "Acme, Inc.\nEMEA"], ["SO", "L2", "x", "", ""])
    rows = list(checker.rows(body))
    assert rows[0].values["CSTMR_NM"] == "Acme, Inc.\nEMEA"
    assert [(e.row, e.code) for e in checker.result().errors] == [(4, "RREV-03007")]


def test_malformed_csv_is_reported_and_checking_continues() -> None:
    body = text(HEADER) + 'SO,"L1"x,1,15-JAN-2025,A\n' + text(["SO", "L2", "x", "", ""])
    errors = check(body)
    assert [(e.row, e.code) for e in errors] == [(2, "RREV-03010"), (3, "RREV-03007")]
    assert errors[0].message.startswith("The row is not valid CSV: ")


def test_template_separator_date_format_and_start_row() -> None:
    template = UploadTemplateDef(
        name="Pipes",
        kind="transaction",
        date_format="MM/DD/YYYY",
        field_separator="|",
        start_row=3,
        fields=MINI.fields,
    )
    body = "exported by ERP\n" + text(HEADER, ["SO", "L1", "1,5", "01/31/2025", "A, B"], sep="|")
    checker = PrestageChecker(template)
    rows = list(checker.rows(body))
    assert [(e.row, e.column) for e in checker.result().errors] == [(3, "Ext Sll Prc")]
    assert rows == []
    ok = list(
        PrestageChecker(template).rows(
            "preamble\n" + text(HEADER, good(1)[:3] + ["01/31/2025", "A"], sep="|")
        )
    )
    assert ok[0].row == 3 and ok[0].values["SO_DATE"] == date(2025, 1, 31)


def test_start_row_one_means_no_header_and_template_order() -> None:
    template = UploadTemplateDef(
        name="NoHeader", kind="transaction", start_row=1, fields=tuple(reversed(MINI.fields))
    )
    rows = list(PrestageChecker(template).rows(text(good(1))))
    assert rows[0].row == 1 and rows[0].values["EXT_SLL_PRC"] == Decimal("100.50")


def test_error_list_is_capped_but_counted() -> None:
    body = text(HEADER, *[["SO", f"L{i}", "x", "y", "A"] for i in range(10)])
    result = check_upload(body, MINI, max_errors=5)
    assert len(result.errors) == 5 and result.error_count == 20 and not result.ok


# --- UTF-8 -------------------------------------------------------------------------------------------


def test_decode_lines_strips_bom_and_handles_chunk_boundaries() -> None:
    data = "\ufeffType,Cstmr Nm\nSO,Zoë Müller\r\nSO,日本\n".encode()
    for size in (1, 2, 3, 5, len(data)):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert list(decode_lines(chunks)) == ["Type,Cstmr Nm\n", "SO,Zoë Müller\r\n", "SO,日本\n"]
    assert list(decode_lines([b"a\nb"])) == ["a\n", "b"]


def test_invalid_utf8_names_its_row() -> None:
    data = [b"Type,Cstmr Nm\nSO,ok\nSO,caf", b"\xe9\nSO,later\n"]
    with pytest.raises(InvalidUtf8) as caught:
        list(decode_lines(data))
    assert caught.value.error == RowError(
        3, None, "b'\\xe9'", "RREV-03001", "The upload file is not valid UTF-8 text"
    )
    result = check_upload(decode_lines(data), MINI)
    assert [(e.row, e.code) for e in result.errors] == [(3, "RREV-03001")]


def test_invalid_utf8_in_the_header_is_the_only_error() -> None:
    result = check_upload(decode_lines([b"Typ\xff\n"]), MINI)
    assert [(e.row, e.code) for e in result.errors] == [(1, "RREV-03001")]


def test_bom_in_text_header_is_ignored() -> None:
    assert check("\ufeff" + text(HEADER, good(1))) == []


# --- streaming ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_memory_does_not_grow_with_the_upload() -> None:
    header = ",".join(f.label for f in STANDARD_TRANSACTION.fields) + "\n"
    cells = [""] * 77
    cells[4], cells[12], cells[13], cells[38] = "SO", "L", "15-JAN-2025", "10.00"

    def lines(n: int) -> Iterator[str]:
        yield header
        row = ",".join(cells) + "\n"
        for _ in range(n):
            yield row

    def peak(n: int) -> int:
        tracemalloc.start()
        try:
            result = check_upload(lines(n), STANDARD_TRANSACTION, max_data_lines=n)
            assert result.ok and result.data_lines == n
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2_000), peak(200_000)
    assert large < small + 64 * 1024, (small, large)


# --- text cells and bounded reading ----------------------------------------------------------------


def text_limit_5(col_name: str) -> int | None:
    return 5


def test_text_longer_than_its_column_is_refused_naming_row_column_and_limit() -> None:
    body = text(HEADER, good(1), ["SO", "L2", "1", "", "Acme Corp"])
    result = check_upload(body, MINI, text_limits=text_limit_5)
    (error,) = result.errors
    assert (error.row, error.column, error.value, error.code) == (3, "Cstmr Nm", "Acme Corp", "RREV-03012")
    assert error.message == "The value has 9 characters; Cstmr Nm holds at most 5"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_text_are_refused(char: str) -> None:
    result = check_upload(text(HEADER, ["SO", f"L{char}1", "1", "", "Acme"]), MINI)
    (error,) = result.errors
    assert (error.row, error.column, error.code) == (2, "Doc Line Id", "RREV-03013")
    assert f"U+{ord(char):04X}" in error.message


def test_tab_and_newlines_inside_a_quoted_cell_are_text() -> None:
    rows = list(PrestageChecker(MINI).rows(text(HEADER, ["SO", "L1", "1", "", "Acme\tCorp\r\nline 2"])))
    assert rows[0].values["CSTMR_NM"] == "Acme\tCorp\r\nline 2"


def test_a_header_wider_than_the_template_is_refused_at_once() -> None:
    header = ",".join(f"Unknown {i}" for i in range(1000))
    result = check_upload(header + "\n" + "x\n" * 10, MINI)
    assert [(e.row, e.code) for e in result.errors] == [(1, "RREV-03014")]
    assert (
        result.errors[0].message
        == 'The header has 1000 columns but template "Mini" has only 5; nothing more was read'
    )


def test_an_over_long_line_stops_reading_and_names_its_row() -> None:
    body = text(HEADER, good(1)) + "SO," + "x" * 5000 + "\n" + text(good(3))
    for lines in (body, decode_lines([body.encode()], 2000)):
        result = check_upload(lines, MINI, max_line=2000)
        assert [(e.row, e.code) for e in result.errors] == [(3, "RREV-03015")]
        assert "2000 bytes" in result.errors[0].message


def test_decode_lines_never_holds_more_than_the_limit_of_a_line() -> None:
    def endless() -> Iterator[bytes]:
        yield b"Type\nSO\n"
        while True:
            yield b"x" * 1000

    lines = decode_lines(endless(), 10_000)
    assert next(lines) == "Type\n" and next(lines) == "SO\n"
    with pytest.raises(LineTooLong) as caught:
        next(lines)
    assert caught.value.error.row == 3


def test_a_quoted_record_spanning_many_lines_counts_all_of_them() -> None:
    body = text(HEADER) + 'SO,"' + "a\n" * 3000 + 'b",1,,Acme\n'
    result = check_upload(body, MINI, max_line=2000)
    assert [(e.row, e.code) for e in result.errors] == [(2, "RREV-03015")]


def test_kept_errors_show_at_most_a_clip_of_their_value() -> None:
    result = check_upload(text(HEADER, ["SO", "L1", "9" * 500 + "x", "", "A"]), MINI)
    (error,) = result.errors
    assert error.value == "9" * 100 + "… (501 characters)"


def test_problems_beyond_the_cap_are_counted_not_kept() -> None:
    body = text(HEADER, *[["SO", f"L{i}", "x", "y", "A"] for i in range(600)])
    result = check_upload(body, MINI)  # the default cap: 1,000 kept
    assert len(result.errors) == 1000 and result.error_count == 1200
