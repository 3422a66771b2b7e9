"""Properties: a valid generated upload passes pre-stage; a corrupted cell is reported at its row/column."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from revrec.inbound.cells import FORMULA_START, format_date
from revrec.inbound.prestage import PrestageChecker
from revrec.inbound.templates_std import DATE_FORMATS, FieldMapping, UploadTemplateDef

FIELDS = (
    FieldMapping(1, "Type", "TYPE", "Character", True),
    FieldMapping(2, "Cstmr Nm", "CSTMR_NM"),
    FieldMapping(3, "Ext Sll Prc", "EXT_SLL_PRC", "Number"),
    FieldMapping(4, "Doc Date", "SO_DATE", "Date"),
    FieldMapping(5, "Ord Qty", "ORD_QTY", "Number"),
)
BAD = {"Character": "=cmd|' /C calc'!A0", "Number": "1,000", "Date": "32-13-2025"}

characters = st.text(alphabet="abcXYZ 09,;|\"'\n-=+@.", max_size=12).filter(
    lambda s: not s.strip() or s.strip()[0] not in FORMULA_START
)
numbers = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@st.composite
def uploads(draw: st.DrawFn) -> tuple[UploadTemplateDef, list[list[str]], list[dict[str, object]]]:
    template = UploadTemplateDef(
        name="Prop",
        kind="transaction",
        fields=FIELDS,
        date_format=draw(st.sampled_from(DATE_FORMATS)),
        field_separator=draw(st.sampled_from(",;|\t")),
    )
    rows: list[list[str]] = []
    expected: list[dict[str, object]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        cells: list[str] = []
        values: dict[str, object] = {}
        for field in FIELDS:
            if field.data_type == "Number":
                number = draw(numbers)
                cells.append(format(number, "f"))
                values[field.col_name] = number
            elif field.data_type == "Date":
                day = draw(dates)
                cells.append(format_date(day, template.date_format))
                values[field.col_name] = day
            else:
                chars = draw(characters)
                cells.append(chars)
                values[field.col_name] = chars.strip() or None
        rows.append(cells)
        expected.append(values)
    return template, rows, expected


def serialize(template: UploadTemplateDef, rows: list[list[str]]) -> tuple[str, list[int]]:
    """The upload text and the file line on which each data row starts."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=template.field_separator, lineterminator="\n")
    writer.writerow([f.label for f in template.fields])
    starts = []
    for cells in rows:
        starts.append(out.getvalue().count("\n") + 1)
        writer.writerow(cells)
    return out.getvalue(), starts


@settings(max_examples=150, deadline=None)
@given(uploads())
def test_a_valid_upload_passes_with_its_exact_values(
    upload: tuple[UploadTemplateDef, list[list[str]], list[dict[str, object]]],
) -> None:
    template, rows, expected = upload
    body, starts = serialize(template, rows)
    checker = PrestageChecker(template)
    staged = list(checker.rows(body))
    assert checker.result().ok, checker.result().errors
    assert [s.row for s in staged] == starts
    assert [s.values for s in staged] == expected


@settings(max_examples=150, deadline=None)
@given(uploads(), st.data())
def test_one_corrupted_cell_is_reported_at_its_row_and_column(
    upload: tuple[UploadTemplateDef, list[list[str]], list[dict[str, object]]], data: st.DataObject
) -> None:
    template, rows, _ = upload
    index = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    column = data.draw(st.integers(min_value=0, max_value=len(FIELDS) - 1))
    rows[index][column] = BAD[FIELDS[column].data_type]
    body, starts = serialize(template, rows)
    checker = PrestageChecker(template)
    assert [s.row for s in checker.rows(body)] == starts[:index]  # nothing is yielded once a row failed
    bad = BAD[FIELDS[column].data_type]
    assert [(e.row, e.column, e.value) for e in checker.result().errors] == [
        (starts[index], FIELDS[column].label, bad)
    ]
