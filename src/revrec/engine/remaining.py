"""Prospective modification that adds goods (ASC 606-10-25-13(a), IFRS 15.21(a); Example 5 Case B,
ASC 606-10-55-114 to 55-116 / IFRS 15 IE22-IE24): the contract's remaining consideration reallocated
over its remaining goods.

When a modification adds a line to an existing contract and is accounted for prospectively (the old
contract ends, a new one begins at the start of the open period), the amount allocated to the remaining
performance obligations is

* the consideration promised and not yet recognised — the contract's new transaction price (net revenue,
  allocated, at 100 % released) less the net revenue recognised through the last closed period — including
  the new line's price,

allocated to the remaining goods in proportion to their standalone selling prices: each line weighs its
SSP times the part of it still to be delivered, ``ssp × (D − k0) / D`` of its exact natural pattern (a new
line: all of it). A line's new full consideration is what it recognised plus its share, so nothing already
recognised or in a closed period moves, and the remaining runs (:func:`revrec.engine.prospective.
remaining_runs`) then recognise each share as that line's goods are delivered.

Per currency (T, F, R) the remaining consideration is split by cumulative rounding (half away from zero)
over the lines in order, so the shares sum exactly to it and the lines' new totals to the contract's.
Lines without an SSP, excluded from allocation, or in another transaction currency than the rest keep
their own consideration (returned unchanged); so does every line when the weights are not all >= 0 with
a positive sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from .prospective import Pattern

Triple = tuple[int, int, int]


def _split(amount: int, weights: list[Fraction]) -> list[int]:
    """``amount`` over ``weights`` (>= 0, positive sum) by cumulative rounding, half away from zero."""
    total = sum(weights, Fraction(0))
    out: list[int] = []
    running, previous = Fraction(0), 0
    for weight in weights:
        running += weight
        exact = amount * running / total
        rounded = int(exact + Fraction(1, 2)) if exact >= 0 else -int(-exact + Fraction(1, 2))
        out.append(rounded - previous)
        previous = rounded
    return out


def reallocate_remaining(
    patterns: Mapping[str, Pattern],
    recognised: Mapping[str, Triple],
    ssp: Mapping[str, tuple[Decimal | None, str, bool]],
    open_index: int,
) -> dict[str, Pattern]:
    """``patterns`` with the allocated (net revenue) consideration of the participating lines replaced by
    recognised + their share of the remaining consideration (see the module docstring).

    ``recognised``: line id → net revenue recognised through the last closed period in T/F/R (absent: 0,
    a new line); ``ssp``: line id → (extended SSP, transaction currency, eligible for allocation)."""
    found = dict(patterns)
    lines = [
        line_id for line_id in patterns if line_id in ssp and ssp[line_id][0] is not None and ssp[line_id][2]
    ]
    currencies = {ssp[line_id][1] for line_id in lines}
    if len(lines) < 2 or len(currencies) != 1:
        return found
    weights: list[Fraction] = []
    for line_id in lines:
        pattern = patterns[line_id]
        value = Fraction(ssp[line_id][0])  # type: ignore[arg-type]
        denominator = pattern.denominator or 1
        left = (
            Fraction(denominator - pattern.earned(open_index - 1), denominator) if pattern.cumulative else 1
        )
        weights.append(value * left)
    if any(w < 0 for w in weights) or sum(weights, Fraction(0)) <= 0:
        return found
    totals: list[list[int]] = [[], [], []]
    for c in range(3):
        base = [recognised.get(line_id, (0, 0, 0))[c] for line_id in lines]
        pool = sum(patterns[line_id].allocated[c] for line_id in lines) - sum(base)
        totals[c] = [b + share for b, share in zip(base, _split(pool, weights), strict=True)]
    for i, line_id in enumerate(lines):
        found[line_id] = replace(patterns[line_id], allocated=(totals[0][i], totals[1][i], totals[2][i]))
    return found
