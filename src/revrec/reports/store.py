"""The report store: report files and their JSON sidecars under ``<data_dir>/reports/<client_id>/``.

No table holds reports: a report is ``<id>.json`` (the sidecar: id, rep_name, category, layout_name,
file_name, report_date, status, rep_desc, and the size, row count and creation time) beside its file
``<id>.csv`` or ``<id>.zip``. Files are written under a temporary name and renamed, so a file that exists
is whole. Report ids are unique per data directory: a counter file advanced under an exclusive lock and
replaced atomically, so several processes sharing the directory never hand out the same id.

Reports are kept ``retention`` seconds (48 hours by default) after creation; older ones are invisible and
are deleted by :meth:`ReportStore.purge_expired`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from revrec.biviews.cache import Instant

COUNTER = "next_id"
LOCK = ".lock"
RUNNING, COMPLETED, FAILED = "Running", "Completed", "Failed"


@dataclass
class ReportRecord:
    """One report's sidecar."""

    id: int
    client_id: int
    rep_name: str
    category: str
    layout_name: str
    rep_desc: str
    file_name: str
    status: str
    created: Instant
    report_date: str
    rows: int = 0
    size: int = 0
    message: str = ""

    def listing(self) -> dict[str, object]:
        """The reportList object of GET_ReportList."""
        return {
            "category": self.category,
            "file_name": self.file_name,
            "id": self.id,
            "layout_name": self.layout_name,
            "rep_desc": self.rep_desc,
            "rep_name": self.rep_name,
            "report_date": self.report_date,
            "status": self.status,
        }

    @property
    def media_type(self) -> str:
        return "application/zip" if self.file_name.endswith(".zip") else "text/csv; charset=utf-8"


class ReportStore:
    def __init__(self, root: Path, *, retention: int, clock: Callable[[], Instant] = time.time) -> None:
        self.root = root
        self.retention = retention
        self.clock = clock

    def _dir(self, client_id: int) -> Path:
        path = self.root / str(int(client_id))
        path.mkdir(parents=True, exist_ok=True)
        return path

    def next_id(self) -> int:
        """A new report id, unique for this data directory across processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            counter = self.root / COUNTER
            current = int(counter.read_text(encoding="ascii")) if counter.exists() else 10000
            part = self.root / (COUNTER + ".part")
            part.write_text(str(current + 1), encoding="ascii")
            os.replace(part, counter)
            return current + 1

    def begin(
        self, client_id: int, *, rep_name: str, category: str, layout_name: str, rep_desc: str
    ) -> ReportRecord:
        """Record a new report as Running (its sidecar is written at once)."""
        now = self.clock()
        report_id = self.next_id()
        date = dt.datetime.fromtimestamp(now, dt.UTC).replace(tzinfo=None, microsecond=0).isoformat()
        record = ReportRecord(
            report_id,
            client_id,
            rep_name,
            category,
            layout_name,
            rep_desc,
            f"{report_id}.csv",
            RUNNING,
            now,
            date,
        )
        self.save(record)
        return record

    def part_path(self, record: ReportRecord, extension: str) -> Path:
        return self._dir(record.client_id) / f"{record.id}.{extension}.part"

    def publish(self, record: ReportRecord, part: Path, *, rows: int) -> None:
        """Move a finished file into place and mark the report Completed."""
        final = part.with_suffix("")
        os.replace(part, final)
        record.file_name, record.rows, record.size = final.name, rows, final.stat().st_size
        record.status = COMPLETED
        self.save(record)

    def fail(self, record: ReportRecord, message: str) -> None:
        record.status, record.message = FAILED, message
        self.save(record)

    def save(self, record: ReportRecord) -> None:
        directory = self._dir(record.client_id)
        part = directory / f"{record.id}.json.part"
        part.write_text(json.dumps(asdict(record)), encoding="utf-8")
        os.replace(part, directory / f"{record.id}.json")

    def _load(self, path: Path) -> ReportRecord | None:
        try:
            return ReportRecord(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def _fresh(self, record: ReportRecord) -> bool:
        return self.clock() - record.created <= self.retention

    def get(self, client_id: int, report_id: int) -> ReportRecord | None:
        """The client's report, while it is kept."""
        record = self._load(self.root / str(int(client_id)) / f"{int(report_id)}.json")
        return (
            record if record is not None and record.client_id == client_id and self._fresh(record) else None
        )

    def file(self, record: ReportRecord) -> Path | None:
        path = self.root / str(record.client_id) / record.file_name
        return path if record.status == COMPLETED and path.exists() else None

    def list(self, client_id: int, created_on: dt.date | None = None) -> list[ReportRecord]:
        """The client's kept reports (created on ``created_on``, UTC, when given), newest first."""
        directory = self.root / str(int(client_id))
        if not directory.exists():
            return []
        found = []
        for path in directory.glob("*.json"):
            record = self._load(path)
            if record is None or record.client_id != client_id or not self._fresh(record):
                continue
            if (
                created_on is not None
                and dt.datetime.fromtimestamp(record.created, dt.UTC).date() != created_on
            ):
                continue
            found.append(record)
        return sorted(found, key=lambda r: r.id, reverse=True)

    def purge_expired(self, client_id: int) -> int:
        """Delete the client's reports older than the retention (files and sidecars)."""
        directory = self.root / str(int(client_id))
        if not directory.exists():
            return 0
        removed = 0
        for path in directory.glob("*.json"):
            record = self._load(path)
            if record is None or self._fresh(record):
                continue
            for name in (record.file_name, f"{record.id}.csv", f"{record.id}.zip", path.name):
                (directory / name).unlink(missing_ok=True)
            removed += 1
        return removed
