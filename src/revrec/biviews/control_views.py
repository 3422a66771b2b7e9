"""BI3_RC_HOLD (holds of revenue contracts) and BI3_CONTROL_AUDIT (revrec's audit trail of control actions).

**BI3_RC_HOLD** reads ``rc_hold``, one row per hold applied (released ones stay, ``RC_HOLD_RELEASED_FLAG``
Y), in Zuora's column order (api-contract §4.1). revrec keeps no separate hold definitions, so ``HOLD_ID``
is the hold's own id, ``HOLD_NAME`` the rule, ``MANUAL`` or the transfer validation that applied it and
``HOLD_DESC`` its source. Revenue holds set the revenue (``REV_SCHD_HOLD_FLAG``, ``REVREC_HOLD_FLAG``) and/or
allocation (``ALLOC_*``) flags by the schedules they hold; transfer holds none of them. ``INCR_UPDT_DT``
is the release time once released, else the apply time.

**BI3_CONTROL_AUDIT** is revrec's own view (Zuora has none under this name): the insert-only
``control_audit`` trail, one row per control action with who, when, what, the reason and the object's
state before and after (JSON), windowed on the action's time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, select

from revrec.biviews.columns import columns
from revrec.biviews.contracts import _current_line_id, _mapped, _yn, org_of, rc
from revrec.biviews.views import ViewQuery
from revrec.db.routing import of_contract
from revrec.db.tables import control_audit, rc_hold

HOLD_COLUMNS = columns(
    ["RC_HOLD_ID:N", "RC_ID:N", "RC_HOLD_APPLIED_BY", "RC_HOLD_APPLIED_BY_NAME", "RC_HOLD_APPLIED_DT",
     "RC_HOLD_COMMENT", "RC_HOLD_RELEASED_FLAG", "RC_HOLD_RELEASE_COMMENT", "RC_HOLD_RELEASE_REASON",
     "RC_HOLD_RELEASE_DT", "RC_HOLD_RELEASE_BY", "RC_HOLD_RELEASE_BY_NAME", "HOLD_ID:N", "HOLD_TYPE",
     "HOLD_NAME", "HOLD_DESC", "REV_SCHD_HOLD_FLAG", "REVREC_HOLD_FLAG", "ALLOC_SCHD_HOLD_FLAG",
     "ALLOC_REC_HOLD_FLAG", "USER_RELEASABLE_FLAG", "SEC_ATR_VAL", "CLIENT_ID:N", "BOOK_ID:N",
     "HOLD_CRTD_BY", "HOLD_CRTD_DT", "HOLD_UPDT_BY", "HOLD_UPDT_DT", "RC_HOLD_CRTD_BY", "RC_HOLD_CRTD_DT",
     "RC_HOLD_UPDT_BY", "RC_HOLD_UPDT_DT", "INCR_UPDT_DT", "RC_HOLD_EXP_DATE:D", "RC_HOLD_ACCT_SEGMENTS",
     "ALLOW_MANUAL_APPLY_FLAG", "ALLOW_MANUAL_REL_FLAG", "HOLD_LEVEL", "HOLD_SCHD_TYPE", "EXP_FLD_NAME",
     "EXP_NUM_TYPE", "EXP_NUM:N", "LN_HOLD_LEVEL_FLAG", "LN_HOLD_TYPE_FLAG", "LN_HOLD_PROCESSED_FLAG",
     "REV_HOLD_START_DATE:D", "REV_HOLD_END_DATE:D", "CRITERIA_MATCH_FLAG", "REMOVE_HOLD_FLAG",
     "LINE_ID:N", "EVENT_ID:N", "MANUAL_HOLD_FLAG", "EVNT_HOLD_APPLD_MANUL_FLAG", "OVERRIDE_APRV_FLAG",
     "SHA_ENABLED_FLAG", "RC_POB_ID:N"]
)  # fmt: skip

AUDIT_COLUMNS = columns(
    ["AUDIT_ID:N", "ACTION", "OBJECT_TYPE", "OBJECT_ID", "ACTOR", "ACTED_DT:T", "REASON", "BEFORE_STATE",
     "AFTER_STATE", "CLIENT_ID:N", "INCR_UPDT_DT"]
)  # fmt: skip


def holds_view(query: ViewQuery) -> Select[Any]:
    """BI3_RC_HOLD (see the module docstring), in hold id order."""
    h = rc_hold.c
    changed = func.coalesce(h.released_at, h.applied_at)
    revenue = and_(h.hold_type == "REVENUE", h.schedules.contains("R"))
    allocation = and_(h.hold_type == "REVENUE", h.schedules.contains("A"))
    values = {
        "RC_HOLD_ID": h.id, "RC_ID": h.rc_id, "RC_HOLD_APPLIED_BY": h.applied_by,
        "RC_HOLD_APPLIED_BY_NAME": h.applied_by, "RC_HOLD_APPLIED_DT": h.applied_at,
        "RC_HOLD_COMMENT": h.comment, "RC_HOLD_RELEASED_FLAG": _yn(h.released_flag.is_(True)),
        "RC_HOLD_RELEASE_COMMENT": h.release_comment, "RC_HOLD_RELEASE_REASON": h.release_reason,
        "RC_HOLD_RELEASE_DT": h.released_at, "RC_HOLD_RELEASE_BY": h.released_by,
        "RC_HOLD_RELEASE_BY_NAME": h.released_by, "HOLD_ID": h.id, "HOLD_TYPE": h.hold_type,
        "HOLD_NAME": h.hold_name, "HOLD_DESC": h.source, "REV_SCHD_HOLD_FLAG": _yn(revenue),
        "REVREC_HOLD_FLAG": _yn(revenue), "ALLOC_SCHD_HOLD_FLAG": _yn(allocation),
        "ALLOC_REC_HOLD_FLAG": _yn(allocation), "USER_RELEASABLE_FLAG": _yn(h.manual_release.is_(True)),
        "SEC_ATR_VAL": org_of(rc.c.org_id), "CLIENT_ID": h.client_id, "BOOK_ID": rc.c.book_id,
        "HOLD_CRTD_BY": h.applied_by, "HOLD_CRTD_DT": h.applied_at, "RC_HOLD_CRTD_BY": h.applied_by,
        "RC_HOLD_CRTD_DT": h.applied_at, "RC_HOLD_UPDT_BY": func.coalesce(h.released_by, h.applied_by),
        "RC_HOLD_UPDT_DT": changed, "INCR_UPDT_DT": changed, "RC_HOLD_EXP_DATE": h.expiry_date,
        "ALLOW_MANUAL_APPLY_FLAG": _yn(h.source == "MANUAL"),
        "ALLOW_MANUAL_REL_FLAG": _yn(h.manual_release.is_(True)), "HOLD_LEVEL": h.hold_level,
        "HOLD_SCHD_TYPE": h.schedules, "LINE_ID": _current_line_id(h.client_id, h.line_id),
        "MANUAL_HOLD_FLAG": _yn(h.source == "MANUAL"),
    }  # fmt: skip
    return (
        select(*_mapped(HOLD_COLUMNS, values))
        .select_from(rc_hold.join(rc, of_contract(h)))
        .where(h.client_id == query.client_id, *query.window.conditions(changed))
        .order_by(h.id)
    )


def audit_view(query: ViewQuery) -> Select[Any]:
    """BI3_CONTROL_AUDIT: the client's control actions in the order recorded."""
    a = control_audit.c
    values = {
        "AUDIT_ID": a.id, "ACTION": a.action, "OBJECT_TYPE": a.object_type, "OBJECT_ID": a.object_id,
        "ACTOR": a.actor, "ACTED_DT": a.acted_at, "REASON": a.reason, "BEFORE_STATE": a.before_state,
        "AFTER_STATE": a.after_state, "CLIENT_ID": a.client_id, "INCR_UPDT_DT": a.acted_at,
    }  # fmt: skip
    return (
        select(*_mapped(AUDIT_COLUMNS, values))
        .where(a.client_id == query.client_id, *query.window.conditions(a.acted_at))
        .order_by(a.id)
    )
