"""The console's background reports: queue the page's report (every filter) as a worker job, and download
the reports kept in the report store."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import Connection

from revrec.auth.privileges import WEBSERVICES_OUTBOUND
from revrec.auth.service import Principal
from revrec.console import report_jobs, reports
from revrec.console.routes import _check_csrf, _need, caller
from revrec.errors import NotFound
from revrec.http.deps import unit_of_work
from revrec.reports import service

router = APIRouter(prefix="/console", include_in_schema=False)


@router.post("/reports/run")
def run_in_background(
    request: Request,
    report: str = Form(reports.DEFAULT),
    from_period: str = Form(""),
    to_period: str = Form(""),
    org_id: str = Form(""),
    item_num: str = Form(""),
    so_num: str = Form(""),
    cust_num: str = Form(""),
    book_id: str = Form(""),
    csrf_token: str = Form(""),
    user: Principal = Depends(caller),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> RedirectResponse:
    _check_csrf(request, csrf_token)
    _need(user, WEBSERVICES_OUTBOUND)
    q = reports.ReportQuery(
        report, from_period.strip(), to_period.strip(), org_id.strip(), item_num.strip(), so_num.strip(),
        cust_num.strip(), book_id.strip(),
    )  # fmt: skip
    number = report_jobs.submit(conn, user, q)
    query = q.link()
    return RedirectResponse(f"/console/reports?{query}{'&' if query else ''}queued={number}", status_code=303)


@router.get("/reports/files/{filename}")
def download(request: Request, filename: str, user: Principal = Depends(caller)) -> FileResponse:
    """A kept report of the signed-in client (CSV, or zipped when large)."""
    _need(user, WEBSERVICES_OUTBOUND)
    store = service.store_for(request.app.state.ctx.settings)
    found = service.find_download(store, client_id=user.client_id, filename=filename)
    if found is None:
        raise NotFound(f"No completed report {filename!r} is kept for this client")
    return FileResponse(found.path, media_type=found.record.media_type, filename=found.record.file_name)
