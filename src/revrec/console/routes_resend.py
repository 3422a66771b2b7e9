"""Re-send from the console: a corrected CSV file uploaded from the stage errors page through the same use
case as the API's ``upload/file`` (``inbound.uploads.receive``: same template, limits, CSV-injection
policy, all-or-nothing pre-stage).  Staging then replaces the errored rows the file re-sends under the
same line keys, exactly as an API re-send does."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.datastructures import UploadFile

from revrec.auth.privileges import WEBSERVICES_INBOUND
from revrec.auth.service import Principal
from revrec.console.routes import _check_csrf, _need, caller, render
from revrec.errors import InvalidInput
from revrec.http.deps import read_only
from revrec.inbound import uploads
from revrec.tenancy import repository as tenancy

router = APIRouter(prefix="/console", include_in_schema=False)

#: The template a re-send of each staging table's rows uses unless another is named.
TEMPLATES = {
    "transaction": "Standard Transaction",
    "event": "Standard Event",
    "bundle": "Standard Bundle",
}


def _policy(conn: Connection, user: Principal) -> str:
    client = tenancy.get_client(conn, user.client_id)
    return client.csv_injection_policy if client else "BLOCK"


@router.post("/uploads/resend")
async def resend(
    request: Request, user: Principal = Depends(caller), conn: Connection = Depends(read_only)
) -> Response:
    """Upload a corrected file; a refused file shows every problem found (row, column, code, reason)."""
    policy = _policy(conn, user)
    async with request.form(max_files=1, max_fields=10) as form:
        sent = form.get("csrf_token")
        _check_csrf(request, sent if isinstance(sent, str) else None)
        _need(user, WEBSERVICES_INBOUND)
        name = form.get("template_name")
        part = form.get("file")
        if not isinstance(part, UploadFile) or not part.filename:
            raise InvalidInput("Choose the corrected CSV file to re-send")
        template = name.strip() if isinstance(name, str) and name.strip() else TEMPLATES["transaction"]
        settings = request.app.state.ctx.settings
        outcome = await run_in_threadpool(
            uploads.receive,
            request.app.state.ctx.engine,
            caller=user,
            template_name=template,
            file_name=part.filename,
            channel="file",
            body=part.file,
            limits=uploads.UploadLimits.from_settings(settings, "file"),
            injection_policy=policy,
        )
    if outcome.ok:
        return RedirectResponse(f"/console/uploads?sent={outcome.upload_id}", status_code=303)
    return render_refused(request, user, outcome)


def render_refused(request: Request, user: Principal, outcome: uploads.UploadOutcome) -> HTMLResponse:
    message = uploads.failure_message(outcome.problem_count, len(outcome.problems))
    return render(
        request, "resend_refused.html", user, 400, upload_id=outcome.upload_id, message=message,
        problems=outcome.problems,
    )  # fmt: skip
