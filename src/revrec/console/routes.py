"""The console's pages under /console: thin handlers that authorise, call one composer, render.

Sign-in reuses ``auth.service.authenticate`` (same users, roles, throttle and lockout as the API); every
page resolves the session cookie to a principal with ``auth.service.resolve_principal`` and shows only what
its privileges allow, of its own client.  State-changing forms are POSTs checked against the CSRF token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection

from revrec.auth import service as auth_service
from revrec.auth.privileges import (
    REVENUE_APPROVALS,
    REVENUE_HOLDS,
    REVENUE_JOBS,
    WEBSERVICES_INBOUND,
    WEBSERVICES_OUTBOUND,
)
from revrec.auth.service import Principal
from revrec.console import formatting, pages, reports, session
from revrec.console import repository as repo
from revrec.console.manual import manual_flags
from revrec.db.session import transaction
from revrec.errors import ApiDisabled, InvalidInput, NotAuthenticated, RevrecError, Throttled
from revrec.explain import service as explain
from revrec.http.deps import read_only, unit_of_work
from revrec.http.errors import status_for
from revrec.inbound import service as inbound
from revrec.programs import catalog
from revrec.programs import service as programs
from revrec.reports import service as report_service
from revrec.reports.standard import stream

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["money"] = formatting.money
templates.env.filters["minor"] = formatting.minor
templates.env.filters["capped"] = formatting.capped
router = APIRouter(prefix="/console", include_in_schema=False)

# The programs the dashboard can submit: (program id, label, parameters given).
PROGRAMS = {
    150: ("Data Collection", "rc_template_name"),
    151: ("Event Process", "event_name"),
    152: ("Period Close", None),
    149: ("Transfer", None),
}


class SignInRequired(Exception):
    """No valid console session: the handler redirects to the sign-in page."""


class PageForbidden(Exception):
    """The signed-in role lacks the privilege a page needs."""


def caller(request: Request, conn: Connection = Depends(read_only)) -> Principal:
    token = request.cookies.get(session.COOKIE)
    if not token:
        raise SignInRequired
    try:
        return auth_service.resolve_principal(conn, signer=request.app.state.ctx.signer, token=token)
    except (NotAuthenticated, ApiDisabled):
        raise SignInRequired from None


def _need(user: Principal, privilege: str) -> None:
    if privilege not in user.privileges:
        raise PageForbidden(
            f"The role {user.role!r} does not have the {privilege!r} privilege this page needs"
        )


def _check_csrf(request: Request, sent: str | None) -> None:
    token = request.cookies.get(session.COOKIE, "")
    if not session.csrf_valid(request.app.state.ctx.settings.secret_key, token, sent):
        raise PageForbidden("The form expired or did not come from this console; reload the page and retry")


def render(
    request: Request, name: str, user: Principal | None, status: int = 200, **data: Any
) -> HTMLResponse:
    token = request.cookies.get(session.COOKIE, "")
    data.update(
        user=user,
        csrf=session.csrf_token(request.app.state.ctx.settings.secret_key, token) if user else "",
        can={
            "jobs": bool(user and REVENUE_JOBS in user.privileges),
            "inbound": bool(user and WEBSERVICES_INBOUND in user.privileges),
            "outbound": bool(user and WEBSERVICES_OUTBOUND in user.privileges),
            "holds": bool(user and REVENUE_HOLDS in user.privileges),
            "approvals": bool(user and REVENUE_APPROVALS in user.privileges),
            **manual_flags(user),
        },
    )
    return templates.TemplateResponse(request, name, data, status_code=status)


@router.get("")
def home() -> RedirectResponse:
    return RedirectResponse("/console/dashboard", status_code=303)


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", None)


@router.post("/login")
async def login(
    request: Request,
    clientname: str = Form(""),
    role: str = Form(""),
    username: str = Form(""),
    password: str = Form(""),
) -> Response:
    ctx = request.app.state.ctx
    error = None
    try:  # the API's own use case: same throttling, verification gate and lockout
        token = await auth_service.authenticate(
            ctx.engine,
            counters=ctx.counters,
            signer=ctx.signer,
            policy=ctx.throttle,
            gate=ctx.gate,
            credentials=auth_service.Credentials(clientname, role, username, password),
            address=request.client.host if request.client else "",
        )
    except (Throttled, ApiDisabled) as exc:
        token, error = None, str(exc)
    if token is None:
        form = {"clientname": clientname, "role": role, "username": username}
        return render(request, "login.html", None, 401, error=error or auth_service.AUTH_FAILED, form=form)
    response = RedirectResponse("/console/dashboard", status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        session.COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/console"
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")) -> RedirectResponse:
    _check_csrf(request, csrf_token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(session.COOKIE, path="/console")
    return response


@router.get("/dashboard")
def dashboard(
    request: Request, user: Principal = Depends(caller), conn: Connection = Depends(read_only)
) -> HTMLResponse:
    return render(request, "dashboard.html", user, **pages.dashboard(conn, user), programs=PROGRAMS)


@router.get("/jobs")
def jobs(
    request: Request, user: Principal = Depends(caller), conn: Connection = Depends(read_only)
) -> HTMLResponse:
    """The recent jobs table alone (htmx polls it while a job runs)."""
    return render(request, "jobs.html", user, jobs=pages.dashboard(conn, user)["jobs"])


@router.post("/jobs")
def submit_job(
    request: Request,
    program: int = Form(...),
    value: str = Form(""),
    csrf_token: str = Form(""),
    user: Principal = Depends(caller),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> Response:
    _check_csrf(request, csrf_token)
    _need(user, REVENUE_JOBS)
    if program not in PROGRAMS:
        raise InvalidInput(f"Program {program} cannot be submitted from the console")

    found = catalog.find(program)
    assert found is not None
    parameters = [{"parameter_id": found.parameters[0].id, "parameter_value": value}] if value else []
    if program == 152:
        parameters = [{"parameter_id": 1521, "parameter_value": "N"}]
    programs.submit_program(conn, user, org_id=0, program_id=program, parameters=parameters)
    return RedirectResponse("/console/dashboard", status_code=303)


@router.get("/uploads")
def uploads(
    request: Request,
    page: int = 1,
    sent: int | None = None,
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> HTMLResponse:
    _need(user, WEBSERVICES_INBOUND)
    rows = repo.uploads(conn, user.client_id, max(page, 1))
    return render(
        request,
        "uploads.html",
        user,
        rows=rows[: repo.PAGE],
        page=page,
        more=len(rows) > repo.PAGE,
        sent=sent,
    )


def _error_query(
    kind: str = "transaction", upload_id: str = "", code: str = "", column: str = "", page: int = 1
) -> repo.ErrorQuery:
    if upload_id.strip() and not upload_id.strip().isdigit():
        raise InvalidInput(f"The upload id is a number; {upload_id!r} is not one")
    upload = int(upload_id) if upload_id.strip() else None
    return repo.ErrorQuery(kind, upload, code.strip(), column.strip(), max(page, 1))


@router.get("/uploads/errors")
def stage_errors(
    request: Request,
    q: repo.ErrorQuery = Depends(_error_query),
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> HTMLResponse:
    _need(user, WEBSERVICES_INBOUND)
    rows = repo.stage_errors(conn, user.client_id, q)
    return render(request, "errors.html", user, q=q, rows=rows[: repo.PAGE], more=len(rows) > repo.PAGE)


@router.get("/uploads/errors.csv")
def stage_errors_csv(
    request: Request, q: repo.ErrorQuery = Depends(_error_query), user: Principal = Depends(caller)
) -> StreamingResponse:
    _need(user, WEBSERVICES_INBOUND)
    query = repo.stage_error_select(user.client_id, q)
    engine = request.app.state.ctx.engine

    def body() -> Iterator[str]:
        with transaction(engine, readonly=True) as own:
            yield from reports.csv_chunks(
                ("UPLOAD_ID", "ROW_ID", "CODE", "COLUMN", "MESSAGE"), stream(own, query)
            )

    disposition = {"Content-Disposition": f'attachment; filename="stage-errors-{q.kind}.csv"'}
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=disposition)


@router.post("/uploads/errors/delete")
def delete_errors(
    request: Request,
    kind: str = Form("transaction"),
    upload_id: int = Form(...),
    csrf_token: str = Form(""),
    user: Principal = Depends(caller),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> RedirectResponse:
    """Delete the errored rows of one upload (never collected ones), as the API's delete does."""
    _check_csrf(request, csrf_token)
    _need(user, WEBSERVICES_INBOUND)
    inbound.delete_staged(conn, client_id=user.client_id, kind=kind, upload_id=upload_id, errors_only=True)
    return RedirectResponse(f"/console/uploads/errors?kind={kind}", status_code=303)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(f"Dates are YYYY-MM-DD; {value!r} is not one") from None


@router.get("/contracts")
def contracts(
    request: Request,
    rc_key: str = "",
    so_num: str = "",
    item_num: str = "",
    booked_from: str = "",
    booked_to: str = "",
    page: int = 1,
    cust_num: str = "",
    cust_name: str = "",
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> HTMLResponse:
    _need(user, WEBSERVICES_OUTBOUND)
    query = repo.ContractQuery(
        rc_key.strip(), so_num.strip(), item_num.strip(), _date(booked_from), _date(booked_to), max(page, 1),
        cust_num.strip(), cust_name.strip(),
    )  # fmt: skip
    rows = repo.search_contracts(conn, user.client_id, query)
    return render(
        request, "contracts.html", user, q=query, rows=rows[: repo.PAGE], more=len(rows) > repo.PAGE
    )


@router.get("/contracts/{rc_id}")
def contract(
    request: Request, rc_id: int, user: Principal = Depends(caller), conn: Connection = Depends(read_only)
) -> HTMLResponse:
    _need(user, WEBSERVICES_OUTBOUND)
    return render(request, "contract.html", user, **pages.contract(conn, user, rc_id))


@router.get("/contracts/{rc_id}/explain/{line_id}")
def explanation(
    request: Request,
    rc_id: int,
    line_id: str,
    period: int | None = None,
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> HTMLResponse:
    _need(user, WEBSERVICES_OUTBOUND)
    found = explain.explain_line(conn, client_id=user.client_id, rc_id=rc_id, line_id=line_id, period=period)
    fragment = request.headers.get("hx-request") == "true"
    return render(request, "explain_body.html" if fragment else "explain.html", user, x=found)


def _report_query(
    report: str = reports.DEFAULT,
    from_period: str = "",
    to_period: str = "",
    org_id: str = "",
    item_num: str = "",
    so_num: str = "",
    cust_num: str = "",
    book_id: str = "",
) -> reports.ReportQuery:
    return reports.ReportQuery(
        report, from_period.strip(), to_period.strip(), org_id.strip(), item_num.strip(), so_num.strip(),
        cust_num.strip(), book_id.strip(),
    )  # fmt: skip


@router.get("/reports")
def report_page(
    request: Request,
    q: reports.ReportQuery = Depends(_report_query),
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> HTMLResponse:
    _need(user, WEBSERVICES_OUTBOUND)
    shown = reports.view(conn, user.client_id, q)
    batches = repo.transfer_batches(conn, user.client_id)
    kept = report_service.list_reports(
        report_service.store_for(request.app.state.ctx.settings), client_id=user.client_id, created_date=None
    )[:20]
    return render(
        request, "reports.html", user, q=q, r=shown, reports=reports.REPORTS, batches=batches, kept=kept,
        queued=request.query_params.get("queued", ""), page_limit=reports.PAGE_LIMIT,
    )  # fmt: skip


@router.get("/reports.csv")
def report_csv(
    request: Request,
    q: reports.ReportQuery = Depends(_report_query),
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> StreamingResponse:
    _need(user, WEBSERVICES_OUTBOUND)
    resolved = q.generator().resolve(conn, user.client_id, q.params())  # bad parameters: 400 before streaming
    name = "-".join([q.report, *(resolved[k] for k in sorted(resolved))]) + ".csv"
    engine = request.app.state.ctx.engine

    def body() -> Iterator[str]:
        with transaction(engine, readonly=True) as own:  # the request's connection ends with the handler
            generator, _, found = reports.rows(own, user.client_id, q)
            yield from reports.csv_chunks(generator.columns, found)

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def mount(app: FastAPI) -> None:
    """Serve the console's pages and static files (htmx, CSS) from the package."""
    from revrec.console import routes_controls, routes_mje, routes_reports, routes_resend  # import helpers

    app.include_router(router)
    app.include_router(routes_controls.router)
    app.include_router(routes_resend.router)
    app.include_router(routes_reports.router)
    app.include_router(routes_mje.router)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")

    async def sign_in(request: Request, _exc: Exception) -> Response:
        return RedirectResponse("/console/login", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", None, 403, heading="Not allowed", message=str(exc))

    api_handler = app.exception_handlers[RevrecError]

    async def domain_error(request: Request, exc: Exception) -> Response:
        """A domain error on a console page: an HTML page with the API's status and message."""
        if not request.url.path.startswith("/console/") or not isinstance(exc, RevrecError):
            return cast(Response, api_handler(request, exc))
        return render(
            request, "error.html", None, status_for(exc), heading="Cannot show this", message=exc.message
        )

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(PageForbidden, forbidden)
    app.add_exception_handler(RevrecError, domain_error)
