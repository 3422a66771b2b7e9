"""The inbound operations: upload mapping, the two upload APIs, their status, stage errors."""

from __future__ import annotations

import tempfile
from datetime import datetime
from typing import IO, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection
from starlette.datastructures import UploadFile

from revrec.auth.privileges import WEBSERVICES_INBOUND
from revrec.auth.service import Principal
from revrec.errors import InvalidInput
from revrec.http.deps import AppContext, context, read_only, requires
from revrec.inbound import service, uploads
from revrec.inbound.uploads import UploadLimits, problem_dict
from revrec.tenancy import repository as tenancy

router = APIRouter(tags=["Inbound"])
inbound = requires(WEBSERVICES_INBOUND)
SPOOL_IN_MEMORY = 1 << 20


@router.get("/api/integration/v1/upload/mapping", operation_id="GET_FileUploadMapping", tags=["Adapter"])
def get_mapping(
    templatename: str | None = Query(None),
    caller: Principal = Depends(inbound),
    conn: Connection = Depends(read_only),
) -> dict[str, Any]:
    """Field mapping (staging column ↔ file label) of an upload template."""
    return service.mapping(conn, client_id=caller.client_id, template_name=templatename)


@router.post("/api/integration/v1/upload/mapping", operation_id="POST_FileUploadMapping", tags=["Adapter"])
def post_mapping(
    templatename: str | None = Query(None),
    caller: Principal = Depends(inbound),
    conn: Connection = Depends(read_only),
) -> dict[str, Any]:
    """Same as GET (the Zuora SDK uses POST)."""
    return service.mapping(conn, client_id=caller.client_id, template_name=templatename)


def _policy(ctx: AppContext, caller: Principal) -> str:
    from revrec.db.session import transaction

    with transaction(ctx.engine, readonly=True) as conn:
        client = tenancy.get_client(conn, caller.client_id)
    return client.csv_injection_policy if client else "BLOCK"


async def _spool(request: Request) -> IO[bytes]:
    """The request body in a temporary file (in memory up to 1 MiB), read chunk by chunk."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed by the caller
    async for chunk in request.stream():
        spool.write(chunk)
    spool.seek(0)
    return spool


def _result(outcome: uploads.UploadOutcome, caller: Principal, status: str, message: str) -> dict[str, Any]:
    return {"client_id": caller.client_id, "id": outcome.upload_id, "message": message, "status": status}


@router.post("/api/integration/v1/csv/upload", operation_id="POST_Upload")
async def create_upload(
    request: Request, caller: Principal = Depends(inbound), ctx: AppContext = Depends(context)
) -> JSONResponse:
    """Upload CSV text (≤ 20,000 data lines) into pre-stage, all or nothing."""
    template_name = request.headers.get("templatename")
    file_name = request.headers.get("filename")
    if not file_name:
        raise InvalidInput("Missing required header: filename")
    uploads.require_template(ctx.engine, caller.client_id, template_name)
    body = await _spool(request)
    with body:
        outcome = uploads.receive(
            ctx.engine,
            caller=caller,
            template_name=template_name,
            file_name=file_name,
            channel="csv",
            body=body,
            limits=UploadLimits.from_settings(ctx.settings, "csv"),
            injection_policy=_policy(ctx, caller),
        )
    if outcome.ok:
        result = _result(outcome, caller, "Successfully Uploaded", "Data Received")
        return JSONResponse({"message": "Data Staged Successfully", "result": result, "status": "Success"})
    listed = len(outcome.problems)
    result = _result(outcome, caller, "Failed", uploads.failure_message(outcome.problem_count, listed))
    result["errors"] = [problem_dict(p) for p in outcome.problems]
    body_json = {"message": "Error loading Data into RevPro Stage", "result": result, "status": "Error"}
    return JSONResponse(body_json, status_code=400)


@router.post("/api/integration/v1/upload/file", operation_id="POST_UploadFile", tags=["File Upload"])
async def upload_file(
    request: Request, caller: Principal = Depends(inbound), ctx: AppContext = Depends(context)
) -> JSONResponse:
    """Upload a CSV file (multipart part ``file``, ≤ 60,000 data lines) into pre-stage, all or nothing."""
    template_name = request.headers.get("templatename")
    uploads.require_template(ctx.engine, caller.client_id, template_name)
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        raise InvalidInput("Content-Type must be multipart/form-data with a part named 'file'")
    async with request.form(max_files=1, max_fields=10) as form:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise InvalidInput("Missing multipart part 'file'")
        outcome = uploads.receive(
            ctx.engine,
            caller=caller,
            template_name=template_name,
            file_name=part.filename or "upload.csv",
            channel="file",
            body=part.file,
            limits=UploadLimits.from_settings(ctx.settings, "file"),
            injection_policy=_policy(ctx, caller),
        )
    if outcome.ok:
        return JSONResponse(
            {
                "message": "File received successfully",
                "status": "Success",
                "file_request_id": outcome.upload_id,
            }
        )
    return JSONResponse(
        {
            "message": uploads.failure_message(outcome.problem_count, len(outcome.problems)),
            "status": "Error",
            "file_request_id": outcome.upload_id,
            "errors": [problem_dict(p) for p in outcome.problems],
        },
        status_code=400,
    )


@router.get("/api/integration/v1/csv/upload/status", operation_id="GET_UploadStatus")
def csv_upload_status(
    id: int = Query(..., description="request id from POST /csv/upload"),  # noqa: A002 - the API's name
    caller: Principal = Depends(inbound),
    conn: Connection = Depends(read_only),
) -> JSONResponse:
    row = service.upload_status(conn, client_id=caller.client_id, upload_id=id)
    if row is None:
        return JSONResponse(
            {"Result": f"No upload with id {id}", "message": "No data found", "status": "Error"}, 400
        )
    result: dict[str, Any] = {
        "client_id": caller.client_id,
        "id": row.id,
        "message": row.message,
        "status": row.status,
    }
    if row.status == "Failed":
        result["errors"] = service.problems_of(row)
    return JSONResponse({"result": result, "status": "Success"})


@router.get(
    "/api/integration/v1/fileupload/status/{file_request_id}",
    operation_id="GET_FileUploadStatus",
    tags=["File Upload"],
)
def file_upload_status(
    file_request_id: int, caller: Principal = Depends(inbound), conn: Connection = Depends(read_only)
) -> Response:
    row = service.upload_status(conn, client_id=caller.client_id, upload_id=file_request_id)
    if row is None:
        return Response(status_code=204)
    body: dict[str, Any] = {
        "Result": [{"file_log": service.file_log(row), "file_request_id": row.id}],
        "message": row.message,
        "status": "Success",
    }
    if row.status == "Failed":
        body["errors"] = service.problems_of(row)
    return JSONResponse(body)


@router.get(
    "/api/integration/v1/stage/error/{errortype}", operation_id="GET_StaggingError", tags=["Stage Error"]
)
def stage_errors(
    errortype: str,
    upload_id: int | None = Query(None),
    from_date: datetime | None = Query(None, alias="fromDate"),
    to_date: datetime | None = Query(None, alias="toDate"),
    pagenum: int = Query(1, ge=1),
    pagesize: int = Query(1000, ge=1, le=10000),
    caller: Principal = Depends(inbound),
    conn: Connection = Depends(read_only),
) -> Response:
    """Staging rows in error (``transaction`` or ``event``), with every error in ``err_msg``."""
    if errortype not in ("transaction", "event"):
        raise InvalidInput(f"Invalid error type {errortype!r}: use transaction or event")
    rows = service.stage_errors(
        conn,
        client_id=caller.client_id,
        kind=errortype,
        upload_id=upload_id,
        from_date=from_date,
        to_date=to_date,
        offset=(pagenum - 1) * pagesize,
        limit=pagesize,
    )
    if not rows:
        return Response(status_code=204)
    return JSONResponse({"Result": rows, "status": "Success"})
