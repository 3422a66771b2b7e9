"""The allocation arithmetic of a contract whose discount a discount rule allocated (IFRS 15.82).

Such a contract is not allocated by ``price × share`` over every line: the lines the rule does not name
take their SSP (residual lines their residual SSP) and the named lines share what is left of the price,
the *pool*, by relative SSP.  :func:`with_discount` replaces the formula of the ordinary explanation with
that one, so ``computed`` is still derived step by step and compared with the stored amount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from revrec.engine.allocation import ContractAllocation
from revrec.engine.allocation_rounding import share_of
from revrec.engine.money import from_minor, quantize
from revrec.engine.policies import Policies


def with_discount(
    steps: dict[str, Any], allocation: ContractAllocation, line_id: str, policies: Policies
) -> dict[str, Any]:
    """``steps`` with the discount rule's arithmetic when a rule allocated the contract's discount."""
    discount = allocation.discount
    row = allocation.line(line_id)
    if discount is None or not row.eligible or row.ssp is None:
        return steps
    currency = discount.currency
    pool = from_minor(discount.pool_minor, currency)
    steps["discount_rule"] = discount.rule
    steps["discount_pool"] = str(pool)
    steps["contract_discount"] = str(from_minor(discount.amount_minor, currency))
    own = discount.of(line_id)
    if own is None:
        rounded = quantize(row.ssp, currency)
        kind = "its residual SSP" if row.ssp_type == "RSSP" else "its SSP"
        steps.update(
            share=None,
            remainder="0",
            exact=str(row.ssp),
            rounded=str(rounded),
            formula=f"not named by discount rule {discount.rule}: allocated = {kind} {row.ssp} "
            f"→ rounded half up {rounded}",
            computed=str(rounded),
        )
        return steps
    named = {d.line_id for d in discount.lines}
    total = sum((r.ssp for r in allocation.lines if r.line_id in named and r.ssp is not None), Decimal(0))
    share = share_of(row.ssp, total, policies.conventions)
    exact = pool * share
    rounded = quantize(exact, currency)
    remainder = row.allocated - rounded if allocation.remainder_line_id == line_id else Decimal(0)
    steps.update(
        share=str(share),
        exact=str(exact),
        rounded=str(rounded),
        remainder=str(remainder),
        formula=f"discount rule {discount.rule}: pool {pool} × {share} (SSP {row.ssp} / named SSP {total}) "
        f"= {exact} → rounded half up {rounded}" + (f" + remainder {remainder}" if remainder else ""),
        computed=str(rounded + remainder),
        discount={"amount": str(own.amount), "percent": None if own.percent is None else str(own.percent)},
    )
    return steps
