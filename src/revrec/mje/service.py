"""Manual journal entries: create (Draft), submit, approve, reject, reverse; Period Close's part.

An entry is keyed in the open period of an org (the client's primary book), balanced in T, F and R
(:mod:`revrec.engine.manual_entries`), optionally tied to a revenue contract (for reference: the contract's
own entries are not changed) and optionally reversed in the next period. Submitting it checks the approval
rules with ``applies_to: MJE`` (the entry's total debit, entry currency, above the rule's amount): caught,
it awaits the rules' approvers in order (status ``Pending``); otherwise it is posted at once. The last
approval posts it. Posting writes its lines as posted journal rows of its period (``journal_entry.mje_id``),
which the regeneration of system entries never touches; they are transferred and reported with the rest.

Period Close refuses to close while an entry of the book and org is Pending (unless forced), and posts the
reversals due: every posted entry of the closing period marked ``auto_reverse`` gets its reversal (a new
entry, every debit a credit) posted in the new open period. Every action is audited (``mje.*``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from revrec.auth.service import Principal
from revrec.contracts.repository import contracts_by_id, now
from revrec.controls import audit
from revrec.controls.approvals_rules import load as load_rules
from revrec.engine import manual_entries as rules
from revrec.engine.manual_entries import LineIn, LineOut, Problem, Rates
from revrec.engine.money import from_minor
from revrec.errors import Conflict, Forbidden, InvalidInput, NotFound
from revrec.mje import repository as repo
from revrec.periods import repository as periods_repo
from revrec.periods import service as periods
from revrec.periods.service import OpenPeriod, Scope
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy

OBJECT = "mje"
APPLIES_TO = "MJE"
SYSTEM = "revrec"


@dataclass(frozen=True)
class EntryIn:
    """A keyed (or uploaded) entry."""

    lines: Sequence[LineIn]
    currency: str
    mje_num: str | None = None
    description: str | None = None
    period: int | None = None  # must be the open period (default)
    f_cur: str | None = None  # default: the entry currency
    r_cur: str | None = None  # default: the client's reporting currency
    ex_rate: Decimal = Decimal(1)
    g_ex_rate: Decimal = Decimal(1)
    rc_id: int | None = None
    auto_reverse: bool = False
    org_id: int | None = None
    source: str = "MANUAL"
    upload_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _refuse(problems: Sequence[Problem]) -> InvalidInput:
    return InvalidInput("; ".join(p.sentence() for p in problems))


def open_period(conn: Connection, client_id: int, org_id: int | None) -> tuple[Scope, OpenPeriod]:
    client = tenancy.get_client(conn, client_id)
    assert client is not None
    scope = periods.default_scope(conn, client_id, org_id)
    found = periods.ensure_open(conn, scope, policies_for(conn, client).calendar, earliest=None)
    if found is None:
        raise InvalidInput(f"{rules.NOT_OPEN_PERIOD}: no period is open for org {scope.org_id}")
    return scope, found


def rates_of(entry: EntryIn, reporting_currency: str) -> Rates:
    curr = entry.currency.strip().upper()
    f_cur = (entry.f_cur or curr).strip().upper()
    return Rates(
        curr, f_cur, (entry.r_cur or reporting_currency).strip().upper(), entry.ex_rate, entry.g_ex_rate
    )


def problems_of(conn: Connection, caller: Principal, entry: EntryIn, open_key: int) -> list[Problem]:
    """Everything wrong with ``entry`` (checks that need the database included)."""
    found = rules.check(rates_of(entry, caller.reporting_currency), entry.lines)
    if entry.period is not None and entry.period != open_key:
        found.append(
            Problem(
                rules.NOT_OPEN_PERIOD,
                None,
                "period",
                f"{entry.period} is not the open period {open_key}: date the entry in the open period",
            )
        )
    if entry.rc_id is not None:
        contract = contracts_by_id(conn, [entry.rc_id])
        if not contract or int(contract[0].client_id) != caller.client_id:
            found.append(
                Problem(rules.UNKNOWN_CONTRACT, None, "rc_id", f"revenue contract {entry.rc_id} not found")
            )
    if entry.mje_num is not None and not entry.mje_num.strip():
        found.append(Problem(rules.BAD_VALUE, None, "mje_num", "must not be blank"))
    elif entry.mje_num is not None and repo.numbers_taken(conn, caller.client_id, [entry.mje_num.strip()]):
        found.append(Problem(rules.DUPLICATE_NUMBER, None, "mje_num", f"{entry.mje_num!r} is already used"))
    return found


def _store(conn: Connection, caller: Principal, entry: EntryIn, scope: Scope, period_key: int) -> int:
    """Insert a checked entry as a Draft; its id."""
    rates = rates_of(entry, caller.reporting_currency)
    converted = rules.convert(rates, entry.lines)
    stamp = now()
    mje_id = repo.insert_head(
        conn,
        {
            "client_id": caller.client_id,
            "book_id": scope.book_id,
            "org_id": scope.org_id,
            "mje_num": (entry.mje_num or "").strip() or f"pending-{stamp.timestamp()}-{caller.user_id}",
            "description": entry.description,
            "period_key": period_key,
            "curr": rates.curr,
            "f_cur": rates.f_cur,
            "r_cur": rates.r_cur,
            "ex_rate": rates.ex_rate,
            "g_ex_rate": rates.g_ex_rate,
            "rc_id": entry.rc_id,
            "auto_reverse": entry.auto_reverse,
            "status": repo.DRAFT,
            "source": entry.source,
            "upload_id": entry.upload_id,
            "total_dr": sum((x.debit for x in entry.lines), Decimal(0)),
            "created_by": caller.username,
            "created_at": stamp,
            "updated_by": caller.username,
            "updated_at": stamp,
        },
    )
    if not (entry.mje_num or "").strip():
        repo.update_head(conn, mje_id, mje_num=f"MJE-{mje_id}")
    repo.insert_lines(conn, caller.client_id, mje_id, converted)
    return mje_id


def create(conn: Connection, caller: Principal, entry: EntryIn) -> dict[str, Any]:
    """Check and store an entry as a Draft (400 with every problem otherwise)."""
    scope, current = open_period(conn, caller.client_id, entry.org_id)
    found = problems_of(conn, caller, entry, current.key)
    if found:
        raise _refuse(found)
    mje_id = _store(conn, caller, entry, scope, current.key)
    stored = get(conn, caller, mje_id)
    _audit(conn, caller, mje_id, "mje.create", entry.description, None, _summary(stored))
    return stored


def submit(conn: Connection, caller: Principal, mje_id: int, comment: str | None = None) -> dict[str, Any]:
    """Submit a Draft: Pending when an approval rule catches it, else Posted."""
    row = _head(conn, caller.client_id, mje_id)
    if row.status != repo.DRAFT:
        raise Conflict(f"manual journal entry {row.mje_num} is {row.status}: only a Draft can be submitted")
    _check_still_open(conn, row)
    caught = [r for r in load_rules(conn, caller.client_id) if r.matches(APPLIES_TO, row.total_dr)]
    before = {"status": row.status}
    if caught:
        stamp = now()
        steps = [
            {
                "client_id": caller.client_id,
                "mje_id": mje_id,
                "status": repo.PENDING,
                "sequence": 0,
                "approver_role": role,
                "rule_id": r.id,
                "rule_name": r.name,
                "created_at": stamp,
            }
            for r in caught
            for role in r.approvers
        ]
        for n, step in enumerate(steps, start=1):
            step["sequence"] = n
        repo.insert_steps(conn, steps)
        if not repo.transition(conn, mje_id, [repo.DRAFT], status=repo.PENDING, updated_by=caller.username,
                               updated_at=stamp):  # fmt: skip
            raise _changed(row)
        after = {"status": repo.PENDING, "rules": [r.name for r in caught], "total_dr": row.total_dr}
        _audit(conn, caller, mje_id, "mje.submit", comment, before, after)
    else:
        _audit(conn, caller, mje_id, "mje.submit", comment, before, {"status": repo.POSTED})
        _post(conn, caller.username, caller.client_id, mje_id)
    return get(conn, caller, mje_id)


def frozen_problem(period: OpenPeriod) -> str | None:
    """Why nothing can be posted in ``period`` now (None when it is Open): in Soft Close manual entries
    wait like the system entries of Data Collection and Event Process."""
    if period.status != periods.SOFT_CLOSE:
        return None
    return (
        f"period {period.key} is in Soft Close: manual journal entries are posted "
        "once it is closed (program 152; post them in the next period) or reopened (program 154 with "
        "STATUS=Open)"
    )


def _post(conn: Connection, by: str, client_id: int, mje_id: int) -> int:
    row = _head(conn, client_id, mje_id)
    _, current = open_period(conn, client_id, row.org_id)
    frozen = frozen_problem(current)
    if frozen is not None:
        raise Conflict(f"{rules.NOT_OPEN_PERIOD}: {frozen}")
    periods_repo.lock_scope(conn, client_id, row.book_id, row.org_id)  # serialises with Period Close
    entry_lines = [repo.as_line_out(x) for x in repo.lines(conn, [mje_id])[mje_id]]
    stamp = now()
    if not repo.transition(conn, mje_id, [repo.DRAFT, repo.PENDING], status=repo.POSTED, posted_at=stamp,
                           updated_by=by, updated_at=stamp):  # fmt: skip
        raise _changed(row)
    written = repo.post_rows(conn, row, entry_lines)
    audit.record(
        conn,
        client_id=client_id,
        action="mje.post",
        object_type=OBJECT,
        object_id=mje_id,
        actor=by,
        reason=None,
        before={"status": row.status},
        after={"status": repo.POSTED, "period": row.period_key, "journal_rows": written},
    )
    return written


def _changed(row: Any) -> Conflict:
    return Conflict(f"manual journal entry {row.mje_num} was changed meanwhile: read it again")


def _check_still_open(conn: Connection, row: Any) -> None:
    _, current = open_period(conn, row.client_id, row.org_id)
    if row.period_key != current.key:
        raise Conflict(
            f"{rules.NOT_OPEN_PERIOD}: manual journal entry {row.mje_num} is dated in period "
            f"{row.period_key}, which is no longer open ({current.key} is): reject it and key it again "
            "in the open period"
        )


def _next_step(conn: Connection, client_id: int, mje_id: int) -> tuple[Any, Any]:
    row = _head(conn, client_id, mje_id)
    if row.status != repo.PENDING:
        raise Conflict(f"manual journal entry {row.mje_num} is {row.status}: nothing awaits approval")
    pending = [s for s in repo.steps(conn, client_id, mje_id) if s.status == repo.PENDING]
    return row, pending[0]


def _check_role(caller: Principal, step: Any, row: Any) -> None:
    if caller.role != step.approver_role:
        raise Forbidden(
            f"approval step {step.sequence} of manual journal entry {row.mje_num} is for role "
            f"{step.approver_role!r}; sign in with that role (you are signed in as {caller.role!r})"
        )


def approve(conn: Connection, caller: Principal, mje_id: int, comment: str | None) -> dict[str, Any]:
    """Approve the next step; the last approval posts the entry (its period must still be open)."""
    row, step = _next_step(conn, caller.client_id, mje_id)
    _check_role(caller, step, row)
    remaining = [s for s in repo.steps(conn, caller.client_id, mje_id) if s.status == repo.PENDING][1:]
    if not remaining:
        _check_still_open(conn, row)
    if not repo.decide(conn, step.id, repo.APPROVED, caller.username, comment, now()):
        raise _changed(row)
    _audit(
        conn,
        caller,
        mje_id,
        "mje.approve",
        comment,
        {"step": step.sequence, "status": repo.PENDING},
        {"step": step.sequence, "status": repo.APPROVED, "remaining": len(remaining)},
    )
    if not remaining:
        _post(conn, caller.username, caller.client_id, mje_id)
    return get(conn, caller, mje_id)


def reject(conn: Connection, caller: Principal, mje_id: int, comment: str) -> dict[str, Any]:
    """Reject the entry at its next step (a comment is required): it is never posted."""
    if not comment.strip():
        raise InvalidInput("comment: say why the manual journal entry is rejected")
    row, step = _next_step(conn, caller.client_id, mje_id)
    _check_role(caller, step, row)
    stamp = now()
    if not repo.decide(conn, step.id, repo.REJECTED, caller.username, comment, stamp):
        raise _changed(row)
    repo.cancel_pending(conn, mje_id, f"rejected at step {step.sequence}")
    if not repo.transition(conn, mje_id, [repo.PENDING], status=repo.REJECTED, updated_by=caller.username,
                           updated_at=stamp):  # fmt: skip
        raise _changed(row)
    _audit(
        conn,
        caller,
        mje_id,
        "mje.reject",
        comment,
        {"status": repo.PENDING, "step": step.sequence},
        {"status": repo.REJECTED},
    )
    return get(conn, caller, mje_id)


def _reversal(conn: Connection, by: str, row: Any, period_key: int, reason: str | None) -> int:
    """Post the reversal of posted entry ``row`` in ``period_key``; the reversal's id."""
    entry_lines: list[LineOut] = [repo.as_line_out(x) for x in repo.lines(conn, [row.id])[row.id]]
    stamp = now()
    rev_id = repo.insert_head(
        conn,
        {
            "client_id": row.client_id,
            "book_id": row.book_id,
            "org_id": row.org_id,
            "mje_num": f"{row.mje_num}-REV"[:100],
            "description": f"Reversal of {row.mje_num}",
            "period_key": period_key,
            "curr": row.curr,
            "f_cur": row.f_cur,
            "r_cur": row.r_cur,
            "ex_rate": row.ex_rate,
            "g_ex_rate": row.g_ex_rate,
            "rc_id": row.rc_id,
            "auto_reverse": False,
            "status": repo.DRAFT,
            "source": "REVERSAL",
            "upload_id": None,
            "reversal_of": row.id,
            "total_dr": row.total_dr,
            "created_by": by,
            "created_at": stamp,
            "updated_by": by,
            "updated_at": stamp,
        },
    )
    repo.insert_lines(conn, row.client_id, rev_id, rules.reversed_lines(entry_lines))
    if not repo.mark_reversed(conn, row.id, rev_id, by, stamp):
        raise Conflict(f"manual journal entry {row.mje_num} was reversed meanwhile")
    audit.record(
        conn,
        client_id=row.client_id,
        action="mje.reverse",
        object_type=OBJECT,
        object_id=row.id,
        actor=by,
        reason=reason,
        before={"reversed_by": None},
        after={"reversed_by": rev_id, "period": period_key},
    )
    _post(conn, by, row.client_id, rev_id)
    return rev_id


def reverse(conn: Connection, caller: Principal, mje_id: int, comment: str | None) -> dict[str, Any]:
    """Reverse a posted entry now: its reversal is posted in the open period."""
    row = _head(conn, caller.client_id, mje_id)
    if row.status != repo.POSTED or row.reversal_of is not None:
        raise Conflict(
            f"manual journal entry {row.mje_num} is {row.status}: only a posted entry can be reversed"
            if row.reversal_of is None
            else f"{row.mje_num} is itself a reversal"
        )
    if row.reversed_by is not None:
        raise Conflict(f"manual journal entry {row.mje_num} is already reversed (entry {row.reversed_by})")
    _, current = open_period(conn, caller.client_id, row.org_id)
    rev_id = _reversal(conn, caller.username, row, current.key, comment)
    return get(conn, caller, rev_id)


# --- Period Close -----------------------------------------------------------------------------------------


def _shown(names: Sequence[str]) -> str:
    return ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")


def blockers(conn: Connection, scope: Scope) -> list[str]:
    """Period Close: entries awaiting approval and errored upload rows (like the other staging errors),
    as sentences (empty when none)."""
    found = []
    pending = repo.pending_in_scope(conn, scope)
    if pending:
        shown = _shown(pending)
        sentence = f"{len(pending)} manual journal entr(ies) await approval ({shown})"
        found.append(sentence + ": approve or reject them")
    errored, numbers = repo.errored_staging(conn, scope.client_id)
    if errored:
        found.append(
            f"{errored} manual journal entry staging row(s) are in error ({_shown(numbers)}): fix and upload "
            "them again, or delete them"
        )
    return found


def post_due_reversals(conn: Connection, scope: Scope, closed_key: int, opened_key: int, by: str) -> int:
    """After the close of ``closed_key``: post the reversals due in ``opened_key``; how many."""
    due = repo.due_reversals(conn, scope, closed_key)
    for row in due:
        _reversal(conn, by or SYSTEM, row, opened_key, f"automatic reversal at the close of {closed_key}")
    return len(due)


# --- reading ----------------------------------------------------------------------------------------------


def _head(conn: Connection, client_id: int, mje_id: int) -> Any:
    row = repo.head(conn, client_id, mje_id)
    if row is None:
        raise NotFound(f"manual journal entry {mje_id} not found")
    return row


def _money(units: int, currency: str) -> str:
    return str(from_minor(int(units), currency))


def _json(row: Any, entry_lines: Sequence[Any], steps: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "mje_num": row.mje_num,
        "description": row.description,
        "status": row.status,
        "period": row.period_key,
        "book_id": row.book_id,
        "org_id": row.org_id,
        "currency": row.curr,
        "f_cur": row.f_cur,
        "r_cur": row.r_cur,
        "ex_rate": str(row.ex_rate.normalize()),
        "g_ex_rate": str(row.g_ex_rate.normalize()),
        "rc_id": row.rc_id,
        "auto_reverse": row.auto_reverse,
        "source": row.source,
        "upload_id": row.upload_id,
        "reversal_of": row.reversal_of,
        "reversed_by": row.reversed_by,
        "total_debit": _money(sum(x.dr_t for x in entry_lines), row.curr),
        "created_by": row.created_by,
        "created_at": row.created_at,
        "posted_at": row.posted_at,
        "lines": [
            {
                "line_num": x.line_num,
                "acctg_type": x.acctg_type,
                "acctg_seg": x.acctg_seg,
                "description": x.description,
                "debit": _money(x.dr_t, row.curr),
                "credit": _money(x.cr_t, row.curr),
                "f_debit": _money(x.dr_f, row.f_cur),
                "f_credit": _money(x.cr_f, row.f_cur),
                "r_debit": _money(x.dr_r, row.r_cur),
                "r_credit": _money(x.cr_r, row.r_cur),
            }
            for x in entry_lines
        ],
        "approvals": [
            {
                "sequence": s.sequence,
                "approver_role": s.approver_role,
                "status": s.status,
                "rule_name": s.rule_name,
                "decided_by": s.decided_by,
                "decided_at": s.decided_at,
                "comment": s.comment,
            }
            for s in steps
        ],
    }


def get(conn: Connection, caller: Principal, mje_id: int) -> dict[str, Any]:
    row = _head(conn, caller.client_id, mje_id)
    return _json(row, repo.lines(conn, [mje_id])[mje_id], repo.steps(conn, caller.client_id, mje_id))


def list_entries(
    conn: Connection, caller: Principal, *, status: str | None, period: int | None, after_id: int, limit: int
) -> list[dict[str, Any]]:
    rows = repo.heads(
        conn,
        caller.client_id,
        status=status,
        period=period,
        after_id=after_id,
        limit=max(1, min(limit, 1000)),
    )
    ids = [int(r.id) for r in rows]
    found, steps = repo.lines(conn, ids), repo.steps_of(conn, caller.client_id, ids)
    return [_json(r, found[int(r.id)], steps[int(r.id)]) for r in rows]


def _summary(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: stored[k] for k in ("mje_num", "status", "period", "currency", "total_debit", "rc_id")}


def _audit(
    conn: Connection,
    caller: Principal,
    mje_id: int,
    action: str,
    reason: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record(
        conn,
        client_id=caller.client_id,
        action=action,
        object_type=OBJECT,
        object_id=mje_id,
        actor=caller.username,
        reason=reason,
        before=before,
        after=after,
    )
