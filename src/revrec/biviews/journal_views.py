"""BI3_RI_ACCT_SUMM (accounting pre-summary, from the journal) and BI3_APPR_DTL (approvals of contracts).

**BI3_RI_ACCT_SUMM** summarises ``journal_entry`` the way Zuora's pre-summary does before the GL transfer:
one row per contract, period, account string (``ACCTG_SEG``), account type and currency triple, with the
debit and credit totals in transaction (no prefix), functional (``F_``) and reporting (``G_``) currency and
their net activity ``T_AT``/``F_AT``/``R_AT`` signed **credit positive** (Cr − Dr), exact in each currency's
decimals. revrec's journal is kept per contract (accounting.md), so the summary has no line columns. Zuora
does not publish this view's column list; the names follow the other views (BI3_RC_SCHD for debit/credit,
BI3_WF_SUMM for activity). ``POSTED_FLAG`` says the period is closed (entries posted), ``POST_BATCH_ID`` /
``INTERFACED_FLAG`` the GL transfer batch that took them. A contract's entries of a period balance, so per
contract and period Σ ``T_AT`` = 0. The posted manual journal entries' rows (``mje_id`` set, ``rc_id``
empty) follow, one per entry, period, account, type and currencies, with ``RC_ID`` empty
(:func:`revrec.biviews.mje_view.mje_presummary`): the view sums to the whole ledger.

**BI3_APPR_DTL** reads ``rc_approval`` (one row per approval step of a contract) in Zuora's column order
(api-contract §4.1); no rows until approvals are recorded. Its ``INCR_UPDT_DT`` is the row's own
``updated_at``.

Both views take ``SEC_ATR_VAL`` = the organization, ``INCR_UPDT_DT`` and the window as the contract views
(:mod:`revrec.biviews.contracts`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, func, select, union_all

from revrec.biviews import mje_view
from revrec.biviews.columns import columns
from revrec.biviews.contracts import _audit, _mapped, _window, _yn, decimal_amount, org_of, rc
from revrec.biviews.views import ViewQuery
from revrec.db.routing import of_contract, same_client
from revrec.db.tables import journal_entry, rc_approval

RI_ACCT_SUMM_COLUMNS = columns(
    ["RC_ID:N", "PRD_ID:N", "POST_PRD_ID:N", "ACCTG_SEG", "ACCTG_TYPE_ID", "CURR", "F_CUR", "G_CUR",
     "DR_AMOUNT:N", "CR_AMOUNT:N", "F_DR_AMOUNT:N", "F_CR_AMOUNT:N", "G_DR_AMOUNT:N", "G_CR_AMOUNT:N",
     "T_AT:N", "F_AT:N", "R_AT:N", "POSTED_FLAG", "POST_BATCH_ID:N", "INTERFACED_FLAG", "BOOK_ID:N",
     "SEC_ATR_VAL", "CLIENT_ID:N", "CRTD_BY", "CRTD_DT", "UPDT_BY", "UPDT_DT", "INCR_UPDT_DT"]
)  # fmt: skip

APPR_DTL_COLUMNS = columns(
    ["RC_APPR_ID:N", "RC_ID:N", "APPROVAL_OBJ_TYPE", "APPROVAL_STATUS", "APPROVER_COMMENTS",
     "APPROVED_BY_USER", "APPROVED_BY_NAME", "APPROVAL_DATE:T", "PENDING_SINCE:T", "APPROVER_USER",
     "APPROVER_NAME", "APPROVER_SEQUENCE:N", "APPROVAL_RULE_ID:N", "APPROVAL_RULE_NAME", "APPROVAL_TYPE",
     "APPROVAL_RULE_DESC", "BOOK_ID:N", "SEC_ATR_VAL", "CLIENT_ID:N", "RC_APPR_CRTD_BY", "RC_APPR_CRTD_DT",
     "RC_APPR_UPDT_BY", "RC_APPR_UPDT_DT", "RC_RULE_CRTD_BY", "RC_RULE_CRTD_DT", "RC_RULE_UPDT_BY",
     "RC_RULE_UPDT_DT", "APPR_RULE_CRTD_BY", "APPR_RULE_CRTD_DT", "APPR_RULE_UPDT_BY", "APPR_RULE_UPDT_DT",
     "INCR_UPDT_DT", "APPROVAL_START_DATE:D", "APPROVAL_END_DATE:D", "RC_RULE_ID:N", "RC_RULE_RULE_ID:N",
     "RC_RULE_OBJ_TYPE", "REV_SCHD_FLAG", "OVERRIDE_APPROVER_FLAG", "FUNC_NAME", "RULE_ID:N",
     "RC_REV_REL_APPR_FLAG", "APPR_REMOVAL_FLAG", "RULE_REV_REL_APPR_FLAG", "OVERRIDE_APRV_FLAG"]
)  # fmt: skip

_GROUP = ("rc_id", "period_key", "acctg_seg", "acctg_type", "curr", "f_cur", "r_cur", "book_id")


def _summary(query: ViewQuery) -> Any:
    """The client's journal (in the window) summed per contract, period, account, type and currencies."""
    j = journal_entry.c
    sums = [func.sum(j[f"{side}_{x}"]).label(f"{side}_{x}") for x in "tfr" for side in ("dr", "cr")]
    return (
        select(
            *(j[name] for name in _GROUP),
            *sums,
            func.min(case((j.posted_flag, 1), else_=0)).label("posted"),  # 1: every entry posted
            func.max(j.post_batch_id).label("batch"),
        )
        .select_from(journal_entry.join(rc, of_contract(j)))
        .where(j.client_id == query.client_id, *_window(query))
        .group_by(*(j[name] for name in _GROUP))
        .subquery("ri_summ")
    )


def presummary_view(query: ViewQuery) -> Select[Any]:
    """BI3_RI_ACCT_SUMM (see the module docstring), ordered by contract, period, type, account, currencies."""
    s = _summary(query)
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
        "RC_ID": s.c.rc_id, "PRD_ID": s.c.period_key, "POST_PRD_ID": s.c.period_key,
        "ACCTG_SEG": s.c.acctg_seg, "ACCTG_TYPE_ID": s.c.acctg_type, "CURR": s.c.curr, "F_CUR": s.c.f_cur,
        "G_CUR": s.c.r_cur, **amounts, **activity, "POSTED_FLAG": _yn(s.c.posted == 1),
        "POST_BATCH_ID": s.c.batch, "INTERFACED_FLAG": _yn(s.c.batch.is_not(None)), "BOOK_ID": s.c.book_id,
        "CLIENT_ID": rc.c.client_id, **_audit(rc.c.created_at, rc.c.crtd_by),
    }  # fmt: skip
    of_summary = and_(
        same_client(rc.c.client_id, query.client_id), rc.c.id == s.c.rc_id
    )  # the summary is the client's
    contracts = select(*_mapped(RI_ACCT_SUMM_COLUMNS, values)).select_from(s.join(rc, of_summary))
    rows = union_all(contracts, mje_view.mje_presummary(query, RI_ACCT_SUMM_COLUMNS)).subquery("ri_rows")
    c = rows.c  # c0 RC_ID, c1 PRD_ID, c3 ACCTG_SEG, c4 ACCTG_TYPE_ID, c5-c7 currencies; manual entries last
    return select(*c).order_by(case((c.c0.is_(None), 1), else_=0), c.c0, c.c1, c.c4, c.c3, c.c5, c.c6, c.c7)


def approvals_view(query: ViewQuery) -> Select[Any]:
    """BI3_APPR_DTL: every recorded approval step of the client's contracts, in id order."""
    a = rc_approval.c
    values = {
        "RC_APPR_ID": a.id, "RC_ID": a.rc_id, "APPROVAL_OBJ_TYPE": a.obj_type, "APPROVAL_STATUS": a.status,
        "APPROVER_COMMENTS": a.approver_comments, "APPROVED_BY_USER": a.approved_by_user,
        "APPROVED_BY_NAME": a.approved_by_name, "APPROVAL_DATE": a.approval_date,
        "PENDING_SINCE": a.pending_since, "APPROVER_USER": a.approver_user, "APPROVER_NAME": a.approver_name,
        "APPROVER_SEQUENCE": a.approver_sequence, "APPROVAL_RULE_ID": a.rule_id,
        "APPROVAL_RULE_NAME": a.rule_name, "APPROVAL_TYPE": a.approval_type,
        "APPROVAL_RULE_DESC": a.rule_desc, "BOOK_ID": a.book_id, "SEC_ATR_VAL": org_of(a.org_id),
        "CLIENT_ID": a.client_id, "RC_APPR_CRTD_BY": a.created_by, "RC_APPR_CRTD_DT": a.created_at,
        "RC_APPR_UPDT_BY": a.updated_by, "RC_APPR_UPDT_DT": a.updated_at, "INCR_UPDT_DT": a.updated_at,
        "APPROVAL_START_DATE": a.start_date, "APPROVAL_END_DATE": a.end_date, "RULE_ID": a.rule_id,
    }  # fmt: skip
    return (
        select(*_mapped(APPR_DTL_COLUMNS, values))
        .where(a.client_id == query.client_id, *query.window.conditions(a.updated_at))
        .order_by(a.id)
    )
