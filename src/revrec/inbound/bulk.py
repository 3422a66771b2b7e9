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
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table

from revrec.db.stage_columns import BUNDLE_COLUMNS, EVENT_COLUMNS, LINE_COLUMNS, sql_name
from revrec.engine.money import AMOUNT_SCALE, RATE_SCALE
from revrec.inbound.screen import Memo

KINDS: dict[str, str] = dict(LINE_COLUMNS + EVENT_COLUMNS + BUNDLE_COLUMNS)
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


LineKey = Callable[[Sequence[object]], object]


class RowWriter:
    """Writes the pre-staged rows of one upload, a chunk at a time: ``add(rows)``, then ``flush()``.

    A row is what :meth:`revrec.inbound.prestage.PrestageChecker.chunks` yields: one value per file
    position (``columns`` names the staging column of each, None when not stored; ``''`` is blank) and the
    row number. ``line_key`` gives the row's line key. On SQLite, blanks become NULL in the INSERT
    (``nullif``: binding ``''`` is much cheaper than binding None) and numbers become scaled integers;
    PostgreSQL's ``COPY`` reads CSV written by the csv module, where a blank is an unquoted empty field,
    i.e. NULL, and numbers, dates and timestamps are read from their text.
    """

    def __init__(
        self,
        conn: Connection,
        table: Table,
        base: dict[str, Any],
        columns: Sequence[str | None],
        line_key: LineKey,
    ) -> None:
        self.conn = conn
        self.table = table
        self.sqlite = conn.dialect.name == "sqlite"
        self.line_key = line_key
        self.width = len(columns)
        stored = [(i, c) for i, c in enumerate(columns) if c is not None and c in KINDS]
        names = [*SYSTEM_COLUMNS, "row_num", "line_key", *(sql_name(c) for _, c in stored)]
        if self.sqlite:
            processed = {k: _bind(table, k, v, conn) for k, v in base.items()}
            stamp = processed["crtd_dt"]  # adapted once, as sqlite3's default datetime adapter would
            stamp = stamp.isoformat(" ") if isinstance(stamp, datetime) else stamp
            self.tail = (processed["crtd_by"], stamp)
            self.scaled = [
                (i, scaled_numbers(_LIMITS[KINDS[c]][1])) for i, c in stored if KINDS[c] in _LIMITS
            ]
            # A row binds its cells (1..n), row number, line key, then crtd_by/updt_by and the stamps.
            n = self.width
            assert base["processed_flag"] == "P" and base["crtd_by"] == base["updt_by"]
            values = [
                str(int(base["client_id"])), str(int(base["upload_id"])), "'P'", f"?{n + 3}", f"?{n + 4}",
                f"?{n + 3}", f"?{n + 4}", f"?{n + 1}", f"nullif(?{n + 2}, '')",
                *(f"nullif(?{i + 1}, '')" for i, _ in stored),
            ]  # fmt: skip
            self.sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(values)})"  # noqa: S608
        else:
            self.base = tuple(base[k] for k in SYSTEM_COLUMNS)
            self.pick = itemgetter(*(i for i, _ in stored)) if len(stored) > 1 else None
            self.stored = [i for i, _ in stored]
            self.sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT csv)"
        self.pending: list[Sequence[object]] = []

    def add(self, rows: list[list[object]]) -> None:
        """Queue checked rows (they are changed in place)."""
        key, n = self.line_key, self.width
        if self.sqlite:
            scaled, tail = self.scaled, self.tail
            for row in rows:
                for i, numbers in scaled:
                    row[i] = numbers[row[i]]
                row.append(key(row) or "")
                row.extend(tail)
            self.pending.extend(rows)
        else:
            base, pick, stored = self.base, self.pick, self.stored
            for row in rows:
                cells = pick(row) if pick is not None else tuple(row[i] for i in stored)
                self.pending.append((*base, row[n], key(row) or "", *cells))

    def flush(self) -> None:
        if not self.pending:
            return
        raw = self.conn.connection.driver_connection
        if self.sqlite:
            raw.executemany(self.sql, self.pending)  # type: ignore[union-attr]
        else:  # CSV written by the csv module: an unquoted empty field is NULL, text is never altered
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(self.pending)
            with raw.cursor() as cursor, cursor.copy(self.sql) as copy:  # type: ignore[union-attr]
                copy.write(text.getvalue())
        self.pending = []


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
