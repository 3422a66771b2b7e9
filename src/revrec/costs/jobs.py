"""The Cost Process program: staged cost lines into ``rc_cost``/``rc_cost_schedule`` and the open period's
journal entries, in one transaction (a job taken again after a crash redoes all of it, never half)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from revrec.accounting import service as accounting
from revrec.costs import service, settings
from revrec.db.session import transaction
from revrec.engine.calendar import AccountingCalendar
from revrec.errors import InvalidInput
from revrec.jobs.queue import Job
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy

COST_PROCESS_JOB = "cost_process"
COST_PROCESS_PROGRAM = 158


@dataclass(frozen=True, slots=True)
class CostContext:
    scope: periods.Scope
    open: periods.OpenPeriod | None
    calendar: AccountingCalendar
    reporting_currency: str


def context(conn: Connection, client_id: int, org_id: int | None) -> CostContext:
    """Scope, open period and calendar of a client's cost work."""
    client = tenancy.get_client(conn, client_id)
    if client is None:
        raise InvalidInput("the client no longer exists")
    calendar = policies_for(conn, client).calendar
    scope = periods.default_scope(conn, client_id, org_id)
    return CostContext(
        scope, periods.current_open(conn, scope, calendar), calendar, client.reporting_currency
    )


def process(conn: Connection, client_id: int, org_id: int | None, by: str) -> tuple[str, str]:
    """Record the staged cost lines of one org and regenerate its open period: (status, summary)."""
    ctx = context(conn, client_id, org_id)
    if ctx.open is None:
        return "Completed", "No open period: no cost lines to process"
    if (frozen := periods.frozen_message(ctx.open)) is not None:
        return "Error", frozen
    tally = service.record_costs(
        conn, scope=ctx.scope, open_period=ctx.open, calendar=ctx.calendar,
        settings=settings.load(conn, client_id), reporting_currency=ctx.reporting_currency, by=by,
    )  # fmt: skip
    if tally.recorded:
        accounting.journalize(conn, ctx.scope, ctx.open)
    summary = (
        f"{tally.recorded} cost line(s) recorded ({tally.capitalised} capitalised), "
        f"{tally.errored} in error, {tally.waiting} waiting for their line"
    )
    if tally.warnings:
        codes = sorted({w.code for w in tally.warnings})
        summary += (
            f"; warnings: {', '.join(f'{c} x{sum(w.code == c for w in tally.warnings)}' for c in codes)}"
        )
    return ("Warning" if tally.errored or tally.warnings else "Completed"), summary


def run_cost_process(engine: Engine, job: Job) -> tuple[str, str | None]:
    """The ``cost_process`` job (see the module docstring)."""
    with transaction(engine) as conn:
        return process(conn, job.client_id, job.org_id, job.created_by)
