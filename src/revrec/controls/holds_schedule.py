"""What a revenue hold does to a line's packed schedule: pure functions over running totals.

A revenue hold stops recognition from the open period it is applied in: every running total from that
period on stays at the value through the last closed period, so the periods from then on book nothing.
Closed periods are never touched (their running totals are kept exactly). Releasing the hold revises the
frozen schedule into the line's true one retrospectively, so the then open period books the catch-up
``true run(open) − frozen run(open − 1)`` (revrec.contracts.revisions.revise) and later periods follow
the true schedule.

Series keep their length, so every series of a schedule still has ``n`` elements (the journal SQL reads
them by position).
"""

from __future__ import annotations

from revrec.contracts.revisions import Packed, Series, Triple, revise

REVENUE = "R"
ALLOCATION = "A"


def _frozen(series: Series, cut: int) -> Series:
    """``series`` with every element from position ``cut`` on equal to the one before it (0 if none)."""
    if cut >= len(series):
        return list(series)
    through = series[cut - 1] if cut > 0 else 0
    return [*series[: max(cut, 0)], *([through] * (len(series) - max(cut, 0)))]


def _frozen_triple(triple: Triple, cut: int) -> Triple:
    return _frozen(triple[0], cut), _frozen(triple[1], cut), _frozen(triple[2], cut)


def freeze(schedule: Packed, open_index: int, kinds: str = REVENUE + ALLOCATION) -> Packed:
    """The held schedule: from calendar index ``open_index`` on, nothing more is recognised for the
    schedule types in ``kinds`` (``R`` revenue, ``A`` allocation/carve)."""
    cut = open_index - schedule.first_index
    rev = _frozen_triple(schedule.rev, cut) if REVENUE in kinds else schedule.rev
    cv = _frozen_triple(schedule.cv, cut) if ALLOCATION in kinds else schedule.cv
    return Packed(schedule.first_index, rev, cv)


def release(held: Packed, true: Packed, open_index: int) -> Packed:
    """The schedule after the release: closed periods as held, the open period the catch-up, later
    periods the true schedule."""
    return revise(held, true, None, open_index=open_index)
