"""GET /api/revrec/v1/contracts/{rc_id}/explanation[/{line_id}]: how stored amounts were computed (JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import Connection

from revrec.auth.privileges import WEBSERVICES_OUTBOUND
from revrec.auth.service import Principal
from revrec.explain import schemas, service
from revrec.http.deps import read_only, requires
from revrec.http.openapi import answers
from revrec.http.params import RecordId, Text

router = APIRouter(tags=["Explanations"])
outbound = requires(WEBSERVICES_OUTBOUND)
ContractId = Annotated[RecordId, Path(description="The revenue contract's id (RC_ID)")]
PeriodKey = Annotated[
    int, Query(ge=100001, le=999912, description="period key (YYYYMM) whose revenue to explain")
]


@router.get(
    "/api/revrec/v1/contracts/{rc_id}/explanation",
    operation_id="GET_ContractExplanation",
    summary="How each line's allocated price was computed",
    response_model=None,
    responses=answers(schemas.ContractExplanation),
)
def contract_explanation(
    rc_id: ContractId, caller: Principal = Depends(outbound), conn: Connection = Depends(read_only)
) -> dict[str, Any]:
    return service.explain_contract(conn, client_id=caller.client_id, rc_id=rc_id)


@router.get(
    "/api/revrec/v1/contracts/{rc_id}/explanation/{line_id}",
    operation_id="GET_LineExplanation",
    summary="How a line's allocated price and one period's revenue were computed",
    response_model=None,
    responses=answers(schemas.LineExplanation),
)
def line_explanation(
    rc_id: ContractId,
    line_id: Annotated[Text, Path(description="The line id (the upload's SO line id)")],
    period: PeriodKey | None = None,
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
) -> dict[str, Any]:
    return service.explain_line(conn, client_id=caller.client_id, rc_id=rc_id, line_id=line_id, period=period)
