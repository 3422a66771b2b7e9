"""revrec's own manual journal entries API (``/api/revrec/v1/mje``): create, list, get, submit, approve,
reject, reverse. Same token authentication as the integration API; privilege ``Manual Journal Entries``
(approve and reject: ``Approve Manual Journal Entries`` and the step's role). docs/controls.md.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from revrec.auth.privileges import APPROVE_MANUAL_JOURNAL_ENTRIES, MANUAL_JOURNAL_ENTRIES
from revrec.auth.service import Principal
from revrec.engine.manual_entries import LineIn
from revrec.http.deps import read_only, requires, unit_of_work
from revrec.http.openapi import AUTHENTICATED, errors
from revrec.http.params import MAX_RECORD_ID, RecordId
from revrec.mje import service
from revrec.mje.service import EntryIn

router = APIRouter(prefix="/api/revrec/v1/mje", tags=["Controls: manual journal entries"])
keyer = requires(MANUAL_JOURNAL_ENTRIES)
approver = requires(APPROVE_MANUAL_JOURNAL_ENTRIES)
DECLARED = errors(*AUTHENTICATED)
EntryId = Annotated[RecordId, Path(description="The manual journal entry's id")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=28, decimal_places=6)]


class LineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    acctg_type: str = Field(min_length=1, max_length=1, description="R, L, X, Y, A, U or C")
    acctg_seg: str = Field(min_length=1, max_length=300, description="the account string")
    debit: Amount = Decimal(0)
    credit: Amount = Decimal(0)
    description: str | None = Field(default=None, max_length=500)


class EntryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mje_num: str | None = Field(
        default=None, max_length=100, description="unique per client; MJE-<id> when absent"
    )
    description: str | None = Field(default=None, max_length=500)
    period: int | None = Field(default=None, ge=100001, le=999912, description="the open period (default)")
    currency: str = Field(min_length=3, max_length=3)
    f_cur: str | None = Field(default=None, min_length=3, max_length=3)
    r_cur: str | None = Field(default=None, min_length=3, max_length=3)
    ex_rate: Annotated[Decimal, Field(gt=0, max_digits=24, decimal_places=10)] = Decimal(1)
    g_ex_rate: Annotated[Decimal, Field(gt=0, max_digits=24, decimal_places=10)] = Decimal(1)
    rc_id: int | None = Field(default=None, ge=1, le=MAX_RECORD_ID)
    auto_reverse: bool = False
    org_id: int | None = Field(default=None, ge=0, le=MAX_RECORD_ID)
    submit: bool = Field(default=False, description="submit at once (posted, or pending approval)")
    lines: list[LineBody] = Field(min_length=1, max_length=1000)


class Comment(BaseModel):
    comment: str | None = Field(default=None, max_length=2000)


class Rejection(BaseModel):
    comment: str = Field(min_length=1, max_length=2000)


class MjeLine(BaseModel):
    line_num: int
    acctg_type: str
    acctg_seg: str
    description: str | None
    debit: str
    credit: str
    f_debit: str
    f_credit: str
    r_debit: str
    r_credit: str


class MjeStep(BaseModel):
    sequence: int
    approver_role: str
    status: str
    rule_name: str | None
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None


class Mje(BaseModel):
    id: int
    mje_num: str
    description: str | None
    status: str
    period: int
    book_id: int
    org_id: int
    currency: str
    f_cur: str
    r_cur: str
    ex_rate: str
    g_ex_rate: str
    rc_id: int | None
    auto_reverse: bool
    source: str
    upload_id: int | None
    reversal_of: int | None
    reversed_by: int | None
    total_debit: str
    created_by: str
    created_at: datetime
    posted_at: datetime | None
    lines: list[MjeLine]
    approvals: list[MjeStep]


class MjeAnswer(BaseModel):
    data: Mje
    success: bool = True


class MjeList(BaseModel):
    data: list[Mje]
    next_after_id: int | None
    success: bool = True


def _entry(body: EntryBody) -> EntryIn:
    lines = [LineIn(x.acctg_type.upper(), x.acctg_seg, x.debit, x.credit, x.description) for x in body.lines]
    return EntryIn(
        lines=lines,
        currency=body.currency,
        mje_num=body.mje_num,
        description=body.description,
        period=body.period,
        f_cur=body.f_cur,
        r_cur=body.r_cur,
        ex_rate=body.ex_rate,
        g_ex_rate=body.g_ex_rate,
        rc_id=body.rc_id,
        auto_reverse=body.auto_reverse,
        org_id=body.org_id,
    )


@router.post("", operation_id="POST_Mje", response_model=MjeAnswer, responses=DECLARED)
def create(
    body: EntryBody,
    caller: Principal = Depends(keyer),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Key an entry (a Draft; with ``submit`` true, submitted at once)."""
    stored = service.create(conn, caller, _entry(body))
    if body.submit:
        stored = service.submit(conn, caller, stored["id"])
    return {"data": stored, "success": True}


@router.get("", operation_id="GET_MjeList", response_model=MjeList, responses=DECLARED)
def list_entries(
    status: Literal["Draft", "Pending", "Posted", "Rejected"] | None = None,
    period: int | None = Query(default=None, ge=100001, le=999912),
    after_id: int = Query(default=0, ge=0, le=MAX_RECORD_ID),
    limit: int = Query(default=100, ge=1, le=1000),
    caller: Principal = Depends(keyer),
    conn: Connection = Depends(read_only),
) -> dict[str, Any]:
    """The client's entries in id order (``after_id`` pages forward)."""
    rows = service.list_entries(conn, caller, status=status, period=period, after_id=after_id, limit=limit)
    return {"data": rows, "next_after_id": rows[-1]["id"] if len(rows) == limit else None, "success": True}


@router.get("/{mje_id}", operation_id="GET_Mje", response_model=MjeAnswer, responses=DECLARED)
def get_entry(
    mje_id: EntryId, caller: Principal = Depends(keyer), conn: Connection = Depends(read_only)
) -> dict[str, Any]:
    """One entry with its lines and approval steps."""
    return {"data": service.get(conn, caller, mje_id), "success": True}


@router.post("/{mje_id}/submit", operation_id="POST_MjeSubmit", response_model=MjeAnswer, responses=DECLARED)
def submit(
    mje_id: EntryId,
    body: Comment,
    caller: Principal = Depends(keyer),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Submit a Draft: Pending when an approval rule catches it, else posted."""
    return {"data": service.submit(conn, caller, mje_id, body.comment), "success": True}


@router.post(
    "/{mje_id}/approve", operation_id="POST_MjeApprove", response_model=MjeAnswer, responses=DECLARED
)
def approve(
    mje_id: EntryId,
    body: Comment,
    caller: Principal = Depends(approver),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Approve the entry's next step (the caller's role must be the step's); the last posts it."""
    return {"data": service.approve(conn, caller, mje_id, body.comment), "success": True}


@router.post("/{mje_id}/reject", operation_id="POST_MjeReject", response_model=MjeAnswer, responses=DECLARED)
def reject(
    mje_id: EntryId,
    body: Rejection,
    caller: Principal = Depends(approver),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Reject the entry (a comment is required): it is never posted."""
    return {"data": service.reject(conn, caller, mje_id, body.comment), "success": True}


@router.post(
    "/{mje_id}/reverse", operation_id="POST_MjeReverse", response_model=MjeAnswer, responses=DECLARED
)
def reverse(
    mje_id: EntryId,
    body: Comment,
    caller: Principal = Depends(keyer),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Reverse a posted entry in the open period; answers the reversal."""
    return {"data": service.reverse(conn, caller, mje_id, body.comment), "success": True}
