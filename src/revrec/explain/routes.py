"""GET /api/revrec/v1/contracts/{rc_id}/explanation[/{line_id}]: how stored amounts were computed (JSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Connection

from revrec.auth.privileges import WEBSERVICES_OUTBOUND
from revrec.auth.service import Principal
from revrec.explain import service
from revrec.http.deps import read_only, requires

router = APIRouter(tags=["Explanations"])
outbound = requires(WEBSERVICES_OUTBOUND)


@router.get(
    "/api/revrec/v1/contracts/{rc_id}/explanation",
    operation_id="GET_ContractExplanation",
    summary="How each line's allocated price was computed",
)
def contract_explanation(
    rc_id: int, caller: Principal = Depends(outbound), conn: Connection = Depends(read_only)
) -> dict[str, Any]:
    return service.explain_contract(conn, client_id=caller.client_id, rc_id=rc_id)


@router.get(
    "/api/revrec/v1/contracts/{rc_id}/explanation/{line_id}",
    operation_id="GET_LineExplanation",
    summary="How a line's allocated price and one period's revenue were computed",
)
def line_explanation(
    rc_id: int,
    line_id: str,
    period: int | None = Query(None, description="period key (YYYYMM) whose revenue to explain"),
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
) -> dict[str, Any]:
    return service.explain_line(conn, client_id=caller.client_id, rc_id=rc_id, line_id=line_id, period=period)
