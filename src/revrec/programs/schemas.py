"""The documented answers of the Revenue Jobs and Data Collection operations."""

from __future__ import annotations

from typing import Any

from revrec.http.schemas import Answer


class ProgramList(Answer):
    """Programs startable through the API, each with its parameters."""

    data: list[dict[str, Any]]


class JobDetail(Answer):
    """The status record of a job (``id``, ``status``, ``program_name``, ``progress``, timestamps...)."""

    id: int | str | None = None
    status: str | None = None


class JobSubmitted(Answer):
    job_id: str
    message: str
    success: bool
    data: JobDetail | None = None


class JobStatus(Answer):
    data: JobDetail
    success: bool


class CollectionSubmitted(Answer):
    message: str
    success: bool
    job_id: int | str


class JobFailure(Answer):
    """The error body Zuora documents for POST_SubmitRevenueJob: ``{"success": false, "error": ...}``."""

    success: bool
    error: str
