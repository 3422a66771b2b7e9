"""The console's manual journal entries page (list, one entry's lines and approval steps) and its forms
(approve, reject, reverse), and the withdraw form of a contract's manual revenue actions.

Thin handlers: each form checks its CSRF token and the privilege, then calls the same use case as the API
(``mje.service.approve`` / ``reject`` / ``reverse``, ``controls.manual_actions.withdraw``), so the rules
(the step's approver role, a comment to reject, a reason to withdraw, the open period) and the audit
trail are the API's.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from revrec.auth.privileges import APPROVE_MANUAL_JOURNAL_ENTRIES, MANUAL_JOURNAL_ENTRIES
from revrec.auth.service import Principal, require_privilege
from revrec.console import repository as repo
from revrec.console.routes import _check_csrf, caller, render
from revrec.console.routes_controls import _back, _need_any
from revrec.controls import manual_actions
from revrec.controls import manual_repository as manual_repo
from revrec.controls.manual_routes import MANUAL_PRIVILEGES, PRIVILEGE_OF
from revrec.errors import InvalidInput, NotFound
from revrec.http.deps import read_only, unit_of_work
from revrec.http.params import MAX_RECORD_ID
from revrec.mje import repository as mje_repo
from revrec.mje import service as mje

router = APIRouter(prefix="/console", include_in_schema=False)
SEEN_BY = (MANUAL_JOURNAL_ENTRIES, APPROVE_MANUAL_JOURNAL_ENTRIES)  # keyers and approvers see entries


def _record(kind: str, record_id: int) -> int:
    """A path id in range of the serial id columns (else not found, never a database overflow)."""
    if not 1 <= record_id <= MAX_RECORD_ID:
        raise NotFound(f"{kind} {record_id} not found")
    return record_id


def _query(status: str = "", sort: str = "id", desc: int = 1, page: int = 1) -> repo.MjeQuery:
    return repo.MjeQuery(status=status, sort=sort, desc=bool(desc), page=max(page, 1))


@router.get("/mje")
def entries_page(
    request: Request,
    q: repo.MjeQuery = Depends(_query),
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> HTMLResponse:
    _need_any(user, *SEEN_BY)
    rows = repo.mje_heads(conn, user.client_id, q)
    return render(
        request, "mje.html", user, q=q, rows=rows[: repo.PAGE], more=len(rows) > repo.PAGE,
        statuses=repo.MJE_STATUSES, sorts=repo.MJE_SORTS,
    )  # fmt: skip


@router.get("/mje/{mje_id}")
def entry_page(
    request: Request,
    mje_id: int,
    user: Principal = Depends(caller),
    conn: Connection = Depends(read_only),
) -> HTMLResponse:
    _need_any(user, *SEEN_BY)
    entry = mje.get(conn, user, _record("manual journal entry", mje_id))  # the API's view
    step = next((s for s in entry["approvals"] if s["status"] == mje_repo.PENDING), None)
    return render(request, "mje_entry.html", user, entry=entry, step=step)


@router.post("/mje/{mje_id}/{verb}")
def act(
    request: Request,
    mje_id: int,
    verb: str,
    comment: str = Form(""),
    back: str = Form(""),
    csrf_token: str = Form(""),
    user: Principal = Depends(caller),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> RedirectResponse:
    """Approve or reject the entry's next step (the role must be the step's), or reverse a posted entry."""
    _check_csrf(request, csrf_token)
    mje_id = _record("manual journal entry", mje_id)
    text = comment.strip() or None
    if verb == "approve":
        _need_any(user, APPROVE_MANUAL_JOURNAL_ENTRIES)
        mje.approve(conn, user, mje_id, text)
    elif verb == "reject":
        _need_any(user, APPROVE_MANUAL_JOURNAL_ENTRIES)
        mje.reject(conn, user, mje_id, comment)
    elif verb == "reverse":
        _need_any(user, MANUAL_JOURNAL_ENTRIES)
        mje.reverse(conn, user, mje_id, text)
    else:
        raise InvalidInput(f"An entry is approved, rejected or reversed; {verb!r} is none of them")
    return RedirectResponse(_back(back, f"/console/mje/{mje_id}"), status_code=303)


@router.post("/manual-actions/{action_id}/withdraw")
def withdraw(
    request: Request,
    action_id: int,
    reason: str = Form(""),
    back: str = Form(""),
    csrf_token: str = Form(""),
    user: Principal = Depends(caller),
    conn: Connection = Depends(unit_of_work, scope="function"),
) -> RedirectResponse:
    """Withdraw a manual revenue action (the privilege of its kind, as the API's withdraw)."""
    _check_csrf(request, csrf_token)
    _need_any(user, *MANUAL_PRIVILEGES)
    target = manual_repo.action(conn, user.client_id, _record("manual action", action_id))
    if target is None:
        raise NotFound(f"manual action {action_id} not found")
    if target.kind in PRIVILEGE_OF:
        require_privilege(user, PRIVILEGE_OF[target.kind])
    manual_actions.withdraw(conn, user, action_id=action_id, reason=reason)
    return RedirectResponse(_back(back, f"/console/contracts/{target.rc_id}"), status_code=303)
