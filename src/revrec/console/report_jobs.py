"""Console reports run in the background: the same filtered report as the page and its CSV download
(``console.reports.rows``: generator parameters plus the console's book, customer, item, SO and first-period
filters), written by a worker job into the report store, where the reports page lists it for download (and
``GET_ReportList`` sees it, like a Run Report program's).

A page shows at most ``reports.PAGE_LIMIT`` rows of a report (so it answers in the same time for any size);
a larger report is run here.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import IO

from sqlalchemy import Connection, Engine

from revrec.auth.service import Principal
from revrec.biviews.csvout import write_rows
from revrec.config import Settings
from revrec.console import reports
from revrec.db.session import transaction
from revrec.jobs import queue, worker
from revrec.jobs.queue import Job
from revrec.reports import service

CONSOLE_REPORT_JOB = "console_report"


def _query(params: dict[str, object]) -> reports.ReportQuery:
    fields = reports.ReportQuery.__dataclass_fields__
    return reports.ReportQuery(**{k: str(v) for k, v in params.items() if k in fields})


def submit(conn: Connection, caller: Principal, q: reports.ReportQuery) -> int:
    """Check the report's parameters and filters now (InvalidInput, 400, naming a bad one) and queue it;
    the job's number."""
    generator = q.generator()
    generator.resolve(conn, caller.client_id, q.params())
    reports.check_filters(conn, caller.client_id, q, generator.columns)
    params = asdict(q)
    return queue.enqueue(
        conn, client_id=caller.client_id, kind=CONSOLE_REPORT_JOB, created_by=caller.username, params=params,
        numbered=True,
    )  # fmt: skip


def run_job(settings: Settings, engine: Engine, job: Job) -> tuple[str, str]:
    """Generate the filtered report in one read transaction into the report store."""
    q = _query(dict(job.params))
    store = service.store_for(settings)
    with transaction(engine, readonly=True) as conn:
        generator, resolved, found = reports.rows(conn, job.client_id, q)
        record = store.begin(
            job.client_id, rep_name=generator.rep_name, category=generator.category,
            layout_name=generator.layout_name, rep_desc=reports.description(generator, resolved, q),
        )  # fmt: skip

        def write(handle: IO[str]) -> int:
            return write_rows(handle, generator.columns, found, range(len(generator.columns)))

        service.store_csv(store, record, write, zip_threshold=settings.report_zip_threshold_bytes)
    return "Completed", f"Report {record.id} ({record.rep_name}): {record.rows} row(s) in {record.file_name}"


def install(settings: Settings) -> None:
    """Register the job handler, bound to the process's settings (where the report store is); idempotent."""

    def steps(engine: Engine, job: Job) -> tuple[str, str | None]:
        return run_job(settings, engine, job)

    worker.register(CONSOLE_REPORT_JOB, worker.Handler(None, None, steps))
