"""Keeps revenue holds in force when a contract is recomputed while held.

Data Collection and Event Process revise a held line's schedule like any other (closed periods kept, the
open period and later from the new computation). Before the journal of the open period is regenerated
(revrec.accounting.service.journalize calls :func:`refreeze`), every such line is frozen again from the open
period: the recomputed schedule becomes the line's true schedule (what the release will catch up to) and a
frozen version of it the current one. Nothing here imports the accounting package (it calls in).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from revrec.controls import repository_holds as repo
from revrec.controls.holds_core import cover_new_lines
from revrec.controls.holds_rules import hold_matching
from revrec.controls.holds_schedule import freeze
from revrec.periods.service import OpenPeriod, Scope


def before_journal(conn: Connection, scope: Scope, open_period: OpenPeriod) -> None:
    """Before the open period's journal is regenerated: hold what the hold rules match, and keep revenue
    holds in force over schedules recomputed since."""
    hold_matching(conn, scope, open_period)
    cover_new_lines(conn, scope.client_id, open_period)
    refreeze(conn, scope.client_id, open_period.index, open_period.key)


def refreeze(conn: Connection, client_id: int, open_index: int, open_key: int) -> int:
    """Freeze again the held lines a recomputation overwrote; how many."""
    count = 0
    for item in repo.overwritten(conn, client_id):
        base, packed = repo.schedule(conn, int(item.current_id))
        held = freeze(packed, open_index, item.schedules)
        held_id = int(base.id)
        if held != packed:
            crtd = {"crtd_prd_id": open_key, "crtd_by": base.crtd_by, "crtd_dt": datetime.now(UTC)}
            held_id = repo.write_schedule(conn, base, held, int(base.first_period), crtd)
        repo.set_hold_line(conn, int(item.id), int(base.id), held_id)
        count += 1
    return count
