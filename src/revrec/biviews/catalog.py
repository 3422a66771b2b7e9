"""The standard BI views revrec serves, with their columns in Zuora's order (api-contract §4.1).

Columns revrec cannot fill are present and empty. Views over revenue-contract data (BI3_RC_*) are defined
in :mod:`revrec.biviews.contracts`.
"""

from __future__ import annotations

from collections.abc import Iterable

from revrec.biviews import (
    balances,
    contracts,
    control_views,
    cost_views,
    journal_views,
    mje_view,
    reference_data,
    repository,
    vc_views,
    waterfall,
)
from revrec.biviews.columns import Column, columns
from revrec.biviews.views import RowsSource, SqlSource, ViewDef, ViewRegistry


def numbered(prefix: str, first: int, last: int, kind: str = "") -> list[str]:
    """``PREFIX1 .. PREFIXn`` (e.g. the ten ``DR_SEGMENT`` columns)."""
    return [f"{prefix}{i}{kind}" for i in range(first, last + 1)]


ORG_COLUMNS = columns(
    ["ID:N", "ORG_ID:N", "ORG_NAME", "CRTD_BY", "CRTD_DT", "UPDT_BY", "UPDT_DT", "CLIENT_ID:N",
     "INCR_UPDT_DT", "ORG_CODE", "ENTITY_ID"]
)  # fmt: skip

BOOK_COLUMNS = columns(
    ["ID:N", "NAME", "DESCRIPTION", "TYPE", "RC_PREFIX", "OPEN_PRD_ID:N", "START_DATE:D", "END_DATE:D",
     "ASST_SEGMENTS", "LBLTY_SEGMENTS", "ALLOCATION_FLAG", "BNDL_EXPL_FLAG", "LTST_ENABLED_FLAG",
     "POSTABLE_FLAG", "PRIMARY_BOOK_FLAG", "SOFT_FREEZE_FLAG", "CLIENT_ID:N", "CRTD_DT", "CRTD_BY",
     "UPDT_DT", "UPDT_BY", "INCR_UPDT_DT", "ENABLED_FLAG"]
)  # fmt: skip

CALENDAR_COLUMNS = columns(
    ["ID:N", "PERIOD_NAME", "PERIOD_NUM:N", "START_DATE:D", "END_DATE:D", "YEAR_START_DT:D", "QTR_NUM:N",
     "QTR_START_DT:D", "PERIOD_YEAR:N", "QTR_END_DT:D", "YEAR_END_DT:D", "CLIENT_ID:N", "CRTD_BY",
     "CRTD_DT", "UPDT_BY", "UPDT_DT", "INCR_UPDT_DT", "PERIOD_STATUS", "OPEN_FLAG"]
)  # fmt: skip

ACCT_TYPE_COLUMNS = columns(
    ["ID", "NAME", "WF_TYPE", "WF_SUMM_TYPE", "REVENUE_SUMMARY", "BALANCE_SHEET_ACCT_FLAG", "P_L_ACCT_FLAG",
     "COST_FLAG", "VC_ACCT_FLAG", "VC_CLR_ACCT_FLAG", "INCL_IN_NETTING_FLAG", "INCL_IN_MANUAL_JE_FLAG",
     "WATERFALL_FLAG", "ACCT_GROUP", "DEF_REC_FLAG:C", "CLIENT_ID:N", "CRTD_BY", "CRTD_DT", "UPDT_BY",
     "UPDT_DT", "INCR_UPDT_DT", "ALLOW_MAPPING_FLAG", "DEF_OFFSET_FLAG", "ENABLED_FLAG",
     "PAYABLES_ACCT_FLAG", "REV_OFFSET_FLAG", "REV_DISPLAY_SEQ:N"]
)  # fmt: skip

SCHD_DEL_COLUMNS = columns(
    ["SCHD_ID:N", "CLIENT_ID:N", "DELETED_TIME:T", "CRTD_BY", "CRTD_DT", "UPDT_BY", "UPDT_DT", "INCR_UPDT_DT"]
)

MJE_COLUMNS = columns(
    ["JE_HEAD_ID:N", "JE_HEAD_NAME", "JE_HEAD_DESC", "JE_HEAD_CAT_CODE", "JE_HEAD_EX_RATE_TYPE",
     "HASH_TOTAL:N", "SOB_ID:N", "SOB_NAME", "FN_CUR", *numbered("JE_HEAD_ATR", 1, 5), "JE_LINE_ID:N",
     "ACTIVITY_TYPE", "CURR", "DR_CC_ID:N", "CR_CC_ID:N", "EX_RATE_DATE:D", "EX_RATE:N", "G_EX_RATE:N",
     "AMOUNT:N", "FUNC_AMOUNT:N", "START_DATE:D", "END_DATE:D", "REASON_CODE", "DESCRIPTION", "COMMENTS",
     *numbered("DR_SEGMENT", 1, 10), *numbered("CR_SEGMENT", 1, 10), *numbered("REFERENCE", 1, 15),
     "SEC_ATR_VAL", "BOOK_ID:N", "CLIENT_ID:N", "JE_HEAD_CRTD_BY", "JE_HEAD_CRTD_DT", "JE_HEAD_UPDT_BY",
     "JE_HEAD_UPDT_DT", "JE_LINE_CRTD_BY", "JE_LINE_CRTD_DT", "JE_LINE_UPDT_BY", "JE_LINE_UPDT_DT",
     "INCR_UPDT_DT", "JE_STATUS_FLAG", "REV_REC_TYPE_FLAG", "JE_TYPE_FLAG", "SUMMARY_FLAG",
     "MANUAL_REVERSAL_FLAG", "REVERSAL_STATUS_FLAG", "APPROVAL_STATUS_FLAG",
     "REVERSAL_APPROVAL_STATUS_FLAG", "REV_REC_TYPE", "ERROR_MSG", "DR_ACTIVITY_TYPE", "CR_ACTIVITY_TYPE",
     "ACTIVE_FLAG", "APPR_NAME", "RC_ID:N", "DOC_LINE_ID", "RC_LINE_ID:N", "CST_OR_VC_TYPE", "TYPE_NAME",
     "DT_FRMT", "OPN_INT_FLAG", "AUTO_APPR_FLAG", "UNBILLED_FLAG"]
)  # fmt: skip

NOT_TRACKED = "none: the source keeps no change time, so the window is not applied and the column is empty"
CONTRACT_TIME = (
    "the contract's last change (revenue_contract.updated_at: revisions, Period Close, GL transfer)"
)
NO_DATA = "none yet: revrec keeps no such records, so the view has no rows (204)"


def _empty_view(name: str, cols: tuple[Column, ...], description: str) -> ViewDef:
    width = len(cols)
    return ViewDef(name, cols, SqlSource(lambda _q: repository.no_rows(width)), NO_DATA, description)


def standard_views() -> Iterable[ViewDef]:
    return (
        ViewDef("BI3_ORG", ORG_COLUMNS, SqlSource(repository.org_view), NOT_TRACKED, "Organizations"),
        ViewDef("BI3_BOOK", BOOK_COLUMNS, SqlSource(repository.book_view), NOT_TRACKED, "Books"),
        ViewDef(
            "BI3_CALENDAR",
            CALENDAR_COLUMNS,
            RowsSource(reference_data.calendar_view_rows),
            NOT_TRACKED,
            "Accounting periods of the client's calendar policy",
        ),
        ViewDef(
            "BI3_ACCT_TYPE",
            ACCT_TYPE_COLUMNS,
            RowsSource(reference_data.account_type_rows),
            NOT_TRACKED,
            "Account types of revrec's accounting model",
        ),
        ViewDef(
            "BI3_RC_HEAD",
            contracts.HEAD_COLUMNS,
            SqlSource(contracts.head_view),
            CONTRACT_TIME,
            "Revenue contracts",
        ),
        ViewDef(
            "BI3_RC_LNS",
            contracts.LINES_COLUMNS,
            SqlSource(contracts.lines_view),
            CONTRACT_TIME,
            "Revenue contract lines (current versions)",
        ),
        ViewDef(
            "BI3_RC_POB",
            contracts.POB_COLUMNS,
            SqlSource(contracts.pob_view),
            CONTRACT_TIME,
            "Performance obligations",
        ),
        ViewDef(
            "BI3_RC_BILL",
            contracts.BILL_COLUMNS,
            SqlSource(contracts.bill_view),
            CONTRACT_TIME,
            "Billing lines of revenue contracts",
        ),
        ViewDef(
            "BI3_RC_SCHD",
            contracts.SCHD_COLUMNS,
            SqlSource(contracts.schedule_view, then=vc_views.vc_view),
            CONTRACT_TIME,
            "Revenue (R), allocation (A) and variable consideration (V) schedules, one row per line, period "
            "and type",
        ),
        ViewDef(
            "BI3_WF_SUMM",
            contracts.WF_SUMM_COLUMNS,
            SqlSource(waterfall.waterfall_view),
            CONTRACT_TIME,
            "Waterfall: current schedules, bills and netting",
        ),
        ViewDef(
            "BI3_LN_ACCT_SUMM",
            balances.LN_ACCT_SUMM_COLUMNS,
            SqlSource(balances.line_balances_view),
            CONTRACT_TIME,
            "Balances and activity per line, account type and period (functional currency)",
        ),
        ViewDef(
            "BI3_RI_ACCT_SUMM",
            journal_views.RI_ACCT_SUMM_COLUMNS,
            SqlSource(journal_views.presummary_view),
            CONTRACT_TIME,
            "Accounting pre-summary: the journal per contract (or manual journal entry), period, account, "
            "type and currency",
        ),
        ViewDef(
            "BI3_APPR_DTL",
            journal_views.APPR_DTL_COLUMNS,
            SqlSource(journal_views.approvals_view),
            "the approval's last change (rc_approval.updated_at)",
            "Approvals of revenue contracts",
        ),
        _empty_view("BI3_RC_SCHD_DEL", SCHD_DEL_COLUMNS, "Deleted schedules"),
        ViewDef(
            "BI3_RC_HOLD",
            control_views.HOLD_COLUMNS,
            SqlSource(control_views.holds_view),
            "the hold's release, else its application (rc_hold)",
            "Holds applied to revenue contracts",
        ),
        ViewDef(
            "BI3_CONTROL_AUDIT",
            control_views.AUDIT_COLUMNS,
            SqlSource(control_views.audit_view),
            "the action's time (control_audit.acted_at)",
            "revrec's audit trail of control actions (holds, approvals, manual entries and actions)",
        ),
        ViewDef(
            "BI3_MJE",
            MJE_COLUMNS,
            SqlSource(lambda query: mje_view.mje_view(query, MJE_COLUMNS)),
            "the entry's last change (mje_head.updated_at)",
            "Manual journal entries, one row per line",
        ),
        ViewDef(
            "BI3_RC_LN_COST",
            cost_views.COST_COLUMNS,
            SqlSource(cost_views.cost_view),
            "the cost line's creation (rc_cost.crtd_dt)",
            "Costs of obtaining and fulfilling contracts: capitalised, amortised, impaired (ASC 340-40)",
        ),
    )


def standard_registry() -> ViewRegistry:
    """A registry holding every standard view (each server process builds its own)."""
    return ViewRegistry(standard_views())
