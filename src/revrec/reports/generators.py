"""Report generators: what a report is called and which rows it holds.

What a generator is: revrec.reports.registry. This module holds the stage errors report and
:func:`standard_generators`, the registry of every report (stage errors plus the accounting reports of
revrec.reports.standard).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sqlalchemy import Connection

from revrec.biviews.views import Row
from revrec.costs.report import CONTRACT_COST_ROLLFORWARD
from revrec.errors import InvalidInput
from revrec.inbound import service as inbound_service
from revrec.reports.registry import GeneratorRegistry, ReportGenerator
from revrec.reports.returns_rollforward import RETURNS_ROLLFORWARD
from revrec.reports.standard import STANDARD
from revrec.reports.warnings import CONTRACT_WARNINGS

__all__ = ["STAGE_ERRORS", "GeneratorRegistry", "ReportGenerator", "standard_generators"]

CHUNK = 1000


# --- stage errors ----------------------------------------------------------------------------------------

STAGE_ERROR_KINDS = ("transaction", "event", "bundle", "mje")
STAGE_ERROR_COLUMNS = (
    "KIND", "ID", "UPLOAD_ID", "TYPE", "SO_NUM", "SO_LINE_NUM", "SO_LINE_ID", "INV_LINE_NUM", "INV_LINE_ID",
    "PROCESSED_FLAG", "CRTD_BY", "CRTD_DT", "UPDT_DT", "ERR_MSG",
)  # fmt: skip


def _kinds(params: Mapping[str, str]) -> list[str]:
    asked = [
        k.strip().lower() for k in params.get("kind", ",".join(STAGE_ERROR_KINDS)).split(",") if k.strip()
    ]
    unknown = [k for k in asked if k not in STAGE_ERROR_KINDS]
    if unknown or not asked:
        raise InvalidInput(
            f"Invalid kind {','.join(unknown) or '(none)'}: use {', '.join(STAGE_ERROR_KINDS)}"
        )
    return asked


def _stage_error_params(_conn: Connection, _client_id: int, params: Mapping[str, str]) -> dict[str, str]:
    _kinds(params)
    upload = params.get("upload_id")
    if upload is not None and not upload.isdigit():
        raise InvalidInput(f"Invalid UPLOAD_ID {upload!r}: use an upload id (a number)")
    return dict(params)


def stage_error_rows(conn: Connection, client_id: int, params: Mapping[str, str]) -> Iterator[Row]:
    """Every errored staging line of the client with all its errors, kind by kind, oldest first."""
    upload = params.get("upload_id")
    upload_id = int(upload) if upload and upload.isdigit() else None
    for kind in _kinds(params):
        offset = 0
        while True:
            chunk = inbound_service.stage_errors(
                conn, client_id=client_id, kind=kind, upload_id=upload_id, offset=offset, limit=CHUNK
            )
            for r in chunk:
                yield (
                    kind, r["id"], r["upload_id"], r["type"], r["so_num"], r["so_line_num"], r["so_line_id"],
                    r["inv_line_num"], r["inv_line_id"], r["processed_flag"], r["crtd_by"], r["crtd_dt"],
                    r["updt_dt"], r["err_msg"],
                )  # fmt: skip
            if len(chunk) < CHUNK:
                break
            offset += CHUNK


STAGE_ERRORS = ReportGenerator(
    key="stage-errors",
    rep_name="Stage Errors Report",
    category="Transactions",
    layout_name="Standard",
    rep_desc="Staging lines in error (transactions, events, bundles) with every error",
    columns=STAGE_ERROR_COLUMNS,
    rows=stage_error_rows,
    parameters=("kind", "upload_id"),
    prepare=_stage_error_params,
)


def standard_generators() -> GeneratorRegistry:
    return GeneratorRegistry(
        [STAGE_ERRORS, *STANDARD, CONTRACT_WARNINGS, RETURNS_ROLLFORWARD, CONTRACT_COST_ROLLFORWARD]
    )
