"""The Period Close program: check what must be clean, post the open period, open the next.

Checks (domain §10): no due staging line still waiting (``N``) or in error (``E``), no revenue contract
with an error. When something blocks and the ``FORCE`` parameter is not ``Y``, the job ends in ``Error``
with what blocks and nothing changes. Otherwise the open period's entries are regenerated, posted
(immutable from then on), the period becomes ``Closed`` and the next calendar period ``Open`` with its
entries generated.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, select

from revrec.accounting import service as accounting
from revrec.controls import approvals
from revrec.controls.holds import held_contracts_note
from revrec.db.session import transaction
from revrec.db.tables import flagged, revenue_contract, stage_event, stage_line
from revrec.jobs.queue import Job
from revrec.mje import service as mje
from revrec.periods import service as periods
from revrec.periods.service import OpenPeriod, Scope
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy

PERIOD_CLOSE_JOB = "period_close"
PERIOD_STATUS_JOB = "period_status"


def blockers(conn: Connection, scope: Scope, open_period: OpenPeriod) -> list[str]:
    """What keeps the open period from closing, as sentences."""
    s = stage_line.c
    waiting = conn.execute(
        select(func.count()).where(
            s.client_id == scope.client_id,
            flagged(s.processed_flag, "N"),
            func.coalesce(s.inv_date, s.so_date) < open_period.end,
        )
    ).scalar_one()
    errored = conn.execute(
        select(func.count()).where(s.client_id == scope.client_id, flagged(s.processed_flag, "E"))
    ).scalar_one()
    e = stage_event.c
    events_waiting = conn.execute(
        select(func.count()).where(
            e.client_id == scope.client_id, e.processed_flag == "N", e.event_date < open_period.end
        )
    ).scalar_one()
    events_errored = conn.execute(
        select(func.count()).where(e.client_id == scope.client_id, e.processed_flag == "E")
    ).scalar_one()
    c = revenue_contract.c
    bad = conn.execute(
        select(func.count()).where(
            c.client_id == scope.client_id,
            c.book_id == scope.book_id,
            c.org_id == scope.org_id,
            c.error_code.is_not(None),
        )
    ).scalar_one()
    found = []
    if waiting:
        found.append(
            f"{waiting} staging line(s) due in period {open_period.key} are not collected "
            "(run Data Collection)"
        )
    if errored:
        found.append(f"{errored} staging line(s) are in error (fix and upload them again, or delete them)")
    if events_waiting:
        found.append(
            f"{events_waiting} staged event(s) due in period {open_period.key} are not processed "
            "(run Event Process, program 151)"
        )
    if events_errored:
        found.append(
            f"{events_errored} staged event(s) are in error (fix and upload them again, or delete them)"
        )
    if bad:
        found.append(f"{bad} revenue contract(s) have errors (see their error code)")
    return found


def run_period_close(engine: Engine, job: Job) -> tuple[str, str | None]:
    """The ``period_close`` job, in one transaction."""
    force = str(job.params.get("force", "N")).upper() == "Y"
    with transaction(engine) as conn:
        client = tenancy.get_client(conn, job.client_id)
        assert client is not None
        calendar = policies_for(conn, client).calendar
        scope = periods.default_scope(conn, job.client_id, job.org_id)
        open_period = periods.current_open(conn, scope, calendar)
        if open_period is None:
            return "Error", f"No Period Status Found for ORG_ID:{scope.org_id}, this job cannot be submitted"
        found = (
            blockers(conn, scope, open_period) + approvals.blockers(conn, scope) + mje.blockers(conn, scope)
        )
        if found and not force:
            return "Error", f"Period {open_period.key} cannot be closed: " + "; ".join(found)
        posted = accounting.journalize_and_post(conn, scope, open_period)
        closed, opened = periods.close_open_period(conn, scope, calendar, by=job.created_by)
        next_open = periods.current_open(conn, scope, calendar)
        assert next_open is not None
        accounting.journalize(conn, scope, next_open)
        accounting.stamp_period_change(conn, scope, (closed, opened))
        held = held_contracts_note(conn, scope)
        reversed_count = mje.post_due_reversals(conn, scope, closed, opened, job.created_by)
    note = f"Period {closed} closed ({posted} journal summary line(s) posted); period {opened} is open"
    if reversed_count:
        note += f"; {reversed_count} manual journal entr(ies) reversed in {opened}"
    if found:
        return "Warning", note + " (forced past: " + "; ".join(found) + ")" + (f"; {held}" if held else "")
    return "Completed", note + (f"; {held}" if held else "")


def run_change_status(engine: Engine, job: Job) -> tuple[str, str | None]:
    """The ``period_status`` job: the current period to Soft Close (``STATUS`` parameter) or back to Open."""
    wanted = str(job.params.get("status") or periods.SOFT_CLOSE).strip()
    status = {"soft close": periods.SOFT_CLOSE, "open": "Open"}.get(wanted.lower(), wanted)
    with transaction(engine) as conn:
        client = tenancy.get_client(conn, job.client_id)
        assert client is not None
        calendar = policies_for(conn, client).calendar
        scope = periods.default_scope(conn, job.client_id, job.org_id)
        key = periods.set_current_status(conn, scope, calendar, status=status)
    return "Completed", f"Period {key} is {status}"
