"""The documented JSON answers of the transfer accounting operations."""

from __future__ import annotations

from typing import Any

from revrec.http.schemas import Answer


class Journal(Answer):
    client_id: int
    crtd_by: str | None = None
    crtd_dt: str | None = None
    id: int
    name: str
    status: str
    updt_by: str | None = None
    updt_dt: str | None = None
    report_id: int | None = None
    line_count: int | None = None
    entry_count: int | None = None


class JournalList(Answer):
    result: list[Journal]
    status: str


class BatchPage(Answer):
    status: str
    batch_id: int
    batch_name: str
    batch_status: str
    pagenum: int
    pagesize: int
    total_lines: int
    total_pages: int
    result: list[dict[str, Any]]


class PastLastPage(Answer):
    status: str
    message: str
    total_pages: int
    total_lines: int
