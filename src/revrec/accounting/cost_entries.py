"""Journal entries of contract costs (ASC 340-40) in the open period, next to the revenue entries.

Each row of ``rc_cost_schedule`` is one balanced entry: capitalisation Dr G (contract cost asset) / Cr P
(cost payable), expense when incurred Dr I / Cr P, amortisation Dr I (cost expense) / Cr G, impairment
Dr H (impairment loss) / Cr G. :func:`journalize_costs` summarises the open period's rows per contract,
account type and account string into ``journal_entry`` (unposted), after
:func:`revrec.accounting.service.journalize` has replaced the period's unposted rows, so the two together
regenerate the period; closing it posts both.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, delete, insert

from revrec.costs import repository as costs_repo
from revrec.db.tables import journal_entry

ACCOUNT_COLUMN = {
    "G": "asset_segments",
    "I": "expense_segments",
    "P": "payable_segments",
    "H": "impairment_segments",
}
#: the account types only contract cost entries use
COST_ACCOUNT_TYPES = tuple(ACCOUNT_COLUMN)
_Key = tuple[int, str, str, str, str, str]


def summarise(rows: list[Any]) -> dict[_Key, list[int]]:
    """(rc, type, account, T/F/R currencies) → [dr_t, cr_t, dr_f, cr_f, dr_r, cr_r], both legs of each row."""
    totals: dict[_Key, list[int]] = defaultdict(lambda: [0] * 6)
    for r in rows:
        currencies = (r.curr, r.f_cur, r.r_cur)
        for side, letter in ((0, r.dr_type), (1, r.cr_type)):
            key = (r.rc_id, letter, getattr(r, ACCOUNT_COLUMN[letter]), *currencies)
            legs = totals[key]
            legs[side] += r.amount_t
            legs[2 + side] += r.amount_f
            legs[4 + side] += r.amount_r
    return totals


def cost_entry_rows(conn: Connection, scope: Any, period_key: int) -> list[dict[str, Any]]:
    """The journal_entry rows (unposted) the cost schedules give for ``period_key``."""
    rows = costs_repo.period_rows(conn, scope.client_id, scope.book_id, scope.org_id, period_key)
    return [
        {
            "client_id": scope.client_id,
            "book_id": scope.book_id,
            "org_id": scope.org_id,
            "period_key": period_key,
            "rc_id": rc_id,
            "acctg_type": letter,
            "acctg_seg": account,
            "curr": curr,
            "f_cur": f_cur,
            "r_cur": r_cur,
            "dr_t": legs[0],
            "cr_t": legs[1],
            "dr_f": legs[2],
            "cr_f": legs[3],
            "dr_r": legs[4],
            "cr_r": legs[5],
            "posted_flag": False,
        }  # fmt: skip
        for (rc_id, letter, account, curr, f_cur, r_cur), legs in summarise(rows).items()
    ]


def journalize_costs(conn: Connection, scope: Any, period_key: int) -> int:
    """Replace the open period's cost entries (unposted); returns how many summary rows. (A full journal
    generation has deleted them already; an incremental one keeps every row but its contracts' revenue.)"""
    j = journal_entry.c
    conn.execute(
        delete(journal_entry).where(
            j.client_id == scope.client_id, j.book_id == scope.book_id, j.org_id == scope.org_id,
            j.period_key == period_key, j.posted_flag.is_(False), j.mje_id.is_(None), j.origin.is_(None),
            j.acctg_type.in_(COST_ACCOUNT_TYPES),
        )
    )  # fmt: skip
    values = cost_entry_rows(conn, scope, period_key)
    if values:
        conn.execute(insert(journal_entry), values)
    return len(values)
