"""The ``contract-warnings`` report: every engine warning stored for the client's contracts (what an
accountant reads at close), optionally of one job (``JOB_ID``) or one code (``CODE``). Rows come from
:mod:`revrec.contracts.warnings`, streamed."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection

from revrec.biviews.views import Row
from revrec.contracts import warnings
from revrec.errors import InvalidInput
from revrec.reports.registry import Params, ReportGenerator


def _params(_conn: Connection, _client_id: int, params: Params) -> dict[str, str]:
    job = params.get("job_id")
    if job is not None and not (job.isascii() and job.isdigit() and len(job) <= 10):
        raise InvalidInput(f"Invalid JOB_ID {job!r}: use a job id (a number)")
    resolved = dict(params)
    if "code" in resolved:
        resolved["code"] = resolved["code"].upper()
    return resolved


def _rows(conn: Connection, client_id: int, params: Params) -> Iterator[Row]:
    job = params.get("job_id")
    for row in warnings.rows(conn, client_id, job_id=int(job) if job else None, code=params.get("code")):
        yield tuple(row)


CONTRACT_WARNINGS = ReportGenerator(
    key="contract-warnings",
    rep_name="Contract Warnings Report",
    category="Transactions",
    layout_name="Standard",
    rep_desc="Engine warnings per contract and line (code, message, values, the job that found them)",
    columns=warnings.COLUMNS,
    rows=_rows,
    parameters=("job_id", "code"),
    prepare=_params,
)
