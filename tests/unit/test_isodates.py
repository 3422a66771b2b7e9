"""ISO 8601 dates and date-times as the API reads them (BI views, reports list): normalised to UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from revrec import isodates

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "moment", "bare"),
    [
        ("2016-07-26", dt.datetime(2016, 7, 26, tzinfo=UTC), True),
        ("20160726", dt.datetime(2016, 7, 26, tzinfo=UTC), True),
        ("2016-07-26T00:00:00.000Z", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("2016-07-26 05:30:00+05:30", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("2016-07-26T00:00:00 00:00", dt.datetime(2016, 7, 26, tzinfo=UTC), False),  # '+' decoded as ' '
        ("2016-07-25T19:00:00-0500", dt.datetime(2016, 7, 26, tzinfo=UTC), False),
        ("9999-12-31", dt.datetime(9999, 12, 31, tzinfo=UTC), True),
    ],
)
def test_iso_forms_normalise_to_utc(text: str, moment: dt.datetime, bare: bool) -> None:
    assert isodates.parse(text) == (moment, bare)


@pytest.mark.parametrize(
    "text",
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "26-JUL-2016", "2016-13-01", "", "²⁰¹⁶-07-26"],
)
def test_outside_the_calendar_or_not_iso_is_none(text: str) -> None:
    assert isodates.parse(text) is None
