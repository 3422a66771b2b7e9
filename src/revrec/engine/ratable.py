"""Ratable methods (domain.md §7): how released revenue is spread over accounting periods.

The result for a line is a *curve*: for each period from the first to the last one touched, the cumulative
fraction of the line's value that is released and earned by the end of that period, as integers over one
common denominator (``first_index``, ``cumulative``, ``denominator``).  Amounts are derived from the curve
by cumulative rounding in :mod:`revrec.engine.schedules`, so no period drifts and totals are exact.

Each release (a fraction of the line made available on a date, see :mod:`revrec.engine.releases`) earns
along the method's base weights.  The methods with catch-up (Ratable, Contract/Invoice/Mid Month/Next Month
Ratable, User Defined Schedules) book everything earned before the release period *in* the release period;
Condense and Sliding start their spread at the release date instead; the Immediate methods put the whole
release in one period.  A release dated before the open period lands in the open period (closed periods
never change).  Weights are days of overlap (``DAILY``) or the fraction of each period covered
(``PARTIAL_MONTH``: full periods weigh 1, so a Jan–Dec line earns twelve equal amounts).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate
from math import lcm
from typing import Final

from .calendar import AccountingCalendar
from .conventions import PeriodPattern
from .period_patterns import anniversary_weights, half_month_weights
from .policy_pob import AccountingMethod, PobTemplate, RatableMethod, ReleaseBase

Weights = tuple[int, tuple[int, ...]]  # (index of the first period, integer weight per period)
Curve = tuple[int, tuple[int, ...], int]  # (index of the first period, cumulative numerators, denominator)


@lru_cache(maxsize=1 << 16)
def span_weights(
    calendar: AccountingCalendar,
    start: int,
    end: int,
    daily: bool,
    pattern: PeriodPattern = PeriodPattern.CALENDAR_MONTHS,
) -> Weights:
    """Weights of the day span ``[start, end)`` (ordinals) over the periods it touches."""
    if not daily and pattern is PeriodPattern.ANNIVERSARY_MONTHS:
        return anniversary_weights(calendar, start, end)
    first = calendar.index_of_ordinal(start)
    last = calendar.index_of_ordinal(end - 1)
    if first == last:
        return first, (end - start if daily else 1,)
    overlaps = []
    lengths = []
    for index in range(first, last + 1):
        period_start = calendar.start_ordinal(index)
        period_end = (
            calendar.start_ordinal(index + 1) if index + 1 < len(calendar.periods) else calendar.end_ordinal
        )
        overlaps.append(min(period_end, end) - max(period_start, start))
        lengths.append(period_end - period_start)
    if daily:
        return first, tuple(overlaps)
    if pattern is PeriodPattern.HALF_MONTH:
        return half_month_weights(first, overlaps, lengths)
    scale = lcm(lengths[0], lengths[-1])
    return first, tuple(
        overlap * scale // length if overlap != length else scale
        for overlap, length in zip(overlaps, lengths, strict=True)
    )


def _fraction_weights(first: int, parts: list[Fraction]) -> Weights:
    scale = lcm(*(part.denominator for part in parts))
    return first, tuple(part.numerator * (scale // part.denominator) for part in parts)


def _ratable(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    return span_weights(c, s, e, t.accounting_method is AccountingMethod.DAILY, p)


def _daily(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    return span_weights(c, s, e, True)


def _mid_month(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    first = c.index_of_ordinal(s)
    months = c.index_of_ordinal(e - 1) - first + 1
    return first, (1,) + (2,) * (months - 1) + (1,)


def _next_month(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    shifted = c.start_ordinal(c.index_of_ordinal(s) + 1)
    return span_weights(c, shifted, shifted + (e - s), t.accounting_method is AccountingMethod.DAILY, p)


def _immediate_start(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    return max(c.index_of_ordinal(s), ri), (1,)


def _immediate_open(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    return ri, (1,)


def _condense(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    begin = max(r, s)
    if begin >= e:
        return ri, (1,)
    return span_weights(c, begin, e, t.accounting_method is AccountingMethod.DAILY, p)


def _sliding(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    delay = max(r - s, 0)
    return span_weights(c, s + delay, e + delay, t.accounting_method is AccountingMethod.DAILY, p)


def _user_defined(
    c: AccountingCalendar, t: PobTemplate, s: int, e: int, r: int, ri: int, b: int, p: PeriodPattern
) -> Weights:
    base = {ReleaseBase.RELEASE_DATE: r, ReleaseBase.START_DATE: s, ReleaseBase.SO_DATE: b}[t.release_base]
    parts: list[Fraction] = []
    for row in t.schedule:
        share = Fraction(row.percent) / row.periods
        parts.extend([share] * row.periods)
    return _fraction_weights(c.index_of_ordinal(base), parts)


_METHODS: Final[dict[RatableMethod, Callable[..., Weights]]] = {
    RatableMethod.RATABLE: _ratable,
    RatableMethod.CONTRACT_RATABLE: _daily,
    RatableMethod.INVOICE_RATABLE: _daily,
    RatableMethod.MID_MONTH_RATABLE: _mid_month,
    RatableMethod.NEXT_MONTH_RATABLE: _next_month,
    RatableMethod.IMMEDIATE_USING_START_DATE: _immediate_start,
    RatableMethod.IMMEDIATE_USING_OPEN_PERIOD: _immediate_open,
    RatableMethod.CONDENSE: _condense,
    RatableMethod.SLIDING: _sliding,
    RatableMethod.USER_DEFINED: _user_defined,
}


def base_weights(
    calendar: AccountingCalendar,
    template: PobTemplate,
    span: tuple[int, int],
    release: int,
    release_index: int,
    booked: int,
    pattern: PeriodPattern = PeriodPattern.CALENDAR_MONTHS,
) -> Weights:
    """Base weights of one release (dated ordinal ``release``, landing in period ``release_index``).

    ``span`` is the service span ``[start, end)`` in ordinals; ``booked`` the SO date (for user-defined
    schedules based on it); ``pattern`` the ``period_pattern`` convention of Partial Month weights.
    """
    return _METHODS[template.ratable_method](
        calendar, template, span[0], span[1], release, release_index, booked, pattern
    )


def release_curve(weights: Weights, release_index: int) -> Curve:
    """Cumulative curve of one full release: nothing before ``release_index``, catch-up in it."""
    first, values = weights
    sums = tuple(accumulate(values))
    if release_index <= first:  # released before the spread starts: the curve is the running sums
        return first, sums, sums[-1]
    last = first + len(values) - 1
    low = max(first, release_index)
    high = max(last, release_index)
    top = len(sums) - 1
    cumulative = tuple(sums[min(p - first, top)] for p in range(low, high + 1))
    return low, cumulative, sums[-1]


def combine(parts: list[tuple[Fraction, Curve]]) -> Curve:
    """Σ fraction × curve over several releases, as one curve over a common denominator."""
    low = min(curve[0] for _, curve in parts)
    high = max(curve[0] + len(curve[1]) - 1 for _, curve in parts)
    totals: list[Fraction] = []
    for period in range(low, high + 1):
        total = Fraction(0)
        for fraction, (first, cumulative, denominator) in parts:
            if period >= first:
                position = min(period - first, len(cumulative) - 1)
                total += fraction * Fraction(cumulative[position], denominator)
        totals.append(total)
    scale = lcm(*(t.denominator for t in totals))
    return low, tuple(t.numerator * (scale // t.denominator) for t in totals), scale
