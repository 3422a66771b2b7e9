"""Credit rules of credit memos (``CREDIT_RULE`` on CM / CM-R lines, domain §3): how a credit changes the
schedule of the SO line it credits.

The credit's effect on the line's revenue is the change of the line's total (``new total − old total`` per
currency, after the engine's reallocation: for a one-line contract exactly the credit). That change is
distributed over the periods of the line's CURRENT schedule (its amounts per period, ``run(i) − run(i − 1)``)
by the rule of the newest credit memo of the line collected in the chunk:

* blank = **FIFO**: consumes the earliest periods' (positive) amounts first, each down to zero;
* ``L`` = **LIFO**: consumes the latest periods' amounts first, each down to zero;
* ``P`` = **prorate**: in proportion to each period's amount (cumulative rounding, half away from zero);
* ``F`` = **fixed duration**: evenly per period over the calendar periods of the CM's own start and end
  dates (cumulative rounding); without both dates, prorated as ``P`` (the schedule's amounts stand for the
  billed percentage per period).

What FIFO/LIFO cannot consume (the credit exceeds the positive amounts) goes to the last period of the
range. An increase (positive change, e.g. from reallocation) is prorated under every rule. No periods or no
positive weight: the whole change lands in the open period.

Closed periods never change. **Retrospective** treatment distributes over all periods of the schedule; what
the rule assigns to closed periods is booked in the open period as catch-up (the result is handed to
:func:`revrec.contracts.revisions.revise` retrospectively, which keeps the closed periods). **Prospective**
treatment distributes over the open and later periods only (closed periods weigh nothing; the part of an
``F`` window before the open period lands in the open period), so nothing is caught up. Carve (type A) is
revised as any other change (modification treatment), not by the credit rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from typing import Final

from revrec.contracts.revisions import RETROSPECTIVE, Packed, Series, revise, run_at
from revrec.contracts.staged import StagedRow
from revrec.engine.calendar import AccountingCalendar
from revrec.engine.errors import CalendarError

CREDIT_TYPES: Final = frozenset({"CM", "CM-R"})

FIFO: Final = ""
LIFO: Final = "L"
PRORATE: Final = "P"
FIXED: Final = "F"


def _prorate(amount: int, weights: Sequence[int]) -> list[int]:
    """``amount`` split over ``weights`` (non-negative, positive sum) by cumulative rounding."""
    total = sum(weights)
    out: list[int] = []
    cumulative, previous, sign = 0, 0, 1 if amount >= 0 else -1
    for weight in weights:
        cumulative += weight
        running = sign * ((2 * abs(amount) * cumulative + total) // (2 * total))
        out.append(running - previous)
        previous = running
    return out


def _consume(amount: int, amounts: Sequence[int], order: Sequence[int], rest_at: int) -> list[int]:
    """A negative ``amount`` taken from the positive ``amounts`` in ``order``; the rest at ``rest_at``."""
    out = [0] * len(amounts)
    left = -amount
    for i in order:
        if left == 0:
            break
        take = min(left, max(amounts[i], 0))
        out[i] -= take
        left -= take
    out[rest_at] -= left
    return out


def distribute(
    amounts: Sequence[int],
    change: int,
    rule: str | None,
    *,
    window: tuple[int, int] | None = None,
    eligible_from: int = 0,
) -> list[int]:
    """Per-period changes (same length as ``amounts``, summing exactly to ``change``) by ``rule``.

    ``amounts`` are the line's amounts per period; ``window`` the (inclusive) positions of an ``F`` credit's
    dates; positions before ``eligible_from`` take nothing (``F`` positions before it move to it).
    """
    n = len(amounts)
    if n == 0:
        raise ValueError("no periods to distribute over")
    start = min(max(eligible_from, 0), n - 1)
    out = [0] * n
    if change == 0:
        return out
    rule = (rule or FIFO).strip().upper()
    weights = [max(a, 0) if i >= start else 0 for i, a in enumerate(amounts)]
    if rule == FIXED and window is not None and window[0] <= window[1]:
        first, last = max(window[0], start), max(window[1], start)
        last = min(last, n - 1)
        first = min(first, last)
        span = [1 if first <= i <= last else 0 for i in range(n)]
        span[first] += sum(1 for i in range(max(window[0], 0), first) if i < start)  # closed part → open
        return _prorate(change, span)
    if sum(weights) == 0:
        out[start] = change
        return out
    if change > 0 or rule in (PRORATE, FIXED):
        return _prorate(change, weights)
    eligible = range(start, n)
    if rule == LIFO:
        return _consume(change, amounts, list(reversed(eligible)), n - 1)
    return _consume(change, amounts, list(eligible), n - 1)


def _rebase(first: int, series: Series, lo: int, hi: int) -> Series:
    return [run_at(first, series, i) for i in range(lo, hi)]


def apply_credit(
    old: Packed,
    new: Packed,
    revised: Packed,
    rule: str | None,
    *,
    window: tuple[int, int] | None,
    open_index: int,
    prospective: bool,
) -> Packed:
    """The line's new current schedule after a credit: ``old`` revenue changed by ``new``'s change of total,
    distributed by ``rule`` (calendar indices ``window`` for ``F``); the carve of ``revised`` (``new`` revised
    by the modification treatment). Closed periods (index < ``open_index``) keep their amounts."""
    lo = min(old.first_index, revised.first_index, open_index)
    hi = max(old.first_index + old.n, revised.first_index + revised.n, open_index + 1)
    if window is not None:
        lo, hi = min(lo, window[0]), max(hi, window[1] + 1)
    rev: list[Series] = []
    for c in range(3):
        running = _rebase(old.first_index, old.rev[c], lo, hi)
        amounts = [b - a for a, b in zip([0, *running[:-1]], running, strict=True)]
        change = new.total("R", c) - old.total("R", c)
        deltas = distribute(
            amounts,
            change,
            rule,
            window=None if window is None else (window[0] - lo, window[1] - lo),
            eligible_from=open_index - lo if prospective else 0,
        )
        total, series = 0, []
        for amount, delta in zip(amounts, deltas, strict=True):
            total += amount + delta
            series.append(total)
        rev.append(series)
    cv = tuple(_rebase(revised.first_index, s, lo, hi) for s in revised.cv)
    target = Packed(lo, (rev[0], rev[1], rev[2]), (cv[0], cv[1], cv[2]))
    # the carve of ``revised`` already keeps the closed periods: revising it retrospectively leaves it as is
    return revise(old, target, None, open_index=open_index, treatment=RETROSPECTIVE)


def _window(row: StagedRow, calendar: AccountingCalendar) -> tuple[int, int] | None:
    start, end = row.line.start_date, row.line.end_date
    if start is None or end is None or end < start:
        return None
    try:
        return calendar.index_of(start), calendar.index_of(end)
    except CalendarError:
        return None


def revise_credited(
    activity: Iterable[StagedRow],
    line_id: str,
    new_rows: Set[int],
    old: Packed,
    new: Packed,
    revised: Packed,
    *,
    calendar: AccountingCalendar,
    open_index: int,
    prospective: bool,
    events: bool = False,
) -> Packed:
    """The new current schedule of line ``line_id``, ``revised`` (by the modification treatment) unless the
    line was credited: with a CM / CM-R among ``new_rows`` (row ids collected now), the newest one's rule
    distributes the change; a line credited earlier whose total is unchanged keeps its revenue schedule
    (a recomputation, e.g. for a later invoice, does not undo an earlier credit's rule) unless the line has
    events or manual releases (``events``), whose releases the engine's schedule carries."""
    credits = [a for a in activity if a.ref == line_id and a.type in CREDIT_TYPES]
    if not credits:
        return revised
    fresh = [a for a in credits if a.row_id in new_rows]
    if fresh:
        latest = max(fresh, key=lambda a: a.row_id)
        rule = latest.get("CREDIT_RULE")
        window = _window(latest, calendar) if (rule or "").strip().upper() == FIXED else None
        return apply_credit(
            old, new, revised, rule, window=window, open_index=open_index, prospective=prospective
        )
    if not events and all(new.total("R", c) == old.total("R", c) for c in range(3)):
        return apply_credit(old, new, revised, None, window=None, open_index=open_index, prospective=True)
    return revised
