"""revrec's own API for holds and the audit trail (``/api/revrec/v1/holds``, ``/api/revrec/v1/audit``).

Same token authentication as the integration API; applying, releasing and listing holds needs the
``Revenue Holds`` privilege, reading the audit trail ``Audit Trail``. Behaviour: docs/controls.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from revrec.auth.privileges import AUDIT_TRAIL, REVENUE_HOLDS
from revrec.auth.service import Principal
from revrec.controls import audit, holds
from revrec.controls.holds_core import HoldRequest
from revrec.http.deps import read_only, requires, unit_of_work
from revrec.http.openapi import AUTHENTICATED, errors
from revrec.http.params import MAX_RECORD_ID, RecordId, Text

router = APIRouter(tags=["Controls"])
DECLARED = errors(*AUTHENTICATED)  # every answer besides 200: {"status": "Error", "message": ...}
HoldId = Annotated[RecordId, Path(description="The hold's id")]
holder = requires(REVENUE_HOLDS)
auditor = requires(AUDIT_TRAIL)


class HoldIn(BaseModel):
    """A hold to apply by hand."""

    model_config = ConfigDict(extra="forbid")
    rc_id: int = Field(ge=1, le=MAX_RECORD_ID, description="the revenue contract (RC_ID)")
    hold_type: str = Field(
        max_length=20, description="REVENUE (stop recognition) or TRANSFER (keep out of GL transfer)"
    )
    level: str = Field("CONTRACT", max_length=20, description="CONTRACT, POB or LINE")
    pob_key: str | None = Field(None, max_length=300, description="the POB, for a POB hold")
    line_id: str | None = Field(None, max_length=300, description="the line, for a line hold")
    whole_pob: bool = Field(True, description="a line hold holds the line's whole POB unless false")
    schedules: str = Field(
        "RA", max_length=2, description="revenue holds: R (revenue), A (allocation) or RA (both)"
    )
    comment: str = Field(max_length=2000, description="why (required)")
    expiry_date: dt.date | None = Field(None, description="released by the hold-expiry job on this date")
    manual_release: bool = Field(True, description="whether the hold may be released by hand")


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(max_length=2000, description="why the hold is released (required)")


class HoldOut(BaseModel):
    hold_id: int
    rc_id: int
    hold_type: str
    level: str
    pob_key: str | None
    line_id: str | None
    whole_pob: bool
    schedules: str
    hold_name: str
    source: str
    manual_release: bool
    comment: str | None
    applied_by: str
    applied_at: dt.datetime
    applied_period: int
    expiry_date: dt.date | None
    released: bool
    released_by: str | None
    released_at: dt.datetime | None
    release_period: int | None
    release_reason: str | None
    release_comment: str | None


class HoldList(BaseModel):
    holds: list[HoldOut]
    next_after_id: int | None = Field(description="pass as after_id for the next page (null: no more)")


class AuditOut(BaseModel):
    id: int
    action: str
    object_type: str
    object_id: str
    actor: str
    acted_at: dt.datetime
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditList(BaseModel):
    entries: list[AuditOut]
    next_after_id: int | None


def hold_out(row: Any) -> HoldOut:
    return HoldOut(
        hold_id=row.id, rc_id=row.rc_id, hold_type=row.hold_type, level=row.hold_level, pob_key=row.pob_key,
        line_id=row.line_id, whole_pob=bool(row.whole_pob), schedules=row.schedules,
        hold_name=row.hold_name, source=row.source,
        manual_release=bool(row.manual_release), comment=row.comment, applied_by=row.applied_by,
        applied_at=row.applied_at, applied_period=row.applied_period, expiry_date=row.expiry_date,
        released=bool(row.released_flag), released_by=row.released_by, released_at=row.released_at,
        release_period=row.release_period, release_reason=row.release_reason,
        release_comment=row.release_comment,
    )  # fmt: skip


@router.post(
    "/api/revrec/v1/holds", operation_id="POST_Hold", summary="Apply a hold", response_model=HoldOut,
    responses=DECLARED,
)  # fmt: skip
def apply_hold(
    body: HoldIn,
    caller: Principal = Depends(holder),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> HoldOut:
    request = HoldRequest(
        body.rc_id, body.hold_type, body.level, body.pob_key, body.line_id, body.schedules, body.comment,
        body.expiry_date, body.manual_release, body.whole_pob,
    )  # fmt: skip
    return hold_out(
        holds.apply_hold(conn, client_id=caller.client_id, request=request, actor=caller.username)
    )


@router.post(
    "/api/revrec/v1/holds/{hold_id}/release", operation_id="POST_HoldRelease",
    summary="Release a hold by hand",
    response_model=HoldOut, responses=DECLARED,
)  # fmt: skip
def release_hold(
    hold_id: HoldId,
    body: ReleaseIn,
    caller: Principal = Depends(holder),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> HoldOut:
    row = holds.release_hold(
        conn, client_id=caller.client_id, hold_id=hold_id, actor=caller.username, comment=body.comment
    )
    return hold_out(row)


@router.get(
    "/api/revrec/v1/holds", operation_id="GET_Holds", summary="List holds", response_model=HoldList,
    responses=DECLARED,
)  # fmt: skip
def list_holds(
    rc_id: Annotated[RecordId | None, Query(description="only this contract's holds")] = None,
    active: bool | None = Query(None, description="true: not released; false: released"),
    hold_type: Annotated[Text | None, Query(description="REVENUE or TRANSFER")] = None,
    after_id: int = Query(0, ge=0, le=MAX_RECORD_ID, description="the last hold id already read"),
    limit: int = Query(100, ge=1, le=1000),
    caller: Principal = Depends(holder),
    conn: Connection = Depends(read_only),
) -> HoldList:
    rows = holds.list_holds(
        conn, client_id=caller.client_id, rc_id=rc_id, active=active, hold_type=hold_type, after_id=after_id,
        limit=limit,
    )  # fmt: skip
    return HoldList(
        holds=[hold_out(r) for r in rows], next_after_id=rows[-1].id if len(rows) == limit else None
    )


@router.get(
    "/api/revrec/v1/holds/{hold_id}", operation_id="GET_Hold", summary="One hold", response_model=HoldOut,
    responses=DECLARED,
)  # fmt: skip
def get_hold(
    hold_id: HoldId, caller: Principal = Depends(holder), conn: Connection = Depends(read_only)
) -> HoldOut:
    return hold_out(holds.get_hold(conn, client_id=caller.client_id, hold_id=hold_id))


@router.get(
    "/api/revrec/v1/audit", operation_id="GET_Audit", summary="The audit trail of control actions",
    response_model=AuditList, responses=DECLARED,
)  # fmt: skip
def audit_trail(
    object_type: Annotated[Text | None, Query(description="e.g. hold")] = None,
    object_id: Annotated[Text | None, Query(description="the object's id (with object_type)")] = None,
    action: Annotated[Text | None, Query(description="e.g. hold.apply, hold.release")] = None,
    after_id: int = Query(0, ge=0, le=MAX_RECORD_ID, description="the last entry id already read"),
    limit: int = Query(100, ge=1, le=audit.MAX_PAGE),
    caller: Principal = Depends(auditor),
    conn: Connection = Depends(read_only),
) -> AuditList:
    found = audit.entries(
        conn, caller.client_id, object_type=object_type, object_id=object_id, action=action,
        after_id=after_id, limit=limit,
    )  # fmt: skip
    entries = [
        AuditOut(
            id=e.id,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            actor=e.actor,
            acted_at=e.acted_at,
            reason=e.reason,
            before=dict(e.before) if e.before is not None else None,
            after=dict(e.after) if e.after is not None else None,
        )  # fmt: skip
        for e in found
    ]
    return AuditList(entries=entries, next_after_id=found[-1].id if len(found) == limit else None)
