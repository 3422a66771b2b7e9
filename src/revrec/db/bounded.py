"""Statements over very many rows with the memory they hold bounded, on SQLite.

SQLite deletes many rows in two passes: it first collects the rowid of every matching row in memory, then
deletes them, so one ``DELETE`` holds about 33 bytes per row it deletes until it ends (measured: 3 MB for the
90,819 entries of a 100,000-line period; a full journal regeneration at 5,000,000 lines deletes about 4.5
million). :func:`delete_where` deletes at most :data:`SQLITE_ROWS` rows a statement instead, in the same
transaction: the same rows go, the held memory is that of one batch. PostgreSQL's server deletes without
such a list; one statement there.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Connection, Table, delete, select

#: the most rows one ``DELETE`` removes on SQLite (:func:`delete_where`)
SQLITE_ROWS: Final = 100_000


def delete_where(conn: Connection, table: Table, *conditions: Any) -> int:
    """Delete the rows of ``table`` (keyed by ``id``) matching ``conditions``; how many. On SQLite in
    statements of at most :data:`SQLITE_ROWS` rows each, until one deletes fewer."""
    if conn.dialect.name != "sqlite":
        return int(conn.execute(delete(table).where(*conditions)).rowcount)
    key = table.c.id
    total = 0
    while True:
        batch = select(key).where(*conditions).limit(SQLITE_ROWS).scalar_subquery()
        count = int(conn.execute(delete(table).where(key.in_(batch))).rowcount)
        total += count
        if count < SQLITE_ROWS:
            return total
