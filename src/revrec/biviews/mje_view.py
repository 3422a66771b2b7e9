"""BI3_MJE: manual journal entries (revrec.mje), one row per entry line, in Zuora's column order.

revrec's line is a debit or a credit of one account (Zuora's pairs a debit and a credit account), so a row
fills ``DR_SEGMENT1``/``DR_ACTIVITY_TYPE`` for a debit line or ``CR_SEGMENT1``/``CR_ACTIVITY_TYPE`` for a
credit line; ``AMOUNT`` is the line's amount in the entry currency and ``FUNC_AMOUNT`` in the functional one.
``JE_STATUS_FLAG`` is the entry's status (Draft, Pending, Posted, Rejected); ``APPROVAL_STATUS_FLAG``
``P`` (pending), ``A`` (approved), ``R`` (rejected) or ``N`` (no approval step); ``AUTO_APPR_FLAG`` Y when
posted without approval; ``REVERSAL_STATUS_FLAG`` Y once reversed; ``JE_TYPE_FLAG`` ``R`` for a reversal,
else ``M``; ``REFERENCE1`` the period, ``REFERENCE2`` the source (MANUAL, UPLOAD, REVERSAL), ``REFERENCE3``
the upload id, ``REFERENCE4`` the reversed entry's id. Windowed on the entry's last change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, literal, select

from revrec.biviews.contracts import _mapped, _yn, decimal_amount, org_of
from revrec.biviews.views import ViewQuery
from revrec.db.routing import same_client
from revrec.db.tables import journal_entry, mje_approval, mje_head, mje_line


def mje_view(query: ViewQuery, columns: Any) -> Select[Any]:
    h, m, a = mje_head.c, mje_line.c, mje_approval.c
    debit = m.dr_t > 0
    steps = (
        select(func.count()).where(same_client(a.client_id, h.client_id), a.mje_id == h.id).scalar_subquery()
    )
    approval = case(
        (h.status == "Pending", literal("P")),
        (h.status == "Rejected", literal("R")),
        (steps > 0, literal("A")),
        else_=literal("N"),
    )
    values = {
        "JE_HEAD_ID": h.id,
        "JE_HEAD_NAME": h.mje_num,
        "JE_HEAD_DESC": h.description,
        "HASH_TOTAL": h.total_dr,
        "FN_CUR": h.f_cur,
        "JE_LINE_ID": m.id,
        "ACTIVITY_TYPE": m.acctg_type,
        "CURR": h.curr,
        "EX_RATE": h.ex_rate,
        "G_EX_RATE": h.g_ex_rate,
        "AMOUNT": decimal_amount(m.dr_t + m.cr_t, h.curr),
        "FUNC_AMOUNT": decimal_amount(m.dr_f + m.cr_f, h.f_cur),
        "DESCRIPTION": m.description,
        "DR_SEGMENT1": case((debit, m.acctg_seg), else_=None),
        "CR_SEGMENT1": case((debit, None), else_=m.acctg_seg),
        "DR_ACTIVITY_TYPE": case((debit, m.acctg_type), else_=None),
        "CR_ACTIVITY_TYPE": case((debit, None), else_=m.acctg_type),
        "REFERENCE1": cast(h.period_key, String),
        "REFERENCE2": h.source,
        "REFERENCE3": cast(h.upload_id, String),
        "REFERENCE4": cast(h.reversal_of, String),
        "SEC_ATR_VAL": org_of(h.org_id),
        "BOOK_ID": h.book_id,
        "CLIENT_ID": h.client_id,
        "JE_HEAD_CRTD_BY": h.created_by,
        "JE_HEAD_CRTD_DT": h.created_at,
        "JE_HEAD_UPDT_BY": h.updated_by,
        "JE_HEAD_UPDT_DT": h.updated_at,
        "JE_LINE_CRTD_BY": h.created_by,
        "JE_LINE_CRTD_DT": h.created_at,
        "JE_LINE_UPDT_BY": h.updated_by,
        "JE_LINE_UPDT_DT": h.updated_at,
        "INCR_UPDT_DT": h.updated_at,
        "JE_STATUS_FLAG": h.status,
        "JE_TYPE_FLAG": case((h.reversal_of.is_not(None), literal("R")), else_=literal("M")),
        "MANUAL_REVERSAL_FLAG": _yn(h.source == "REVERSAL"),
        "REVERSAL_STATUS_FLAG": _yn(h.reversed_by.is_not(None)),
        "APPROVAL_STATUS_FLAG": approval,
        "ACTIVE_FLAG": literal("Y"),
        "RC_ID": h.rc_id,
        "AUTO_APPR_FLAG": _yn((h.status == "Posted") & (steps == 0)),
    }
    return (
        select(*_mapped(columns, values))
        .select_from(mje_line.join(mje_head, and_(same_client(h.client_id, m.client_id), h.id == m.mje_id)))
        .where(h.client_id == query.client_id, *query.window.conditions(h.updated_at))
        .order_by(h.id, m.line_num)
    )


_SUMM_GROUP = (
    "mje_id",
    "period_key",
    "acctg_seg",
    "acctg_type",
    "curr",
    "f_cur",
    "r_cur",
    "book_id",
    "org_id",
)


def mje_presummary(query: ViewQuery, columns: Any) -> Select[Any]:
    """BI3_RI_ACCT_SUMM's rows of the posted manual journal entries (``journal_entry.mje_id`` set,
    ``rc_id`` empty): one row per entry, period, account, type and currencies, ``RC_ID`` empty. Windowed on
    the entry's last change (posting, reversal, GL transfer), so an incremental extract takes each entry's
    rows whole."""
    j, h = journal_entry.c, mje_head.c
    sums = [func.sum(j[f"{side}_{x}"]).label(f"{side}_{x}") for x in "tfr" for side in ("dr", "cr")]
    s = (
        select(
            *(j[name] for name in _SUMM_GROUP),
            *sums,
            func.min(case((j.posted_flag, 1), else_=0)).label("posted"),
            func.max(j.post_batch_id).label("batch"),
        )
        .select_from(journal_entry.join(mje_head, h.id == j.mje_id))  # not on the client: docs/scaling.md
        .where(
            j.client_id == query.client_id,
            j.mje_id.is_not(None),
            *query.window.conditions(h.updated_at),
        )
        .group_by(*(j[name] for name in _SUMM_GROUP))
        .subquery("mje_summ")
    )
    currencies = {"t": s.c.curr, "f": s.c.f_cur, "r": s.c.r_cur}
    amounts = {
        f"{prefix}{side.upper()}_AMOUNT": decimal_amount(s.c[f"{side}_{x}"], currencies[x])
        for x, prefix in (("t", ""), ("f", "F_"), ("r", "G_"))
        for side in ("dr", "cr")
    }
    activity = {
        f"{x.upper()}_AT": decimal_amount(s.c[f"cr_{x}"] - s.c[f"dr_{x}"], currencies[x]) for x in "tfr"
    }
    values = {
        "PRD_ID": s.c.period_key, "POST_PRD_ID": s.c.period_key, "ACCTG_SEG": s.c.acctg_seg,
        "ACCTG_TYPE_ID": s.c.acctg_type, "CURR": s.c.curr, "F_CUR": s.c.f_cur, "G_CUR": s.c.r_cur,
        **amounts, **activity, "POSTED_FLAG": _yn(s.c.posted == 1), "POST_BATCH_ID": s.c.batch,
        "INTERFACED_FLAG": _yn(s.c.batch.is_not(None)), "BOOK_ID": s.c.book_id,
        "SEC_ATR_VAL": org_of(s.c.org_id), "CLIENT_ID": h.client_id, "CRTD_BY": h.created_by,
        "CRTD_DT": h.created_at, "UPDT_BY": h.updated_by, "UPDT_DT": h.updated_at,
        "INCR_UPDT_DT": h.updated_at,
    }  # fmt: skip
    return select(*_mapped(columns, values)).select_from(s.join(mje_head, h.id == s.c.mje_id))
