"""BI views and reports without a database: cells, parameters, calendar rows, views, pages, signatures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, DateTime, Integer, String, literal_column, null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import NullType

from revrec.biviews import params
from revrec.biviews.catalog import standard_views
from revrec.biviews.cells import CellWriter, typed_cells, untyped
from revrec.biviews.columns import cell, columns
from revrec.biviews.csvout import GzipPageWriter, page_path, spool_page
from revrec.biviews.reference_data import calendar_rows, period_name
from revrec.biviews.views import SqlSource, ViewQuery, Window
from revrec.db.types import Money
from revrec.engine.calendar import AccountingCalendar, Period
from revrec.errors import InvalidInput
from revrec.reports import signing
from revrec.reports.service import parse_created_date

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "Y"),
        (False, "N"),
        (Decimal("1234567890.123456789"), "1234567890.123456789"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-0.000001"), "-0.000001"),
        (42, "42"),
        (dt.date(2026, 1, 31), "2026-01-31"),
        (dt.datetime(2026, 1, 31, 23, 59, 59, 999), "2026-01-31T23:59:59"),
        (dt.datetime(2026, 2, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), "2026-01-31T23:00:00"),
        ("a,b", "a,b"),
    ],
)
def test_cells_are_exact(value: object, text: str) -> None:
    assert cell(value) == text


def test_a_float_cell_is_refused() -> None:
    with pytest.raises(TypeError):
        cell(0.1)


@pytest.mark.parametrize(
    ("given", "expected", "bare"),
    [
        ("2016-07-26T00:00:00", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("2016-07-26 10:11:12", dt.datetime(2016, 7, 26, 10, 11, 12, tzinfo=UTC), False),
        ("2016-07-26", dt.datetime(2016, 7, 26, tzinfo=UTC), True),
        ("20160726", dt.datetime(2016, 7, 26, tzinfo=UTC), True),
        # Zuora's published default form, and every zone form, normalised to UTC
        ("2016-07-26T00:00:00.000Z", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("2016-07-26T00:00:00+00:00", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("2016-07-26T02:30:00+02:00", dt.datetime(2016, 7, 26, 0, 30, tzinfo=UTC), False),
        ("2016-07-25T19:00:00-0500", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("2016-07-26 00:00:00Z", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("2016-07-26T10:11:12.250", dt.datetime(2016, 7, 26, 10, 11, 12, 250000, tzinfo=UTC), False),
        # "+01:00" sent unencoded in a query string arrives as " 01:00"
        ("2016-07-26T01:00:00 01:00", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("", None, False),
        (None, None, False),
    ],
)
def test_dates(given: str | None, expected: dt.datetime | None, bare: bool) -> None:
    assert params.moment("fromDate", given) == (expected, bare)


@pytest.mark.parametrize(
    "bad", ["26-07-2016", "2016-13-01", "yesterday", "2016-07-26T25:00:00", "2016-07-26T00:00:00+25:00"]
)
def test_bad_dates_name_the_parameter(bad: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"Invalid toDate '{bad}'")):
        params.window(None, bad)


def test_window_bare_to_date_covers_the_day() -> None:
    window = params.window("2026-01-01", "2026-01-31")
    assert window.contains(dt.datetime(2026, 1, 31, 23, 59, 59))
    assert not window.contains(dt.datetime(2026, 2, 1))
    exact = params.window("2026-01-01T00:00:00", "2026-01-31T00:00:00")
    assert exact.contains(dt.datetime(2026, 1, 31)) and not exact.contains(dt.datetime(2026, 1, 31, 0, 0, 1))
    assert params.window("2026-01-31", "2026-01-31").contains(dt.datetime(2026, 1, 31, 12))
    with pytest.raises(InvalidInput, match="after toDate"):
        params.window("2026-02-01T00:00:00", "2026-01-31T00:00:00")


def test_page_sizes_and_output_types() -> None:
    assert params.v1_page_size(None) == 1000 and params.v1_page_size(10000) == 10000
    assert params.v2_page_size(None, True) == 1000 and params.v2_page_size(20000, True) == 20000
    for bad in (0, 10001):
        with pytest.raises(InvalidInput):
            params.v1_page_size(bad)
    with pytest.raises(InvalidInput, match="1 to 10,000 for outputType csv"):
        params.v2_page_size(10001, False)
    with pytest.raises(InvalidInput, match="1 to 20,000 for outputType gzip"):
        params.v2_page_size(20001, True)
    assert params.output_type(None, "gzip") and not params.output_type("CSV", "gzip")
    with pytest.raises(InvalidInput, match="outputType"):
        params.output_type("xml", "gzip")


def test_field_lists() -> None:
    assert params.fields(b"") is None and params.fields(b"[]") is None
    assert params.fields(b'["ID", "org_name"]') == ["ID", "org_name"]
    for bad in (b"{}", b'"ID"', b"[1]", b"not json", b'[""]'):
        with pytest.raises(InvalidInput, match="JSON array"):
            params.fields(bad)


def test_client_id_must_be_the_callers() -> None:
    params.check_client(None, 7)
    params.check_client("7", 7)
    with pytest.raises(InvalidInput, match="Invalid User ID"):
        params.check_client("1", 7)


def test_monthly_calendar_rows_with_fiscal_quarters() -> None:
    calendar = AccountingCalendar(fiscal_year_start_month=4, first_year=2025, last_year=2026)
    rows = list(calendar_rows(calendar, 9, 2026, 2026))
    assert [r[0] for r in rows] == [*range(202504, 202513), *range(202601, 202604)]
    first, last = rows[0], rows[-1]
    assert first[:12] == (
        202504, "APR-2025", 1, dt.date(2025, 4, 1), dt.date(2025, 4, 30), dt.date(2025, 4, 1), 1,
        dt.date(2025, 4, 1), 2026, dt.date(2025, 6, 30), dt.date(2026, 3, 31), 9,
    )  # fmt: skip
    assert (
        last[2] == 12 and last[6] == 4 and last[7] == dt.date(2026, 1, 1) and last[9] == dt.date(2026, 3, 31)
    )
    assert all(len(r) == 19 for r in rows) and {r[17:] for r in rows} == {(None, False)}  # never opened
    statuses = {202504: "Closed", 202505: "Soft Close", 202506: "Open"}
    tail = [r[17:] for r in calendar_rows(calendar, 9, 2026, 2026, statuses)][:4]
    assert tail == [("Closed", False), ("Soft Close", True), ("Open", True), (None, False)]


def test_thirteen_period_calendar_quarters() -> None:
    start = dt.date(2026, 1, 4)
    periods = tuple(
        Period(
            202601 + i,
            start + dt.timedelta(days=28 * i),
            start + dt.timedelta(days=28 * (i + 1)),
            2026,
            i + 1,
        )
        for i in range(13)
    )
    rows = list(calendar_rows(AccountingCalendar(custom_periods=periods), 1, 1900, 1900))
    assert [r[6] for r in rows] == [1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert period_name(periods[12]) == "DEC-2026"  # key 202613 is not a month: named after its start


def test_every_standard_sql_view_selects_its_columns() -> None:
    """A view's select must have exactly its columns, on both dialects (guards every view added later)."""
    query = ViewQuery(1, Window(dt.datetime(2020, 1, 1, tzinfo=UTC), None))
    for view in standard_views():
        assert view.columns and len(set(view.column_names)) == len(view.columns)
        assert all(n == n.upper() for n in view.column_names)
        if isinstance(view.source, SqlSource):
            select = view.source.build(query)
            assert len(select.selected_columns) == len(view.columns), view.name
            for dialect in (sqlite.dialect(), postgresql.dialect()):
                select.compile(dialect=dialect)


def test_documented_column_lists() -> None:
    views = {v.name: v for v in standard_views()}
    assert views["BI3_ORG"].column_names == (
        "ID", "ORG_ID", "ORG_NAME", "CRTD_BY", "CRTD_DT", "UPDT_BY", "UPDT_DT", "CLIENT_ID", "INCR_UPDT_DT",
        "ORG_CODE", "ENTITY_ID",
    )  # fmt: skip
    assert len(views["BI3_MJE"].columns) == 99 and "DR_SEGMENT10" in views["BI3_MJE"].column_names
    assert views["BI3_RC_SCHD_DEL"].column_names[:3] == ("SCHD_ID", "CLIENT_ID", "DELETED_TIME")
    with pytest.raises(InvalidInput, match="NOPE"):
        views["BI3_ORG"].projection(["ID", "NOPE"])
    assert views["BI3_ORG"].projection(["org_name", "ID"]) == (2, 0)
    with pytest.raises(ValueError, match="duplicated"):
        columns(["A", "a"])


def test_pages_are_written_whole_with_a_header_each(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    writer = GzipPageWriter(tmp_path, ["A", "B"], 2)
    rows = typed_cells([(1, "x"), (2, "y,z"), (3, None), (4, True)], (0, 1))
    writer.write(rows, lambda p, r, last: seen.append((p, r, last)))
    assert seen == [(1, 2, False), (2, 4, True)] and not page_path(tmp_path, 3).exists()
    assert gzip.decompress(page_path(tmp_path, 1).read_bytes()) == b'A,B\r\n1,x\r\n2,"y,z"\r\n'
    assert gzip.decompress(page_path(tmp_path, 2).read_bytes()) == b"A,B\r\n3,\r\n4,Y\r\n"
    assert not list(tmp_path.glob("*.part"))


def test_spooled_pages() -> None:
    spool, written = spool_page(["B"], typed_cells([(1, "é")], (1,)), gzipped=True)
    with spool:
        assert written == 1 and gzip.decompress(spool.read()).decode() == "B\r\né\r\n"
    spool, written = spool_page(["A"], [], gzipped=False)
    with spool:
        assert written == 0 and io.BytesIO(spool.read()).read() == b"A\r\n"


def test_signatures_cover_client_user_token_version_report_and_expiry() -> None:
    secret = "s" * 40
    link = signing.Link(client_id=1, user_id=7, token_version=1, report_id=10001, expires=2_000_000_000)
    good = signing.signature(secret, link)
    assert signing.verify(secret, link, good)
    assert signing.verify(secret, link, good.upper())
    for changed in (
        {"client_id": 2},
        {"user_id": 8},
        {"token_version": 2},
        {"report_id": 10002},
        {"expires": 2_000_000_001},
    ):
        assert not signing.verify(secret, dataclasses.replace(link, **changed), good), changed
    assert not signing.verify("t" * 40, link, good)


def test_created_dates() -> None:
    assert parse_created_date("16-JAN-2023") == dt.date(2023, 1, 16)
    assert parse_created_date("01-jan-2012") == dt.date(2012, 1, 1)
    assert parse_created_date("2023-01-16") == dt.date(2023, 1, 16)
    assert parse_created_date("2023-01-16T23:30:00-02:00") == dt.date(2023, 1, 17)  # the UTC day
    for bad in ("30-11-1993", "2023-02-30", "31-FEB-2023", "16-JANUARY-2023"):
        with pytest.raises(InvalidInput, match=f"Invalid date format for {bad}"):
            parse_created_date(bad)


# psycopg's type codes: int4, unknown, bool, timestamptz, numeric, text
PG_TYPES = (23, 705, 16, 1184, 1700, 25)


def _cell_rows(
    dialect: Any, raw: list[tuple[object, ...]], projection: tuple[int, ...], types: Any = None
) -> list[list[object]]:
    stmt = select(
        literal_column("a", Integer),
        null().label("b"),
        literal_column("c", Boolean),
        literal_column("d", DateTime(timezone=True)),
        literal_column("e", Money()),
        literal_column("f", String),
    )
    return list(CellWriter(stmt, dialect, projection, types).cells(raw))


def test_cells_from_sqlite_driver_values_are_the_text_of_the_typed_values() -> None:
    raw = [
        (7, None, 1, "2026-01-02 03:04:05.678901", 12500000, "x,y"),
        (8, None, 0, "2026-01-02 03:04:05.000000", -500000, None),
        (9, None, None, None, 12500000, ""),
    ]
    assert _cell_rows(sqlite.dialect(), raw, tuple(range(6))) == [
        [7, None, "Y", "2026-01-02T03:04:05", "12.500000", "x,y"],
        [8, None, "N", "2026-01-02T03:04:05", "-0.500000", None],
        [9, None, None, None, "12.500000", ""],
    ]
    assert _cell_rows(sqlite.dialect(), raw[:1], (4, 0)) == [["12.500000", 7]]
    assert _cell_rows(sqlite.dialect(), raw[:1], (2,)) == [["Y"]]


def test_cells_from_postgresql_driver_values_keep_each_decimal_scale() -> None:
    # Decimal("1.0") == Decimal("1.00"): a memo keyed by the value would write both alike
    moment = dt.datetime(2026, 1, 2, 4, 4, 5, 99, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    raw = [
        (1, None, True, moment, Decimal("1.0"), "a"),
        (2, None, False, None, Decimal("1.00"), "b"),
        (3, None, True, moment, Decimal("1.0"), "c"),
    ]
    assert _cell_rows(postgresql.psycopg.dialect(), raw, (4, 2, 3), PG_TYPES) == [
        ["1.0", "Y", "2026-01-02T03:04:05"],
        ["1.00", "N", None],
        ["1.0", "Y", "2026-01-02T03:04:05"],
    ]


def test_untyped_selects_the_same_columns_without_result_types() -> None:
    stmt = select(literal_column("a", Integer), literal_column("d", DateTime(timezone=True))).order_by("a")
    bare = untyped(stmt)
    assert [str(c) for c in bare.selected_columns] == ["a", "d"]
    assert all(isinstance(c.type, NullType) for c in bare.selected_columns)
    assert str(bare.compile(dialect=sqlite.dialect())) == "SELECT a AS a, d AS d ORDER BY a"
