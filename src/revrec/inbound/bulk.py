"""Bulk SQL of staging rows (part of the inbound repository): the set-based paths of pre-stage and staging.

Pre-stage hands the driver ready-made tuples (one ``executemany`` per chunk on SQLite, ``COPY`` on
PostgreSQL) instead of going through SQLAlchemy's per-value type processing; staging streams back only the
columns validation reads. The conversions here are exactly those of ``revrec.db.types`` (Money: integers of
10**-6 on SQLite; Rate: 10**-10) and of SQLAlchemy's SQLite Date (ISO text); tests read rows written here
back through the typed tables to prove it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, text

from revrec.db.stage_columns import BUNDLE_COLUMNS, EVENT_COLUMNS, LINE_COLUMNS, sql_name
from revrec.engine.money import AMOUNT_SCALE, RATE_SCALE

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


#: Magnitudes every database stores exactly (SQLite keeps amounts as 64-bit integers of micro-units).
MAX_AMOUNT = Decimal(10) ** 12
MAX_RATE = Decimal(10) ** 8
_NUMERIC = {"N": (AMOUNT_SCALE, MAX_AMOUNT), "R": (RATE_SCALE, MAX_RATE)}


class RowWriter:
    """Writes the pre-staged rows of one upload: ``add(row_num, line_key, values)``, then ``flush()``.

    ``check`` names the numbers of a row that revrec cannot store exactly (more decimals than the column
    keeps, or too large); such a row must be refused, never rounded, before it is added.
    """

    def __init__(self, conn: Connection, table: Table, base: dict[str, Any]) -> None:
        self.conn = conn
        self.table = table
        self.sqlite = conn.dialect.name == "sqlite"
        processed = {k: _bind(table, k, v, conn) for k, v in base.items()} if self.sqlite else base
        self.base = tuple(processed[k] for k in SYSTEM_COLUMNS)
        self.col_names: list[str] = []
        self.pending: list[tuple[Any, ...]] = []

    def _plan(self, values: dict[str, object]) -> None:
        """The column order comes from the first row (every row of an upload has the same keys)."""
        self.col_names = [c for c in values if c in KINDS]
        self.getter = (
            itemgetter(*self.col_names) if len(self.col_names) > 1 else lambda v: (v[self.col_names[0]],)
        )
        kinds = [KINDS[c] for c in self.col_names]
        self.numeric = [(i, *_NUMERIC[k]) for i, k in enumerate(kinds) if k in _NUMERIC]
        self.dates = [i for i, k in enumerate(kinds) if k == "D"] if self.sqlite else []
        self.columns = [*SYSTEM_COLUMNS, "row_num", "line_key", *(sql_name(c) for c in self.col_names)]

    def check(self, values: dict[str, object]) -> list[tuple[str, Decimal, int]]:
        """The numbers of a row that cannot be stored exactly: (column, value, decimals allowed)."""
        if not self.col_names:
            self._plan(values)
        bad: list[tuple[str, Decimal, int]] = []
        for i, places, bound in self.numeric:
            value = values[self.col_names[i]]
            if not isinstance(value, Decimal):
                continue
            scaled = value.scaleb(places)
            if int(scaled) != scaled or not -bound < value < bound:
                bad.append((self.col_names[i], value, places))
        return bad

    def add(self, row_num: int, line_key: str | None, values: dict[str, object]) -> None:
        """Queue a checked row (see :meth:`check`)."""
        if not self.col_names:
            self._plan(values)
        cells = list(self.getter(values))
        if self.sqlite:
            for i, places, _ in self.numeric:
                if (value := cells[i]) is not None:
                    cells[i] = int(value.scaleb(places))
            for i in self.dates:
                if (day := cells[i]) is not None:
                    cells[i] = day.isoformat()
        self.pending.append((*self.base, row_num, line_key, *cells))

    def flush(self) -> None:
        if not self.pending:
            return
        if self.sqlite:
            placeholders = ", ".join("?" * len(self.columns))
            sql = f"INSERT INTO {self.table.name} ({', '.join(self.columns)}) VALUES ({placeholders})"  # noqa: S608
            self.conn.exec_driver_sql(sql, self.pending)
        else:
            raw = self.conn.connection.driver_connection
            statement = f"COPY {self.table.name} ({', '.join(self.columns)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for row in self.pending:
                    copy.write_row(row)
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
    """Stream ``(id, row_num, values)`` of an upload's rows, with only ``col_names`` (staging names)."""
    names = list(col_names)
    convert = (
        [(name, f) for name in names if (f := _from_sqlite(KINDS[name])) is not None]
        if conn.dialect.name == "sqlite"
        else []
    )
    sql = text(
        f"SELECT id, row_num, {', '.join(sql_name(c) for c in names)} FROM {table.name} "  # noqa: S608
        "WHERE upload_id = :upload AND processed_flag = :flag ORDER BY id"
    )
    result = conn.execute(sql, {"upload": upload_id, "flag": flag})
    while batch := result.fetchmany(chunk):
        for row in batch:
            values = dict(zip(names, row[2:], strict=True))
            for name, f in convert:
                if (raw := values[name]) is not None:
                    values[name] = f(raw)
            yield row[0], row[1], values
