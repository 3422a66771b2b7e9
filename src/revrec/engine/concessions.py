"""Price concessions under prospective modifications (ASC 606-10-55-114 to 55-116, Example 5 Case B;
IFRS 15 IE22-IE24): the part of a credit that relates to goods already delivered.

When a credit memo (a price concession) reaches a line whose modifications are treated prospectively,
revenue recognised for the units already delivered stays, and the concession is split:

* the part relating to goods **already delivered** is a reduction of revenue in the period of the change
  (the open period) — Example 5 Case B's $900 credit for the 60 defective products delivered;
* the rest reduces the **remaining consideration**, recognised as the remaining goods are delivered
  (:mod:`revrec.engine.prospective`, with the delivered part added to the base so it is not spread again).

Which part relates to delivered goods: the credit concedes ``credited`` units (the credit memo's quantity;
none given: the whole ordered quantity), each by ``amount / credited``; delivered units are the line's
performance through the last closed period, ``ordered × k0 / D`` of its exact natural pattern. The
delivered units are taken first (a concession compensates for goods received), so the delivered part is

    amount × min(credited, delivered) / credited          (half away from zero, in minor units)

— all of it when every credited unit was delivered, ``amount × k0 / D`` for a credit on the whole line.
It is converted to functional and reporting currency as the schedules convert a running total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .money import round_div
from .prospective import Pattern
from .schedules import convert_cumulative


@dataclass(frozen=True, slots=True)
class Concession:
    """One credit on a line: its amount in transaction minor units (negative for a credit) and the
    quantity it credits (None or 0: the whole line)."""

    amount: int
    credited: Decimal | None = None


def delivered_part(
    concessions: Sequence[Concession], pattern: Pattern, open_index: int, ordered: Decimal
) -> tuple[int, int, int]:
    """The part of ``concessions`` relating to goods delivered before ``open_index``, in T/F/R minor units
    (see the module docstring)."""
    delivered = Fraction(pattern.earned(open_index - 1), pattern.denominator or 1)
    total = 0
    for concession in concessions:
        credited = Fraction(abs(concession.credited or Decimal(0)))
        units = Fraction(abs(ordered))
        share = delivered if not credited or not units else min(Fraction(1), delivered * units / credited)
        total += round_div(concession.amount * share.numerator, share.denominator)
    (fn, fd), (rn, rd) = pattern.rates
    functional = convert_cumulative([total], fn, fd, total < 0)[0]
    return total, functional, convert_cumulative([functional], rn, rd, functional < 0)[0]
