"""Packed schedules and how a revised schedule replaces the current one without touching closed periods.

A line's schedule is kept as RUNNING totals per period in integer minor units, from calendar index
``first_index``: the amount recognised through period ``i`` is ``run(i)`` (0 before the first period, the
last value after the last), the amount of period ``i`` is ``run(i) − run(i − 1)``. Revenue (schedule type
R) and carve (type A) each have one series per currency (transaction, functional, reporting).

:func:`revise` builds the new current schedule of a line from the engine's new one, keeping every closed
period (index < the open period's) exactly as it was:

* **Retrospective** (cumulative catch-up): the open period and later follow the new schedule, so the open
  period books ``new run(open) − old run(open − 1)``: its own amount plus the catch-up.
* **Prospective** (ASC 606-10-25-13(a), IFRS 15.21(a); :mod:`revrec.engine.prospective`): what was
  recognised through the last closed period stays; the remaining consideration (the line's new full
  consideration less that) is recognised as the rest of the line's exact natural pattern happens — units
  delivered, events, bills or time — so delivered units are never repriced. Allocated (net revenue) and
  revenue (type R) follow that rule per currency; the carve (type A) is their difference.

Invariants (tested): closed periods keep their amounts; retrospective series end at the new total,
prospective ones at the new full consideration once the line is fully released and earned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from revrec.engine.conventions import ScheduleRounding
from revrec.engine.prospective import Pattern, remaining_runs
from revrec.engine.schedules import LineSchedule

RETROSPECTIVE: Final = "Retrospective"
PROSPECTIVE: Final = "Prospective"

Series = list[int]
Triple = tuple[Series, Series, Series]


def run_at(first: int, series: Sequence[int], index: int) -> int:
    """Running total through calendar index ``index``."""
    if not series or index < first:
        return 0
    return series[min(index - first, len(series) - 1)]


@dataclass(frozen=True, slots=True)
class Packed:
    """A line's schedule: running revenue and carve per currency from calendar index ``first_index``."""

    first_index: int
    rev: Triple
    cv: Triple

    @property
    def n(self) -> int:
        return len(self.rev[0])

    @property
    def has_carve(self) -> bool:
        return any(any(s) for s in self.cv)

    def total(self, kind: str, currency: int) -> int:
        series = (self.rev if kind == "R" else self.cv)[currency]
        return series[-1] if series else 0

    def through(self, kind: str, currency: int, index: int) -> int:
        return run_at(self.first_index, (self.rev if kind == "R" else self.cv)[currency], index)


def pack(schedule: LineSchedule, first_index: int) -> Packed:
    """The engine's schedule as lists. The engine shares one series between currencies at one rate, and
    between revenue and allocated when there is no carve: so do the lists (no packed series is changed in
    place), each built once."""
    revenue, allocated = schedule.running_revenue, schedule.running_allocated
    t, f, r = revenue
    rev_t = list(t)
    rev_f = rev_t if f is t else list(f)
    rev_r = rev_f if r is f else list(r)
    if allocated is revenue:
        zero = [0] * len(rev_t)
        return Packed(first_index, (rev_t, rev_f, rev_r), (zero, zero, zero))
    a_t, a_f, a_r = allocated
    cv_t = [a - b for a, b in zip(a_t, t, strict=True)]
    cv_f = cv_t if a_f is a_t and f is t else [a - b for a, b in zip(a_f, f, strict=True)]
    cv_r = cv_f if a_r is a_f and r is f else [a - b for a, b in zip(a_r, r, strict=True)]
    return Packed(first_index, (rev_t, rev_f, rev_r), (cv_t, cv_f, cv_r))


def encode(series: Series) -> str:
    """JSON text of a series of ints, ``[1,2,3]``: a list's own text without its spaces (the fastest way
    for the short series of a schedule; an int's repr is its text)."""
    if type(series) is list:
        return str(series).replace(" ", "")
    return "[" + ",".join(map(str, series)) + "]"


def encode_triple(triple: Triple) -> tuple[str, str | None, str | None]:
    """JSON texts of the T, F and R series; F (R) is None when equal to T (F)."""
    t, f, r = triple
    return encode(t), None if f == t else encode(f), None if r == f else encode(r)


def decode_triple(t: str, f: str | None, r: str | None) -> Triple:
    ts = json.loads(t)
    fs = ts if f is None else json.loads(f)
    return ts, fs, fs if r is None else json.loads(r)


def decode_packed(
    first_index: int,
    n: int,
    rev: tuple[str, str | None, str | None],
    cv: tuple[str | None, str | None, str | None],
) -> Packed:
    """A stored schedule's texts (``rev_t/f/r``, ``cv_t/f/r``; no carve when ``cv_t`` is NULL) packed."""
    if cv[0] is None:
        zero = [0] * n  # shared: no packed series is changed in place
        return Packed(first_index, decode_triple(*rev), (zero, zero, zero))
    return Packed(first_index, decode_triple(*rev), decode_triple(cv[0], cv[1], cv[2]))


def _retrospective_series(old: Packed, new: Packed, kind: str, c: int, open_index: int) -> tuple[int, Series]:
    lo = min(old.first_index, new.first_index)
    last = max(old.first_index + old.n, new.first_index + new.n, open_index + 1)
    old_series = (old.rev if kind == "R" else old.cv)[c]
    new_series = (new.rev if kind == "R" else new.cv)[c]
    closed = [run_at(old.first_index, old_series, i) for i in range(lo, open_index)]
    later = [run_at(new.first_index, new_series, i) for i in range(open_index, last)]
    return lo, closed + later


def _prospective(
    old: Packed,
    new: Packed,
    pattern: Pattern,
    open_index: int,
    rounding: ScheduleRounding,
    shift: tuple[int, int, int],
) -> Packed:
    """Closed periods from ``old``; open and later periods by :func:`remaining_runs` per currency, from a
    base moved by ``shift`` (booked in the open period; a concession's delivered part)."""
    lo = min(old.first_index, new.first_index, pattern.first_index)
    last = max(old.first_index + old.n, new.first_index + new.n, pattern.end_index, open_index + 1)
    rev: list[Series] = []
    cv: list[Series] = []
    for c in range(3):
        revenue = [old.through("R", c, i) for i in range(lo, open_index)]
        allocated = [r + old.through("A", c, i) for r, i in zip(revenue, range(lo, open_index), strict=True)]
        base_r = old.through("R", c, open_index - 1) + shift[c]
        base_a = base_r + old.through("A", c, open_index - 1)
        revenue += remaining_runs(base_r, pattern.allocatable[c], pattern, open_index, last, rounding)
        allocated += remaining_runs(base_a, pattern.allocated[c], pattern, open_index, last, rounding)
        rev.append(revenue)
        cv.append([a - r for a, r in zip(allocated, revenue, strict=True)])
    return Packed(lo, (rev[0], rev[1], rev[2]), (cv[0], cv[1], cv[2]))


def revise(
    old: Packed | None,
    new: Packed,
    pattern: Pattern | None,
    *,
    open_index: int,
    treatment: str = RETROSPECTIVE,
    rounding: ScheduleRounding = ScheduleRounding.CUMULATIVE,
    shift: tuple[int, int, int] = (0, 0, 0),
) -> Packed:
    """The new current schedule: ``new`` with every period before ``open_index`` kept from ``old``.

    Prospective treatment needs the line's natural ``pattern``; without one it is retrospective. The
    remaining runs of a prospective revision are rounded under the ``schedule_rounding`` convention
    ``rounding``; ``shift`` (per currency) is booked in the open period before the remaining consideration
    is spread (the delivered part of a price concession, :mod:`revrec.engine.concessions`)."""
    if old is None or old.n == 0 or open_index <= old.first_index:
        return new
    if treatment == PROSPECTIVE and pattern is not None:
        return _prospective(old, new, pattern, open_index, rounding, shift)
    parts: dict[str, list[Series]] = {"R": [], "A": []}
    first = old.first_index
    for kind in ("R", "A"):
        for c in range(3):
            first, series = _retrospective_series(old, new, kind, c, open_index)
            parts[kind].append(series)
    rev, cv = parts["R"], parts["A"]
    return Packed(first, (rev[0], rev[1], rev[2]), (cv[0], cv[1], cv[2]))


def prospective_new(
    new: Packed,
    pattern: Pattern,
    *,
    open_index: int,
    rounding: ScheduleRounding = ScheduleRounding.CUMULATIVE,
) -> Packed:
    """The schedule of a line added by a prospective modification: nothing before ``open_index``, then its
    (reallocated) full consideration along its exact ``pattern`` (as :func:`revise` does for what remains)."""
    empty = Packed(open_index, ([], [], []), ([], [], []))
    return _prospective(empty, new, pattern, open_index, rounding, (0, 0, 0))
