"""All SQL of the BI views: the selects behind SQL views, and how any view is read, paged and counted.

Reading a whole view for a continuation token happens inside :func:`snapshot`: one read transaction that
sees one state of the database from its first statement to its last (SQLite WAL keeps the snapshot of a
deferred read transaction; PostgreSQL runs it at REPEATABLE READ), so every page of a token is consistent
even while new data arrives. Rows are streamed (``yield_per``: a server-side cursor on PostgreSQL), so
memory is bounded by a batch, never by the result. :func:`stream_cells` and :func:`page_cells` read SQL
views untyped, straight into CSV cells (:mod:`revrec.biviews.cells`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg import pq
from sqlalchemy import Connection, Engine, Select, false, func, literal, null, select

from revrec.biviews.cells import Cells, CellWriter, driver_types, typed_cells, untyped
from revrec.biviews.views import Row, RowsSource, SqlSource, ViewDef, ViewQuery
from revrec.db.tables import accounting_period, book, org
from revrec.periods.repository import CURRENT_STATUSES

STREAM_BATCH = 2000
CHUNKED_LIBPQ = 170000  # libpq 17: results in chunks (psycopg Cursor.stream with size > 1)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction with one consistent snapshot for all its statements."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        else:
            conn.execution_options(revrec_readonly=True)
        with conn.begin():
            yield conn


def stream(conn: Connection, view: ViewDef, query: ViewQuery) -> Iterator[Row]:
    """Every row of ``view`` for ``query``, in the view's order, streamed."""
    source = view.source
    if isinstance(source, RowsSource):
        yield from source.rows(conn, query)
        return
    for stmt in [source.build(query)] + ([source.then(query)] if source.then is not None else []):
        result = conn.execute(stmt.execution_options(yield_per=STREAM_BATCH))
        try:
            for row in result:
                if source.expand is None:
                    yield tuple(row)
                else:
                    yield from source.expand(tuple(row))
        finally:
            result.close()


def _plain_select(view: ViewDef, query: ViewQuery) -> Select[Any] | None:
    source = view.source
    return source.build(query) if isinstance(source, SqlSource) and source.expand is None else None


def _then_select(view: ViewDef, query: ViewQuery) -> Select[Any] | None:
    """The select whose rows follow :func:`_plain_select`'s (``SqlSource.then``), if any."""
    source = view.source
    if isinstance(source, SqlSource) and source.expand is None and source.then is not None:
        return source.then(query)
    return None


def bulk_select(view: ViewDef, query: ViewQuery) -> Select[Any] | None:
    """The statement :func:`stream_cells` runs for a SQL view (None for computed or expanded views)."""
    stmt = _plain_select(view, query)
    return None if stmt is None else untyped(stmt)


def stream_cells(
    conn: Connection, view: ViewDef, query: ViewQuery, projection: Sequence[int]
) -> Iterator[Cells]:
    """Every row of ``view`` as the CSV cells of ``projection``, in the view's order, streamed."""
    stmt = _plain_select(view, query)
    if stmt is None:
        yield from typed_cells(stream(conn, view, query), projection)
        return
    yield from _select_cells(conn, stmt, projection)
    then = _then_select(view, query)
    if then is not None:
        yield from _select_cells(conn, then, projection)


def _select_cells(conn: Connection, stmt: Select[Any], projection: Sequence[int]) -> Iterator[Cells]:
    if conn.dialect.name == "postgresql" and pq.version() >= CHUNKED_LIBPQ:
        yield from _pushed_cells(conn, stmt, projection)
        return
    result = conn.execute(untyped(stmt).execution_options(yield_per=STREAM_BATCH))
    try:
        writer = CellWriter(stmt, conn.dialect, projection, driver_types(result))
        yield from writer.cells(itertools.chain.from_iterable(result.partitions()))  # batches, not rows
    finally:
        result.close()


def _pushed_cells(conn: Connection, stmt: Select[Any], projection: Sequence[int]) -> Iterator[Cells]:
    """PostgreSQL: the rows pushed by the server as it produces them (psycopg ``Cursor.stream``, in chunks
    of ``STREAM_BATCH`` rows: libpq 17+), so that the query runs while Python formats the rows before;
    a server-side cursor (``yield_per``) would leave the server idle between two ``FETCH``. Memory stays
    bounded (the socket's buffers hold the server back). Closing early cancels the query."""
    dialect = conn.dialect
    state = untyped(stmt).compile(dialect=dialect).construct_expanded_state()  # IN lists expanded
    params = {
        name: value if (process := state.processors.get(name)) is None else process(value)
        for name, value in state.parameters.items()
    }
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    rows = cursor.stream(state.statement, params, size=STREAM_BATCH)
    try:
        first = next(rows, None)
        if first is not None:
            writer = CellWriter(stmt, dialect, projection, [d[1] for d in cursor.description])
            yield from writer.cells(itertools.chain((first,), rows))
    finally:
        rows.close()  # cancels a query still running, and drains what was already sent
        cursor.close()


def page_cells(
    conn: Connection, view: ViewDef, query: ViewQuery, projection: Sequence[int], offset: int, limit: int
) -> Iterator[Cells]:
    """The cells of rows ``offset .. offset + limit`` (re-running the query)."""
    stmt = _plain_select(view, query)
    if stmt is None:
        rows = itertools.islice(stream(conn, view, query), offset, offset + limit)  # computed/expanded view
        yield from typed_cells(rows, projection)
        return
    then = _then_select(view, query)
    result = conn.execute(untyped(stmt).offset(offset).limit(limit))
    writer = CellWriter(stmt, conn.dialect, projection, driver_types(result))
    if then is None:
        yield from writer.cells(result)
        return
    first = list(result)
    yield from writer.cells(first)
    if len(first) >= limit:
        return
    # the page goes on in the second select: from its first row, or past the first select's rows
    start = 0 if first else offset - _count(conn, stmt)
    result = conn.execute(untyped(then).offset(start).limit(limit - len(first)))
    yield from CellWriter(then, conn.dialect, projection, driver_types(result)).cells(result)


def count(conn: Connection, view: ViewDef, query: ViewQuery) -> int:
    stmt = _plain_select(view, query)
    if stmt is not None:
        then = _then_select(view, query)
        return _count(conn, stmt) + (_count(conn, then) if then is not None else 0)
    return sum(1 for _ in stream(conn, view, query))


def _count(conn: Connection, stmt: Select[Any]) -> int:
    inner = stmt.order_by(None).subquery()
    return int(conn.execute(select(func.count()).select_from(inner)).scalar_one())


# --- the selects of the SQL views -----------------------------------------------------------------------
# Neither org nor book keeps a change timestamp yet: their views ignore the window (see docs/outbound.md)
# and leave the audit columns empty.


def _empty(n: int) -> list[Any]:
    return [null() for _ in range(n)]


def org_view(query: ViewQuery) -> Select[Any]:
    """BI3_ORG: ID, ORG_ID, ORG_NAME, CRTD_BY, CRTD_DT, UPDT_BY, UPDT_DT, CLIENT_ID, INCR_UPDT_DT,
    ORG_CODE, ENTITY_ID."""
    return (
        select(
            org.c.id, org.c.org_id, org.c.org_name, *_empty(4), org.c.client_id, *_empty(3)
        )
        .where(org.c.client_id == query.client_id)
        .order_by(org.c.id)
    )  # fmt: skip


def open_period(client_id: Any, book_id: Any) -> Any:
    """``OPEN_PRD_ID``: the book's current (Open or Soft Close) period; with several orgs the earliest, so
    that every period before it is closed in every org."""
    ap = accounting_period.c
    return (
        select(func.min(ap.period_key))
        .where(ap.client_id == client_id, ap.book_id == book_id, ap.status.in_(CURRENT_STATUSES))
        .scalar_subquery()
    )


def period_statuses(conn: Connection, client_id: int, book_id: int) -> list[tuple[int, str]]:
    """(period key, status) of every period opened in ``book_id``, one per org."""
    ap = accounting_period.c
    query = select(ap.period_key, ap.status).where(ap.client_id == client_id, ap.book_id == book_id)
    return [(int(key), str(status)) for key, status in conn.execute(query)]


def book_view(query: ViewQuery) -> Select[Any]:
    """BI3_BOOK in the column order of ``catalog.BOOK_COLUMNS``."""
    return (
        select(
            book.c.id, book.c.name, null(), book.c.book_type, null(),
            open_period(book.c.client_id, book.c.id), *_empty(8), book.c.primary_flag,
            literal("N"), book.c.client_id, *_empty(5), book.c.enabled,
        )
        .where(book.c.client_id == query.client_id)
        .order_by(book.c.id)
    )  # fmt: skip


def no_rows(width: int) -> Select[Any]:
    """A select of ``width`` NULL columns that returns nothing (for views revrec has no data for)."""
    return select(*_empty(width)).where(false())
