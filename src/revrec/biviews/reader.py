"""The background reader of a continuation token: one snapshot read of the whole result, written ahead into
the page cache page by page, so that every later page is served from files without touching the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import Engine

from revrec.biviews import repository
from revrec.biviews.cells import Cells
from revrec.biviews.csvout import GzipPageWriter
from revrec.biviews.tasks import CANCELLED, DONE, FAILED, Task, TaskRegistry
from revrec.biviews.views import ViewDef, ViewQuery

log = logging.getLogger("revrec.biviews")


class _Cancelled(Exception):
    pass


def _until_cancelled(rows: Iterable[Cells], task: Task) -> Iterator[Cells]:
    for row in rows:
        if task.cancel.is_set():
            raise _Cancelled
        yield row


def reader_for(
    engine: Engine, registry: TaskRegistry, view: ViewDef, query: ViewQuery, projection: tuple[int, ...]
) -> Callable[[Task], None]:
    """The function a task's thread runs."""

    def run(task: Task) -> None:
        directory = registry.cache.directory(task.client_id, task.token)
        writer = GzipPageWriter(directory, view.header(projection), task.manifest.page_size)
        try:
            with repository.snapshot(engine) as conn:
                rows = _until_cancelled(repository.stream_cells(conn, view, query, projection), task)
                writer.write(rows, lambda pages, count, last: registry.progress(task, pages, count, last))
        except _Cancelled:
            registry.finish(task, CANCELLED, "Cancelled")
        except Exception:  # noqa: BLE001 - any failure ends the task; the client sees a message, the log the cause
            if task.cancel.is_set():
                registry.finish(task, CANCELLED, "Cancelled")
                return
            log.exception("BI view %s: background query failed", view.name)
            registry.finish(task, FAILED, "The query failed; start again without a continuation token")
        else:
            registry.finish(task, DONE, f"Query completed: {writer.rows} rows in {writer.pages} pages")

    return run
