"""BI3_WF_SUMM, the waterfall: schedule rows, billing rows and netting rows (accounting-model.md).

- **Schedule rows** are BI3_RC_SCHD's rows under the waterfall's names (same ``SCHD_ID``): revenue
  (``ACCTG_TYPE_ID`` R) and carve (X), one per current line schedule, period and type.
- **Billing rows**, one per bill (``rc_bill``: INV, CM ...): Dr C / Cr L, so ``ACCTG_TYPE_ID`` L (the account
  the bill credits), ``PRD_ID`` the period it is booked in, ``T_AT``/``F_AT``/``R_AT`` its amounts (a credit
  memo is negative), ``SCHD_TYPE_FLAG`` R (Zuora books billing as initial entries of revenue schedules).
- **Netting rows**, from the journal (netting is per contract and currency, computed when a period's entries
  are generated, so they exist for the closed periods and the open one): the netting Dr A / Cr L of a debit
  contract position at the end of a period (``T_AT`` > 0) and, in the next period, its reversal
  (``T_AT`` < 0); ``ACCTG_TYPE_ID`` A, ``NETTING_ENTRY_FLAG`` Y, no line. A contract with lines in several
  transaction currencies has one netting per currency, under the same ``SCHD_ID``.

Billing and netting rows are no schedules: their ``SCHD_ID`` is negative, ``-(4 × bill id + 1)`` for a bill
and ``-(4 × (contract id × 1,000,000 + period key) + 2)`` (netting) / ``+ 3`` (its reversal), so every id is
stable across journal regenerations and unique in the view. ``INCR_UPDT_DT`` is the contract's change time
for every row (see :mod:`revrec.biviews.contracts`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Select, cast, literal, null, or_, select, union_all

from revrec.biviews.contracts import (
    WF_SUMM_COLUMNS,
    _audit,
    _current_line_id,
    _current_schedules,
    _mapped,
    _schedule_rows,
    _series,
    _window,
    decimal_amount,
    rc,
)
from revrec.biviews.cost_waterfall import cost_rows
from revrec.biviews.returns_views import reserve_rows
from revrec.biviews.views import ViewQuery
from revrec.db.routing import of_contract
from revrec.db.tables import journal_entry, rc_bill

PERIOD_SPAN = 1_000_000  # a YYYYMM key fits below it


def _billing_rows(query: ViewQuery) -> Select[Any]:
    b = rc_bill.c
    line = _current_line_id(b.client_id, b.line_id)
    schd_id = -(cast(b.id, BigInteger) * 4 + 1)  # 64-bit: see _netting_rows
    values = {
        "AS_OF_PRD_ID": rc.c.updt_prd_id, "SCHD_ID": schd_id, "LINE_ID": line, "ROOT_LINE_ID": line,
        "PRD_ID": b.prd_id, "POST_PRD_ID": b.prd_id, "BOOK_ID": rc.c.book_id, "CLIENT_ID": b.client_id,
        "ACCTG_TYPE_ID": literal("L"), "NETTING_ENTRY_FLAG": literal("N"), "SCHD_TYPE_FLAG": literal("R"),
        "T_AT": decimal_amount(b.amount_t, b.curr), "F_AT": decimal_amount(b.amount_f, b.f_cur),
        "R_AT": decimal_amount(b.amount_r, b.r_cur), "CRTD_PRD_ID": b.crtd_prd_id,
        **_audit(b.crtd_dt, b.crtd_by),
    }  # fmt: skip
    return (
        select(*_mapped(WF_SUMM_COLUMNS, values))
        .select_from(rc_bill.join(rc, of_contract(b)))
        .where(b.client_id == query.client_id, *_window(query))
    )


def _netting_rows(query: ViewQuery, reversal: bool) -> Select[Any]:
    """The netting legs (``dr_*`` of the A entries) or their reversals (``cr_*``, negated)."""
    j = journal_entry.c
    side, sign, tag = ("cr", -1, 3) if reversal else ("dr", 1, 2)
    t, f, r = (j[f"{side}_{x}"] for x in "tfr")
    # 64-bit arithmetic: in 32 bits (PostgreSQL's integer) it would overflow from contract id 537
    schd_id = -((cast(j.rc_id, BigInteger) * PERIOD_SPAN + j.period_key) * 4 + tag)
    values = {
        "AS_OF_PRD_ID": j.period_key, "SCHD_ID": schd_id,
        "LINE_ID": null(), "ROOT_LINE_ID": null(), "PRD_ID": j.period_key, "POST_PRD_ID": j.period_key,
        "BOOK_ID": j.book_id, "CLIENT_ID": j.client_id, "ACCTG_SEG": j.acctg_seg,
        "ACCTG_TYPE_ID": j.acctg_type, "NETTING_ENTRY_FLAG": literal("Y"), "SCHD_TYPE_FLAG": literal("R"),
        "T_AT": decimal_amount(t * sign, j.curr), "F_AT": decimal_amount(f * sign, j.f_cur),
        "R_AT": decimal_amount(r * sign, j.r_cur), "CRTD_PRD_ID": j.period_key,
        **_audit(rc.c.created_at, rc.c.crtd_by),  # the journal keeps no creator: the contract's
    }  # fmt: skip
    return (
        select(*_mapped(WF_SUMM_COLUMNS, values))
        .select_from(journal_entry.join(rc, of_contract(j)))
        .where(
            j.client_id == query.client_id, j.acctg_type == "A", or_(t != 0, f != 0, r != 0), *_window(query)
        )
    )


def waterfall_view(query: ViewQuery) -> Select[Any]:
    """BI3_WF_SUMM (see the module docstring), ordered by ``SCHD_ID``."""
    idx, current = _series(query), _current_schedules(query)
    branches = [
        _schedule_rows(query, idx, current, WF_SUMM_COLUMNS),
        _billing_rows(query),
        _netting_rows(query, False),
        _netting_rows(query, True),
        *reserve_rows(query),  # rights of return (revrec.biviews.returns_views)
        *cost_rows(query),  # contract costs (revrec.biviews.cost_waterfall)
    ]
    rows = union_all(*branches).subquery("wf")
    return select(*rows.c).order_by(rows.c[f"c{[c.name for c in WF_SUMM_COLUMNS].index('SCHD_ID')}"])
