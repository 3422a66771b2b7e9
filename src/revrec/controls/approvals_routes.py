"""revrec's own approvals API (``/api/revrec/v1/approvals``): list approval steps, approve, reject.

Same token authentication as the integration API; every operation needs the ``Revenue Approvals``
privilege, and approving or rejecting a step needs the step's approver role.
Behaviour: docs/controls.md ("Approvals").
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from revrec.auth.privileges import REVENUE_APPROVALS
from revrec.auth.service import Principal
from revrec.controls import approvals
from revrec.http.deps import read_only, requires, unit_of_work
from revrec.http.openapi import AUTHENTICATED, errors
from revrec.http.params import MAX_RECORD_ID, RecordId

router = APIRouter(prefix="/api/revrec/v1/approvals", tags=["Controls: approvals"])
approver = requires(REVENUE_APPROVALS)
DECLARED = errors(*AUTHENTICATED)  # every answer besides 200: {"status": "Error", "message": ...}
ContractId = Annotated[RecordId, Path(description="The revenue contract's id (RC_ID)")]

Status = Literal["Pending", "Approved", "Rejected", "Superseded", "Cancelled"]


class ApprovalStep(BaseModel):
    id: int
    rc_id: int
    status: str
    sequence: int
    approver_role: str
    rule_id: int | None
    rule_name: str | None
    approval_type: str | None
    pending_since: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None


class StepList(BaseModel):
    data: list[ApprovalStep]
    success: bool = True


class Decision(BaseModel):
    comment: str | None = Field(default=None, max_length=2000)


class Rejection(BaseModel):
    comment: str = Field(min_length=1, max_length=2000)


class DecisionResult(BaseModel):
    rc_id: int
    step: int
    status: str
    remaining: int | None = None
    restored: dict[str, Any] | None = None
    success: bool = True


@router.get("", operation_id="GET_ApprovalSteps", response_model=StepList, responses=DECLARED)
def list_steps(
    status: Status | None = None,
    rc_id: int | None = Query(default=None, ge=1, le=MAX_RECORD_ID),
    after_id: int = Query(default=0, ge=0, le=MAX_RECORD_ID),
    limit: int = Query(default=100, ge=1, le=1000),
    caller: Principal = Depends(approver),
    conn: Connection = Depends(read_only),
) -> dict[str, Any]:
    """Approval steps of the caller's client in id order (``after_id`` pages forward)."""
    rows = approvals.list_steps(conn, caller, rc_id=rc_id, status=status, after_id=after_id, limit=limit)
    return {"data": rows, "success": True}


@router.post("/contracts/{rc_id}/approve", operation_id="POST_ApproveContract", response_model=DecisionResult,
              responses=DECLARED)  # fmt: skip
def approve(
    rc_id: ContractId,
    body: Decision,
    caller: Principal = Depends(approver),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Approve the contract's next pending step (the caller's role must be the step's)."""
    return approvals.approve(conn, caller, rc_id=rc_id, comment=body.comment)


@router.post("/contracts/{rc_id}/reject", operation_id="POST_RejectContract", response_model=DecisionResult,
              responses=DECLARED)  # fmt: skip
def reject(
    rc_id: ContractId,
    body: Rejection,
    caller: Principal = Depends(approver),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Reject the contract's pending revision: the previous revision is in force again."""
    return approvals.reject(conn, caller, rc_id=rc_id, comment=body.comment)
