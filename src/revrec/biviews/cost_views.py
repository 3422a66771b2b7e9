"""BI3_RC_LN_COST: cost lines of revenue contracts (ASC 340-40), one row per ``rc_cost``.

Zuora does not publish this view's column list; its sample queries use ``LINE_ID``, ``BOOK_ID``,
``COST_TYPE``, ``ITEM_NUM``, ``AMOUNT``, ``DEF_AMT``, ``REC_AMT`` and ``COST_TMPL_NAME``, which revrec keeps
with those meanings and completes with its own columns. Amounts are in the cost's transaction currency as
of the book's latest (open) period: ``DEF_AMT`` the carrying amount of the contract cost asset (G),
``REC_AMT`` what was expensed (amortisation to date, or the whole cost when expensed), ``IMPAIRED_AMT`` the
impairment losses. ``AMOUNT = DEF_AMT + REC_AMT + IMPAIRED_AMT``. Windowed on the cost's creation time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, select

from revrec.biviews.columns import columns
from revrec.biviews.contracts import _current_line_id, _mapped, _yn, decimal_amount, org_of
from revrec.biviews.views import ViewQuery
from revrec.db.tables import accounting_period, rc_cost, rc_cost_schedule

COST_COLUMNS = columns(
    ["ID:N", "RC_ID:N", "LINE_ID:N", "DOC_LINE_ID", "COST_LINE_ID", "BOOK_ID:N", "SEC_ATR_VAL", "CLIENT_ID:N",
     "COST_TYPE", "COST_TMPL_NAME", "COST_KIND", "COST_TREATMENT", "CAPITALIZED_FLAG", "ITEM_NUM",
     "INCURRED_DATE:D", "CURR", "F_CUR", "F_EX_RATE:N", "G_EX_RATE:N", "AMOUNT:N", "DEF_AMT:N", "REC_AMT:N",
     "IMPAIRED_AMT:N", "DCOG_SEGMENTS", "RCOG_SEGMENTS", "PAYABLES_ACCT", "IMPAIRMENT_ACCT", "CRTD_PRD_ID:N",
     "CRTD_BY", "CRTD_DT", "INCR_UPDT_DT"]
)  # fmt: skip


def cost_view(query: ViewQuery) -> Select[Any]:
    """BI3_RC_LN_COST (see the module docstring), in cost id order."""
    c, k, p = rc_cost.c, rc_cost_schedule.c, accounting_period.c
    latest = (
        select(func.max(p.period_key))
        .where(p.client_id == c.client_id, p.book_id == c.book_id, p.org_id == c.org_id)
        .correlate_except(accounting_period)  # rc_cost is the outermost query's, even when nested
        .scalar_subquery()
    )

    def moved(kind: str) -> Any:
        total = (
            select(func.coalesce(func.sum(k.amount_t), 0))
            .where(
                k.cost_id == c.id, k.entry_kind == kind, k.period_key <= func.coalesce(latest, k.period_key)
            )
            .scalar_subquery()
        )
        return total

    amortised, expensed, impaired = moved("AMORTISE"), moved("EXPENSE"), moved("IMPAIR")
    carrying = c.amount_t - amortised - expensed - impaired
    values = {
        "ID": c.id, "RC_ID": c.rc_id, "LINE_ID": _current_line_id(c.client_id, c.line_id),
        "DOC_LINE_ID": c.line_id, "COST_LINE_ID": c.cost_line_id, "BOOK_ID": c.book_id,
        "SEC_ATR_VAL": org_of(c.org_id), "CLIENT_ID": c.client_id, "COST_TYPE": c.cost_type,
        "COST_TMPL_NAME": c.cost_type, "COST_KIND": c.cost_kind, "COST_TREATMENT": c.treatment,
        "CAPITALIZED_FLAG": _yn(c.capitalised_flag.is_(True)), "ITEM_NUM": c.item_num,
        "INCURRED_DATE": c.incurred_date, "CURR": c.curr, "F_CUR": c.f_cur, "F_EX_RATE": c.f_ex_rate,
        "G_EX_RATE": c.g_ex_rate, "AMOUNT": decimal_amount(c.amount_t, c.curr),
        "DEF_AMT": decimal_amount(carrying, c.curr), "REC_AMT": decimal_amount(amortised + expensed, c.curr),
        "IMPAIRED_AMT": decimal_amount(impaired, c.curr), "DCOG_SEGMENTS": c.asset_segments,
        "RCOG_SEGMENTS": c.expense_segments, "PAYABLES_ACCT": c.payable_segments,
        "IMPAIRMENT_ACCT": c.impairment_segments, "CRTD_PRD_ID": c.crtd_prd_id, "CRTD_BY": c.crtd_by,
        "CRTD_DT": c.crtd_dt, "INCR_UPDT_DT": c.crtd_dt,
    }  # fmt: skip
    return (
        select(*_mapped(COST_COLUMNS, values))
        .where(and_(c.client_id == query.client_id, *query.window.conditions(c.crtd_dt)))
        .order_by(c.id)
    )
