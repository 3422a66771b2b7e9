"""Staging: the background job that validates a pre-staged upload line by line.

Runs in one transaction (with the job's completion, see revrec.jobs.worker): errored rows that the upload
re-sends under the same line key are replaced; every row is validated; failing rows become ``E`` with all
their errors in ``stage_error``; valid rows become ``N`` (ready for data collection). A worker killed
half-way leaves the rows ``P`` and the job is taken again, so no row is lost or validated twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table

from revrec.costs import settings as cost_settings
from revrec.db import statistics
from revrec.db.stage_columns import BUNDLE_COLUMNS, EVENT_COLUMNS
from revrec.db.tables import bundle_config, stage_event, stage_line
from revrec.inbound import repository as repo
from revrec.inbound.bulk import read_rows
from revrec.inbound.bundle_rules import check_bundles
from revrec.inbound.cost_rules import COLUMNS as COST_COLUMNS
from revrec.inbound.event_rules import EventContext, validate_event
from revrec.inbound.line_rules import BILLING_TYPES, LineContext, validate_line
from revrec.inbound.line_screen import SO_TYPES, STAGED, move_held, screen_lines
from revrec.inbound.problems import LineError
from revrec.inbound.uploads import STAGING_TABLES
from revrec.jobs.queue import Job
from revrec.mje.upload import stage_mje
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy
from revrec.vc.staging import settlement_errors, stage_vc

#: The staging columns transaction-line validation reads (tests/unit/inbound checks that it reads no other).
VALIDATED_COLUMNS = (
    "TYPE", "SO_LINE_ID", "SO_DATE", "START_DATE", "END_DATE", "CUST_NUM", "CSTMR_NM", "CURR", "F_CUR",
    "F_EX_RATE", "G_EX_RATE", "ITEM_NUM", "INV_NUM", "INV_LINE_ID", "ORIG_INV_LINE_ID", "ORIG_SO_LINE_ID",
    "INV_DATE", "ORD_QTY", "EXT_LST_PRC", "EXT_SLL_PRC", "INV_QTY", "RETURN_FLAG", "DEF_SEGMENTS",
    "REV_SEGMENTS", "CV_ELIGIBLE_FLAG", "CREDIT_RULE", "FV_ELIGIBLE_FLAG", "UNBILL_FLAG", "DURATION", "TERM",
    "CT_MOD_DATE", "FV_DATE", "UNIT_SELL_PRC", "UNIT_LIST_PRC", *COST_COLUMNS,
)  # fmt: skip


def _error_rows(client_id: int, kind: str, row_id: int, errors: Sequence[LineError]) -> list[dict[str, Any]]:
    return [
        {"client_id": client_id, "kind": kind, "row_id": row_id, "code": e.code, "col_name": e.column,
         "message": e.message[:500]}
        for e in errors
    ]  # fmt: skip


class _KnownSoLines:
    """SO line ids the upload's billing and RORD lines may reference: in this upload, staged or collected
    (a ``LineContext.known_so_line_ids`` container). Every SO line id but the unknown references, found by
    one query on first use: when the screen took every line, nothing asks and the query is not run."""

    def __init__(self, conn: Connection, client_id: int, upload_id: int) -> None:
        self.conn, self.client_id, self.upload_id = conn, client_id, upload_id
        self._unknown: frozenset[str] | None = None

    def __contains__(self, line_id: object) -> bool:
        if self._unknown is None:
            referencing = (*BILLING_TYPES, "RORD")
            self._unknown = frozenset(repo.unknown_so_references(
                self.conn, stage_line, self.client_id, self.upload_id, SO_TYPES, referencing, STAGED
            ))  # fmt: skip
        return line_id not in self._unknown


def _finish(conn: Connection, table: Table, kind: str, job: Job, errored: dict[int, list[LineError]]) -> str:
    error_rows = [
        r for row_id, errs in errored.items() for r in _error_rows(job.client_id, kind, row_id, errs)
    ]
    repo.insert_errors(conn, error_rows)
    repo.set_flags(conn, table, job.client_id, job.ref_id or 0, sorted(errored), job.created_by)
    repo.update_upload(conn, job.client_id, job.ref_id or 0, status="Staged",
                       message="Data Staged Successfully", error_lines=len(errored))  # fmt: skip
    return "Warning" if errored else "Completed"


def stage_transactions(conn: Connection, job: Job) -> str:
    client = tenancy.get_client(conn, job.client_id)
    assert client is not None and job.ref_id is not None
    # The screen marks N the lines it proves valid (same transaction); the rest, exactly, below. Rows
    # pre-stage held (PostgreSQL) are moved into stage_line with the screen's flag, each written once.
    currency = client.reporting_currency
    places = policies_for(conn, client).conventions.unit_price_places
    screen = {"client_id": job.client_id, "upload_id": job.ref_id, "reporting_currency": currency,
              "by": job.created_by, "unit_price_places": places}  # fmt: skip
    moved = 0
    if conn.dialect.name == "postgresql":
        created = repo.get_upload(conn, job.client_id, job.ref_id).created_at
        moved = move_held(conn, created=created, stamp=repo.now(), **screen)  # type: ignore[arg-type]
    # PostgreSQL: statistics that count the new rows before any other staging query is planned
    refresh_statistics(conn, stage_line, moved or upload_lines(conn, job.client_id, job.ref_id))
    repo.replace_errored(conn, stage_line, "transaction", job.client_id, job.ref_id)
    if not moved:
        screen_lines(conn, stamp=repo.now(), **screen)  # type: ignore[arg-type]
    context = LineContext(
        known_so_line_ids=_KnownSoLines(conn, job.client_id, job.ref_id),
        unit_price_places=places,
        cost_types=cost_settings.load(conn, job.client_id).types(),
    )
    errored: dict[int, list[LineError]] = {}
    for row_id, _, values in read_rows(conn, stage_line, job.ref_id, VALIDATED_COLUMNS):
        errors = validate_line(values, reporting_currency=currency, context=context)
        if errors:
            errored[row_id] = errors
    for row_id, errors in settlement_errors(conn, job.client_id, job.ref_id).items():  # VC settlement bills
        errored[row_id] = [*errored.get(row_id, []), *errors]
    return _finish(conn, stage_line, "transaction", job, errored)


def stage_events(conn: Connection, job: Job) -> str:
    assert job.ref_id is not None
    repo.replace_errored(conn, stage_event, "event", job.client_id, job.ref_id)
    columns = [c for c, _ in EVENT_COLUMNS]
    events = [(row_id, values) for row_id, _, values in read_rows(conn, stage_event, job.ref_id, columns)]
    wanted = sorted({str(v["SO_LINE_ID"]) for _, v in events if v["SO_LINE_ID"] is not None})
    known = repo.existing_keys(conn, stage_line, job.client_id, wanted, STAGED, SO_TYPES)
    context = EventContext(known_line_ids=known)
    errored = {row_id: errs for row_id, v in events if (errs := validate_event(v, context=context))}
    return _finish(conn, stage_event, "event", job, errored)


def stage_bundles(conn: Connection, job: Job) -> str:
    assert job.ref_id is not None
    repo.replace_errored(conn, bundle_config, "bundle", job.client_id, job.ref_id)
    columns = [c for c, _ in BUNDLE_COLUMNS]
    rows = list(read_rows(conn, bundle_config, job.ref_id, columns))
    by_number = {row_num: row_id for row_id, row_num, _ in rows}
    check = check_bundles((row_num, values) for _, row_num, values in rows)
    errored: dict[int, list[LineError]] = {}
    for problem in check.errors:
        errored.setdefault(by_number[problem.row], []).append(
            LineError(problem.code, problem.message, problem.column)
        )
    return _finish(conn, bundle_config, "bundle", job, errored)


#: The staging columns staging's own queries select, join or group rows on (upload, flag, line key, type,
#: SO references): the only ones whose statistics it refreshes after a large load.
PLANNED_COLUMNS = ("client_id", "upload_id", "processed_flag", "line_key", "type", "so_line_id",
                   "orig_so_line_id", "inv_line_id")  # fmt: skip


def upload_lines(conn: Connection, client_id: int, upload_id: int) -> int:
    """The data lines of an upload (as pre-stage counted them)."""
    return int(repo.get_upload(conn, client_id, upload_id).data_lines)


def refresh_statistics(conn: Connection, table: Table, added: int) -> bool:
    """PostgreSQL: refresh the statistics of ``table``'s :data:`PLANNED_COLUMNS` after a load of ``added``
    rows when it is large (``revrec.db.statistics.refresh_after_load``); True when it did."""
    columns = tuple(c for c in PLANNED_COLUMNS if c in table.c)
    return statistics.refresh_after_load(conn, table.name, added, columns)


def stage_upload(conn: Connection, job: Job) -> str:
    """The ``stage_upload`` job: validate the upload's pre-staged rows by its kind."""
    assert job.ref_id is not None
    upload = repo.get_upload(conn, job.client_id, job.ref_id)
    if upload.kind != "transaction":  # (transactions: once their rows are in stage_line)
        # PostgreSQL: statistics that count the new rows before any staging query is planned
        refresh_statistics(conn, STAGING_TABLES[upload.kind], upload.data_lines)
    handlers = {"transaction": stage_transactions, "event": stage_events, "bundle": stage_bundles,
                "mje": stage_mje, "vc": stage_vc}  # fmt: skip
    return handlers[upload.kind](conn, job)


def after_staging(engine: Engine, job: Job) -> None:
    """Once a staging job committed: on PostgreSQL, vacuum the holding table its move emptied
    (``repository.vacuum_held_rows``)."""
    if engine.dialect.name == "postgresql":
        repo.vacuum_held_rows(engine)


def staging_failed(conn: Connection, job: Job, message: str) -> None:
    if job.ref_id is not None:
        repo.update_upload(
            conn, job.client_id, job.ref_id, status="Failed", message=f"Staging failed: {message}"[:300]
        )
