"""The accounting calendar: how time is cut into periods.

A :class:`Period` is a half-open span ``[start, end)`` with an integer key.  The calendar is data: monthly
by default (key ``YYYYMM`` of the calendar month, like Zuora's ``PRD_ID``), with a configurable fiscal year
start that sets each period's fiscal year and number, or an explicit list of periods (e.g. 4-4-5 weeks).
Invariants: periods are contiguous, non-overlapping and in increasing key order, so "which period holds
this date" is a binary search and "the periods between two periods" is an index range.  The fiscal year
is named by the calendar year in which it *ends* (April 2025 – March 2026 is fiscal 2026).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import CalendarError, PolicyError
from .mapping import Raw, as_mapping, check_keys, get_date, get_int, get_list, join


@dataclass(frozen=True, slots=True)
class Period:
    """One accounting period ``[start, end)``; ``key`` like 202501, ``number`` 1-based in its fiscal year."""

    key: int
    start: dt.date
    end: dt.date
    fiscal_year: int = 0
    number: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end


def _monthly(first_year: int, last_year: int, fiscal_start: int) -> tuple[Period, ...]:
    periods = []
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            start = dt.date(year, month, 1)
            end = dt.date(year + month // 12, month % 12 + 1, 1)
            number = (month - fiscal_start) % 12 + 1
            fiscal_year = year if fiscal_start == 1 or month < fiscal_start else year + 1
            periods.append(Period(year * 100 + month, start, end, fiscal_year, number))
    return tuple(periods)


@dataclass(frozen=True)
class AccountingCalendar:
    """Monthly periods from ``first_year`` to ``last_year`` (or the explicit ``custom_periods``)."""

    fiscal_year_start_month: int = 1
    first_year: int = 1947
    last_year: int = 2199
    custom_periods: tuple[Period, ...] = ()
    periods: tuple[Period, ...] = field(init=False, repr=False, compare=False)
    keys: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _index: Mapping[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise PolicyError("calendar.fiscal_year_start_month", "must be between 1 and 12")
        if self.custom_periods:
            periods = self.custom_periods
            for before, after in zip(periods, periods[1:], strict=False):
                if before.end != after.start or before.key >= after.key:
                    raise PolicyError("calendar.periods", f"period {after.key} does not follow {before.key}")
            if any(p.start >= p.end for p in periods):
                raise PolicyError("calendar.periods", "every period must end after it starts")
        else:
            if self.first_year > self.last_year:
                raise PolicyError("calendar", "first_year is after last_year")
            periods = _monthly(self.first_year, self.last_year, self.fiscal_year_start_month)
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "keys", tuple(p.key for p in periods))
        object.__setattr__(self, "_starts", tuple(p.start.toordinal() for p in periods))
        object.__setattr__(self, "_index", {p.key: i for i, p in enumerate(periods)})

    @property
    def first_ordinal(self) -> int:
        return self._starts[0]

    @property
    def end_ordinal(self) -> int:
        return self.periods[-1].end.toordinal()

    def index_of_ordinal(self, ordinal: int) -> int:
        """Index of the period holding the day with this proleptic ordinal."""
        if ordinal < self._starts[0] or ordinal >= self.end_ordinal:
            raise CalendarError(dt.date.fromordinal(max(ordinal, 1)).isoformat())
        return bisect_right(self._starts, ordinal) - 1

    def index_of(self, day: dt.date) -> int:
        """Index of the period holding ``day``."""
        return self.index_of_ordinal(day.toordinal())

    def period_of(self, day: dt.date) -> Period:
        return self.periods[self.index_of(day)]

    def index_of_key(self, key: int) -> int:
        try:
            return self._index[key]
        except KeyError:
            raise CalendarError(f"period {key}") from None

    def period(self, key: int) -> Period:
        return self.periods[self.index_of_key(key)]

    def start_ordinal(self, index: int) -> int:
        """First day (ordinal) of the period at ``index``."""
        return self._starts[index]

    @classmethod
    def from_mapping(cls, raw: object, path: str = "calendar") -> AccountingCalendar:
        data = as_mapping(raw, path)
        check_keys(data, path, optional=("fiscal_year_start_month", "first_year", "last_year", "periods"))
        custom = tuple(
            _period_from_mapping(item, join(join(path, "periods"), i))
            for i, item in enumerate(get_list(data, "periods", path))
        )
        return cls(
            fiscal_year_start_month=get_int(data, "fiscal_year_start_month", path, 1),
            first_year=get_int(data, "first_year", path, 1947),
            last_year=get_int(data, "last_year", path, 2199),
            custom_periods=custom,
        )

    def to_mapping(self) -> dict[str, object]:
        result: dict[str, object] = {
            "fiscal_year_start_month": self.fiscal_year_start_month,
            "first_year": self.first_year,
            "last_year": self.last_year,
        }
        if self.custom_periods:
            result["periods"] = [
                {
                    "key": p.key,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "fiscal_year": p.fiscal_year,
                    "number": p.number,
                }
                for p in self.custom_periods
            ]
        return result


def _period_from_mapping(raw: object, path: str) -> Period:
    data: Raw = as_mapping(raw, path)
    check_keys(data, path, required=("key", "start", "end"), optional=("fiscal_year", "number"))
    start, end = get_date(data, "start", path), get_date(data, "end", path)
    assert start is not None and end is not None  # required keys
    return Period(
        get_int(data, "key", path),
        start,
        end,
        get_int(data, "fiscal_year", path, start.year),
        get_int(data, "number", path, 0),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clamped to a shorter month's end (Jan 31 + 1 → Feb 28)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (next_month - dt.timedelta(days=1)).day))
