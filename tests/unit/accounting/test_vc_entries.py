"""V/W/K journal entries of variable consideration (accounting/vc_entries.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from revrec.accounting.vc_entries import VcDelta, VcEntry, VcSettled, balanced, entries

ACCOUNTS = {"V": "2450", "W": "4050", "K": "1450", "C": "BILLING-CLEARING"}
CUR = ("EUR", "USD", "USD")


def test_estimate_and_recognition_entries() -> None:
    """A bonus of 600.00 booked with 50.00 of it recognised: Dr K 600, Cr V 550 (600 - 50), Cr W 50."""
    found = entries([VcDelta(7, CUR, (60000, 66000, 66000), (5000, 5500, 5500))], ACCOUNTS)
    assert found == [
        VcEntry(7, "K", "1450", CUR, (60000, 66000, 66000), (0, 0, 0)),
        VcEntry(7, "V", "2450", CUR, (0, 0, 0), (55000, 60500, 60500)),
        VcEntry(7, "W", "4050", CUR, (0, 0, 0), (5000, 5500, 5500)),
    ]


def test_rebate_reverses_the_sides_and_zero_accounts_are_left_out() -> None:
    """A rebate of -750.00 recognised at once: Dr W 750, Cr K 750; V nets to zero and is left out."""
    found = entries([VcDelta(1, CUR, (-75000, -75000, -75000), (-75000, -75000, -75000))], ACCOUNTS)
    assert [(e.acctg_type, e.debit[0], e.credit[0]) for e in found] == [("K", 0, 75000), ("W", 75000, 0)]


triples = st.tuples(*(st.integers(min_value=-(10**12), max_value=10**12) for _ in range(3)))
deltas = st.builds(VcDelta, st.integers(min_value=1, max_value=4), st.just(CUR), triples, triples)


@given(st.lists(deltas, max_size=20))
def test_entries_always_balance(found: list[VcDelta]) -> None:
    made = entries(found, ACCOUNTS)
    assert balanced(made)
    for e in made:
        assert all(v >= 0 for v in (*e.debit, *e.credit))
        assert all(d == 0 or c == 0 for d, c in zip(e.debit, e.credit, strict=True))


def test_settlement_invoice_clears_k_against_billing_clearing() -> None:
    """The bonus of 600.00 (Dr K 600) invoiced at 600.00: Dr C 600 / Cr K 600; K nets to zero and is left
    out when both are in one period."""
    settled = [VcSettled(7, CUR, (60000, 66000, 66000))]
    assert entries([], ACCOUNTS, settled) == [
        VcEntry(7, "C", "BILLING-CLEARING", CUR, (60000, 66000, 66000), (0, 0, 0)),
        VcEntry(7, "K", "1450", CUR, (0, 0, 0), (60000, 66000, 66000)),
    ]
    both = entries([VcDelta(7, CUR, (60000, 66000, 66000), (60000, 66000, 66000))], ACCOUNTS, settled)
    assert [(e.acctg_type, e.debit[0], e.credit[0]) for e in both] == [("C", 60000, 0), ("W", 0, 60000)]


settlements = st.builds(VcSettled, st.integers(min_value=1, max_value=4), st.just(CUR), triples)


@given(st.lists(deltas, max_size=10), st.lists(settlements, max_size=10))
def test_settlement_entries_balance_and_k_is_minus_allocated_plus_settled(
    found: list[VcDelta], settled: list[VcSettled]
) -> None:
    made = entries(found, ACCOUNTS, settled)
    assert balanced(made)
    for rc_id in range(1, 5):
        k = sum(e.credit[0] - e.debit[0] for e in made if e.rc_id == rc_id and e.acctg_type == "K")
        c = sum(e.credit[0] - e.debit[0] for e in made if e.rc_id == rc_id and e.acctg_type == "C")
        allocated = sum(d.alloc[0] for d in found if d.rc_id == rc_id)
        paid = sum(s.amount[0] for s in settled if s.rc_id == rc_id)
        assert k == -allocated + paid and c == -paid
