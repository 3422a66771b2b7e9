"""Transfer accounting operations (api-contract §2.23–2.26). Behaviour and choices: docs/outbound.md."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Annotated, Any

from annotated_types import Le
from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Connection

from revrec.auth.privileges import WEBSERVICES_OUTBOUND
from revrec.auth.service import Principal
from revrec.biviews.csvout import iter_file
from revrec.errors import InvalidInput, NotFound
from revrec.http.deps import AppContext, context, read_only, requires, unit_of_work
from revrec.http.openapi import MEANING, Responses, answers
from revrec.http.params import PageNumber, PageSize, RecordId, Text
from revrec.http.schemas import Status
from revrec.transfer import files, schemas, service

router = APIRouter(tags=["Transfer Accounting"])
outbound = requires(WEBSERVICES_OUTBOUND)

DEFAULT_PAGESIZE = 1000
MAX_PAGESIZE = 10000
NO_READY = "No GL Transfer batches in Ready to Transfer status are available"


def _csv(batch: Any, rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    service.write_csv(buffer, service.layout_of(batch), rows)
    return buffer.getvalue()


BatchId = Annotated[RecordId, Path(description="The transfer batch id (from GET_TransferBatchList)")]
LinesPerPage = Annotated[PageSize, Le(MAX_PAGESIZE)]
NO_BATCH: Responses = {204: {"description": f"{MEANING[204]}: {NO_READY}"}}


@router.get(
    "/api/integration/v1/journal/list",
    operation_id="GET_TransferBatchList",
    response_class=Response,
    responses={**answers(schemas.JournalList, 204), **NO_BATCH},
)
def transfer_batch_list(
    caller: Principal = Depends(outbound), conn: Connection = Depends(read_only)
) -> Response:
    """The caller's batches in READY TO TRANSFER status; 204 when there is none."""
    batches = service.ready_batches(conn, caller.client_id)
    if not batches:
        return Response(status_code=204, headers={"x-revrec-message": NO_READY})
    return JSONResponse({"result": [service.journal(b) for b in batches], "status": "Success"})


@router.get(
    "/api/integration/v1/journal/batch/{batchid}/{pagenum}",
    operation_id="GET_TransferBatch",
    response_class=Response,
    responses={
        **answers(schemas.BatchPage, media={"text/csv": ""}),
        404: {"model": schemas.PastLastPage, "description": "The page is past the last one"},
    },
)
def transfer_batch_page(
    batchid: BatchId,
    pagenum: Annotated[PageNumber, Path()],
    pagesize: Annotated[LinesPerPage | None, Query(description="Lines per page, 1 to 10,000")] = None,
    pagesize_header: Annotated[
        LinesPerPage | None, Header(alias="pagesize", description="Same, as a header")
    ] = None,
    output: Annotated[Text | None, Query(alias="Output", description="CSV, or omit it for JSON")] = None,
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
) -> Response:
    """One page of the batch's summary lines, JSON (default) or CSV (``Output=CSV``)."""
    size = next((s for s in (pagesize, pagesize_header) if s is not None), DEFAULT_PAGESIZE)
    if output is not None and output.strip().upper() not in ("CSV", "JSON", ""):
        raise InvalidInput(f"Invalid Output {output!r} (CSV, or omit it for JSON)")
    batch = service.get_batch(conn, caller.client_id, batchid)
    if batch is None:
        raise NotFound(f"Transfer batch {batchid} not found")
    total = service.count_lines(conn, batch.id)
    pages = (total + size - 1) // size
    if pagenum > max(pages, 1):
        message = f"Page {pagenum} is past the last page: {pages} page(s), {total} line(s)"
        body = {"status": "Error", "message": message, "total_pages": pages, "total_lines": total}
        return JSONResponse(body, status_code=404)
    lines = service.page(conn, batch, pagenum, size)
    if output is not None and output.strip().upper() == "CSV":
        return Response(_csv(batch, lines), media_type="text/csv; charset=utf-8")
    return JSONResponse(
        {
            "status": "Success",
            "batch_id": batch.id,
            "batch_name": batch.name,
            "batch_status": batch.status,
            "pagenum": pagenum,
            "pagesize": size,
            "total_lines": total,
            "total_pages": pages,
            "result": lines,
        }
    )


@router.put(
    "/api/integration/v1/journal/batch/status/{batch_id}",
    operation_id="PUT_TransferBatchStatus",
    response_class=JSONResponse,
    responses=answers(Status),
)
def transfer_batch_status(
    batch_id: BatchId,
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> JSONResponse:
    """READY TO TRANSFER → TRANSFERRED; 400 for a batch in any other status (or not found)."""
    service.mark_transferred(conn, caller.client_id, batch_id, caller.username)
    return JSONResponse({"status": "Success"})


@router.get(
    "/api/integration/v1/download/transferbatchfile/{batch_id}",
    operation_id="GET_TransferBatchFile",
    response_class=Response,
    responses=answers(None, 204, media={"text/csv": ""}),
)
def transfer_batch_file(
    batch_id: BatchId,
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
    ctx: AppContext = Depends(context),
) -> Response:
    """The batch file (CSV of every line, streamed); 204 when not generated, not found or older than the
    retention."""
    batch = service.get_batch(conn, caller.client_id, batch_id)
    if not service.file_fresh(batch, ctx.settings.report_retention_seconds):
        return Response(status_code=204)
    return StreamingResponse(
        iter_file(files.spool_batch_file(conn, batch)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="transfer_batch_{batch.id}.csv"'},
    )
