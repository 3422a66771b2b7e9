"""revrec's own API for manual revenue actions: release a POB or line by hand, override a line's SSP,
override a contract's allocation, list a contract's actions, withdraw one.

Same token authentication as the integration API; releasing needs ``Manual Release``, an SSP override
``SSP Override``, an allocation override ``Allocation Override``; listing and withdrawing need any of them
(withdrawing an action, the privilege of its kind). Behaviour: docs/controls.md ("Manual revenue actions").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from revrec.auth.privileges import ALLOCATION_OVERRIDE, MANUAL_RELEASE, SSP_OVERRIDE
from revrec.auth.service import Principal, require_privilege
from revrec.controls import manual_actions
from revrec.controls import manual_repository as repo
from revrec.errors import Forbidden, NotFound
from revrec.http.deps import principal, read_only, requires, unit_of_work
from revrec.http.openapi import AUTHENTICATED, errors
from revrec.http.params import RecordId

router = APIRouter(prefix="/api/revrec/v1", tags=["Controls: manual revenue actions"])
DECLARED = errors(*AUTHENTICATED)  # every answer besides 200: {"status": "Error", "message": ...}
ContractId = Annotated[RecordId, Path(description="The revenue contract's id (RC_ID)")]
ActionId = Annotated[RecordId, Path(description="The manual action's id")]
MANUAL_PRIVILEGES = (MANUAL_RELEASE, SSP_OVERRIDE, ALLOCATION_OVERRIDE)
PRIVILEGE_OF = {
    repo.RELEASE: MANUAL_RELEASE,
    repo.SSP_OVERRIDE: SSP_OVERRIDE,
    repo.ALLOCATION_OVERRIDE: ALLOCATION_OVERRIDE,
}
Amount = Annotated[Decimal, Field(max_digits=24, decimal_places=6, description="a decimal, as text")]
Reason = Annotated[str, Field(min_length=1, max_length=2000, description="why (required)")]


async def any_manual(caller: Principal = Depends(principal)) -> Principal:
    """The caller when its role holds one of the manual-action privileges (else 403)."""
    if not set(MANUAL_PRIVILEGES) & caller.privileges:
        raise Forbidden(
            f"The role {caller.role!r} has none of the privileges {list(MANUAL_PRIVILEGES)} needed here"
        )
    return caller


class ReleaseIn(BaseModel):
    """Release part of a POB's or a line's value by hand."""

    model_config = ConfigDict(extra="forbid")
    level: Literal["POB", "LINE"] = Field(description="POB (every line of the POB) or LINE")
    pob_key: str | None = Field(None, max_length=300, description="the POB, for level POB")
    line_id: str | None = Field(None, max_length=200, description="the line, for level LINE")
    release_date: dt.date = Field(description="when; a date in a closed period releases in the open one")
    percent: Decimal | None = Field(
        None, gt=0, le=100, max_digits=12, decimal_places=6, description="the percent of the value released"
    )
    amount: Amount | None = Field(None, gt=0, description="or the amount released (contract currency)")
    reason: Reason


class SspOverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: str = Field(max_length=200, description="the line")
    ssp: Amount = Field(ge=0, description="the line's SSP (extended, as BI3_RC_LNS FV_PRC)")
    reason: Reason


class AllocationOverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amounts: dict[Annotated[str, Field(max_length=200)], Amount] = Field(
        max_length=10000, description="line id → allocated amount; with the other lines, the price exactly"
    )
    reason: Reason


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


class ManualActionOut(BaseModel):
    id: int
    rc_id: int
    kind: str
    status: str
    target_id: int | None
    level: str | None
    pob_key: str | None
    line_id: str | None
    release_date: dt.date | None
    percent: Decimal | None
    amount: Decimal | None
    amounts: dict[str, str] | None
    reason: str
    actor: str
    acted_at: dt.datetime
    period: int
    version_before: int
    version_after: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ManualActionList(BaseModel):
    data: list[ManualActionOut]
    success: bool = True


@router.post("/contracts/{rc_id}/manual-releases", operation_id="POST_ManualRelease",
             response_model=ManualActionOut, responses=DECLARED)  # fmt: skip
def manual_release(
    rc_id: ContractId,
    body: ReleaseIn,
    caller: Principal = Depends(requires(MANUAL_RELEASE)),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Release a POB or line by hand (percent or amount, by date): a new revision with the catch-up."""
    return manual_actions.release(
        conn, caller, rc_id=rc_id, level=body.level, pob_key=body.pob_key, line_id=body.line_id,
        release_date=body.release_date, percent=body.percent, amount=body.amount, reason=body.reason,
    )  # fmt: skip


@router.post("/contracts/{rc_id}/ssp-overrides", operation_id="POST_SspOverride",
             response_model=ManualActionOut, responses=DECLARED)  # fmt: skip
def ssp_override(
    rc_id: ContractId,
    body: SspOverrideIn,
    caller: Principal = Depends(requires(SSP_OVERRIDE)),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Override a line's SSP: the price is allocated again by relative SSP."""
    return manual_actions.override_ssp(
        conn, caller, rc_id=rc_id, line_id=body.line_id, ssp=body.ssp, reason=body.reason
    )


@router.post("/contracts/{rc_id}/allocation-overrides", operation_id="POST_AllocationOverride",
             response_model=ManualActionOut, responses=DECLARED)  # fmt: skip
def allocation_override(
    rc_id: ContractId,
    body: AllocationOverrideIn,
    caller: Principal = Depends(requires(ALLOCATION_OVERRIDE)),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Override the allocated amount of lines (the allocation must still sum to the price exactly)."""
    return manual_actions.override_allocation(
        conn, caller, rc_id=rc_id, amounts=body.amounts, reason=body.reason
    )


@router.get("/contracts/{rc_id}/manual-actions", operation_id="GET_ManualActions",
            response_model=ManualActionList, responses=DECLARED)  # fmt: skip
def list_manual_actions(
    rc_id: ContractId,
    caller: Principal = Depends(any_manual),
    conn: Connection = Depends(read_only),
) -> dict[str, Any]:
    """The contract's manual actions in the order taken, withdrawals and rejections included."""
    return {"data": manual_actions.list_actions(conn, caller, rc_id=rc_id), "success": True}


@router.post("/manual-actions/{action_id}/withdraw", operation_id="POST_WithdrawManualAction",
             response_model=ManualActionOut, responses=DECLARED)  # fmt: skip
def withdraw(
    action_id: ActionId,
    body: WithdrawIn,
    caller: Principal = Depends(any_manual),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Withdraw an action: a new revision with the computed values back."""
    target = repo.action(conn, caller.client_id, action_id)
    if target is None:
        raise NotFound(f"manual action {action_id} not found")
    if target.kind in PRIVILEGE_OF:
        require_privilege(caller, PRIVILEGE_OF[target.kind])
    return manual_actions.withdraw(conn, caller, action_id=action_id, reason=body.reason)
