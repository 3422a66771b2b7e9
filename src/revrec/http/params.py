"""The typed request parameters every route shares: one parser, with bounds, instead of checks per route.

Each type is an ``Annotated`` integer or string that pydantic validates before the handler runs; a value
that is not a whole number in ASCII digits (``²``, ``١``, ``1e3``), that has thousands of digits, or that
lies outside its bounds is refused, and ``http/errors.py`` answers 400 naming the parameter
(``Invalid request: query pagenum: Input should be less than or equal to 1000000``).

The bounds keep every value inside what the storage can hold: record ids are 32-bit ``INTEGER`` columns on
PostgreSQL, and a page number times the largest page size stays far inside 64 bits, so no value reaches
the database only to overflow there.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le, MaxLen
from pydantic import AfterValidator

from revrec.db.types import MAX_INTEGER

MAX_RECORD_ID = MAX_INTEGER  # ids are serial INTEGER columns
MAX_PAGE_NUMBER = 1_000_000  # 1,000,000 pages of 20,000 rows: past the end of any view or batch
MAX_PAGE_SIZE = 20_000  # the largest page of any operation (v2 BI views, gzip); each route narrows it
MAX_TEXT = 1_000  # names, dates and tokens in the query string or a header

RecordId = Annotated[int, Ge(1), Le(MAX_RECORD_ID)]
"""The id of a stored record (upload, job, batch, report, client in a signed URL)."""

OrgId = Annotated[int, Ge(0), Le(MAX_RECORD_ID)]
"""An organization id; 0 stands for the caller's default organization where the API allows it."""

PageNumber = Annotated[int, Ge(1), Le(MAX_PAGE_NUMBER)]
"""A page number: pages are numbered from 1."""

PageSize = Annotated[int, Ge(1), Le(MAX_PAGE_SIZE)]
"""A page size; the route checks its own narrower limit and says which."""

Epoch = Annotated[int, Ge(0), Le(253_402_300_799)]
"""Seconds since 1970-01-01 UTC, up to the last second of year 9999."""


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL: refuse it here (400) rather than let the query fail (500)."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Text = Annotated[str, MaxLen(MAX_TEXT), AfterValidator(_no_nul)]
"""A short string parameter (a name, a date, a token), without NUL characters."""
