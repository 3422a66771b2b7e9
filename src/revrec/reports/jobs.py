"""The Run Report program: reports created through the Revenue Jobs API.

``POST /api/integration/v1/{orgId}/programs/160/submit`` with parameter 1601 ``REPORT NAME`` (a report key
such as ``revenue-waterfall``, or its rep_name such as ``Waterfall Report``) and the report's parameters
(1602 ``AS_OF_PERIOD``, 1603 ``FROM_PERIOD``, 1604 ``TO_PERIOD``, 1605 ``KIND``, 1606 ``UPLOAD_ID``, 1607
``JOB_ID``, 1608 ``CODE``) queues a
``report_run`` job. The parameters are checked at submission (400 naming a bad one). The job generates the
report into the store of the worker's process (``REVREC_DATA_DIR``: processes sharing it share the
reports), limited to the job's org for the reports that take ``ORG_ID``; its status message names the
report id and file, and the report appears in GET_ReportList.

:func:`install` binds the handler to the process's settings (where the store is, when to zip); it is
called by ``domains.install`` from ``create_app`` and ``revrec`` with the one Settings of the process.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, Engine

from revrec.config import Settings
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.jobs import worker
from revrec.jobs.queue import Job
from revrec.programs import catalog
from revrec.reports import service
from revrec.reports.generators import ReportGenerator, standard_generators
from revrec.reports.periods import ORG

REPORT_JOB = "report_run"
RUN_REPORT_PROGRAM = 160
REPORT_NAME = "report_name"
PARAMETERS = (
    catalog.Parameter(1601, "REPORT NAME", 1, REPORT_NAME, mandatory=True, max_length=100),
    catalog.Parameter(1602, "AS_OF_PERIOD", 2, "as_of_period", max_length=8),
    catalog.Parameter(1603, "FROM_PERIOD", 3, "from_period", max_length=8),
    catalog.Parameter(1604, "TO_PERIOD", 4, "to_period", max_length=8),
    catalog.Parameter(1605, "KIND", 5, "kind", max_length=40),
    catalog.Parameter(1606, "UPLOAD_ID", 6, "upload_id", catalog.NUMBER, minimum=1, maximum=2**31 - 1),
    catalog.Parameter(1607, "JOB_ID", 7, "job_id", catalog.NUMBER, minimum=1, maximum=2**31 - 1),
    catalog.Parameter(1608, "CODE", 8, "code", max_length=30),
)


def find_generator(name: str) -> ReportGenerator:
    """A report by key (``revenue-waterfall``) or by rep_name (``Waterfall Report``), in any case."""
    registry = standard_generators()
    by_name = {registry.get(key).rep_name.lower(): key for key in registry.keys()}  # noqa: SIM118
    return registry.get(by_name.get(name.strip().lower(), name))


def _split(params: Mapping[str, str], org_id: int | None) -> tuple[ReportGenerator, dict[str, str]]:
    name = params.get(REPORT_NAME, "")
    if not name.strip():
        raise InvalidInput("parameter 1601 (REPORT NAME) is mandatory")
    generator = find_generator(name)
    report_params = {k: str(v) for k, v in params.items() if k != REPORT_NAME}
    if org_id is not None and ORG in generator.parameters:
        report_params[ORG] = str(org_id)
    return generator, report_params


def check(conn: Connection, client_id: int, params: Mapping[str, str]) -> None:
    """At submission: the report exists and its parameters are valid (InvalidInput, 400, otherwise)."""
    generator, report_params = _split(params, None)
    generator.resolve(conn, client_id, report_params)


def run_job(settings: Settings, engine: Engine, job: Job) -> tuple[str, str]:
    """Generate the report in one read transaction; the message names the report and its file."""
    generator, report_params = _split({str(k): str(v) for k, v in job.params.items()}, job.org_id)
    with transaction(engine, readonly=True) as conn:
        record = service.run_report(
            conn, store=service.store_for(settings), generator=generator, client_id=job.client_id,
            params=report_params, zip_threshold=settings.report_zip_threshold_bytes,
        )  # fmt: skip
    return "Completed", f"Report {record.id} ({record.rep_name}): {record.rows} row(s) in {record.file_name}"


def install(settings: Settings) -> None:
    """Register the program and its job handler (bound to ``settings``); idempotent."""

    def steps(engine: Engine, job: Job) -> tuple[str, str | None]:
        return run_job(settings, engine, job)

    worker.register(REPORT_JOB, worker.Handler(None, None, steps))
    catalog.register(
        catalog.Program(RUN_REPORT_PROGRAM, "RevPro3.0 Run Report", REPORT_JOB, PARAMETERS, check)
    )
