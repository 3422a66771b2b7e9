"""The discount columns of a stored line (``rc_line.disc_amt``, ``disc_pct``, ``disc_rule``)."""

from __future__ import annotations

from typing import Any

from revrec.engine.discount_allocation import AppliedDiscount

NO_DISCOUNT: tuple[None, None, None] = (None, None, None)


def discount_values(discount: AppliedDiscount | None, line_id: str) -> tuple[Any, Any, Any]:
    """``disc_amt``, ``disc_pct``, ``disc_rule``: the line's part of the contract discount, as a percent
    of its SSP, and the rule; NULL when no rule named the line."""
    found = discount.of(line_id) if discount is not None else None
    if discount is None or found is None:
        return NO_DISCOUNT
    return found.amount, found.percent, discount.rule
