"""Journal entries of variable consideration (docs/judgment.md, "Variable consideration"): pure, no I/O.

Account types: ``V`` VC liability, ``W`` VC revenue, ``K`` VC clearing. A period's VC schedule row of a line
carries two changes, in minor units of the transaction, functional and reporting currency:

* ``alloc`` — the change of VC allocated to the line (a new or re-estimated amount, or the settled actual):
  Dr K / Cr V (a positive VC: consideration the entity expects to receive on top of the price is deferred
  against the clearing account until billed; a negative VC — rebate, discount, refund — the reverse);
* ``rev`` — the change of VC recognised (the share of the allocated VC the line's progress has earned, with
  the cumulative catch-up of a re-estimate): Dr V / Cr W (reversed when negative).

A settlement bill (revrec.vc.settlement) of amount ``s`` (an invoice positive, a credit memo negative) adds
Dr C (billing clearing) / Cr K for ``s`` in its period: the VC invoiced clears the VC clearing account.

Entries are summarised per (contract, account type, currencies) as a net amount put on its debit or credit
side per currency, so every set of entries balances exactly: the net credits are -alloc + settled (K),
alloc - rev (V), rev (W) and -settled (C), whose sum is 0 in every currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

VC_LIABILITY: Final = "V"
VC_REVENUE: Final = "W"
VC_CLEARING: Final = "K"
VC_ACCOUNT_TYPES: Final = (VC_LIABILITY, VC_REVENUE, VC_CLEARING)
#: the billing clearing account type (the book's), debited by a settlement invoice
BILLING_CLEARING: Final = "C"

Triple = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class VcDelta:
    """One VC schedule row: a line's changes of allocated and recognised VC in one period."""

    rc_id: int
    currencies: tuple[str, str, str]
    alloc: Triple
    rev: Triple


@dataclass(frozen=True, slots=True)
class VcSettled:
    """A settlement bill's amount (an invoice positive, a credit memo negative) on a contract."""

    rc_id: int
    currencies: tuple[str, str, str]
    amount: Triple


@dataclass(frozen=True, slots=True)
class VcEntry:
    rc_id: int
    acctg_type: str
    acctg_seg: str
    currencies: tuple[str, str, str]
    debit: Triple
    credit: Triple


def _sides(v: Triple) -> tuple[Triple, Triple]:
    """A net credit as (debit, credit), each side non-negative."""
    a, b, c = v
    return (-a if a < 0 else 0, -b if b < 0 else 0, -c if c < 0 else 0), (max(a, 0), max(b, 0), max(c, 0))


def entries(
    deltas: Iterable[VcDelta], accounts: Mapping[str, str], settled: Iterable[VcSettled] = ()
) -> list[VcEntry]:
    """The summarised V/W/K entries of ``deltas`` and the C/K legs of ``settled``; ``accounts`` maps each
    account type to its string. Accounts whose net is zero in every currency are left out."""
    # per (contract, currencies): net credit of K, V, W, C in T, F, R (12 integers)
    net: dict[tuple[int, tuple[str, str, str]], list[int]] = {}
    for s in settled:
        acc = net.setdefault((s.rc_id, s.currencies), [0] * 12)
        for i in range(3):
            acc[i] += s.amount[i]
            acc[9 + i] -= s.amount[i]
    for d in deltas:
        acc = net.setdefault((d.rc_id, d.currencies), [0] * 12)
        (at, af, ar), (rt, rf, rr) = d.alloc, d.rev
        acc[0] -= at
        acc[1] -= af
        acc[2] -= ar
        acc[3] += at - rt
        acc[4] += af - rf
        acc[5] += ar - rr
        acc[6] += rt
        acc[7] += rf
        acc[8] += rr
    found = []
    order = sorted(((VC_CLEARING, 0), (VC_LIABILITY, 3), (VC_REVENUE, 6), (BILLING_CLEARING, 9)))
    for (rc_id, currencies), acc in sorted(net.items()):
        for kind, at in order:
            values = (acc[at], acc[at + 1], acc[at + 2])
            if values != (0, 0, 0):
                debit, credit = _sides(values)
                found.append(VcEntry(rc_id, kind, accounts[kind], currencies, debit, credit))
    return found


def balanced(found: Iterable[VcEntry]) -> bool:
    """Debits equal credits in every currency."""
    totals = [0, 0, 0]
    for e in found:
        for i in range(3):
            totals[i] += e.debit[i] - e.credit[i]
    return totals == [0, 0, 0]
