"""Schedule rounding conventions: where the rounding remainder of a line's schedule lands.

:mod:`revrec.engine.schedules` spreads a total along a curve by *cumulative rounding* (the default
``schedule_rounding`` convention).  The other conventions round each period's exact amount on its own and
put what that leaves of the rounded total in one period: the last period with revenue (``Last Period``),
or the first period with revenue that is not closed (``First Period``; a remainder never rewrites a closed
period).  Invariants, as with cumulative rounding: each currency's period amounts sum exactly to that
currency's rounded total — transaction ``round(total × released)``, functional ``round(T × F Ex Rate)``,
reporting ``round(F × G Ex Rate)`` — so the allocation (``A``) schedule, allocated − revenue per period,
sums exactly to the carve.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from .conventions import ScheduleRounding
from .money import round_div
from .schedules import Series, differences, spread

Running = tuple[Series, Series, Series]


def remainder_period(weights: Sequence[int], rounding: ScheduleRounding, floor: int = 0) -> int:
    """Position of the period that takes the remainder; ``floor`` is the first position not closed."""
    earning = [i for i, weight in enumerate(weights) if weight]
    if not earning:
        return len(weights) - 1
    if rounding is ScheduleRounding.FIRST_PERIOD:
        return next((i for i in earning if i >= floor), earning[-1])
    return earning[-1]


def distribute(numerators: Sequence[int], denominator: int, target: int, at: int) -> list[int]:
    """Each ``n / denominator`` rounded half up on its own, plus ``target`` − their sum at position ``at``."""
    amounts = [round_div(numerator, denominator) for numerator in numerators]
    amounts[at] += target - sum(amounts)
    return amounts


def _converted(amounts: list[int], rate: tuple[int, int], at: int) -> list[int]:
    numerator, denominator = rate
    if numerator == denominator:
        return amounts
    target = round_div(sum(amounts) * numerator, denominator)
    return distribute([amount * numerator for amount in amounts], denominator, target, at)


def _running(
    total: int,
    curve: tuple[Series, int],
    rates: tuple[tuple[int, int], tuple[int, int]],
    at: int,
) -> Running:
    cumulative, denominator = curve
    weights = differences(cumulative)
    target = round_div(total * cumulative[-1], denominator)
    t = distribute([total * weight for weight in weights], denominator, target, at)
    f = _converted(t, rates[0], at)
    r = _converted(f, rates[1], at)
    return tuple(accumulate(t)), tuple(accumulate(f)), tuple(accumulate(r))


def spread_by(
    rounding: ScheduleRounding,
    amounts: tuple[int, int],
    curve: tuple[Series, int],
    functional: tuple[int, int],
    reporting: tuple[int, int],
    floor: int = 0,
) -> tuple[Running, Running]:
    """:func:`revrec.engine.schedules.spread` under a ``schedule_rounding`` convention."""
    if rounding is ScheduleRounding.CUMULATIVE or not curve[0]:
        return spread(amounts, curve, functional, reporting)
    at = remainder_period(differences(curve[0]), rounding, floor)
    allocated = _running(amounts[0], curve, (functional, reporting), at)
    if amounts[1] == amounts[0]:
        return allocated, allocated
    return allocated, _running(amounts[1], curve, (functional, reporting), at)
