"""Bulk SQL of staging rows (part of the inbound repository): the set-based paths of pre-stage and staging.

Pre-stage hands the driver ready-made rows (one ``executemany`` per chunk on SQLite, one ``COPY`` of CSV
text on PostgreSQL) instead of going through SQLAlchemy's per-value type processing; staging streams back
only the columns validation reads, from the driver's cursor. The conversions here are exactly those of
``revrec.db.types`` (Money: integers of 10**-6 on SQLite; Rate: 10**-10) and of SQLAlchemy's SQLite Date
(ISO text); tests read rows written here back through the typed tables to prove it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from typing import Any

from sqlalchemy import Connection, Table

from revrec.db.stage_columns import (
    BUNDLE_COLUMNS,
    COST_LINE_COLUMNS,
    EVENT_COLUMNS,
    LINE_COLUMNS,
    MJE_COLUMNS,
    VC_COLUMNS,
    sql_name,
)
from revrec.db.tables import STAGE_TEXT_LENGTH
from revrec.engine.money import AMOUNT_SCALE, RATE_SCALE
from revrec.inbound.screen import Memo

KINDS: dict[str, str] = dict(
    LINE_COLUMNS + COST_LINE_COLUMNS + EVENT_COLUMNS + BUNDLE_COLUMNS + MJE_COLUMNS + VC_COLUMNS
)
SYSTEM_COLUMNS = ("client_id", "upload_id", "processed_flag", "crtd_by", "crtd_dt", "updt_by", "updt_dt")
Converter = Callable[[Any], Any]


def _from_sqlite(kind: str) -> Converter | None:
    if kind == "N":
        return lambda v: Decimal(v).scaleb(-AMOUNT_SCALE)
    if kind == "R":
        return lambda v: Decimal(v).scaleb(-RATE_SCALE)
    if kind == "D":
        return date.fromisoformat
    return None


#: (integer digits, decimals) every database stores exactly, per storage kind: SQLite keeps amounts as
#: 64-bit integers of 10**-6 and rates of 10**-10, so an amount must stay below 10**12 and a rate 10**8.
_LIMITS = {"N": (12, AMOUNT_SCALE), "R": (8, RATE_SCALE)}


def storage_limits(col_name: str) -> tuple[int, int] | None:
    """The (integer digits, decimals) staging column ``col_name`` stores exactly; None when not a number."""
    return _LIMITS.get(KINDS.get(col_name, "C"))


def text_limit(col_name: str) -> int | None:
    """The characters staging column ``col_name`` holds; None when it is not a text column."""
    return STAGE_TEXT_LENGTH if KINDS.get(col_name, "C") == "C" else None


def scaled_numbers(places: int) -> Memo:
    """A checked Number cell (plain text or ``Decimal``) → the integer of 10**-places SQLite stores.

    ``''`` (blank) stays ``''``. Plain text ``[-]digits[.digits]`` with at most ``places`` decimals is
    converted with string operations, exactly as ``int(Decimal(text).scaleb(places))`` (tested).
    """

    def scaled(cell: str | Decimal) -> int | str:
        if isinstance(cell, Decimal):
            return int(cell.scaleb(places))
        whole, _, decimals = cell.partition(".")
        return int(whole + decimals.ljust(places, "0")) if cell else ""

    return Memo(scaled)


#: The line keys of a chunk, from its columns (one sequence of values per file position).
LineKey = Callable[[Sequence[Sequence[object]]], list[str]]

#: CSV text handed to PostgreSQL's COPY at a time.
COPY_BYTES = 1 << 20

#: How a stored column of a chunk is written on SQLite: not at all (blank in every row, so NULL), bound
#: as it is (no blank in any row), or bound through ``nullif`` (some blank).
_OMIT, _PLAIN, _NULLIF = 0, 1, 2


class RowWriter:
    """Writes the pre-staged rows of one upload: ``add(chunk)`` then ``flush()`` for each chunk, ``close()``
    after the last.

    A row is what :meth:`revrec.inbound.prestage.PrestageChecker.chunks` yields: one value per file
    position (``columns`` names the staging column of each, None when not stored; ``''`` is blank) and the
    row number. ``line_key`` gives the line keys of a chunk from its columns. A chunk is written column by
    column: on SQLite one INSERT names only the columns that are not blank in every row of the chunk (the
    others stay NULL), binds a column with no blank as it is and one with some blanks through ``nullif``
    (binding ``''`` is much cheaper than binding None), and numbers become scaled integers; PostgreSQL's
    ``COPY`` reads CSV written by the csv module, where a blank is an unquoted empty field, i.e. NULL, and
    numbers, dates and timestamps are read from their text: one ``COPY`` per upload, opened on ``stack`` at
    the first chunk and fed :data:`COPY_BYTES` of CSV at a time, so the server stores rows while the next
    ones are checked (leaving ``stack`` with an exception aborts it; ``close()`` then leaving it completes
    it).
    """

    def __init__(
        self,
        conn: Connection,
        table: Table,
        base: dict[str, Any],
        columns: Sequence[str | None],
        line_key: LineKey,
        stack: ExitStack,
    ) -> None:
        self.conn = conn
        self.stack = stack
        self.copy: Any = None
        self.table = table
        self.sqlite = conn.dialect.name == "sqlite"
        self.line_key = line_key
        self.width = len(columns)
        stored = [(i, c) for i, c in enumerate(columns) if c is not None and c in KINDS]
        self.stored = [(i, sql_name(c)) for i, c in stored]
        if self.sqlite:
            assert base["processed_flag"] == "P" and base["crtd_by"] == base["updt_by"]
            stamp = _bind(table, "crtd_dt", base["crtd_dt"], conn)
            stamp = stamp.isoformat(" ") if isinstance(stamp, datetime) else stamp  # as sqlite3 would
            self.tail = (_bind(table, "crtd_by", base["crtd_by"], conn), stamp)
            self.head = (str(int(base["client_id"])), str(int(base["upload_id"])))
            self.scaled = {i: scaled_numbers(_LIMITS[KINDS[c]][1]) for i, c in stored if KINDS[c] in _LIMITS}
            self.statements: dict[tuple[int, ...], str] = {}
        else:
            self.base = tuple(base[k] for k in SYSTEM_COLUMNS)
            names = [*SYSTEM_COLUMNS, "row_num", "line_key", *(name for _, name in self.stored)]
            self.sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT csv)"
            self.text = io.StringIO()
            self.csv = csv.writer(self.text, lineterminator="\n")
        self.pending: list[list[Sequence[object]]] = []

    def add(self, columns: list[Sequence[object]]) -> None:
        """Queue a chunk of checked rows, given by columns (the row numbers last)."""
        self.pending.append(columns)

    def flush(self) -> None:
        """Write the queued chunks (on PostgreSQL, once their CSV text is large enough)."""
        pending, self.pending = self.pending, []
        for columns in pending:
            if self.sqlite:
                sql, values = self._sqlite_rows(columns)
                self.conn.connection.driver_connection.executemany(sql, values)  # type: ignore[union-attr]
            else:  # CSV written by the csv module: an unquoted empty field is NULL, text is never altered
                keys, rows = self.line_key(columns), columns[self.width]
                cells = [columns[i] for i, _ in self.stored]
                self.csv.writerows(zip(*map(repeat, self.base), rows, keys, *cells, strict=False))
        if not self.sqlite and self.text.tell() >= COPY_BYTES:
            self._copy()

    def close(self) -> None:
        """Write what is left (call after the last chunk's ``flush``)."""
        self.flush()
        if not self.sqlite and self.text.tell():
            self._copy()

    def _copy(self) -> None:
        if self.copy is None:
            cursor = self.stack.enter_context(self.conn.connection.driver_connection.cursor())  # type: ignore[union-attr]
            self.copy = self.stack.enter_context(cursor.copy(self.sql))
        self.copy.write(self.text.getvalue())
        self.text.seek(0)
        self.text.truncate()

    def _sqlite_rows(self, columns: list[Sequence[object]]) -> tuple[str, Iterator[tuple[object, ...]]]:
        """The INSERT of one chunk and its parameters: by, stamp, row number, then the written columns."""
        picked: list[Sequence[object]] = [columns[self.width]]
        modes: list[int] = []
        for i, sequence in ((-1, self.line_key(columns)), *((i, columns[i]) for i, _ in self.stored)):
            mode = _mode(sequence)
            modes.append(mode)
            if mode != _OMIT:
                numbers = self.scaled.get(i)
                picked.append(sequence if numbers is None else list(map(numbers.__getitem__, sequence)))
        key = tuple(modes)
        sql = self.statements.get(key)
        if sql is None:
            sql = self.statements[key] = self._insert(key)
        return sql, zip(*map(repeat, self.tail), *picked, strict=False)

    def _insert(self, modes: tuple[int, ...]) -> str:
        names = ["client_id", "upload_id", "processed_flag", "crtd_by", "crtd_dt", "updt_by", "updt_dt",
                 "row_num"]  # fmt: skip
        values = [*self.head, "'P'", "?1", "?2", "?1", "?2", "?3"]
        for name, mode in zip(["line_key", *(name for _, name in self.stored)], modes, strict=True):
            if mode == _OMIT:
                continue
            names.append(name)
            values.append(f"?{len(values) - 4}" if mode == _PLAIN else f"nullif(?{len(values) - 4}, '')")
        return f"INSERT INTO {self.table.name} ({', '.join(names)}) VALUES ({', '.join(values)})"  # noqa: S608


def holds(conn: Connection, kind: str, sep: str) -> bool:
    """Whether pre-stage stores an upload in stage_line_hold (``copy_held``): transaction uploads on
    PostgreSQL whose field separator ``COPY`` takes as its delimiter (one ASCII character, not a quote or
    line break)."""
    usable = len(sep) == 1 and sep.isascii() and sep not in '"\r\n'
    return conn.dialect.name == "postgresql" and kind == "transaction" and usable


def copy_held(
    conn: Connection,
    stack: ExitStack,
    columns: Callable[[], Sequence[str | None]],
    sep: str,
    records: Iterable[str],
    failed: Callable[[], bool],
) -> None:
    """``COPY`` CSV records (``PrestageChecker.records``: client, upload, row number, then one cell per
    file position) into stage_line_hold, :data:`COPY_BYTES` at a time, in one ``COPY`` opened on ``stack``
    at the first write (``columns()`` then names the staging column of each position; every position of a
    transaction template that passed the header check is one). Nothing more is written once ``failed()``."""
    copy: Any = None
    pending: list[str] = []
    size = 0
    for record in records:
        pending.append(record)
        size += len(record)
        if size >= COPY_BYTES and not failed():
            copy = copy or _open_held(conn, stack, columns(), sep)
            copy.write("".join(pending))
            pending, size = [], 0
    if pending and not failed():
        copy = copy or _open_held(conn, stack, columns(), sep)
        copy.write("".join(pending))


def _open_held(conn: Connection, stack: ExitStack, columns: Sequence[str | None], sep: str) -> Any:
    if not all(c is not None and c in KINDS for c in columns):
        raise ValueError("a held upload's every position must be a staging column")
    names = ["client_id", "upload_id", "row_num", *(sql_name(c) for c in columns if c is not None)]
    delimiter = sep.replace("'", "''")
    sql = f"COPY stage_line_hold ({', '.join(names)}) FROM STDIN (FORMAT csv, DELIMITER '{delimiter}')"
    cursor = stack.enter_context(conn.connection.driver_connection.cursor())  # type: ignore[union-attr]
    return stack.enter_context(cursor.copy(sql))


def _mode(cells: Sequence[object]) -> int:
    """How a column of a chunk is written (blank is ``''``; a zero is not blank)."""
    if "" not in cells:
        return _PLAIN
    return _OMIT if cells.count("") == len(cells) else _NULLIF


def _bind(table: Table, column: str, value: Any, conn: Connection) -> Any:
    processor = table.c[column].type.bind_processor(conn.dialect)
    return processor(value) if processor is not None else value


def read_rows(
    conn: Connection,
    table: Table,
    upload_id: int,
    col_names: Sequence[str],
    flag: str = "P",
    chunk: int = 5000,
) -> Iterator[tuple[int, int, dict[str, object]]]:
    """Stream ``(id, row_num, values)`` of an upload's rows, with only ``col_names`` (staging names).

    Straight from the driver's cursor (same transaction); on SQLite numbers and dates are converted as
    ``revrec.db.types`` and SQLAlchemy's Date would, through memos (values repeat in an upload).
    """
    names = list(col_names)
    sqlite = conn.dialect.name == "sqlite"
    convert = [(name, Memo(_or_none(f))) for name in names if sqlite and (f := _from_sqlite(KINDS[name]))]
    mark = "?" if sqlite else "%s"
    sql = (
        f"SELECT id, row_num, {', '.join(sql_name(c) for c in names)} FROM {table.name} "  # noqa: S608
        f"WHERE upload_id = {mark} AND processed_flag = {mark} ORDER BY id"
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, (upload_id, flag))
        while batch := cursor.fetchmany(chunk):
            for row in batch:
                values = dict(zip(names, row[2:], strict=True))
                for name, memo in convert:
                    values[name] = memo[values[name]]
                yield row[0], row[1], values
    finally:
        cursor.close()


def _or_none(f: Converter) -> Converter:
    return lambda v: None if v is None else f(v)
