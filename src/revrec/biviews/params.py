"""Parsing the BI view parameters: client id, date window, page sizes, output type, field lists.

Every problem is an :class:`InvalidInput` naming the parameter and what is accepted.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from revrec import isodates
from revrec.biviews.views import Window
from revrec.errors import InvalidInput

V1_MAX_PAGE = 10_000
CSV_MAX_PAGE = 10_000
GZIP_MAX_PAGE = 20_000
DEFAULT_PAGE = 1_000


def check_client(client_id: str | None, caller_client_id: int) -> None:
    """``clientId`` may be omitted; when given it must be the client the token was issued for."""
    if client_id is None or client_id.strip() == "":
        return
    if client_id.strip() != str(caller_client_id):
        raise InvalidInput(f"Invalid User ID: clientId {client_id} is not the client of this token")


def moment(name: str, value: str | None) -> tuple[dt.datetime | None, bool]:
    """A UTC timestamp from any ISO 8601 date or date-time (:mod:`revrec.isodates`); and whether it was a
    bare date."""
    if value is None or value.strip() == "":
        return None, False
    parsed = isodates.parse(value)
    if parsed is None:
        raise InvalidInput(
            f"Invalid {name} '{value}': use an ISO 8601 date or date-time, e.g. 2016-07-26, "
            "2016-07-26T00:00:00 or 2016-07-26T00:00:00.000Z"
        )
    return parsed


def window(from_date: str | None, to_date: str | None) -> Window:
    """The window of ``fromDate``/``toDate`` (both inclusive; a bare ``toDate`` covers its whole day)."""
    start, _ = moment("fromDate", from_date)
    end, end_is_date = moment("toDate", to_date)
    if end is not None and end_is_date:
        end = end + dt.timedelta(days=1) if end.date() < dt.date.max else None  # toDate=9999-12-31: no end
    if start is not None and end is not None and (start >= end if end_is_date else start > end):
        raise InvalidInput(f"Invalid date window: fromDate {from_date} is after toDate {to_date}")
    return Window(start, end, end_exclusive=end_is_date)


def page_number(value: int | None) -> int:
    if value is None:
        return 1
    if value < 1:
        raise InvalidInput(f"Invalid pagenum {value}: pages are numbered from 1")
    return value


def v1_page_size(value: int | None) -> int:
    if value is None:
        return DEFAULT_PAGE
    if not 1 <= value <= V1_MAX_PAGE:
        raise InvalidInput(f"Invalid pagesize {value}: use 1 to {V1_MAX_PAGE:,}")
    return value


def output_type(value: str | None, default: str) -> bool:
    """True for gzip, False for csv."""
    chosen = (value or default).strip().lower()
    if chosen not in ("csv", "gzip"):
        raise InvalidInput(f"Invalid outputType '{value}': use csv or gzip")
    return chosen == "gzip"


def v2_page_size(value: int | None, gzipped: bool) -> int:
    if value is None:
        return DEFAULT_PAGE
    top = GZIP_MAX_PAGE if gzipped else CSV_MAX_PAGE
    if not 1 <= value <= top:
        kind = "gzip" if gzipped else "csv"
        raise InvalidInput(f"Invalid pageSize {value}: use 1 to {top:,} for outputType {kind}")
    return value


def fields(body: bytes) -> list[str] | None:
    """The field list of a request body (a JSON array of names); None when the body is empty."""
    if not body.strip():
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested thousands of levels deep
        parsed = None
    if not isinstance(parsed, list) or not all(isinstance(f, str) and f.strip() for f in parsed):
        raise InvalidInput('The body must be a JSON array of field names, e.g. ["ID", "ORG_NAME"]')
    return parsed or None


@dataclass(frozen=True, slots=True)
class Filter:
    """The raw window as the client sent it (echoed in the task status) and its parsed form."""

    from_date: str | None
    to_date: str | None
    window: Window

    @classmethod
    def parse(cls, from_date: str | None, to_date: str | None) -> Filter:
        return cls(from_date, to_date, window(from_date, to_date))
