"""How collection packs and encodes a line's schedule for ``rc_schedule``, and how bulk writes adapt times.

``pack`` shares the engine's shared series instead of copying each, ``encode`` writes a list's own text
without spaces, ``sqlite_adapted`` does sqlite3's default adaptation once per distinct value: each must give
exactly what the plain computation gives (the stored rows are compared byte for byte).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, String, Table, create_engine

from revrec.contracts.bulk_write import converted, processors, sqlite_adapted
from revrec.contracts.revisions import Packed, decode_packed, encode, encode_triple, pack
from revrec.db.types import Money
from revrec.engine.schedules import LineSchedule


def _schedule(allocated: tuple[Any, Any, Any], revenue: tuple[Any, Any, Any]) -> LineSchedule:
    return LineSchedule(
        "L1", "P1", (202601, 202602, 202603), ("USD", "EUR", "EUR"), allocated, revenue, Fraction(1)
    )


def _plain(schedule: LineSchedule, first_index: int) -> Packed:
    rev = tuple(list(s) for s in schedule.running_revenue)
    cv = tuple(
        [a - r for a, r in zip(alloc, revenue, strict=True)]
        for alloc, revenue in zip(schedule.running_allocated, schedule.running_revenue, strict=True)
    )
    return Packed(first_index, rev, cv)  # type: ignore[arg-type]


T = (100, 200, 300)
F = (91, 182, 273)
A_T = (110, 220, 330)
A_F = (100, 200, 300)


@pytest.mark.parametrize(
    ("allocated", "revenue"),
    [
        pytest.param((T, T, T), (T, T, T), id="no carve, one series (the engine shares it)"),
        pytest.param((A_T, A_T, A_T), (T, T, T), id="carve, one currency"),
        pytest.param((A_T, A_F, A_F), (T, F, F), id="carve, functional currency apart"),
        pytest.param((A_T, A_F, (1, 2, 3)), (T, F, (4, 5, 6)), id="three currencies apart"),
        pytest.param((A_T, A_T, A_T), (T, F, F), id="allocated shared, revenue not"),
    ],
)
def test_pack_gives_the_plain_lists(allocated: tuple[Any, Any, Any], revenue: tuple[Any, Any, Any]) -> None:
    schedule = _schedule(allocated, revenue)
    packed = pack(schedule, 7)
    assert packed == _plain(schedule, 7)
    assert all(type(s) is list for s in (*packed.rev, *packed.cv))  # equal to series decoded from JSON


def test_pack_without_carve_when_the_engine_shares_revenue() -> None:
    shared = (T, F, F)
    packed = pack(_schedule(shared, shared), 3)
    assert packed.cv == ([0, 0, 0], [0, 0, 0], [0, 0, 0]) and not packed.has_carve
    assert encode_triple(packed.rev) == ("[100,200,300]", "[91,182,273]", None)


@pytest.mark.parametrize("series", [[], [0], [1, -2, 30000000000000], list(range(-5, 40, 3))])
def test_encode_is_compact_json(series: list[int]) -> None:
    expected = json.dumps(series, separators=(",", ":"))
    assert encode(series) == expected
    assert encode(tuple(series)) == expected  # type: ignore[arg-type]
    assert json.loads(encode(series)) == series


def test_decode_packed_reads_what_encode_wrote() -> None:
    rev = ([1, 2, 3], [2, 4, 6], [2, 4, 6])
    texts = encode_triple(rev)
    assert texts == ("[1,2,3]", "[2,4,6]", None)
    assert decode_packed(4, 3, texts, (None, None, None)) == Packed(4, rev, ([0] * 3, [0] * 3, [0] * 3))
    cv = ([1, 1, 1], [1, 1, 1], [1, 1, 1])
    assert decode_packed(4, 3, texts, encode_triple(cv)) == Packed(4, rev, cv)


VALUES = [
    dt.date(2026, 1, 31),
    dt.datetime(2026, 12, 6, 6, 23, 33, 232725, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 6, 6, 23, 33, tzinfo=dt.UTC),  # no microseconds: isoformat leaves them out
    dt.datetime(2026, 12, 6, 6, 23, 33, 5),
    dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    "2026-01-31",
    42,
    None,
]


def test_sqlite_adapted_stores_what_sqlite3_adapts() -> None:
    raw = sqlite3.connect(":memory:")
    raw.execute("CREATE TABLE t (i INTEGER, v)")
    raw.executemany("INSERT INTO t VALUES (?, ?)", [(i, v) for i, v in enumerate(VALUES)])  # default adapters
    raw.executemany(
        "INSERT INTO t VALUES (?, ?)", [(-i - 1, sqlite_adapted(v)) for i, v in enumerate(VALUES)]
    )
    stored = dict(raw.execute("SELECT i, quote(v) FROM t"))
    assert all(stored[i] == stored[-i - 1] for i in range(len(VALUES)))
    assert stored[1] == "'2026-12-06 06:23:33.232725+00:00'"


def test_equal_times_in_two_zones_keep_their_own_text() -> None:
    """Dates and times are adapted once per object, not per equal value: equal instants in two zones are
    two texts for sqlite3."""
    table = Table("probe", MetaData(), Column("at", DateTime(timezone=True)), Column("day", Date))
    utc = dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    east = utc.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert utc == east
    day = dt.date(2026, 1, 1)
    with create_engine("sqlite://").connect() as conn:
        found = converted(conn, table, ["at", "day"], [(utc, day), (east, None), (utc, day)])
    assert found == [
        ("2026-01-01 10:00:00+00:00", "2026-01-01"),
        ("2026-01-01 05:00:00-05:00", None),
        ("2026-01-01 10:00:00+00:00", "2026-01-01"),
    ]


_PROBE = Table(
    "probe_rows",
    MetaData(),
    Column("n", Integer),
    Column("flag", Boolean),
    Column("amount", Money),
    Column("label", String(10)),
    Column("day", Date),
)
_AMOUNTS = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
_ROWS = st.lists(
    st.tuples(
        st.integers(),
        st.none() | st.booleans(),
        st.none() | _AMOUNTS,
        st.text(max_size=3),
        st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(rows=_ROWS)
def test_converted_rows_are_each_value_through_its_column_processor(rows: list[tuple[Any, ...]]) -> None:
    """Whatever the memo and the row-by-row walk do, each stored value is the column processor's own
    conversion of that value, in its row and column: all touched columns (SQLite: flag, amount and day), or
    one (the same rows with only the flag and the label: the one-column path)."""
    with create_engine("sqlite://").connect() as conn:
        columns = [c.name for c in _PROBE.columns]
        plain = processors(conn, _PROBE, columns)
        expected = [
            tuple(v if p is None or v is None else p(v) for p, v in zip(plain, row, strict=True))
            for row in rows
        ]
        assert [tuple(r) for r in converted(conn, _PROBE, columns, rows)] == expected
        two = [(flag, label) for _, flag, _, label, _ in rows]
        one = processors(conn, _PROBE, ["flag", "label"])[0]
        assert one is not None
        assert [tuple(r) for r in converted(conn, _PROBE, ["flag", "label"], two)] == [
            (None if flag is None else one(flag), label) for flag, label in two
        ]
