"""BI views v1 and v2: the HTTP edge (api-contract §2.3–2.10). Behaviour and choices: docs/outbound.md."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Connection

from revrec.auth.privileges import WEBSERVICES_OUTBOUND
from revrec.auth.service import Principal
from revrec.biviews import params, schemas, service
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
from revrec.http.deps import read_only, requires
from revrec.http.errors import error_response
from revrec.http.openapi import FIELD_LIST, Responses, answers, raw_body
from revrec.http.params import PageNumber, PageSize, Text

router = APIRouter()
outbound = requires(WEBSERVICES_OUTBOUND)
_build_lock = threading.Lock()  # guards the one-time build of the per-app runtime below

ViewName = Annotated[Text, Path(description="The BI view, e.g. RC_LINE_DETAILS or rpro_bi3_rc_lns_v")]
TaskId = Annotated[Text, Path(description="The continuation token of the task")]
ClientId = Annotated[Text | None, Query(alias="clientId", description="The client of the token, if given")]
FromDate = Annotated[Text | None, Query(alias="fromDate", description="Start of the window, ISO 8601")]
ToDate = Annotated[Text | None, Query(alias="toDate", description="End of the window (inclusive)")]
PageNum = Annotated[PageNumber | None, Query()]
PAST_END_404: Responses = {404: {"model": schemas.PastEnd, "description": "The page is past the last one"}}
FIELDS_BODY = raw_body({"application/json": FIELD_LIST}, required=False)
PAGE_CSV = {"text/csv": ""}
PAGE_CSV_OR_GZIP = {"text/csv": "", "application/gzip": "binary"}
V1: dict[str, Any] = {
    "tags": ["BI Views v1"],
    "response_class": Response,
    "responses": {**answers(schemas.RowCount, 204, media=PAGE_CSV), **PAST_END_404},
}
V2: dict[str, Any] = {
    "tags": ["BI Views v2"],
    "response_class": Response,
    "responses": {**answers(None, 204, 413, media=PAGE_CSV_OR_GZIP), **PAST_END_404},
    "openapi_extra": FIELDS_BODY,
}


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


PageSizeQuery = Annotated[PageSize | None, Query(alias="pagesize", description="Rows per page, 1 to 10,000")]
PageSizeHeader = Annotated[PageSize | None, Header(alias="pagesize", description="The same as a header")]
Count = Annotated[bool | None, Query(description="true: answer the row count instead of a page")]


@router.get("/api/integration/v1/biviews/{view_name}", operation_id="GET_BIViews", **V1)
def get_biview_v1(
    view_name: ViewName,
    client_id: ClientId = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
    pagenum: PageNum = None,
    pagesize: PageSizeQuery = None,
    pagesize_header: PageSizeHeader = None,
    count: Count = None,
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
    rt: BiviewsRuntime = Depends(runtime),
) -> Response:
    """One page of a BI view as CSV (``count=true``: its row count)."""
    size = pagesize if pagesize is not None else pagesize_header
    return _v1(view_name, client_id, from_date, to_date, pagenum, size, count, None, caller, conn, rt)


@router.post(
    "/api/integration/v1/biviews/{view_name}",
    operation_id="POST_BIViews",
    **{**V1, "responses": {**V1["responses"], **answers(None, 413)}},
    openapi_extra=FIELDS_BODY,
)
def post_biview_v1(
    view_name: ViewName,
    client_id: ClientId = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
    pagenum: PageNum = None,
    pagesize: PageSizeQuery = None,
    pagesize_header: PageSizeHeader = None,
    count: Count = None,
    fields: list[str] | None = Depends(body_fields),
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
    rt: BiviewsRuntime = Depends(runtime),
) -> Response:
    """Same as GET, restricted to the fields of the JSON array body."""
    size = pagesize if pagesize is not None else pagesize_header
    return _v1(view_name, client_id, from_date, to_date, pagenum, size, count, fields, caller, conn, rt)


# --- v2: status ------------------------------------------------------------------------------------------


@router.get(
    "/api/integration/v2/biviews-status",
    operation_id="GET_AllTaskStatus",
    tags=["BI Views v2"],
    response_class=Response,
    responses=answers(schemas.TaskQueues, 204),
)
def all_task_status(caller: Principal = Depends(outbound), rt: BiviewsRuntime = Depends(runtime)) -> Response:
    """The caller's continuation-token tasks in the four queues (204 when there are none)."""
    queues = service.all_status(rt, client_id=caller.client_id)
    if queues is None:
        return Response(status_code=204)
    return JSONResponse({"result": queues, "status": "Success"})


@router.get(
    "/api/integration/v2/biviews-status/{task_id}",
    operation_id="GET_TaskDetails",
    tags=["BI Views v2"],
    response_class=Response,
    responses={
        **answers(None, 204),
        200: {
            "description": "The task under its queue (active: its details; otherwise its id)",
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": {"type": "array", "items": {}}}
                }
            },
        },
    },
)
def task_details(
    task_id: TaskId, caller: Principal = Depends(outbound), rt: BiviewsRuntime = Depends(runtime)
) -> Response:
    body = service.task_status(rt, client_id=caller.client_id, token=task_id)
    return Response(status_code=204) if body is None else JSONResponse(body)


@router.delete(
    "/api/integration/v2/biviews-status/{task_id}",
    operation_id="DELETE_Task",
    tags=["BI Views v2"],
    response_class=Response,
    responses=answers(schemas.TaskCancelled, 204),
)
def cancel_task(
    task_id: TaskId, caller: Principal = Depends(outbound), rt: BiviewsRuntime = Depends(runtime)
) -> Response:
    if not service.cancel(rt, client_id=caller.client_id, token=task_id):
        return Response(status_code=204)
    return JSONResponse({"message": "Task cancelled", "status": "Success", "task_id": task_id})


# --- v2: data ----------------------------------------------------------------------------------------------


@router.get(
    "/api/integration/v2/biviews/count/{view_name}",
    operation_id="GET_RowCount",
    tags=["BI Views v2"],
    response_model=None,
    responses=answers(schemas.RowCount),
)
def row_count(
    view_name: ViewName,
    client_id: ClientId = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
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
    response_model=None,
    responses={**answers(None), 200: {"model": list[schemas.Column], "description": "The columns"}},
)
def describe_columns(
    view_name: ViewName, _caller: Principal = Depends(outbound), rt: BiviewsRuntime = Depends(runtime)
) -> list[dict[str, Any]]:
    """The view's columns, alphabetically: a JSON array of ``{column_name, data_type, data_length,
    data_precision, data_scale}``."""
    return service.describe(rt, view_name)


def _v2(
    token: str | None, view_name: str, client_id: str | None, from_date: str | None, to_date: str | None,
    pagenum: int | None, page_size: int | None, output: str | None, fields: list[str] | None,
    caller: Principal, conn: Connection, rt: BiviewsRuntime,
) -> Response:  # fmt: skip
    params.check_client(client_id, caller.client_id)
    gzipped = params.output_type(output, rt.settings.biviews_default_output)
    size = params.v2_page_size(page_size, gzipped)
    number = params.page_number(pagenum)
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
    view_name: ViewName,
    client_id: ClientId = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
    pagenum: PageNum = None,
    page_size: Annotated[
        PageSize | None,
        Query(alias="pageSize", description="Rows per page: csv 1 to 10,000, gzip 1 to 20,000"),
    ] = None,
    page_size_lower: Annotated[PageSize | None, Query(alias="pagesize", include_in_schema=False)] = None,
    output: Annotated[Text | None, Query(alias="outputType", description="csv or gzip")] = None,
    token: Annotated[
        Text | None, Header(alias="continuation-token", description="The token of page 1, for pages 2 on")
    ] = None,
    token_underscore: Annotated[
        Text | None, Header(alias="continuation_token", convert_underscores=False, include_in_schema=False)
    ] = None,
    fields: list[str] | None = Depends(body_fields),
    caller: Principal = Depends(outbound),
    conn: Connection = Depends(read_only),
    rt: BiviewsRuntime = Depends(runtime),
) -> Response:
    """A page of a BI view (CSV or gzip); page 1 issues a ``continuation-token`` for the next pages."""
    size = page_size if page_size is not None else page_size_lower
    return _v2(
        token or token_underscore, view_name, client_id, from_date, to_date, pagenum, size, output, fields,
        caller, conn, rt,
    )  # fmt: skip


# GET is the 2025 reference's GET_BIView (clients send the field list as a body on a GET); POST is the 2020
# reference's POST_BIView, accepted for tolerance: one handler serves both.
for _method, _operation in (("GET", "GET_BIView"), ("POST", "POST_BIView")):
    router.add_api_route(
        "/api/integration/v2/biviews/{view_name}",
        biview_v2,
        methods=[_method],
        operation_id=_operation,
        **V2,
    )
