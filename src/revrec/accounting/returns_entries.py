"""Journal legs of rights of return, part of the one journal statement (revrec.accounting.repository).

The entries of period ``p`` are the change of each line's reserve position (``rc_return_reserve``, see
revrec.contracts.returns_reserve) from its previous row to its row of ``p`` (a line without a row of ``p``
keeps its position and books nothing): the row of ``p`` counts +1, the previous one -1, each at its own
account strings (so a changed account moves the balance). Legs, debit positive:

* R (the line's Rev Segments) +N / N (refund liability) -N: revenue only for the consideration expected to
  be kept;
* S (right-of-return asset) +S, O (cost of sales) +O / Q (inventory) -Q, where Q = S + O.

Each pair sums to zero per row, so every period still balances in T, F and R. Rows of closed periods are
never rewritten, so a closed period's entries computed again equal the posted ones.
"""

from __future__ import annotations

from collections.abc import Callable

RESERVE_CTE = """
    rsv AS MATERIALIZED (
      SELECT x.*, CASE WHEN x.period_key = :p THEN 1 ELSE -1 END AS sgn FROM (
        SELECT v.*,
          ROW_NUMBER() OVER (PARTITION BY v.line_id ORDER BY v.period_key DESC) AS rn,
          MAX(v.period_key) OVER (PARTITION BY v.line_id) AS last_key
        FROM rc_return_reserve v JOIN revenue_contract c ON c.id = v.rc_id
        WHERE v.client_id = :client AND v.period_key <= :p AND c.book_id = :book AND c.org_id = :org
      ) x
      WHERE x.last_key = :p AND x.rn <= 2{only_v}
    ),"""

# ruff: noqa: S608 - statements are assembled from constant fragments; values are bound parameters
# (type, account column, sign of the position, position column prefix); positive = debit
_LEGS = (
    ("R", "r_seg", "", "n"),
    ("N", "n_seg", "-", "n"),
    ("S", "s_seg", "", "s"),
    ("O", "o_seg", "", "o"),
    ("Q", "q_seg", "-", "q"),
)

ACCOUNT_TYPES = ("N", "S", "O", "Q")


def legs_sql(nonzero: Callable[[str, str, str], str]) -> str:
    """The legs as SELECTs over ``rsv`` joined by UNION ALL, shaped as the journal statement's legs;
    ``nonzero`` gives the WHERE that leaves out a leg of zero (its T, F and R expressions)."""
    return " UNION ALL ".join(
        f"SELECT rc_id, '{kind}', {account}, curr, f_cur, r_cur, "
        f"{sign}sgn * {col}_t, {sign}sgn * {col}_f, {sign}sgn * {col}_r FROM rsv "
        + nonzero(f"{col}_t", f"{col}_f", f"{col}_r")
        for kind, account, sign, col in _LEGS
    )
