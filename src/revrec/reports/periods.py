"""Report parameters naming periods and orgs: parsed, checked against the client's periods, defaulted.

A period parameter (``AS_OF_PERIOD``, ``FROM_PERIOD``, ``TO_PERIOD``) is a period id ``202603`` (or
``MAR-2026`` / ``MAR-26``) that must be one of the client's accounting periods (open, soft-closed or
closed; of ``ORG_ID`` when given): a report about a period revrec has never kept would be silently empty,
so it is refused with a message naming the parameter. The default is the latest period (the open one).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from revrec.db.tables import accounting_period, org
from revrec.engine.calendar import AccountingCalendar
from revrec.errors import InvalidInput
from revrec.policies.service import policies_for
from revrec.reports.registry import Params
from revrec.tenancy import repository as tenancy
from revrec.transfer.service import period_key

AS_OF, FROM, TO, ORG = "as_of_period", "from_period", "to_period", "org_id"


def org_filter(conn: Connection, client_id: int, params: Params) -> dict[str, str]:
    """``{"org_id": N}`` when ORG_ID is given and is one of the client's orgs; ``{}`` without it."""
    value = params.get(ORG)
    if value is None:
        return {}
    known = set(conn.execute(select(org.c.org_id).where(org.c.client_id == client_id)).scalars())
    if not value.isdigit() or int(value) not in known:
        raise InvalidInput(f"Invalid ORG_ID {value!r}: not an organization of this client")
    return {ORG: str(int(value))}


def known_periods(conn: Connection, client_id: int, org_id: str | None) -> list[int]:
    c = accounting_period.c
    query = select(c.period_key).where(c.client_id == client_id).distinct().order_by(c.period_key)
    if org_id is not None:
        query = query.where(c.org_id == int(org_id))
    return [int(k) for k in conn.execute(query).scalars()]


def _period(name: str, value: str, known: list[int]) -> int:
    try:
        key = period_key(value)
    except InvalidInput:
        raise InvalidInput(
            f"Invalid {name.upper()} {value!r}: use a period id such as 202603 (or MAR-2026)"
        ) from None
    if key not in known:
        raise InvalidInput(f"{name.upper()} {key} is not a period of this client ({_span(known)})")
    return key


def _span(known: list[int]) -> str:
    return f"its periods are {known[0]} to {known[-1]}" if known else "it has no accounting period yet"


def _latest(name: str, known: list[int]) -> int:
    if not known:
        raise InvalidInput(f"{name.upper()} cannot default to the open period: {_span(known)}")
    return known[-1]


def as_of(conn: Connection, client_id: int, params: Params) -> dict[str, str]:
    """AS_OF_PERIOD (default: the open period) and ORG_ID."""
    resolved = org_filter(conn, client_id, params)
    known = known_periods(conn, client_id, resolved.get(ORG))
    given = params.get(AS_OF)
    key = _period(AS_OF, given, known) if given is not None else _latest(AS_OF, known)
    return {**resolved, AS_OF: str(key)}


def period_range(conn: Connection, client_id: int, params: Params) -> dict[str, str]:
    """FROM_PERIOD and TO_PERIOD (default: the open period; FROM defaults to TO) and ORG_ID."""
    resolved = org_filter(conn, client_id, params)
    known = known_periods(conn, client_id, resolved.get(ORG))
    given_to = params.get(TO)
    to = _period(TO, given_to, known) if given_to is not None else _latest(TO, known)
    given_from = params.get(FROM)
    start = _period(FROM, given_from, known) if given_from is not None else to
    if start > to:
        raise InvalidInput(f"FROM_PERIOD {start} is after TO_PERIOD {to}")
    return {**resolved, FROM: str(start), TO: str(to)}


@dataclass(frozen=True, slots=True)
class Span:
    """Resolved period parameters as calendar positions (what the packed schedules are indexed by)."""

    first_key: int
    last_key: int
    first_index: int
    last_index: int
    org_id: int | None


def calendar_of(conn: Connection, client_id: int) -> AccountingCalendar:
    client = tenancy.get_client(conn, client_id)
    assert client is not None
    return policies_for(conn, client).calendar


def span(conn: Connection, client_id: int, params: Params) -> Span:
    """The resolved ``as_of_period`` or ``from_period``..``to_period`` with their calendar indexes."""
    calendar = calendar_of(conn, client_id)
    first = int(params.get(FROM) or params[AS_OF])
    last = int(params.get(TO) or params[AS_OF])
    org_id = int(params[ORG]) if ORG in params else None
    return Span(first, last, calendar.index_of_key(first), calendar.index_of_key(last), org_id)
