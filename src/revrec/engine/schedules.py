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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import chain
from operator import neg, sub
from struct import Struct
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


class _LineScheduleBuilder:
    """Builds a :class:`LineSchedule` on the hot path of the engine (one per scheduled line).

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, which costs more than
    the arithmetic of a short schedule.  This twin has the same slots and plain assignments, and turns the
    instance into a ``LineSchedule`` once it is filled: the object *is* a ``LineSchedule`` (frozen, equal
    to one built the ordinary way; ``tests/unit/engine/test_engine_golden.py`` checks both).
    """

    __slots__ = (
        "line_id",
        "pob_key",
        "periods",
        "currencies",
        "running_allocated",
        "running_revenue",
        "released",
    )

    def __init__(
        self,
        line_id: str,
        pob_key: str,
        periods: tuple[int, ...],
        currencies: tuple[str, str, str],
        running_allocated: tuple[Series, Series, Series],
        running_revenue: tuple[Series, Series, Series],
        released: Fraction,
    ) -> None:
        self.line_id = line_id
        self.pob_key = pob_key
        self.periods = periods
        self.currencies = currencies
        self.running_allocated = running_allocated
        self.running_revenue = running_revenue
        self.released = released
        self.__class__ = LineSchedule  # type: ignore[assignment]


new_line_schedule: Callable[
    [
        str,
        str,
        tuple[int, ...],
        tuple[str, str, str],
        tuple[Series, Series, Series],
        tuple[Series, Series, Series],
        Fraction,
    ],
    LineSchedule,
] = _LineScheduleBuilder  # type: ignore[assignment]


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


# --- Packed running totals ------------------------------------------------------------------------------
# The transaction running totals of a line are ``round(total × c_i / D)`` for the ``c_i`` of its curve.  A
# curve is shared by many lines (it depends on template and dates only), so it is prepared once: with
# ``d = 2D`` and ``M = ceil(2^128 / d)``, the numbers ``P = Σ 2·c_i·M·2^(192 i)`` and ``Q = Σ D·M·2^(192 i)``
# pack one 192-bit field per period.  For a line, ``total × P + Q`` holds ``(2·total·c_i + D)·M`` in field i
# (no carry crosses fields while ``total`` is within ``limit``), and the top 64 bits of each field are
# ``floor((2·total·c_i + D) / d)`` exactly — the rounded running total — because
# ``(2·total·c_i + D)·d < 2^128`` (Granlund–Montgomery: multiplying by ``M`` and dropping 128 bits divides
# exactly below that bound).  One big-integer multiply-add and one ``struct`` unpack replace a Python loop;
# totals beyond ``limit`` use the loop, so the result is the same for every total.

_SHIFT: Final = 128
_FIELD: Final = _SHIFT + 64
_Layout = tuple[Callable[..., bytes], Callable[[bytes], tuple[int, ...]], int]
_LAYOUTS: dict[int, _Layout] = {}


def _layout(count: int) -> _Layout:
    """For ``count`` fields: pack small integers at the field starts, unpack the top 64 bits, Σ 2^(192 i)."""
    found = _LAYOUTS.get(count)
    if found is None:
        pack = Struct("<" + f"Q{_SHIFT // 8}x" * count).pack
        ones = int.from_bytes(pack(*([1] * count)), "little")
        found = _LAYOUTS[count] = (pack, Struct("<" + f"{_SHIFT // 8}xQ" * count).unpack, ones)
    return found


@dataclass(frozen=True, slots=True)
class PackedCurve:
    """A curve prepared for :func:`running_series`: cumulative numerators over ``denominator``, packed."""

    cumulative: Series
    denominator: int
    multiplier: int
    offset: int
    limit: int
    size: int
    unpack: Callable[[bytes], tuple[int, ...]]


def packed_curve(cumulative: Series, denominator: int) -> PackedCurve:
    """Prepare ``cumulative / denominator`` (numerators in [0, denominator]) for :func:`running_series`."""
    count = len(cumulative)
    if not count or min(cumulative) < 0 or max(cumulative) > denominator or denominator >= 1 << 62:
        return PackedCurve(cumulative, denominator, 0, 0, -1, 0, _layout(0)[1])  # never packed
    twice = 2 * denominator
    scale = -(-(1 << _SHIFT) // twice)  # ceil(2^128 / 2D)
    pack, unpack, ones = _layout(count)
    # the fields 2·c_i·M and D·M are below 2^192 (c_i <= D), so the products do not carry across fields
    multiplier = int.from_bytes(pack(*cumulative), "little") * (2 * scale)
    offset = ones * (denominator * scale)
    top = max(max(cumulative), 1)
    # the largest total whose fields stay exact: (2·total·c + D)·2D < 2^128 and (2·total·c + D)·M < 2^192
    limit = min(
        ((1 << _SHIFT) - 1) // twice - denominator,
        ((1 << _FIELD) - 1) // scale - denominator,
    ) // (2 * top)
    limit = min(limit, (1 << 63) - 1)
    return PackedCurve(cumulative, denominator, multiplier, offset, limit, count * _FIELD // 8, unpack)


def _transaction_series(total: int, curve: PackedCurve) -> Series:
    """``round(total × c_i / D)`` half away from zero for every ``c_i`` of the curve."""
    if 0 <= total <= curve.limit:
        return curve.unpack((total * curve.multiplier + curve.offset).to_bytes(curve.size, "little"))
    if 0 < -total <= curve.limit:
        return tuple(
            map(neg, curve.unpack((-total * curve.multiplier + curve.offset).to_bytes(curve.size, "little")))
        )
    denominator = curve.denominator
    twice = 2 * denominator
    if total >= 0:
        double = 2 * total
        return tuple([(double * c + denominator) // twice for c in curve.cumulative])
    double = -2 * total
    return tuple([-((double * c + denominator) // twice) for c in curve.cumulative])


def _converted(running: Series, rate: tuple[int, int], negative: bool) -> Series:
    """:func:`convert_cumulative` of a series whose rate is not the identity."""
    numerator, denominator = rate
    twice = 2 * denominator
    if negative:
        double = -2 * numerator
        return tuple([-((double * v + denominator) // twice) for v in running])
    double = 2 * numerator
    return tuple([(double * v + denominator) // twice for v in running])


def running_series(
    allocated: int,
    allocatable: int,
    curve: PackedCurve,
    functional: tuple[int, int],
    reporting: tuple[int, int],
) -> tuple[tuple[Series, Series, Series], tuple[Series, Series, Series]]:
    """:func:`spread` for a prepared curve: running allocated and revenue totals in T/F/R.

    The hot loop of the engine.  Same results as :func:`cumulative_amounts` and :func:`convert_cumulative`
    (half away from zero; a line's running totals share the sign of its total), with the identity
    conversions skipped and the revenue series shared when there is no carve.
    """
    f_same = functional[0] == functional[1]
    r_same = reporting[0] == reporting[1]
    t = _transaction_series(allocated, curve)
    f = t if f_same else _converted(t, functional, allocated < 0)
    running_allocated = (t, f, f if r_same else _converted(f, reporting, allocated < 0))
    if allocatable == allocated:
        return running_allocated, running_allocated
    t = _transaction_series(allocatable, curve)
    f = t if f_same else _converted(t, functional, allocatable < 0)
    return running_allocated, (t, f, f if r_same else _converted(f, reporting, allocatable < 0))
