"""Conditions on a list of values (``column IN (...)``), batched the way each database takes them best.

SQLite: ``column IN (?, ?, ...)`` of at most :data:`SQLITE_BATCH` values a statement (its limit on bound
variables). PostgreSQL: ``column = ANY(%s)`` with the whole batch as ONE array parameter, batches of up
to :data:`ARRAY_BATCH` values: the statement text is the same whatever the number of values, so
SQLAlchemy's compiled cache and psycopg's parsed-query cache both hit. With ``IN`` lists of 900
parameters each statement was new text: SQLAlchemy expanded it and psycopg re-parsed it every time (its
cache skips long queries), about a third of the collection's own CPU time on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from sqlalchemy import Connection, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ColumnElement

SQLITE_BATCH: Final = 900
ARRAY_BATCH: Final = 20000


def batches(conn: Connection, values: Iterable[Any], *, times: int = 1) -> Iterator[list[Any]]:
    """The distinct ``values``, sorted, in batches sized for ``conn``'s database (none when empty);
    ``times``: how many times the statement names a batch (on SQLite each time binds every value)."""
    items = sorted(set(values))
    size = ARRAY_BATCH if conn.dialect.name == "postgresql" else SQLITE_BATCH // times
    for start in range(0, len(items), size):
        yield items[start : start + size]


def among(conn: Connection, column: Any, values: list[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (a batch from :func:`batches`)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]
