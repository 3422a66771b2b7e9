"""Transfer batch files: the transfer job, the batch's CSV in the report store, and the file of
GET_TransferBatchFile.

When a batch becomes READY TO TRANSFER, its CSV (every line, in the batch's frozen layout) is written into
the report store in the same job, category ``Transfer Batch``, zipped when larger than the report zip
threshold, and its report id is kept on the batch (``transfer_batch.report_id``): the batch then appears in
``reports/list``, downloads through ``reports/download/{file}`` and the signed URL, like any report, for the
report retention. Lines are read a chunk at a time and written straight to the file (bounded memory).
The file is written inside the job's transaction; if that transaction does not commit, the report is
marked Failed (it is never downloadable) and the batch does not exist.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Connection, Engine, update

from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import transfer_batch
from revrec.jobs.queue import Job
from revrec.reports import service as reports
from revrec.reports.store import ReportRecord, ReportStore
from revrec.transfer import service
from revrec.transfer.mapping import STANDARD, parse

CATEGORY = "Transfer Batch"
SPOOL_IN_MEMORY = 1 << 20


@dataclass(frozen=True)
class BatchFiles:
    """Where batch files go: the report store and its zip threshold (from the settings)."""

    store: ReportStore
    zip_threshold: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BatchFiles:
        return cls(reports.store_for(settings), settings.report_zip_threshold_bytes)


def _layout_name(batch: Any) -> str:
    return "Standard" if parse(batch.layout) == STANDARD else "GL Interface"


def write_batch_file(conn: Connection, files: BatchFiles, batch_id: int) -> ReportRecord:
    """Write the batch's CSV into the report store and record its report id on the batch."""
    b = transfer_batch.c
    batch = conn.execute(transfer_batch.select().where(b.id == batch_id)).one()
    record = files.store.begin(
        batch.client_id, rep_name=f"Transfer Batch {batch.id}", category=CATEGORY,
        layout_name=_layout_name(batch),
        rep_desc=f"{batch.name}: {batch.line_count} line(s) of {batch.entry_count} journal entries",
    )  # fmt: skip
    layout = service.layout_of(batch)

    def write(handle: IO[str]) -> int:
        return service.write_csv(handle, layout, service.all_lines(conn, batch))

    reports.store_csv(files.store, record, write, zip_threshold=files.zip_threshold)
    conn.execute(update(transfer_batch).where(b.id == batch.id).values(report_id=record.id))
    return record


def spool_batch_file(conn: Connection, batch: Any) -> IO[bytes]:
    """The batch's CSV in a spooled temporary file (in memory up to 1 MiB, then on disk), rewound."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - caller closes
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    service.write_csv(text, service.layout_of(batch), service.all_lines(conn, batch))
    text.flush()
    text.detach()
    spool.seek(0)
    return spool


def run_transfer(engine: Engine, job: Job, *, files: BatchFiles) -> tuple[str, str | None]:
    """The transfer jobs (both programs): build the batch and write its file, in one transaction."""
    criteria = service.parse_criteria({str(k): str(v) for k, v in job.params.items()})
    record: ReportRecord | None = None
    try:
        with transaction(engine) as conn:
            batch_id, name, status = service.build_batch(conn, job, criteria)
            held = service.held_note(conn, job)
            if status == service.READY:
                record = write_batch_file(conn, files, batch_id)
    except Exception:
        if record is not None:
            files.store.fail(record, "The transfer batch was rolled back")
        raise
    return "Completed", f"Transfer batch {batch_id} ({name}): {status}{held}"
