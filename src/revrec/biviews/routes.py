"""BI views v1 and v2: the HTTP edge (api-contract §2.3–2.10). Behaviour and choices: docs/outbound.md."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Connection

from revrec.auth.privileges import WEBSERVICES_OUTBOUND
from revrec.auth.service import Principal
from revrec.biviews import params, service
from revrec.biviews.service import (
    NOT_CACHED,
    PAST_END,
    BiviewsRuntime,
    NoRows,
    NotCached,
    Outcome,
    Page,
    PastEnd,
)
from revrec.errors import InvalidInput
from revrec.http.deps import read_only, requires
from revrec.http.errors import error_response

router = APIRouter()
outbound = requires(WEBSERVICES_OUTBOUND)
_build_lock = threading.Lock()  # guards the one-time build of the per-app runtime below


def runtime_for(app: Any) -> BiviewsRuntime:
    """The app's BI views runtime (views, tasks), built on first use and kept on ``app.state``."""
    state = app.state
    found: BiviewsRuntime | None = getattr(state, "biviews", None)
    if found is None:
        with _build_lock:
            found = getattr(state, "biviews", None)
            if found is None:
                found = BiviewsRuntime.build(state.ctx.settings, state.ctx.engine)
                state.biviews = found
    return found


def runtime(request: Request) -> BiviewsRuntime:
    return runtime_for(request.app)


async def body_fields(request: Request) -> list[str] | None:
    """The optional JSON array of field names sent as the body (also on GET)."""
    return params.fields(await request.body())


def _token_headers(token: str | None) -> dict[str, str]:
    return {"continuation-token": token, "continuation_token": token} if token else {}


def _answer(outcome: Outcome) -> Response:
    if isinstance(outcome, Page):
        extension, media = (
            ("csv.gz", "application/gzip") if outcome.gzipped else ("csv", "text/csv; charset=utf-8")
        )
        headers = {
            **_token_headers(outcome.token),
            "Content-Disposition": f'attachment; filename="{outcome.view}_{outcome.number}.{extension}"',
        }
        return StreamingResponse(outcome.body, media_type=media, headers=headers)
    if isinstance(outcome, NoRows):
        return Response(status_code=204, headers=_token_headers(outcome.token))
    if isinstance(outcome, PastEnd):
        body = {
            "message": PAST_END,
            "status": "Error",
            "total_pages": outcome.total_pages,
            "total_rows": outcome.total_rows,
        }
        return JSONResponse(body, status_code=404, headers=_token_headers(outcome.token))
    assert isinstance(outcome, NotCached)
    return error_response(400, NOT_CACHED, _token_headers(outcome.token))


# --- v1 -------------------------------------------------------------------------------------------------


def _v1(
    view_name: str, client_id: str | None, from_date: str | None, to_date: str | None, pagenum: int | None,
    pagesize: int | None, count: bool | None, fields: list[str] | None, caller: Principal, conn: Connection,
    rt: BiviewsRuntime,
) -> Response:  # fmt: skip
    params.check_client(client_id, caller.client_id)
    flt = params.Filter.parse(from_date, to_date)
    if count:
        rt.views.get(view_name).projection(fields)
        return JSONResponse(
            {"count": service.count(rt, conn, client_id=caller.client_id, view_name=view_name, flt=flt)}
        )
    outcome = service.direct_page(
        rt, conn, client_id=caller.client_id, view_name=view_name, flt=flt, fields=fields,
        number=params.page_number(pagenum), size=params.v1_page_size(pagesize), gzipped=False,
    )  # fmt: skip
    return _answer(outcome)


@router.get("/api/integration/v1/biviews/{view_name}", operation_id="GET_BIViews", tags=["BI Views v1"])
def get_biview_v1(
    view_name: str,
    client_id: str | None = Query(None, alias="clientId"),
    from_date: str | None = Query(None, alias="fromDate"),
    to_date: str | None = Query(None, alias="toDate"),
    pagenum: int | None = Query(None),
    pagesize: int | None = Query(None),
    pagesize_header: int | None = Header(None, alias="pagesize"),
    count: bool | None = Query(None),
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
    rt: BiviewsRuntime = Depends(runtime),
) -> Response:
    """One page of a BI view as CSV (``count=true``: its row count)."""
    size = pagesize if pagesize is not None else pagesize_header
    return _v1(view_name, client_id, from_date, to_date, pagenum, size, count, None, caller, conn, rt)


@router.post("/api/integration/v1/biviews/{view_name}", operation_id="POST_BIViews", tags=["BI Views v1"])
def post_biview_v1(
    view_name: str,
    client_id: str | None = Query(None, alias="clientId"),
    from_date: str | None = Query(None, alias="fromDate"),
    to_date: str | None = Query(None, alias="toDate"),
    pagenum: int | None = Query(None),
    pagesize: int | None = Query(None),
    pagesize_header: int | None = Header(None, alias="pagesize"),
    count: bool | None = Query(None),
    fields: list[str] | None = Depends(body_fields),
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
    rt: BiviewsRuntime = Depends(runtime),
) -> Response:
    """Same as GET, restricted to the fields of the JSON array body."""
    size = pagesize if pagesize is not None else pagesize_header
    return _v1(view_name, client_id, from_date, to_date, pagenum, size, count, fields, caller, conn, rt)


# --- v2: status ------------------------------------------------------------------------------------------


@router.get("/api/integration/v2/biviews-status", operation_id="GET_AllTaskStatus", tags=["BI Views v2"])
def all_task_status(caller: Principal = Depends(outbound), rt: BiviewsRuntime = Depends(runtime)) -> Response:
    """The caller's continuation-token tasks in the four queues (204 when there are none)."""
    queues = service.all_status(rt, client_id=caller.client_id)
    if queues is None:
        return Response(status_code=204)
    return JSONResponse({"result": queues, "status": "Success"})


@router.get(
    "/api/integration/v2/biviews-status/{task_id}", operation_id="GET_TaskDetails", tags=["BI Views v2"]
)
def task_details(
    task_id: str, caller: Principal = Depends(outbound), rt: BiviewsRuntime = Depends(runtime)
) -> Response:
    body = service.task_status(rt, client_id=caller.client_id, token=task_id)
    return Response(status_code=204) if body is None else JSONResponse(body)


@router.delete(
    "/api/integration/v2/biviews-status/{task_id}", operation_id="DELETE_Task", tags=["BI Views v2"]
)
def cancel_task(
    task_id: str, caller: Principal = Depends(outbound), rt: BiviewsRuntime = Depends(runtime)
) -> Response:
    if not service.cancel(rt, client_id=caller.client_id, token=task_id):
        return Response(status_code=204)
    return JSONResponse({"message": "Task cancelled", "status": "Success", "task_id": task_id})


# --- v2: data ----------------------------------------------------------------------------------------------


@router.get(
    "/api/integration/v2/biviews/count/{view_name}", operation_id="GET_RowCount", tags=["BI Views v2"]
)
def row_count(
    view_name: str,
    client_id: str | None = Query(None, alias="clientId"),
    from_date: str | None = Query(None, alias="fromDate"),
    to_date: str | None = Query(None, alias="toDate"),
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
    rt: BiviewsRuntime = Depends(runtime),
) -> dict[str, int]:
    params.check_client(client_id, caller.client_id)
    flt = params.Filter.parse(from_date, to_date)
    return {"count": service.count(rt, conn, client_id=caller.client_id, view_name=view_name, flt=flt)}


@router.get(
    "/api/integration/v2/biviews/{view_name}/describe-columns",
    operation_id="GET_ColumnList",
    tags=["BI Views v2"],
)
def describe_columns(
    view_name: str, _caller: Principal = Depends(outbound), rt: BiviewsRuntime = Depends(runtime)
) -> list[dict[str, Any]]:
    """The view's columns, alphabetically: a JSON array of ``{column_name, data_type, data_length,
    data_precision, data_scale}``."""
    return service.describe(rt, view_name)


def _v2(
    request: Request, view_name: str, client_id: str | None, from_date: str | None, to_date: str | None,
    pagenum: int | None, page_size: int | None, output: str | None, fields: list[str] | None,
    caller: Principal, conn: Connection, rt: BiviewsRuntime,
) -> Response:  # fmt: skip
    params.check_client(client_id, caller.client_id)
    gzipped = params.output_type(output, rt.settings.biviews_default_output)
    size = params.v2_page_size(page_size, gzipped)
    number = params.page_number(pagenum)
    token = request.headers.get("continuation-token") or request.headers.get("continuation_token")
    if token:
        outcome = service.token_page(
            rt, client_id=caller.client_id, token=token, view_name=view_name, number=number, gzipped=gzipped
        )
        return _answer(outcome)
    flt = params.Filter.parse(from_date, to_date)
    if number == 1:
        outcome = service.first_page(
            rt,
            client_id=caller.client_id,
            view_name=view_name,
            flt=flt,
            fields=fields,
            size=size,
            gzipped=gzipped,
        )
    else:
        outcome = service.direct_page(
            rt, conn, client_id=caller.client_id, view_name=view_name, flt=flt, fields=fields,
            number=number, size=size, gzipped=gzipped,
        )  # fmt: skip
    return _answer(outcome)


def biview_v2(
    request: Request,
    view_name: str,
    client_id: str | None = Query(None, alias="clientId"),
    from_date: str | None = Query(None, alias="fromDate"),
    to_date: str | None = Query(None, alias="toDate"),
    pagenum: int | None = Query(None),
    page_size: int | None = Query(None, alias="pageSize"),
    output: str | None = Query(None, alias="outputType"),
    fields: list[str] | None = Depends(body_fields),
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
    rt: BiviewsRuntime = Depends(runtime),
) -> Response:
    """A page of a BI view (CSV or gzip); page 1 issues a ``continuation-token`` for the next pages."""
    size = page_size if page_size is not None else _int(request.query_params.get("pagesize"))
    return _v2(
        request, view_name, client_id, from_date, to_date, pagenum, size, output, fields, caller, conn, rt
    )


# GET is the 2025 reference's GET_BIView (clients send the field list as a body on a GET); POST is the 2020
# reference's POST_BIView, accepted for tolerance: one handler serves both.
for _method, _operation in (("GET", "GET_BIView"), ("POST", "POST_BIView")):
    router.add_api_route(
        "/api/integration/v2/biviews/{view_name}",
        biview_v2,
        methods=[_method],
        operation_id=_operation,
        tags=["BI Views v2"],
    )


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"Invalid pageSize '{value}': use a whole number") from None
