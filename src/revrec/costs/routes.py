"""revrec's own API for contract costs: the impairment test (``/api/revrec/v1/costs``).

Same token authentication as the integration API; needs the ``Revenue Jobs`` privilege (the API Role's).
Behaviour: docs/judgment.md "Costs of obtaining and fulfilling a contract".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from revrec.accounting import service as accounting
from revrec.auth.privileges import REVENUE_JOBS
from revrec.auth.service import Principal
from revrec.costs import service
from revrec.costs.jobs import context
from revrec.errors import InvalidInput
from revrec.http.deps import requires, unit_of_work
from revrec.http.openapi import AUTHENTICATED, errors

router = APIRouter(tags=["Costs"])
DECLARED = errors(*AUTHENTICATED)
CostLineId = Annotated[str, Path(min_length=1, max_length=300, description="the cost line's Cost Line Id")]
runner = requires(REVENUE_JOBS)
Amount = Annotated[Decimal, Field(ge=0, max_digits=24, decimal_places=6)]


class ImpairmentIn(BaseModel):
    """The figures of an impairment test at the end of the open period (ASC 340-40-35-3)."""

    model_config = ConfigDict(extra="forbid")
    costs_to_provide: Amount = Field(description="costs still to incur to provide the related goods/services")
    remaining_consideration: Amount | None = Field(
        None, description="default: the related line's allocated amount not yet recognised"
    )
    org_id: int = Field(0, ge=0, le=2_147_483_647, description="the org (0: the first enabled one)")


class ImpairmentOut(BaseModel):
    cost_line_id: str
    period: int
    carrying_amount: str
    remaining_consideration: str
    costs_to_provide: str
    impairment_loss: str
    warnings: list[str]


@router.post(
    "/api/revrec/v1/costs/{cost_line_id}/impairment-test", operation_id="POST_CostImpairmentTest",
    summary="Test a capitalised contract cost for impairment", response_model=ImpairmentOut,
    responses=DECLARED,
)  # fmt: skip
def impairment_test(
    cost_line_id: CostLineId,
    body: ImpairmentIn,
    caller: Principal = Depends(runner),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> ImpairmentOut:
    ctx = context(conn, caller.client_id, body.org_id or None)
    if ctx.open is None:
        raise InvalidInput("the book has no open period")
    result = service.run_impairment_test(
        conn, scope=ctx.scope, open_period=ctx.open, calendar=ctx.calendar, cost_line_id=cost_line_id,
        costs_to_provide=body.costs_to_provide, remaining_consideration=body.remaining_consideration,
    )  # fmt: skip
    if result.loss:
        accounting.journalize(conn, ctx.scope, ctx.open)
    return ImpairmentOut(
        cost_line_id=result.cost_line_id, period=result.period, carrying_amount=str(result.carrying),
        remaining_consideration=str(result.remaining_consideration),
        costs_to_provide=str(result.costs_to_provide), impairment_loss=str(result.loss),
        warnings=[f"{w.code} {w.message}" for w in result.warnings],
    )  # fmt: skip
