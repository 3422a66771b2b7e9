"""Contract costs in BI3_WF_SUMM: the cost schedule rows (``rc_cost_schedule``, revrec.costs) as waterfall
rows, so the waterfall shows the contract cost asset (G) being capitalised, amortised and impaired.

Two rows per cost schedule row, its debit leg (0) and its credit leg (1), amounts **credit positive** as the
waterfall's other rows (the debit leg negative), ``SCHD_TYPE_FLAG`` C (cost):

| entry | leg 0 (debit) | leg 1 (credit) |
|---|---|---|
| CAPITALISE | G (cost asset) | P (payable) |
| EXPENSE | I (cost expense) | P |
| AMORTISE | I | G |
| IMPAIR | H (impairment loss) | G |

``ACCTG_SEG`` is the cost line's account string of that type. ``PRD_ID`` is the period the row books in:
rows after the open period are scheduled amortisation (as the revenue schedule rows after it are).
``SCHD_ID`` = 10^17 + cost schedule row id x 2 + leg: positive, above the schedule rows' ids and the
rights-of-return rows' (10^14 + reserve row id x 8 + leg, revrec.biviews.returns_views), below the VC
schedule rows' 4 x 10^18 (BI3_RC_SCHD).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Select, case, cast, literal, or_, select

from revrec.biviews.contracts import (
    WF_SUMM_COLUMNS,
    _audit,
    _current_line_id,
    _mapped,
    _window,
    decimal_amount,
    rc,
)
from revrec.biviews.views import ViewQuery
from revrec.db.routing import of_contract
from revrec.db.tables import rc_cost, rc_cost_schedule

SCHD_ID_OFFSET = 10**17
COST = "C"


def _segment(kind: Any) -> Any:
    """The cost line's account string of account type ``kind`` (G, I, P or H)."""
    c = rc_cost.c
    accounts = {"G": c.asset_segments, "I": c.expense_segments, "P": c.payable_segments}
    return case(*((kind == k, v) for k, v in accounts.items()), else_=c.impairment_segments)


def cost_rows(query: ViewQuery) -> list[Select[Any]]:
    """The cost legs as BI3_WF_SUMM branches (see the module docstring)."""
    k, c = rc_cost_schedule.c, rc_cost.c
    branches = []
    for leg, kind, sign in ((0, k.dr_type, -1), (1, k.cr_type, 1)):
        line = _current_line_id(c.client_id, c.line_id)
        values = {
            "AS_OF_PRD_ID": k.period_key, "SCHD_ID": cast(k.id, BigInteger) * 2 + leg + SCHD_ID_OFFSET,
            "LINE_ID": line, "ROOT_LINE_ID": line, "PRD_ID": k.period_key, "POST_PRD_ID": k.period_key,
            "BOOK_ID": c.book_id, "CLIENT_ID": k.client_id, "ACCTG_SEG": _segment(kind),
            "ACCTG_TYPE_ID": kind, "NETTING_ENTRY_FLAG": literal("N"), "SCHD_TYPE_FLAG": literal(COST),
            "T_AT": decimal_amount(k.amount_t * sign, c.curr),
            "F_AT": decimal_amount(k.amount_f * sign, c.f_cur),
            "R_AT": decimal_amount(k.amount_r * sign, c.r_cur), "CRTD_PRD_ID": k.crtd_prd_id,
            **_audit(c.crtd_dt, c.crtd_by),
        }  # fmt: skip
        moved = or_(*(k[f"amount_{x}"] != 0 for x in "tfr"))
        branches.append(
            select(*_mapped(WF_SUMM_COLUMNS, values))
            # rc_cost by id only: with its client PostgreSQL read the client's cost schedule once per cost
            .select_from(rc_cost_schedule.join(rc_cost, c.id == k.cost_id).join(rc, of_contract(k)))
            .where(k.client_id == query.client_id, moved, *_window(query))
        )
    return branches
