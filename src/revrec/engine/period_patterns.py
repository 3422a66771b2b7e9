"""Period patterns other than calendar months (the ``period_pattern`` convention, Partial Month weights).

* ``Half Month``: a partial first or last period weighs half a full period, whatever its days (the
  half-month or mid-period convention of fixed-asset and subscription systems): full periods weigh 2,
  partial ones 1.
* ``Anniversary Months``: the service span is cut into months counted from its start date (15 January →
  15 February → 15 March ...; a start on the 31st gives the last day of shorter months, each month computed
  from the start date so nothing drifts).  Every whole anniversary month weighs 1, a last partial one its
  days over the days of that anniversary month, and each weighs in the accounting period in which it
  begins — a 12-month line starting on the 15th earns twelve equal amounts.

Both return weights as :mod:`revrec.engine.ratable` does: ``(index of the first period, integer weight per
period)``, contiguous from the first period to the last one with a weight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from math import lcm

from .calendar import AccountingCalendar, add_months

Weights = tuple[int, tuple[int, ...]]


def half_month_weights(first: int, overlaps: Sequence[int], lengths: Sequence[int]) -> Weights:
    """Weights of periods covered ``overlaps`` days out of ``lengths``: 2 when full, 1 when partial."""
    return first, tuple(
        2 if overlap == length else 1 for overlap, length in zip(overlaps, lengths, strict=True)
    )


def anniversary_weights(calendar: AccountingCalendar, start: int, end: int) -> Weights:
    """Weights of the day span ``[start, end)`` (ordinals) cut into anniversary months of its start."""
    anchor = dt.date.fromordinal(start)
    earned: dict[int, Fraction] = {}
    begin, months = start, 0
    while begin < end:
        months += 1
        following = add_months(anchor, months).toordinal()
        part = Fraction(1) if following <= end else Fraction(end - begin, following - begin)
        index = calendar.index_of_ordinal(begin)
        earned[index] = earned.get(index, Fraction(0)) + part
        begin = following
    first, last = min(earned), max(earned)
    values = [earned.get(index, Fraction(0)) for index in range(first, last + 1)]
    scale = lcm(*(value.denominator for value in values))
    return first, tuple(value.numerator * (scale // value.denominator) for value in values)
