"""The console's controls: the holds and pending approvals page, and the release-hold and approve/reject
forms (on that page and on the contract page).

Thin handlers: each form checks its CSRF token and the privilege, then calls the same use case as the
holds and approvals API (``controls.holds.release_hold``, ``controls.approvals.approve`` / ``reject``), so
the rules (manual release allowed, a comment saying why, the step's approver role, frozen periods) and the
audit trail are the API's.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from revrec.auth.privileges import REVENUE_APPROVALS, REVENUE_HOLDS
from revrec.auth.service import Principal
from revrec.console import repository as repo
from revrec.console.routes import PageForbidden, _check_csrf, caller, render
from revrec.controls import approvals, holds
from revrec.errors import InvalidInput
from revrec.http.deps import read_only, unit_of_work

router = APIRouter(prefix="/console", include_in_schema=False)

#: The hold lists the page offers: query value → the ``active`` filter.
SHOWN = {"active": True, "released": False, "all": None}


def _need_any(user: Principal, *privileges: str) -> None:
    if not any(p in user.privileges for p in privileges):
        raise PageForbidden(
            f"The role {user.role!r} has none of the privileges this page needs: {', '.join(privileges)}"
        )


def _back(to: str, default: str) -> str:
    """Where a form returns: a console page (never another site)."""
    return to if to.startswith("/console/") and not to.startswith("//") else default


@router.get("/controls")
def controls_page(
    request: Request,
    show: str = "active",
    page: int = 1,
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> HTMLResponse:
    _need_any(user, REVENUE_HOLDS, REVENUE_APPROVALS)
    if show not in SHOWN:
        raise InvalidInput(f"Show holds {', '.join(SHOWN)}; {show!r} is none of them")
    page = max(page, 1)
    found_holds, steps = [], []
    if REVENUE_HOLDS in user.privileges:
        found_holds = repo.holds(conn, user.client_id, active=SHOWN[show], page=page)
    if REVENUE_APPROVALS in user.privileges:
        steps = repo.pending_approvals(conn, user.client_id, page)
    return render(
        request, "controls.html", user, show=show, page=page,
        holds=found_holds[: repo.PAGE], steps=steps[: repo.PAGE],
        more=len(found_holds) > repo.PAGE or len(steps) > repo.PAGE,
    )  # fmt: skip


@router.post("/controls/holds/{hold_id}/release")
def release_hold(
    request: Request,
    hold_id: int,
    comment: str = Form(""),
    back: str = Form(""),
    csrf_token: str = Form(""),
    user: Principal = Depends(caller),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> RedirectResponse:
    """Release a hold by hand in the open period (the API's release: same checks, audit and catch-up)."""
    _check_csrf(request, csrf_token)
    _need_any(user, REVENUE_HOLDS)
    holds.release_hold(conn, client_id=user.client_id, hold_id=hold_id, actor=user.username, comment=comment)
    return RedirectResponse(_back(back, "/console/controls"), status_code=303)


@router.post("/controls/approvals/{rc_id}/{verb}")
def decide(
    request: Request,
    rc_id: int,
    verb: str,
    comment: str = Form(""),
    back: str = Form(""),
    csrf_token: str = Form(""),
    user: Principal = Depends(caller),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> RedirectResponse:
    """Approve or reject the contract's next pending step (the signed-in role must be the step's)."""
    _check_csrf(request, csrf_token)
    _need_any(user, REVENUE_APPROVALS)
    if verb == "approve":
        approvals.approve(conn, user, rc_id=rc_id, comment=comment.strip() or None)
    elif verb == "reject":
        approvals.reject(conn, user, rc_id=rc_id, comment=comment)
    else:
        raise InvalidInput(f"A step is approved or rejected; {verb!r} is neither")
    return RedirectResponse(_back(back, "/console/controls"), status_code=303)
