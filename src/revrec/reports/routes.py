"""Reports: list, download, signed URL (api-contract §2.15–2.17). Behaviour and choices: docs/outbound.md."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import Connection

from revrec.auth.privileges import WEBSERVICES_OUTBOUND
from revrec.auth.service import Principal
from revrec.errors import InvalidInput
from revrec.http.deps import AppContext, context, read_only, requires
from revrec.http.openapi import Responses, answers
from revrec.http.params import Epoch, RecordId, Text
from revrec.http.schemas import ErrorBody
from revrec.reports import schemas, service
from revrec.reports.service import Download

router = APIRouter(tags=["Reports"])
outbound = requires(WEBSERVICES_OUTBOUND)
ReportId = Annotated[RecordId, Path(description="The report id (from GET_ReportList)")]
REPORT_FILE = {"text/csv": "", "application/zip": "binary"}
NOT_FOUND: Responses = {404: {"model": schemas.SignedFailure, "description": "No such report"}}


def _listing(ctx: AppContext, caller: Principal, createddate: str | None) -> JSONResponse:
    store = service.store_for(ctx.settings)
    try:
        records = service.list_reports(store, client_id=caller.client_id, created_date=createddate)
    except InvalidInput as exc:
        return JSONResponse({"Message": exc.message, "status": "Error"}, status_code=400)
    message = f"{len(records)} report(s) found" + (f" for {createddate}" if createddate else "")
    return JSONResponse({"Message": message, "Result": [r.listing() for r in records], "status": "Success"})


@router.get(
    "/api/integration/v1/reports/list",
    operation_id="GET_ReportList",
    response_class=JSONResponse,
    responses={
        **answers(schemas.ReportList),
        400: {"model": schemas.ReportListError | ErrorBody, "description": "A bad createddate"},
    },
)
def report_list(
    createddate: Annotated[Text | None, Query(description="DD-MON-YYYY, e.g. 16-JAN-2023")] = None,
    caller: Principal = Depends(outbound),
    ctx: AppContext = Depends(context),
) -> JSONResponse:
    """Reports created on ``createddate`` (DD-MON-YYYY, UTC); every kept report when omitted."""
    return _listing(ctx, caller, createddate)


def _file(download: Download) -> FileResponse:
    return FileResponse(
        download.path, media_type=download.record.media_type, filename=download.record.file_name
    )


@router.get(
    "/api/integration/v1/reports/download/{filename}",
    operation_id="GET_DownloadReports",
    response_class=Response,
    responses=answers(None, 204, media=REPORT_FILE),
)
def download_report(
    filename: Annotated[Text, Path(description="The report's file_name, e.g. 10002.csv")],
    caller: Principal = Depends(outbound),
    ctx: AppContext = Depends(context),
) -> Response:
    """The report file (streamed); 204 when it does not exist or is older than the retention."""
    store = service.store_for(ctx.settings)
    found = service.find_download(store, client_id=caller.client_id, filename=filename)
    if found is None:
        return Response(status_code=204)
    if found.record.size > ctx.settings.report_download_max_bytes:
        raise InvalidInput(
            f"Report file {found.record.file_name} is larger than the download limit; "
            f"use GET /api/integration/v2/reports/signedurl/{found.record.id}"
        )
    return _file(found)


@router.get(
    "/api/integration/v2/reports/signedurl/{report_id}",
    operation_id="GET_ReportsURL",
    response_class=JSONResponse,
    responses={**answers(schemas.SignedUrl), **NOT_FOUND},
)
def report_signed_url(
    report_id: ReportId,
    request: Request,
    caller: Principal = Depends(outbound),
    ctx: AppContext = Depends(context),
) -> JSONResponse:
    """``{"signed_url": ..., "success": true}``: a URL downloading the report without a token."""
    url = service.signed_url(
        service.store_for(ctx.settings), ctx.settings, caller=caller, report_id=report_id,
        base_url=str(request.base_url), now=time.time(),
    )  # fmt: skip
    if url is None:
        return JSONResponse({"error": f"Report {report_id} not found", "success": False}, status_code=404)
    return JSONResponse({"signed_url": url, "success": True})


@router.get(
    "/api/integration/v2/reports/signed/{report_id}",
    operation_id="GET_SignedReport",
    response_class=Response,
    responses={
        **answers(None, 400, media=REPORT_FILE, authenticated=False),
        403: {"model": schemas.SignedFailure, "description": "Tampered with or expired"},
        **NOT_FOUND,
    },
)
def signed_report(
    report_id: ReportId,
    client: Annotated[RecordId | None, Query(description="The client id of the signed URL")] = None,
    user: Annotated[RecordId | None, Query(description="The user id the signed URL was issued to")] = None,
    expires: Annotated[Epoch | None, Query(description="When the URL expires (seconds since 1970)")] = None,
    signature: Annotated[
        str, Query(max_length=128, pattern="^[0-9a-fA-F]*$", description="The signature (hexadecimal)")
    ] = "",
    ctx: AppContext = Depends(context),
    conn: Connection = Depends(read_only),
) -> Response:
    """Download through a signed URL (no token): 403 when tampered with, revoked or expired, 405 when the
    client's API is disabled, 404 when gone."""
    query = service.SignedQuery(client, user, expires, signature)
    found = service.signed_download(
        conn, service.store_for(ctx.settings), ctx.settings, report_id=report_id, query=query, now=time.time()
    )
    if isinstance(found, str):
        return JSONResponse({"error": found, "success": False}, status_code=403)
    if found is None:
        return JSONResponse({"error": f"Report {report_id} not found", "success": False}, status_code=404)
    return _file(found)


@router.get(
    "/api/integration/v1/reports/{report_id}",
    operation_id="GET_ReportsById",
    response_class=JSONResponse,
    responses=answers(schemas.ReportList),
)
def report_by_id(
    report_id: ReportId, caller: Principal = Depends(outbound), ctx: AppContext = Depends(context)
) -> JSONResponse:
    """The SDK's ``get_reports_by_id``: the report-list answer holding just that report."""
    store = service.store_for(ctx.settings)
    record = store.get(caller.client_id, report_id)
    result = [record.listing()] if record is not None else []
    message = f"{len(result)} report(s) found"
    return JSONResponse({"Message": message, "Result": result, "status": "Success"})
