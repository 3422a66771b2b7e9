"""The inbound operations: upload mapping, the two upload APIs, their status, stage errors."""

from __future__ import annotations

import tempfile
from datetime import datetime
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection
from starlette.datastructures import UploadFile

from revrec.auth.privileges import WEBSERVICES_INBOUND
from revrec.auth.service import Principal
from revrec.errors import InvalidInput
from revrec.http.deps import AppContext, context, read_only, requires
from revrec.http.openapi import answers, raw_body
from revrec.http.params import PageNumber, PageSize, RecordId, Text
from revrec.http.schemas import ErrorBody
from revrec.inbound import schemas, service, uploads
from revrec.inbound.uploads import UploadLimits, problem_dict
from revrec.tenancy import repository as tenancy

router = APIRouter(tags=["Inbound"])
inbound = requires(WEBSERVICES_INBOUND)
SPOOL_IN_MEMORY = 1 << 20
TemplateHeader = Annotated[Text | None, Header(description="The upload template, e.g. Standard Transaction")]
MAPPING: dict[str, Any] = {"response_model": None, "responses": answers(schemas.Mapping), "tags": ["Adapter"]}
UPLOADED: dict[str, Any] = {
    "model": schemas.UploadAnswer | ErrorBody,
    "description": "Refused: every problem found, or why",
}
FILE_UPLOADED: dict[str, Any] = {
    "model": schemas.FileUploadAnswer | ErrorBody,
    "description": UPLOADED["description"],
}
CSV_BODY = {"type": "string", "format": "binary", "description": "UTF-8 CSV: a header line, then data lines"}


@router.get("/api/integration/v1/upload/mapping", operation_id="GET_FileUploadMapping", **MAPPING)
def get_mapping(
    templatename: Annotated[Text | None, Query()] = None,
    caller: Principal = Depends(inbound),
    conn: Connection = Depends(read_only),
) -> dict[str, Any]:
    """Field mapping (staging column ↔ file label) of an upload template."""
    return service.mapping(conn, client_id=caller.client_id, template_name=templatename)


@router.post("/api/integration/v1/upload/mapping", operation_id="POST_FileUploadMapping", **MAPPING)
def post_mapping(
    templatename: Annotated[Text | None, Query()] = None,
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


@router.post(
    "/api/integration/v1/csv/upload",
    operation_id="POST_Upload",
    response_class=JSONResponse,
    responses={**answers(schemas.UploadAnswer, 413), 400: UPLOADED},
    openapi_extra=raw_body({"text/plain": CSV_BODY}),
)
async def create_upload(
    request: Request,
    template_name: Annotated[TemplateHeader, Header(alias="templatename")] = None,
    file_name: Annotated[
        Text | None, Header(alias="filename", description="A unique file name shown in the UI, e.g. TEST.csv")
    ] = None,
    caller: Principal = Depends(inbound),
    ctx: AppContext = Depends(context),
) -> JSONResponse:
    """Upload CSV text (≤ 20,000 data lines) into pre-stage, all or nothing."""
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


@router.post(
    "/api/integration/v1/upload/file",
    operation_id="POST_UploadFile",
    tags=["File Upload"],
    response_class=JSONResponse,
    responses={**answers(schemas.FileUploadAnswer, 413), 400: FILE_UPLOADED},
    openapi_extra=raw_body(
        {
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary", "description": "The CSV file"}},
                "required": ["file"],
            }
        }
    ),
)
async def upload_file(
    request: Request,
    template_name: Annotated[TemplateHeader, Header(alias="templatename")] = None,
    caller: Principal = Depends(inbound),
    ctx: AppContext = Depends(context),
) -> JSONResponse:
    """Upload a CSV file (multipart part ``file``, ≤ 60,000 data lines) into pre-stage, all or nothing."""
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


@router.get(
    "/api/integration/v1/csv/upload/status",
    operation_id="GET_UploadStatus",
    response_class=JSONResponse,
    responses={
        **answers(schemas.UploadStatus),
        400: {"model": schemas.UploadNotFound | ErrorBody, "description": "No such upload, or a bad id"},
    },
)
def csv_upload_status(
    id: Annotated[RecordId, Query(description="request id from POST /csv/upload")],  # noqa: A002 - API name
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
    response_class=JSONResponse,
    responses=answers(schemas.FileUploadStatus, 204),
)
def file_upload_status(
    file_request_id: Annotated[RecordId, Path()],
    caller: Principal = Depends(inbound),
    conn: Connection = Depends(read_only),
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
    "/api/integration/v1/stage/error/{errortype}",
    operation_id="GET_StaggingError",
    tags=["Stage Error"],
    response_class=JSONResponse,
    responses=answers(schemas.StageErrors, 204),
)
def stage_errors(
    errortype: Annotated[Text, Path(description="transaction or event")],
    upload_id: Annotated[RecordId | None, Query()] = None,
    from_date: Annotated[datetime | None, Query(alias="fromDate")] = None,
    to_date: Annotated[datetime | None, Query(alias="toDate")] = None,
    pagenum: Annotated[PageNumber, Query()] = 1,
    pagesize: Annotated[PageSize, Query(le=10000)] = 1000,
    caller: Principal = Depends(inbound),
    conn: Connection = Depends(read_only),
) -> Response:
    """Staging rows in error (``transaction`` or ``event``), with every error in ``err_msg``."""
    if errortype not in ("transaction", "event", "mje"):  # mje: Standard MJE uploads (revrec's own)
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
