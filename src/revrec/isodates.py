"""ISO 8601 dates and date-times as the API accepts them, normalised to UTC.

Accepted: ``2016-07-26`` (and the other ISO date forms: ``20160726``, ``2016-W30-2``), ``2016-07-26T00:00:00``
with or without fractions (``.000``) and a zone (``Z``, ``+00:00``, ``-0500``), and a space instead of ``T``.
A time without a zone is UTC. Zuora's published defaults use ``2016-07-26T00:00:00.000Z``.
"""

from __future__ import annotations

import datetime as dt
import re

# an offset whose "+" a client left unencoded in a query string arrives as a space: "...T00:00:00 00:00"
_DECODED_PLUS = re.compile(r"(?<=\d) (\d{2}(?::?\d{2})?)$")


def parse(text: str) -> tuple[dt.datetime, bool] | None:
    """The UTC moment of ``text`` and whether it was a bare date (midnight UTC); None when not ISO 8601."""
    text = text.strip()
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC), True
    except ValueError:
        pass
    try:
        parsed = dt.datetime.fromisoformat(_DECODED_PLUS.sub(r"+\1", text))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC), False
    try:
        return parsed.astimezone(dt.UTC), False
    except (
        OverflowError
    ):  # the UTC moment falls outside the calendar (9999-12-31T23:00-05:00, 0001-01-01T00:00+01)
        return None
