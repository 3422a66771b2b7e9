"""The Revenue Jobs and Data Collection operations (api-contract §2.18, §2.20, §2.21, §2.27, §2.28)."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from revrec.auth.privileges import REVENUE_JOBS
from revrec.auth.service import Principal
from revrec.contracts.collection import COLLECTION_JOB
from revrec.http.deps import read_only, requires, unit_of_work
from revrec.http.openapi import AUTHENTICATED, MEANING, answers
from revrec.http.params import MAX_TEXT, OrgId, RecordId
from revrec.http.schemas import ErrorBody
from revrec.programs import schemas, service

router = APIRouter(tags=["Revenue Jobs"])
jobs = requires(REVENUE_JOBS)


class ParameterValue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    parameter_id: RecordId
    sequence: Annotated[int, Ge(0), Le(1_000_000)] | None = None
    parameter_value: str | None = Field("", max_length=MAX_TEXT)


class SubmitRequest(BaseModel):
    parameters: list[ParameterValue] = Field(default_factory=list, max_length=1_000)


class CollectionRequest(BaseModel):
    rc_template_name: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)  # None: the default
    org_id: OrgId = 0


SUBMIT_ERROR = schemas.JobFailure | ErrorBody  # {"success": false, "error": ...} as Zuora documents it
OrgPath = Annotated[OrgId, Path()]
JobPath = Annotated[RecordId, Path()]


@router.get(
    "/api/integration/v1/programs",
    operation_id="GET_ProgramDetails",
    response_model=None,
    responses=answers(schemas.ProgramList),
)
def get_programs(caller: Principal = Depends(jobs)) -> dict[str, Any]:
    """Programs startable through the API, with their parameters."""
    del caller
    return {"data": service.list_programs()}


def _submitted(job_id: int, data: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "job_id": str(job_id),
        "message": f"Request ID: {job_id} submitted successfully",
        "success": True,
    }
    if data is not None:
        body["data"] = data
    return body


@router.post(
    "/api/integration/v1/{org_id}/programs/{program_id}/submit",
    operation_id="POST_SubmitRevenueJob",
    response_model=None,
    responses={
        **answers(schemas.JobSubmitted, 413),
        **{
            code: {"model": schemas.JobFailure | ErrorBody, "description": MEANING[code]}
            for code in AUTHENTICATED
        },
    },
)
def submit_program(
    org_id: OrgPath,
    program_id: JobPath,
    body: SubmitRequest | None = None,
    caller: Principal = Depends(jobs),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Queue a program run; the job id is in ``job_id``, ``message`` and ``data.id``. A program without
    parameters (or with none mandatory) accepts an empty body."""
    parameters = [p.model_dump() for p in body.parameters] if body is not None else []
    job_id = service.submit_program(conn, caller, org_id=org_id, program_id=program_id, parameters=parameters)
    return _submitted(job_id, service.job_status(conn, caller, job_id))


@router.get(
    "/api/integration/v1/{org_id}/jobs/{job_id}",
    operation_id="GET_RevenueJobStatus",
    response_model=None,
    responses=answers(schemas.JobStatus),
)
def job_status(
    org_id: OrgPath, job_id: JobPath, caller: Principal = Depends(jobs), conn: Connection = Depends(read_only)
) -> dict[str, Any]:
    """Status of a submitted program job."""
    return {"data": service.job_status(conn, caller, job_id, org_id=org_id), "success": True}


@router.post(
    "/api/integration/v1/job/collection/template",
    operation_id="POST_Collection",
    tags=["Data Collection"],
    response_model=None,
    responses=answers(schemas.CollectionSubmitted, 413),
)
def submit_collection(
    body: CollectionRequest,
    caller: Principal = Depends(jobs),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> dict[str, Any]:
    """Queue a Data Collection job for an RC grouping template."""
    job_id = service.submit_collection(conn, caller, template=body.rc_template_name, org_id=body.org_id)
    return {
        "message": f"Data collection job submitted successfully. Job ID: {job_id}",
        "success": True,
        "job_id": job_id,
    }


@router.get(
    "/api/integration/v1/job/collection/template/{job_id}",
    operation_id="GET_CollectionDetails",
    tags=["Data Collection"],
    response_model=None,
    responses=answers(schemas.JobStatus),
)
def collection_status(
    job_id: JobPath, caller: Principal = Depends(jobs), conn: Connection = Depends(read_only)
) -> dict[str, Any]:
    """Status of a Data Collection job."""
    data = service.job_status(conn, caller, job_id, kinds=[COLLECTION_JOB])
    return {"data": data, "success": True}
