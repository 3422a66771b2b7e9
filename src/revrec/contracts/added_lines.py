"""A new line on an existing contract under the Prospective treatment (ASC 606-10-25-13(a), IFRS 15.21(a)):
the contract's remaining consideration is reallocated over its remaining goods
(:mod:`revrec.engine.remaining`) before each line's schedule is revised prospectively.

Applies to every prospective revision of a stored contract one of whose lines was first scheduled in a
later period than another (a line added by a modification, now or earlier): recomputations after the
modification (events, bills, later periods) reallocate the same way, and as each line's goods are
recognised at its share's rate, the shares stay where they were (up to the rounding of what was
recognised). Contracts whose lines all arrived in one period keep the per-line treatment. Each existing line
keeps what it recognised through the last closed period (net revenue, from its current schedule) and
takes its share of the remaining consideration for its undelivered part; the new line takes its share for
all of it, recognised along its own exact pattern from the open period (nothing in a closed period).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from revrec.contracts.compute import Computed
from revrec.contracts.revisions import Packed
from revrec.engine.prospective import Pattern
from revrec.engine.remaining import reallocate_remaining


def reallocated(
    item: Computed,
    old: Mapping[str, tuple[int, int, Packed]],
    first_periods: Mapping[str, int],
    patterns: Mapping[str, Pattern],
    open_period: tuple[int, int],
) -> tuple[dict[str, Pattern], set[str], dict[str, int]]:
    """``patterns`` reallocated over the remaining goods when a line came after the others (else unchanged),
    the added lines without a schedule yet, whose schedule follows their pattern from the open period, and
    line id → new allocated amount (transaction minor units) of every reallocated line.

    ``first_periods``: line id → period key of its first schedule; ``open_period``: (key, index)."""
    open_key, open_index = open_period
    scheduled = {s.line_id for s in item.contract.schedules}
    first = {
        line_id: first_periods.get(line_id, open_key) if line_id in old else open_key for line_id in scheduled
    }
    if len(set(first.values())) < 2 or item.allocated is None:  # no line added after the others
        return dict(patterns), set(), {}
    recognised = {
        line_id: tuple(
            packed.through("R", c, open_index - 1) + packed.through("A", c, open_index - 1) for c in range(3)
        )
        for line_id, (_, _, packed) in old.items()
    }
    ssp: dict[str, tuple[Decimal | None, str, bool]] = {
        a.line_id: (a.ssp, a.currency, a.eligible) for a in item.allocated.allocation.lines
    }
    found = reallocate_remaining(patterns, recognised, ssp, open_index)  # type: ignore[arg-type]
    changed = {line_id for line_id in scheduled if found.get(line_id) is not patterns.get(line_id)}
    amounts = {line_id: found[line_id].allocated[0] for line_id in changed}
    return found, {line_id for line_id in changed if line_id not in old}, amounts
