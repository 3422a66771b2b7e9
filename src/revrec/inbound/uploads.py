"""Receiving an upload: the all-or-nothing pre-stage.

The body has already been spooled to a temporary file by the HTTP edge (bounded memory). Here the file is
checked against its template while its valid rows are inserted into the staging table of the template's
kind with ``processed_flag`` ``P`` (pre-staged), in chunks, inside one transaction. If any row fails,
that transaction is rolled back (nothing of the upload is stored) and the upload is marked ``Failed`` with
every bad row. Otherwise the upload is ``Successfully Uploaded`` and a staging job is queued, in the same
transaction as the rows.

Memory stays bounded for every body (see :mod:`revrec.inbound.prestage`): lines are read up to
``max_line_bytes``, at most ``max_problems`` problems are kept (all are counted). The process receiving an
upload is recorded on it (:mod:`revrec.inbound.receivers`), so an upload whose process died is failed as
soon as that is seen, and frees its file name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from hashlib import sha256
from itertools import repeat
from typing import IO, Any, cast

from sqlalchemy import Engine, String

from revrec.auth.service import Principal
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import bundle_config, stage_event, stage_line, stage_mje, upload, vc_estimate
from revrec.errors import Conflict, InvalidInput, NotFound, Throttled
from revrec.inbound import receivers
from revrec.inbound import repository as repo
from revrec.inbound.bulk import LineKey, RowWriter, copy_held, holds, storage_limits, text_limit
from revrec.inbound.cells import control_character
from revrec.inbound.line_rules import BILLING_TYPES
from revrec.inbound.prestage import PrestageChecker
from revrec.inbound.problems import RowError
from revrec.inbound.reading import decode_lines
from revrec.inbound.templates_std import UploadTemplateDef
from revrec.jobs import queue
from revrec.mje import upload as mje_upload

STAGING_TABLES = {
    "transaction": stage_line,
    "event": stage_event,
    "bundle": bundle_config,
    "mje": stage_mje,
    "vc": vc_estimate,
}
STAGE_JOB = "stage_upload"
#: Rows checked and written together. Small enough that a chunk's rows (one list of cells each) are written
#: and freed before the cyclic garbage collector's first generation fills (700 containers by default):
#: with 2,000 it traversed every row's 77 cells about twice, ≈ 0.2 s of a 60,000-line upload's ≈ 1.5 s.
CHUNK_ROWS = 250
RECEIVING_TIMEOUT = receivers.RECEIVING_TIMEOUT
MAX_REPORTED_PROBLEMS = 1000
#: Characters of a file name (the upload table's column).
FILE_NAME_LENGTH: int = cast(String, upload.c.file_name.type).length or 0
LINE_KEY_LENGTH: int = cast(String, stage_line.c.line_key.type).length or 0


@dataclass(frozen=True)
class UploadLimits:
    max_lines: int
    max_in_flight: int
    max_line_bytes: int = 1 << 20
    max_problems: int = MAX_REPORTED_PROBLEMS

    @classmethod
    def from_settings(cls, settings: Settings, channel: str) -> UploadLimits:
        """The limits of an upload channel (``csv`` or ``file``)."""
        lines = settings.max_csv_upload_lines if channel == "csv" else settings.max_file_upload_lines
        return cls(
            lines, settings.max_uploads_in_flight, settings.max_line_bytes, settings.max_upload_problems
        )


@dataclass(frozen=True)
class UploadOutcome:
    upload_id: int
    ok: bool
    data_lines: int
    problems: tuple[RowError, ...]
    problem_count: int


def problem_dict(error: RowError) -> dict[str, object]:
    return {
        "row": error.row,
        "column": error.column,
        "value": error.value,
        "code": error.code,
        "reason": error.message,
    }


def require_template(engine: Engine, client_id: int, name: str | None) -> tuple[int, UploadTemplateDef]:
    if not name:
        raise InvalidInput("Missing required header: templatename")
    with transaction(engine, readonly=True) as conn:
        found = repo.find_template(conn, client_id, name)
    if found is None:
        raise NotFound(f"Upload template {name!r} does not exist")
    if not found[1].enabled:
        raise InvalidInput(f"Upload template {name!r} is disabled")
    return found


def _open_upload(
    engine: Engine,
    caller: Principal,
    template_id: int,
    kind: str,
    file_name: str,
    channel: str,
    limits: UploadLimits,
) -> int:
    with transaction(engine) as conn:
        receivers.fail_orphans(conn, caller.client_id)
        since = repo.now() - RECEIVING_TIMEOUT
        if repo.count_in_flight(conn, caller.client_id, since) >= limits.max_in_flight:
            raise Throttled(
                f"Too many uploads in progress for this client (at most {limits.max_in_flight}); "
                "retry when an earlier upload is staged",
                retry_after=5,
            )
        taken = repo.name_taken(conn, caller.client_id, template_id, file_name)
        if taken is not None:
            raise Conflict(
                f"File name {file_name!r} was already uploaded with this template (request id {taken}); "
                "use a new file name"
            )
        return repo.insert_upload(
            conn,
            client_id=caller.client_id,
            template_id=template_id,
            kind=kind,
            file_name=file_name,
            active_name=file_name,
            channel=channel,
            created_by=caller.username,
            receiver=receivers.receiver_id(),
        )


def check_file_name(file_name: str) -> None:
    """Refuse a file name the upload table cannot hold (too long, or with a control character)."""
    if len(file_name) > FILE_NAME_LENGTH:
        raise InvalidInput(
            f"File name is {len(file_name)} characters long; at most {FILE_NAME_LENGTH} are allowed"
        )
    char = control_character(file_name)
    if char is not None:
        raise InvalidInput(f"File name contains the control character {char}; remove it")


def _lines(body: IO[bytes], max_line_bytes: int) -> Iterator[str]:
    chunks = iter(lambda: body.read(1 << 16), b"")
    return decode_lines(chunks, max_line_bytes)


def receive(
    engine: Engine,
    *,
    caller: Principal,
    template_name: str | None,
    file_name: str,
    channel: str,
    body: IO[bytes],
    limits: UploadLimits,
    injection_policy: str,
) -> UploadOutcome:
    """Pre-stage a whole upload, all or nothing."""
    template_id, template = require_template(engine, caller.client_id, template_name)
    check_file_name(file_name)
    upload_id = _open_upload(engine, caller, template_id, template.kind, file_name, channel, limits)
    checker = PrestageChecker(
        template,
        injection_policy=injection_policy,  # type: ignore[arg-type]
        max_data_lines=limits.max_lines,
        max_errors=limits.max_problems,
        number_limits=storage_limits,
        text_limits=text_limit,
        max_line=limits.max_line_bytes,
    )
    table = STAGING_TABLES[template.kind]
    try:
        with transaction(engine) as conn:
            _store_rows(conn, checker, table, _lines(body, limits.max_line_bytes), caller, upload_id)
            result = checker.result()
            if result.ok and template.kind == "mje":  # an entry spans rows: all balanced, or nothing
                result = mje_upload.check_entries(conn, caller.client_id, upload_id, template, result)
            if result.ok:
                received = repo.finish_receiving(
                    conn,
                    caller.client_id,
                    upload_id,
                    status="Successfully Uploaded",
                    message="Data Received",
                    data_lines=result.data_lines,
                )
                if not received:  # failed meanwhile as interrupted (see receivers): store nothing
                    raise Conflict(receivers.INTERRUPTED)
                queue.enqueue(
                    conn,
                    client_id=caller.client_id,
                    kind=STAGE_JOB,
                    ref_id=upload_id,
                    created_by=caller.username,
                )
            else:
                conn.rollback()
    except BaseException:
        _mark_failed(engine, caller.client_id, upload_id, receivers.INTERRUPTED, [], 0, 0)
        raise
    if not result.ok:
        _mark_failed(
            engine,
            caller.client_id,
            upload_id,
            failure_message(result.error_count, len(result.errors)),
            list(result.errors),
            result.error_count,
            result.data_lines,
        )
    return UploadOutcome(upload_id, result.ok, result.data_lines, result.errors, result.error_count)


def failure_message(count: int, listed: int | None = None) -> str:
    """The message of a refused upload; ``listed`` is how many of the ``count`` problems are listed."""
    shown = "" if listed is None or listed >= count else f" (the first {listed} are listed)"
    return (
        f"Upload rejected: {count} problem(s) found{shown}; nothing was stored. "
        "Fix every listed row and send it again"
    )


def _mark_failed(
    engine: Engine,
    client_id: int,
    upload_id: int,
    message: str,
    problems: list[RowError],
    count: int,
    lines: int,
) -> None:
    with transaction(engine) as conn:
        repo.update_upload(
            conn,
            client_id,
            upload_id,
            status="Failed",
            message=message[:300],
            active_name=None,
            data_lines=lines,
            error_lines=count,
            problems=[problem_dict(p) for p in problems[:MAX_REPORTED_PROBLEMS]],
        )


def _store_rows(
    conn: Any, checker: PrestageChecker, table: Any, lines: Iterator[str], caller: Principal, upload_id: int
) -> None:
    stamp = repo.now()
    base = {
        "client_id": caller.client_id,
        "upload_id": upload_id,
        "processed_flag": "P",
        "crtd_by": caller.username,
        "crtd_dt": stamp,
        "updt_by": caller.username,
        "updt_dt": stamp,
    }
    writer: RowWriter | None = None
    with ExitStack() as stack:  # PostgreSQL's COPY: completed at the end, aborted by an exception
        sep = checker.template.field_separator
        if holds(conn, checker.template.kind, sep):  # checked rows as text, moved to stage_line by staging
            lead = f"{caller.client_id}{sep}{upload_id}{sep}"
            plan = lambda: [c and c.col_name for c in checker.columns]  # noqa: E731
            copy_held(conn, stack, plan, sep, checker.records(lines, lead), lambda: checker.failed)
            return
        for chunk in checker.chunks(lines, CHUNK_ROWS):  # (bad UTF-8 is one of the errors it records)
            if writer is None:  # the column plan is known once the header is read
                names = [c and c.col_name for c in checker.columns]
                key = line_key(checker.template.kind, {name: i for i, name in enumerate(names) if name})
                writer = RowWriter(conn, table, base, names, key, stack)
            writer.add(chunk)
            writer.flush()
        if writer is not None and not checker.failed:
            writer.close()


def line_key(kind: str, index: dict[str, int]) -> LineKey:
    """The identity under which a re-sent row replaces an errored one (see staging.replace_errored).

    ``index`` gives the position of each staging column in a row of ``PrestageChecker.chunks``; the key
    function takes a chunk's columns and gives one key a row (``''`` when there is none).
    """

    def at(columns: Sequence[Sequence[object]], col_name: str) -> Iterable[object]:
        i = index.get(col_name)
        return columns[i] if i is not None else repeat("")

    if kind == "transaction":

        def transaction_keys(columns: Sequence[Sequence[object]]) -> list[str]:
            names = ("TYPE", "INV_LINE_ID", "SO_LINE_ID", "COST_LINE_ID")
            types, inv_lines, so_lines, cost_lines = (at(columns, c) for c in names)
            return [
                _key(line_type, inv, so, cost)
                for line_type, inv, so, cost in zip(types, inv_lines, so_lines, cost_lines, strict=False)
            ]

        return transaction_keys
    names = (("SO_LINE_ID", "EVENT_TYPE", "EVENT_DATE") if kind == "event"
             else ("MJE_NUM",) if kind == "mje"  # an entry is re-sent whole
             else ("SO_LINE_ID", "VC_TYPE", "EST_DATE") if kind == "vc"
             else ("PARENT_ITEM_NUM", "BNDL_CFG_ITEM_NUM"))  # fmt: skip

    def joined_keys(columns: Sequence[Sequence[object]]) -> list[str]:
        parts = zip(*(at(columns, c) for c in names), strict=False)
        return [_fitting("|".join(str(value or None) for value in values)) for values in parts]

    return joined_keys


def _key(line_type: object, inv: object, so: object, cost: object) -> str:
    """A transaction row's key: its invoice line (billing types), its cost line under a ``CST:`` prefix
    (cost lines name their SO line only as the line they belong to), else its SO line."""
    if line_type == "CST":
        return _fitting(f"CST:{cost}") if cost else ""
    key = inv if line_type in BILLING_TYPES else so
    return str(key) if key else ""


def _fitting(key: str) -> str:
    """A joined key the line_key column holds: a longer one (its parts may each be as long as the column)
    is replaced by its SHA-256, which identifies it as well (keys are only compared with each other)."""
    return key if len(key) <= LINE_KEY_LENGTH else "sha256:" + sha256(key.encode()).hexdigest()
