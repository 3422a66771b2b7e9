"""Bulk inserts of many rows: ``executemany`` of converted tuples on SQLite, ``COPY`` on PostgreSQL.

Values are converted once by the column types' own bind processors (so Money and Rate columns store
exactly what Core would), through a memo per column (equal values convert to the same stored value), then
handed to the driver without per-row statement compilation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    core: bool = False,
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``. ``core``: values converted as a Core
    ``INSERT`` converts them (see :func:`converted`)."""
    if not rows:
        return
    rows = converted(conn, table, columns, rows, core=core)
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})", list(rows))  # noqa: S608


def processors(
    conn: Connection, table: Table, columns: Sequence[str], *, core: bool = False
) -> list[Callable[[Any], Any] | None]:
    """The bind processor of each of ``columns``: the column type's own (Money, Rate, Boolean), the driver
    adapting the rest (on SQLite dates and times as sqlite3's default adapters store them, done here once
    per distinct value: :func:`sqlite_adapted`); or with ``core`` the dialect's type's, as a Core
    statement converts (SQLite: times as text without the zone). Tables written by Core statements before
    keep their stored form only with ``core``."""
    dialect = conn.dialect
    types = [table.c[c].type for c in columns]
    if core:
        return [t.dialect_impl(dialect).bind_processor(dialect) for t in types]
    found: list[Callable[[Any], Any] | None] = []
    for column_type in types:
        processor = column_type.bind_processor(dialect)
        if processor is None and dialect.name == "sqlite" and isinstance(column_type, Date | DateTime):
            processor = sqlite_adapted
        found.append(processor)
    return found


def sqlite_adapted(value: Any) -> Any:
    """What sqlite3's default adapters make of ``value`` (chosen by its exact type, as sqlite3 does): a
    date's ``isoformat()``, a datetime's ``isoformat(" ")``; anything else as it is."""
    kind = type(value)
    if kind is dt.datetime:
        return value.isoformat(" ")
    if kind is dt.date:
        return value.isoformat()
    return value


def converted(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    core: bool = False,
) -> Sequence[Sequence[Any]]:
    """``rows`` with each value as the column's bind processor stores it (the rows as they are when no
    column has one; ``core``: see :func:`processors`). Row by row, only the columns with a processor
    touched (a schedule row has one of twenty), each memoised per column: amounts, dates and currencies
    repeat across the rows of a chunk. (Turning the rows into columns and back cost two to three times
    as much: docs/performance.md.)"""
    found = processors(conn, table, columns, core=core)
    if not rows or all(p is None for p in found):
        return rows
    touched = [
        (index, _ByObject() if processor is sqlite_adapted else _Memo(processor).__getitem__)
        for index, processor in enumerate(found)
        if processor is not None
    ]
    if len(touched) == 1:
        ((index, convert),) = touched
        return [(*row[:index], convert(row[index]), *row[index + 1 :]) for row in rows]
    done: list[Sequence[Any]] = []
    for row in rows:
        values = list(row)
        for index, convert in touched:
            values[index] = convert(values[index])
        done.append(tuple(values))
    return done


class _ByObject:
    """:func:`sqlite_adapted` of values, once per object: not per equal value, since equal times in two
    zones have two texts (a run's rows share one stamp object). The rows hold the objects while they are
    converted, so their ids stay theirs."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done: dict[int, Any] = {}

    def __call__(self, value: Any) -> Any:
        text = self.done.get(id(value))
        if text is None:
            text = self.done[id(value)] = sqlite_adapted(value)
        return text


class _Memo(dict[Any, Any]):
    """One column's conversions in one call: NULL stays NULL, each other value converted once."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__({None: None})
        self.convert = convert

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.convert(key)
        return value
