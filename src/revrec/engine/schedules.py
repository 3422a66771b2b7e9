"""Revenue schedules: the amount of each line earned in each period, in three currencies.

From a line's curve (cumulative earned fraction per period, see :mod:`revrec.engine.ratable`) the schedule
is built by *cumulative rounding*: the running total ``round(total × cumulative fraction)`` is computed for
each period in integer minor units and the period amounts are its differences, so no period drifts and the
amounts sum exactly to ``round(total × released fraction)`` — the allocated amount once fully released.

Two totals are spread along the same curve: the line's allocatable price (the revenue schedule, Zuora's
schedule type ``R``) and its allocated price; the allocation schedule (type ``A``, the carve) is their
difference period by period, so it sums exactly to the carve.  Functional amounts convert the running
transaction total (``round(cum_T × F Ex Rate)``, in the functional currency's precision) and reporting
amounts convert the running functional total (``round(cum_F × G Ex Rate)``), then take differences, so each
currency's schedule is exact in its own precision and sums to its own rounded total.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import chain
from operator import sub
from typing import Final

from .money import from_minor

REVENUE: Final = "R"
ALLOCATION: Final = "A"

Series = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """One schedule amount: a line's revenue (``R``) or carve (``A``) in one period, in T/F/R currency."""

    line_id: str
    period: int
    kind: str
    amount: Decimal
    functional_amount: Decimal
    reporting_amount: Decimal


@dataclass(frozen=True, slots=True)
class LineSchedule:
    """A line's schedule, stored as running totals in minor units per currency.

    ``running_allocated[c][i]`` is the allocated amount earned through period ``periods[i]`` in currency
    ``currencies[c]`` (0 transaction, 1 functional, 2 reporting) and ``running_revenue`` the same for the
    allocatable price; period amounts are their differences (:meth:`allocated`, :meth:`revenue`,
    :meth:`carve`).  Running totals make "recognised through period p" a look-up, which catch-up and the
    waterfall need, and keep the invariant visible: the last running total is the released total.
    """

    line_id: str
    pob_key: str
    periods: tuple[int, ...]
    currencies: tuple[str, str, str]
    running_allocated: tuple[Series, Series, Series]
    running_revenue: tuple[Series, Series, Series]
    released: Fraction

    def allocated(self, currency: int = 0) -> Series:
        """Allocated (net revenue) amount of each period, minor units."""
        return differences(self.running_allocated[currency])

    def revenue(self, currency: int = 0) -> Series:
        """Revenue schedule (type ``R``, the allocatable price) amount of each period, minor units."""
        return differences(self.running_revenue[currency])

    def carve(self, currency: int = 0) -> Series:
        """Allocation schedule (type ``A``, the carve) amount of each period, minor units."""
        return tuple(map(sub, self.allocated(currency), self.revenue(currency)))

    def through(self, period: int, currency: int = 0, kind: str | None = None) -> Decimal:
        """Amount earned through ``period`` (inclusive): allocated (None), revenue (R) or carve (A)."""
        index = bisect_right(self.periods, period) - 1
        if index < 0:
            return from_minor(0, self.currencies[currency])
        allocated, revenue = self.running_allocated[currency][index], self.running_revenue[currency][index]
        units = {None: allocated, REVENUE: revenue, ALLOCATION: allocated - revenue}[kind]
        return from_minor(units, self.currencies[currency])

    def total(self, currency: int = 0, kind: str | None = None) -> Decimal:
        """Total of the allocated (``None``), revenue (``R``) or carve (``A``) amounts in one currency."""
        if not self.periods:
            return from_minor(0, self.currencies[currency])
        return self.through(self.periods[-1], currency, kind)

    def amounts(self, currency: int = 0) -> tuple[tuple[int, Decimal], ...]:
        """``(period, allocated amount)`` pairs in one currency (net revenue: revenue + carve)."""
        code = self.currencies[currency]
        return tuple(
            (p, from_minor(a, code)) for p, a in zip(self.periods, self.allocated(currency), strict=True)
        )

    def entries(self) -> Iterator[ScheduleEntry]:
        """The non-zero revenue (``R``) and carve (``A``) entries, period by period."""
        t, f, r = self.currencies
        revenue = [self.revenue(c) for c in range(3)]
        carve = [self.carve(c) for c in range(3)]
        for index, period in enumerate(self.periods):
            for kind, series in ((REVENUE, revenue), (ALLOCATION, carve)):
                values = (series[0][index], series[1][index], series[2][index])
                if any(values):
                    yield ScheduleEntry(
                        self.line_id,
                        period,
                        kind,
                        from_minor(values[0], t),
                        from_minor(values[1], f),
                        from_minor(values[2], r),
                    )


def cumulative_amounts(total: int, cumulative: Series, denominator: int) -> list[int]:
    """Running totals ``round(total × c / denominator)`` half away from zero, in minor units."""
    twice = 2 * denominator
    if total >= 0:
        double = 2 * total
        return [(double * c + denominator) // twice for c in cumulative]
    double = -2 * total
    return [-((double * c + denominator) // twice) for c in cumulative]


def convert_cumulative(
    running: list[int], numerator: int, denominator: int, negative: bool = False
) -> list[int]:
    """Running totals converted at rate ``numerator / denominator`` (scale included), rounded half up.

    Running totals all have the sign of the line's total (``negative``), as released fractions stay >= 0.
    """
    if numerator == denominator:
        return list(running)
    twice, double = 2 * denominator, 2 * numerator
    if negative:
        return [-((-double * v + denominator) // twice) for v in running]
    return [(double * v + denominator) // twice for v in running]


def differences(running: Series | list[int]) -> Series:
    """Period amounts from running totals."""
    return tuple(map(sub, running, chain((0,), running)))


def rate_scale(rate: tuple[int, int], from_exponent: int, to_exponent: int) -> tuple[int, int]:
    """``(numerator, denominator)`` converting minor units of one currency into another's at ``rate``."""
    numerator, denominator = rate
    shift = to_exponent - from_exponent
    if shift >= 0:
        return numerator * 10**shift, denominator
    return numerator, denominator * 10**-shift


def _series(
    total: int, cumulative: Series, denominator: int, functional: tuple[int, int], reporting: tuple[int, int]
) -> tuple[Series, Series, Series]:
    # the hot loop of the engine: one pass per currency, sign handled once (running totals share its sign)
    twice = 2 * denominator
    if total >= 0:
        double = 2 * total
        running_t = [(double * c + denominator) // twice for c in cumulative]
    else:
        double = -2 * total
        running_t = [-((double * c + denominator) // twice) for c in cumulative]
    t = tuple(running_t)
    f = t if functional[0] == functional[1] else tuple(convert_cumulative(running_t, *functional, total < 0))
    r = f if reporting[0] == reporting[1] else tuple(convert_cumulative(list(f), *reporting, total < 0))
    return t, f, r


def spread(
    amounts: tuple[int, int],
    curve: tuple[Series, int],
    functional: tuple[int, int],
    reporting: tuple[int, int],
) -> tuple[tuple[Series, Series, Series], tuple[Series, Series, Series]]:
    """Running allocated and revenue totals in T/F/R of ``amounts`` (allocated, allocatable)."""
    cumulative, denominator = curve
    allocated = _series(amounts[0], cumulative, denominator, functional, reporting)
    if amounts[1] == amounts[0]:
        return allocated, allocated
    return allocated, _series(amounts[1], cumulative, denominator, functional, reporting)
