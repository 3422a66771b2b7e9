"""Allocation rounding conventions: which line takes the remainder, and rounded allocation percentages.

Kept apart from :mod:`revrec.engine.allocation` (the relative and residual methods) so the conventions read
in one place.  Invariant: whatever the convention, the allocated minor units sum exactly to the price —
the remainder line absorbs the difference between the price and the sum of the rounded shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from .conventions import AllocationRemainder, Conventions
from .money import from_minor, quantize_places, to_minor


def remainder_line(eligible: Sequence[int], allocated: Mapping[int, int], rule: AllocationRemainder) -> int:
    """The line that absorbs the allocation's rounding remainder under ``rule`` (lines in line-id order)."""
    if rule is AllocationRemainder.FIRST_LINE:
        return eligible[0]
    if rule is AllocationRemainder.LAST_LINE:
        return eligible[-1]
    largest, size = eligible[0], -1
    for i in eligible:  # the largest allocated amount in absolute value, ties to the first line
        if abs(allocated[i]) > size:
            largest, size = i, abs(allocated[i])
    return largest


def share_of(ssp: Decimal, total: Decimal, conventions: Conventions) -> Decimal:
    """A line's share of the SSP total as applied: exact, or rounded to the configured percent decimals."""
    places = conventions.allocation_percent_places
    share = ssp / total
    return share if places is None else quantize_places(share, places + 2)


def by_rounded_percent(
    eligible: Sequence[int],
    ssp: Mapping[int, Decimal],
    price_minor: int,
    currency: str,
    conventions: Conventions,
) -> tuple[dict[int, int], int, int]:
    """Allocated minor units with each share rounded to a percentage of ``allocation_percent_places``
    decimals before it is applied (half up, once per line), the remainder line and the remainder."""
    total = sum((ssp[i] for i in eligible), Decimal(0))
    price = from_minor(price_minor, currency)
    allocated = {i: to_minor(price * share_of(ssp[i], total, conventions), currency) for i in eligible}
    target = remainder_line(eligible, allocated, conventions.allocation_remainder)
    remainder = price_minor - sum(allocated.values())
    allocated[target] += remainder
    return allocated, target, remainder
