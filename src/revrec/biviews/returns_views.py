"""Rights of return in BI3_WF_SUMM: the reserve movements (revrec.accounting.returns_entries) as waterfall
rows, so the waterfall shows the revenue moved into the refund liability and the return asset.

One row per reserve row (``rc_return_reserve``: a line and period) and leg whose change from the line's
previous row is not zero, amounts **credit positive** as the waterfall's other rows:

| leg | ``ACCTG_TYPE_ID`` | ``SCHD_TYPE_FLAG`` | amount |
|---|---|---|---|
| 0 | R (Rev Segments) | V (variable consideration: the return reserve) | - change of the refund liability |
| 1 | N (refund liability) | V | + change of the refund liability |
| 2 | S (return asset) | C (cost) | - change of the asset |
| 3 | O (cost of sales) | C | - change of cost of sales |
| 4 | Q (inventory) | C | + change of inventory |

``SCHD_ID`` = 10^14 + reserve row id x 8 + leg: positive, above every schedule row's id (those are
``(schedule id x 2 + type) x 10,000 + i``), stable (a closed period's reserve row is never rewritten; the
open period's row gets a new id when the journal is regenerated, as its figures may change).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Select, cast, func, literal, or_, select

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
from revrec.db.tables import rc_return_reserve

SCHD_ID_OFFSET = 10**14
RESERVE = "V"
COST = "C"
# (leg, account type, account column, schedule type flag, position prefix, sign: credit positive)
LEGS = (
    (0, "R", "r_seg", RESERVE, "n", -1),
    (1, "N", "n_seg", RESERVE, "n", 1),
    (2, "S", "s_seg", COST, "s", -1),
    (3, "O", "o_seg", COST, "o", -1),
    (4, "Q", "q_seg", COST, "q", 1),
)


def _movements(query: ViewQuery) -> Any:
    """Each reserve row of the client with its positions' change from the line's previous row."""
    r = rc_return_reserve.c
    changes = [
        (
            r[f"{k}_{c}"]
            - func.coalesce(
                func.lag(r[f"{k}_{c}"]).over(partition_by=(r.client_id, r.line_id), order_by=r.period_key), 0
            )
        ).label(f"d{k}_{c}")
        for k in ("n", "s", "o", "q")
        for c in "tfr"
    ]
    return (
        select(
            r.id,
            r.client_id,
            r.rc_id,
            r.line_id,
            r.period_key,
            r.curr,
            r.f_cur,
            r.r_cur,
            r.crtd_dt,
            r.r_seg,
            r.n_seg,
            r.s_seg,
            r.o_seg,
            r.q_seg,
            *changes,
        )  # fmt: skip
        .where(r.client_id == query.client_id)
        .subquery("rsv_move")
    )


def reserve_rows(query: ViewQuery) -> list[Select[Any]]:
    """The reserve legs as BI3_WF_SUMM branches (see the module docstring)."""
    m = _movements(query)
    branches = []
    for leg, kind, account, flag, prefix, sign in LEGS:
        t, f, r = (m.c[f"d{prefix}_{c}"] for c in "tfr")
        line = _current_line_id(m.c.client_id, m.c.line_id)
        values = {
            "AS_OF_PRD_ID": m.c.period_key, "SCHD_ID": cast(m.c.id, BigInteger) * 8 + leg + SCHD_ID_OFFSET,
            "LINE_ID": line, "ROOT_LINE_ID": line, "PRD_ID": m.c.period_key, "POST_PRD_ID": m.c.period_key,
            "BOOK_ID": rc.c.book_id, "CLIENT_ID": m.c.client_id, "ACCTG_SEG": m.c[account],
            "ACCTG_TYPE_ID": literal(kind), "NETTING_ENTRY_FLAG": literal("N"),
            "SCHD_TYPE_FLAG": literal(flag),
            "T_AT": decimal_amount(t * sign, m.c.curr), "F_AT": decimal_amount(f * sign, m.c.f_cur),
            "R_AT": decimal_amount(r * sign, m.c.r_cur), "CRTD_PRD_ID": m.c.period_key,
            **_audit(m.c.crtd_dt, None),
        }  # fmt: skip
        branches.append(
            select(*_mapped(WF_SUMM_COLUMNS, values))
            .select_from(m.join(rc, of_contract(m.c)))
            .where(or_(t != 0, f != 0, r != 0), *_window(query))
        )
    return branches
