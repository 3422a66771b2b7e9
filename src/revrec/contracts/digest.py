"""A digest of what Data Collection produced for a client, over business keys only.

Two runs of the same data (one worker, or the work split across several) must produce the same contracts,
lines, schedules, bills and journal entries. Row ids, contract ids and revision numbers are left out:
they depend on the order in which chunks commit (a contract written by a later chunk gets a higher id),
not on the accounting. Contracts are named by their key, lines by their line id, bills by their SO line
and the staging row's business fields, journal entries by their contract's key. Read-only.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, select

from revrec.db.tables import journal_entry, rc_bill, rc_line, rc_schedule, revenue_contract

RC = revenue_contract.c


def _rows(conn: Connection, query: Any) -> list[str]:
    return sorted("|".join("" if v is None else str(v) for v in row) for row in conn.execute(query))


def collection_digest(conn: Connection, client_id: int) -> tuple[str, dict[str, int]]:
    """(sha256 of every current contract, line, schedule, bill and journal entry of the client, row counts
    per table)."""
    key_of = select(RC.id, RC.rc_key).where(RC.client_id == client_id).subquery()
    contracts = select(
        RC.rc_key, RC.template, RC.currency, RC.transaction_price, RC.alloc_method, RC.error_code
    ).where(RC.client_id == client_id)
    L = rc_line.c
    lines = (
        select(key_of.c.rc_key, L.line_id, L.type, L.pob_key, L.ssp, L.allocatable, L.allocated, L.carve)
        .join_from(rc_line, key_of, key_of.c.id == L.rc_id)
        .where(L.client_id == client_id, L.current_flag.is_(True))
    )
    S = rc_schedule.c
    schedules = (
        select(key_of.c.rc_key, S.line_id, S.first_period, S.n, S.rev_t, S.rev_f, S.rev_r, S.cv_t, S.cv_f)
        .join_from(rc_schedule, key_of, key_of.c.id == S.rc_id)
        .where(S.client_id == client_id, S.current_flag.is_(True))
    )
    B = rc_bill.c
    bills = (
        select(key_of.c.rc_key, B.line_id, B.type, B.inv_num, B.inv_line_id, B.amount_t, B.amount_r, B.prd_id)
        .join_from(rc_bill, key_of, key_of.c.id == B.rc_id)
        .where(B.client_id == client_id)
    )
    J = journal_entry.c
    entries = (
        select(key_of.c.rc_key, J.period_key, J.acctg_type, J.acctg_seg, J.curr)
        .add_columns(J.dr_t, J.cr_t, J.dr_r, J.cr_r)
        .join_from(journal_entry, key_of, key_of.c.id == J.rc_id)
        .where(J.client_id == client_id)
    )
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    for name, query in (
        ("contracts", contracts),
        ("lines", lines),
        ("schedules", schedules),
        ("bills", bills),
        ("entries", entries),
    ):
        found = _rows(conn, query)
        counts[name] = len(found)
        digest.update(f"{name}:{len(found)}\n".encode())
        for row in found:
            digest.update(row.encode() + b"\n")
    return digest.hexdigest(), counts
