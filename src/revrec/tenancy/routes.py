"""GET /api/integration/v1/revenue-orgs (GET_RevenueOrgDetails)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import Connection

from revrec.auth.privileges import REVENUE_JOBS
from revrec.auth.service import Principal
from revrec.http.deps import read_only, requires
from revrec.http.openapi import answers
from revrec.tenancy import service
from revrec.tenancy.schemas import OrgList

router = APIRouter(tags=["Revenue Jobs"])


@router.get(
    "/api/integration/v1/revenue-orgs",
    operation_id="GET_RevenueOrgDetails",
    summary="Get list of available organizations",
    response_model=None,
    responses=answers(OrgList),
)
def revenue_orgs(
    caller: Principal = Depends(requires(REVENUE_JOBS)), conn: Connection = Depends(read_only)
) -> dict[str, object]:
    """The organizations the caller's role may use: ``{"data": [{"org_id": 1, "org_name": "DEFAULT"}]}``."""
    return {"data": service.list_orgs_for_role(conn, client_id=caller.client_id, role_id=caller.role_id)}
