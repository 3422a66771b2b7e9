"""BI3_LN_ACCT_SUMM: balances and activity per line, account type and period (functional currency).

The documented columns (api-contract §4.1) are functional amounts (``F_``): ``BB`` begin balance, ``AD``
additions, ``RL`` releases, ``EB`` end balance, ``AT`` activity; ``AL`` the allocation (adjustment) account
beside the base account, ``TL`` their total; ``AR_AT`` the allocation account's activity, ``TL_AT_PS`` /
``TL_AT_UN`` the total activity of a posted (closed) / unposted period. revrec fills them from a line's
current schedule and bills, as its journal books them (accounting-model.md), all signed **credit
positive** (Cr − Dr):

- ``ACCTG_TYPE_ID`` **L** (the line's deferred position): base = contract liability L (``AD`` = billing, plus
  the right-to-bill credit of an Unbill Flag line, ``RL`` = − revenue), allocation = adjustment liability
  Y (``AD`` = 0: revrec books no initial allocation entry, ``RL`` = − carve), total = L + Y;
- ``ACCTG_TYPE_ID`` **R** (the line's recognised revenue, life to date): base = revenue R (``AD`` = revenue
  of the period, ``RL`` = 0), allocation = adjustment revenue X (the carve), total = net revenue.

``EB = BB + AD + RL`` in each group; ``AT = EB − BB``, ``AR_AT`` the same for the allocation account,
``TL_AT = AT + AR_AT``; ``TL_AT_PS`` is ``TL_AT`` when the contract's journal entries of the period are
posted (else 0) and ``TL_AT_UN`` the rest. Rows: every period from the line's first schedule period or
bill to its last, both types. Contract-level entries (the netting Dr A / Cr L, per contract) have no line
and are not here (BI3_WF_SUMM has them), nor are the unbilled receivable U and billing clearing C.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, and_, case, func, literal, literal_column, select, true, union_all

from revrec.biviews.columns import columns
from revrec.biviews.contracts import (
    _mapped,
    _window,
    decimal_amount,
    index_series,
    months,
    org_of,
    rc,
    run_at,
)
from revrec.biviews.views import ViewQuery
from revrec.db.routing import of_contract
from revrec.db.tables import journal_entry, rc_bill, rc_line, rc_schedule

LN_ACCT_SUMM_COLUMNS = columns(
    ["ROOT_LINE_ID:N", "BOOK_ID:N", "ACCTG_TYPE_ID", "SEC_ATR_VAL", "PRD_ID:N", "F_BB:N", "F_AD:N", "F_RL:N",
     "F_EB:N", "F_AL_BB:N", "F_AL_AD:N", "F_AL_RL:N", "F_AL_EB:N", "F_TL_BB:N", "F_TL_AD:N", "F_TL_RL:N",
     "F_TL_EB:N", "F_AT:N", "F_AR_AT:N", "F_TL_AT:N", "F_TL_AT_PS:N", "F_TL_AT_UN:N", "CLIENT_ID:N",
     "CRTD_BY", "CRTD_DT", "UPDT_BY", "UPDT_DT", "INCR_UPDT_DT"]
)  # fmt: skip

ZERO = literal_column("0", Integer)


def _spans(query: ViewQuery) -> Any:
    """Current schedules of the client's lines with the months (``months()``) their rows span."""
    s, b = rc_schedule.c, rc_bill.c
    bills = (
        select(
            b.rc_id,
            b.line_id,
            func.min(b.prd_id).label("lo"),
            func.max(b.prd_id).label("hi"),
            func.sum(b.amount_f).label("billed"),
        )  # fmt: skip
        .where(b.client_id == query.client_id)
        .group_by(b.rc_id, b.line_id)
        .subquery("ln_bills")
    )
    first, last = months(s.first_period), months(s.first_period) + s.n - 1
    lo, hi = months(bills.c.lo), months(bills.c.hi)
    start = case((and_(bills.c.lo.is_not(None), lo < first), lo), else_=first)
    end = case((and_(bills.c.hi.is_not(None), hi > last), hi), else_=last)
    return (
        select(
            s.rc_id,
            s.line_id,
            s.n,
            s.f_cur,
            s.client_id,
            first.label("fm"),
            start.label("sm"),
            end.label("em"),
            func.coalesce(s.rev_f, s.rev_t).label("rev"),
            func.coalesce(s.cv_f, s.cv_t).label("cv"),
            rc_line.c.id.label("root"),
            func.coalesce(rc_line.c.unbill_flag, "N").label("unbill"),
            bills.c.lo,
            bills.c.hi,
            bills.c.billed,
            rc.c.book_id,
            rc.c.org_id,
            rc.c.updated_at,
        )  # fmt: skip
        .select_from(
            rc_schedule.join(rc, of_contract(s))
            .join(
                rc_line,
                and_(
                    rc_line.c.client_id == s.client_id,
                    rc_line.c.line_id == s.line_id,
                    rc_line.c.current_flag == true(),
                ),
            )
            .outerjoin(bills, and_(bills.c.rc_id == s.rc_id, bills.c.line_id == s.line_id))
        )
        .where(s.client_id == query.client_id, s.current_flag == true(), *_window(query))
        .cte("ln_span")
    )


def _months_series(spans: Any) -> Any:
    return index_series("ln_index", select(func.max(spans.c.em - spans.c.sm + 1)).scalar_subquery())


def _billed(sp: Any, key: Any, before: bool) -> Any:
    """Billed through period ``key`` (before it when ``before``), functional minor units: 0 before the line's
    first bill, everything after its last, a look-up only in between."""
    b = rc_bill.c
    within = b.prd_id < key if before else b.prd_id <= key
    between = (
        select(func.coalesce(func.sum(b.amount_f), 0))
        .where(b.client_id == sp.c.client_id, b.rc_id == sp.c.rc_id, b.line_id == sp.c.line_id, within)
        .scalar_subquery()
    )
    nothing = key <= sp.c.lo if before else key < sp.c.lo
    everything = key > sp.c.hi if before else key >= sp.c.hi
    return case((sp.c.lo.is_(None), ZERO), (nothing, ZERO), (everything, sp.c.billed), else_=between)


def _cells(query: ViewQuery) -> Any:
    """One row per line and period: running totals (functional minor units) through it and before it."""
    sp = _spans(query)
    idx = _months_series(sp)
    m = sp.c.sm + idx.c.i
    key = (m // 12) * 100 + m % 12 + 1
    j = m - sp.c.fm
    j_ = journal_entry.c
    entries = (
        select(j_.id)
        .where(j_.client_id == sp.c.client_id, j_.rc_id == sp.c.rc_id, j_.period_key == key, j_.posted_flag)
        .exists()
    )
    # periods after the client's last posted one (most rows) need no look-up (computed once)
    last_posted = select(func.max(j_.period_key)).where(j_.client_id == query.client_id, j_.posted_flag)
    posted = and_(key <= last_posted.scalar_subquery(), entries)
    return (
        select(
            sp.c.root,
            sp.c.book_id,
            sp.c.org_id,
            sp.c.client_id,
            sp.c.updated_at,
            sp.c.f_cur,
            sp.c.unbill,
            key.label("prd"),
            case((posted, 1), else_=0).label("posted"),
            run_at(sp.c.rev, j, sp.c.n).label("r1"),
            run_at(sp.c.rev, j - 1, sp.c.n).label("r0"),
            run_at(sp.c.cv, j, sp.c.n).label("a1"),
            run_at(sp.c.cv, j - 1, sp.c.n).label("a0"),
            _billed(sp, key, False).label("b1"),
            _billed(sp, key, True).label("b0"),
        )  # fmt: skip
        .select_from(sp.join(idx, true()))
        .where(idx.c.i <= sp.c.em - sp.c.sm)
        .cte("ln_cells")
    )


def _unbilled(c: Any, r: Any, b: Any) -> Any:
    """The right-to-bill balance ``max(0, revenue − billed)`` of an Unbill Flag line (else 0)."""
    return case((and_(c.unbill == "Y", r > b), r - b), else_=0)


def _rows(cells: Any, kind: str) -> Select[Any]:
    c = cells.c
    if kind == "L":
        base_bb = c.b0 - c.r0 + _unbilled(c, c.r0, c.b0)
        base_eb = c.b1 - c.r1 + _unbilled(c, c.r1, c.b1)
        base_rl = c.r0 - c.r1
        base_ad = base_eb - base_bb - base_rl
        adj = (-c.a0, ZERO, c.a0 - c.a1, -c.a1)
    else:
        base_bb, base_ad, base_rl, base_eb = c.r0, c.r1 - c.r0, ZERO, c.r1
        adj = (c.a0, c.a1 - c.a0, ZERO, c.a1)
    base = (base_bb, base_ad, base_rl, base_eb)
    total = tuple(x + y for x, y in zip(base, adj, strict=True))
    activity = (base_eb - base_bb, adj[3] - adj[0], total[3] - total[0])
    posted = (c.posted * activity[2], (1 - c.posted) * activity[2])
    amounts = (*base, *adj, *total, *activity, *posted)
    names = ("BB", "AD", "RL", "EB", "AL_BB", "AL_AD", "AL_RL", "AL_EB", "TL_BB", "TL_AD", "TL_RL", "TL_EB",
             "AT", "AR_AT", "TL_AT", "TL_AT_PS", "TL_AT_UN")  # fmt: skip
    values: dict[str, Any] = {
        f"F_{n}": decimal_amount(a, c.f_cur) for n, a in zip(names, amounts, strict=True)
    }
    values.update(
        ROOT_LINE_ID=c.root, BOOK_ID=c.book_id, ACCTG_TYPE_ID=literal(kind), SEC_ATR_VAL=org_of(c.org_id),
        PRD_ID=c.prd,
        CLIENT_ID=c.client_id, UPDT_DT=c.updated_at, INCR_UPDT_DT=c.updated_at,
    )  # fmt: skip
    return select(*_mapped(LN_ACCT_SUMM_COLUMNS, values))


def line_balances_view(query: ViewQuery) -> Select[Any]:
    """BI3_LN_ACCT_SUMM (see the module docstring), ordered by line, account type and period."""
    cells = _cells(query)
    rows = union_all(_rows(cells, "L"), _rows(cells, "R")).subquery("ln_acct")
    return select(*rows.c).order_by(rows.c.c0, rows.c.c2, rows.c.c4)
