"""The documented JSON answers of the BI view operations (pages themselves are CSV or gzip)."""

from __future__ import annotations

from typing import Any

from revrec.http.schemas import Answer


class RowCount(Answer):
    count: int


class Column(Answer):
    column_name: str
    data_type: str
    data_length: int | None = None
    data_precision: int | None = None
    data_scale: int | None = None


class PastEnd(Answer):
    """404: the page asked for is past the last one."""

    message: str
    status: str
    total_pages: int
    total_rows: int


class TaskQueues(Answer):
    """The continuation-token tasks in the four queues (``active``, ``pending``, ``completed``...)."""

    result: dict[str, list[dict[str, Any]]]
    status: str


class TaskCancelled(Answer):
    message: str
    status: str
    task_id: str
