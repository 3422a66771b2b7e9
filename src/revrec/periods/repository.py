"""All SQL of the periods package: accounting periods per client, book and org."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from revrec.db.tables import accounting_period, book, org


def primary_book(conn: Connection, client_id: int) -> Any:
    """The client's primary book (the first enabled book when none is flagged primary)."""
    query = (
        select(book)
        .where(book.c.client_id == client_id, book.c.enabled.is_(True))
        .order_by(book.c.primary_flag.desc(), book.c.id)
        .limit(1)
    )
    return conn.execute(query).first()


def org_ids(conn: Connection, client_id: int) -> list[int]:
    """The client's enabled org ids, in order."""
    query = select(org.c.org_id).where(org.c.client_id == client_id, org.c.enabled.is_(True))
    return list(conn.execute(query.order_by(org.c.org_id)).scalars())


#: The current period of a book and org is Open, or Soft Close while it is being closed.
CURRENT_STATUSES = ("Open", "Soft Close")


def _scope(client_id: int, book_id: int, org_id: int) -> Any:
    c = accounting_period.c
    return (c.client_id == client_id) & (c.book_id == book_id) & (c.org_id == org_id)


def open_row(conn: Connection, client_id: int, book_id: int, org_id: int) -> Any:
    query = select(accounting_period).where(
        _scope(client_id, book_id, org_id), accounting_period.c.status.in_(CURRENT_STATUSES)
    )
    return conn.execute(query).first()


def lock_scope(conn: Connection, client_id: int, book_id: int, org_id: int) -> None:
    """Serialise writers of one book and org's periods (PostgreSQL row lock; SQLite has one writer).

    ``FOR NO KEY UPDATE``: writers still exclude each other, but the foreign-key checks of rows that
    reference the book (``FOR KEY SHARE``) are not blocked by it, so no lock cycle with ANALYZE forms."""
    if conn.dialect.name == "postgresql":
        query = select(book.c.id).where(book.c.id == book_id).with_for_update(key_share=True)
        conn.execute(query)


def count_periods(conn: Connection, client_id: int, book_id: int, org_id: int) -> int:
    query = select(func.count()).where(_scope(client_id, book_id, org_id))
    return int(conn.execute(query).scalar_one())


def insert_period(
    conn: Connection,
    client_id: int,
    book_id: int,
    org_id: int,
    key: int,
    span: tuple[dt.date, dt.date],
    status: str,
) -> None:
    conn.execute(
        insert(accounting_period).values(
            client_id=client_id,
            book_id=book_id,
            org_id=org_id,
            period_key=key,
            start_date=span[0],
            end_date=span[1],
            status=status,
        )
    )


def set_status(
    conn: Connection, period_id: int, status: str, *, by: str | None = None, at: dt.datetime | None = None
) -> None:
    values: dict[str, Any] = {"status": status}
    if by is not None:
        values.update(closed_by=by, closed_at=at)
    conn.execute(update(accounting_period).where(accounting_period.c.id == period_id).values(**values))


def periods_of(conn: Connection, client_id: int, book_id: int, org_id: int) -> list[Any]:
    """Every stored period of a book and org (the open one and those before it), oldest first."""
    query = select(accounting_period).where(_scope(client_id, book_id, org_id))
    return list(conn.execute(query.order_by(accounting_period.c.period_key)))
