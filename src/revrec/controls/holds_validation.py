"""Transfer validation: before a GL transfer batch is built, contracts whose posted, untransferred entries
could not be booked in the GL get a transfer hold (source ``VALIDATION``), so the batch leaves them out.

Checks, per contract: every period's entries balance in T, F and R (debits = credits), and every entry has
an account string (a line without Def/Rev Segments gives an empty one). Each problem holds the contract once;
the hold is released by hand once fixed (a fixed contract does not get held again until it fails again).
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from revrec.controls import holds, holds_core
from revrec.controls import repository_holds as repo
from revrec.db.tables import journal_entry

UNBALANCED = "UNBALANCED ENTRIES"
MISSING_SEGMENT = "MISSING ACCOUNT SEGMENTS"


def _pending(client_id: int, org_id: int) -> list[object]:
    j = journal_entry.c
    return [
        j.client_id == client_id,
        j.org_id == org_id,
        j.posted_flag.is_(True),
        j.post_batch_id.is_(None),
        j.rc_id.not_in(repo.active_ids(client_id, repo.TRANSFER)),
    ]


def problems(conn: Connection, client_id: int, org_id: int) -> dict[int, list[str]]:
    """Contract id → the validation problems of its pending entries."""
    j = journal_entry.c
    found: dict[int, list[str]] = {}
    unbalanced = (
        select(j.rc_id, j.period_key)
        .where(*_pending(client_id, org_id))  # type: ignore[arg-type]
        .group_by(j.rc_id, j.period_key, j.curr, j.f_cur, j.r_cur)
        .having(
            (func.sum(j.dr_t) != func.sum(j.cr_t))
            | (func.sum(j.dr_f) != func.sum(j.cr_f))
            | (func.sum(j.dr_r) != func.sum(j.cr_r))
        )
    )
    for row in conn.execute(unbalanced):
        found.setdefault(int(row.rc_id), []).append(f"{UNBALANCED}: period {row.period_key} does not balance")
    missing = select(j.rc_id, func.min(j.acctg_type).label("kind")).where(
        *_pending(client_id, org_id),  # type: ignore[arg-type]
        func.coalesce(func.trim(j.acctg_seg), "") == "",
    )
    for row in conn.execute(missing.group_by(j.rc_id)):
        found.setdefault(int(row.rc_id), []).append(
            f"{MISSING_SEGMENT}: an entry of account type {row.kind} has no account string"
        )
    return found


def hold_invalid(conn: Connection, client_id: int, org_id: int, actor: str) -> int:
    """Hold every contract whose pending entries fail validation; how many were held."""
    found = problems(conn, client_id, org_id)
    for rc_id, reasons in sorted(found.items()):
        name = UNBALANCED if reasons[0].startswith(UNBALANCED) else MISSING_SEGMENT
        request = holds_core.HoldRequest(
            rc_id, repo.TRANSFER, comment="; ".join(reasons), hold_name=name, source=holds_core.VALIDATION
        )
        holds.apply_hold(conn, client_id=client_id, request=request, actor=actor)
    return len(found)
