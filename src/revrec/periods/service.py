"""Accounting periods: the one open period of each book and org, and closing it.

A period is a calendar period (the client's calendar policy) with a status: ``Open`` (exactly one per
client, book and org), ``Soft Close`` or ``Closed``. Periods are created on first use: the first open
period is the ``accounting.open_period`` setting or, by default, the period of the earliest SO date
waiting in staging. Closing a period marks it ``Closed`` (its journal entries become immutable, see
revrec.accounting) and opens the next calendar period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from revrec.accounting import settings as accounting_settings
from revrec.engine.calendar import AccountingCalendar
from revrec.engine.errors import CalendarError
from revrec.errors import Conflict, InvalidInput
from revrec.periods import repository as repo


@dataclass(frozen=True, slots=True)
class Scope:
    """Where accounting happens: a client, one of its books and one of its orgs."""

    client_id: int
    book_id: int
    org_id: int


@dataclass(frozen=True, slots=True)
class OpenPeriod:
    key: int
    index: int  # position in the calendar
    start: dt.date
    end: dt.date  # exclusive
    status: str = "Open"  # or "Soft Close": data collection and event processing are frozen

    @property
    def previous_index(self) -> int:
        return self.index - 1


def default_scope(conn: Connection, client_id: int, org_id: int | None = None) -> Scope:
    """The client's primary book and the given org (org 0 or None: the first enabled org)."""
    book = repo.primary_book(conn, client_id)
    if book is None:
        raise InvalidInput("the client has no enabled book")
    orgs = repo.org_ids(conn, client_id)
    if not org_id:
        if not orgs:
            raise InvalidInput("the client has no enabled organization")
        org_id = orgs[0]
    elif org_id not in orgs:
        raise InvalidInput(f"OrgId {org_id} is not an enabled organization of the client")
    return Scope(client_id, int(book.id), int(org_id))


def _open(calendar: AccountingCalendar, key: int, status: str = "Open") -> OpenPeriod:
    try:
        index = calendar.index_of_key(key)
    except CalendarError:
        raise InvalidInput(f"period {key} is not in the client's accounting calendar") from None
    period = calendar.periods[index]
    return OpenPeriod(period.key, index, period.start, period.end, status)


def current_open(conn: Connection, scope: Scope, calendar: AccountingCalendar) -> OpenPeriod | None:
    row = repo.open_row(conn, scope.client_id, scope.book_id, scope.org_id)
    return None if row is None else _open(calendar, int(row.period_key), row.status)


def ensure_open(
    conn: Connection, scope: Scope, calendar: AccountingCalendar, *, earliest: dt.date | None
) -> OpenPeriod | None:
    """The open period, created on first use from the setting or the ``earliest`` SO date waiting."""
    repo.lock_scope(conn, scope.client_id, scope.book_id, scope.org_id)
    found = current_open(conn, scope, calendar)
    if found is not None:
        return found
    if repo.count_periods(conn, scope.client_id, scope.book_id, scope.org_id):
        raise Conflict("the book has periods but none is open")
    configured = accounting_settings.load(conn, scope.client_id).open_period
    if configured is not None:
        opened = _open(calendar, configured)
    elif earliest is not None:
        try:
            opened = _open(calendar, calendar.period_of(earliest).key)
        except CalendarError:
            raise InvalidInput(f"the SO date {earliest} is outside the accounting calendar") from None
    else:
        return None
    repo.insert_period(
        conn, scope.client_id, scope.book_id, scope.org_id, opened.key, (opened.start, opened.end), "Open"
    )
    return opened


def close_open_period(
    conn: Connection, scope: Scope, calendar: AccountingCalendar, *, by: str
) -> tuple[int, int]:
    """Mark the open period Closed and open the next one; returns (closed key, new open key)."""
    repo.lock_scope(conn, scope.client_id, scope.book_id, scope.org_id)
    row = repo.open_row(conn, scope.client_id, scope.book_id, scope.org_id)
    if row is None:
        raise Conflict(f"No Period Status Found for ORG_ID:{scope.org_id}, this job cannot be submitted")
    current = _open(calendar, int(row.period_key))
    if current.index + 1 >= len(calendar.periods):
        raise Conflict(f"period {current.key} is the last period of the accounting calendar")
    following = calendar.periods[current.index + 1]
    repo.set_status(conn, row.id, "Closed", by=by, at=dt.datetime.now(dt.UTC))
    repo.insert_period(
        conn,
        scope.client_id,
        scope.book_id,
        scope.org_id,
        following.key,
        (following.start, following.end),
        "Open",
    )
    return current.key, following.key


SOFT_CLOSE = "Soft Close"


def set_current_status(conn: Connection, scope: Scope, calendar: AccountingCalendar, *, status: str) -> int:
    """Put the current period in Soft Close (freezing data collection and event processing) or back to
    Open; returns its key."""
    if status not in repo.CURRENT_STATUSES:
        raise InvalidInput(f"period status must be one of {', '.join(repo.CURRENT_STATUSES)}, not {status!r}")
    repo.lock_scope(conn, scope.client_id, scope.book_id, scope.org_id)
    row = repo.open_row(conn, scope.client_id, scope.book_id, scope.org_id)
    if row is None:
        raise Conflict(f"No Period Status Found for ORG_ID:{scope.org_id}, this job cannot be submitted")
    repo.set_status(conn, row.id, status)
    return int(row.period_key)


def frozen_message(period: OpenPeriod) -> str | None:
    """Why collection and event processing must wait (None when the period is Open)."""
    if period.status != SOFT_CLOSE:
        return None
    return (
        f"Period {period.key} is in Soft Close: data collection and event processing are frozen until the "
        "period is closed (program 152) or reopened (program 154 with STATUS=Open)"
    )
