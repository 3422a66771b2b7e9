"""Bulk inserts of many rows: ``executemany`` of converted tuples on SQLite, ``COPY`` on PostgreSQL.

Values are converted once by the column types' own bind processors (so Money and Rate columns store
exactly what Core would), through a memo per column (equal values convert to the same stored value), then
handed to the driver without per-row statement compilation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from revrec.inbound.screen import Memo


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``."""
    if not rows:
        return
    processors = [table.c[c].type.bind_processor(conn.dialect) for c in columns]
    if any(p is not None for p in processors):
        # memoised per column: amounts, dates and currencies repeat across the rows of a chunk
        memos = [None if p is None else Memo(p) for p in processors]
        rows = [
            tuple(v if m is None or v is None else m[v] for v, m in zip(row, memos, strict=True))
            for row in rows
        ]
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})", list(rows))  # noqa: S608
