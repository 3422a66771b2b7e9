"""Variable consideration in BI3_RC_SCHD: the VC schedule rows (``vc_schedule``) as schedule type ``V``.

Each VC schedule row (a line, VC type and period) gives up to two rows, one per leg whose T/F/R amounts
are not all zero:

| leg | amount | ``DR_ACCTG_FLAG`` | ``CR_ACCTG_FLAG`` = ``ACCTG_TYPE`` |
|---|---|---|---|
| 0 allocation | the change of VC allocated to the line (``alloc_*``) | K (VC clearing) | V (VC liability) |
| 1 recognition | the VC revenue recognised in the period (``rev_*``) | V (VC liability) | W (VC revenue) |

``SCHD_ID`` = 4 x 10^18 + VC schedule row id x 2 + leg: above every other schedule id of the view
(``(schedule id x 2 + type) x 10,000 + i`` stays below 4.3 x 10^13), so the view's order — the regular rows
by (schedule id, type, period index), then the V rows by id and leg — is the order of ``SCHD_ID``. The V
rows are a second select (``SqlSource.then``) read after the regular rows, not a ``UNION ALL`` with them:
PostgreSQL cannot merge such a union's ordered branches and would sort the whole view before its first
row. Paging (``OFFSET``/``LIMIT`` across both selects, continuation tokens) walks that total order. A
closed period's VC row never changes; the open period's row is rewritten (a new id) only when a
reassessment changes its figures.

``INCR_UPDT_DT`` is the contract's ``updated_at`` as for every other row; a reassessment that changes a
contract's VC rows stamps it (revrec.vc.service).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    and_,
    cast,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from revrec.biviews.contracts import (
    SCHD_COLUMNS,
    _current_line_id,
    _mapped,
    _period_name,
    _window,
    decimal_amount,
    org_of,
    rc,
)
from revrec.biviews.views import ViewQuery
from revrec.db.routing import of_contract, same_client
from revrec.db.tables import rc_line, vc_schedule
from revrec.vc.repository import SCHD_ID_OFFSET  # SCHD_ID of a V row: offset + vc_schedule.id * 2 + leg

VC_FLAG = "V"
# (leg, amount prefix, debit account type, credit account type)
LEGS = ((0, "alloc", "K", "V"), (1, "rev", "V", "W"))


def vc_rows(query: ViewQuery) -> list[Select[Any]]:
    """The V rows of BI3_RC_SCHD, one branch per leg, each with the sort columns ``k0..k3``."""
    v = vc_schedule.c
    line = rc_line.alias("vc_line")
    line_pk = _current_line_id(v.client_id, v.line_id)
    branches = []
    for leg, prefix, dr, cr in LEGS:
        t, f, r = (v[f"{prefix}_{c}"] for c in "tfr")
        amount_t, amount_f, amount_r = (
            decimal_amount(t, v.curr),
            decimal_amount(f, v.f_cur),
            decimal_amount(r, v.r_cur),
        )
        schd_id = cast(v.id, BigInteger) * 2 + leg + SCHD_ID_OFFSET
        values = {
            "RC_ID": v.rc_id, "RC_VER": rc.c.version, "AMOUNT": amount_t, "CURR": v.curr,
            "F_EX_RATE": line.c.f_ex_rate, "G_EX_RATE": line.c.g_ex_rate, "POST_PRD_ID": v.period_key,
            "ROOT_LINE_ID": line.c.id, "SCHD_ID": schd_id, "LINE_ID": line.c.id,
            "DR_AMOUNT": amount_t, "CR_AMOUNT": amount_t, "F_DR_AMOUNT": amount_f, "F_CR_AMOUNT": amount_f,
            "G_DR_AMOUNT": amount_r, "G_CR_AMOUNT": amount_r, "ACCTG_TYPE": literal(cr),
            "SCHD_TYPE_FLAG": literal(VC_FLAG), "PERIOD_NAME": _period_name(v.period_key),
            "CLIENT_ID": v.client_id, "BOOK_ID": v.book_id, "CR_ACCTG_FLAG": literal(cr),
            "DR_ACCTG_FLAG": literal(dr), "ORIG_LINE_ID": v.line_id, "UPDT_PRD_ID": v.period_key,
            "SEC_ATR_VAL": org_of(v.org_id), "CRTD_DT": v.crtd_dt, "UPDT_DT": rc.c.updated_at,
            "INCR_UPDT_DT": rc.c.updated_at,
        }  # fmt: skip
        keys = [
            literal_column("1", Integer).label("k0"),
            cast(v.id, BigInteger).label("k1"),
            literal_column(str(leg), Integer).label("k2"),
            literal_column("0", Integer).label("k3"),
        ]
        joined = vc_schedule.join(rc, of_contract(v)).outerjoin(
            line, and_(same_client(line.c.client_id, v.client_id), line.c.id == line_pk)
        )
        branches.append(
            select(*_mapped(SCHD_COLUMNS, values), *keys)
            .select_from(joined)
            .where(v.client_id == query.client_id, or_(t != 0, f != 0, r != 0), *_window(query))
        )
    return branches


def vc_view(query: ViewQuery) -> Select[Any]:
    """The V rows of BI3_RC_SCHD in ``SCHD_ID`` order (VC schedule row id, leg). They follow the regular
    rows (``SqlSource.then``): each select streams in its own order, no sort of the whole view."""
    rows = union_all(*vc_rows(query)).subquery("schd_vc")
    shown = [c for c in rows.c if c.name not in ("k0", "k1", "k2", "k3")]
    return select(*shown).order_by(rows.c.k1, rows.c.k2)
