"""BI view use cases: v1 pages, counts, v2 pages through continuation tokens, column lists, task status.

Every use case takes the caller's client id and only ever sees that client's rows, tasks and pages.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from revrec.biviews import cache as cache_mod
from revrec.biviews import csvout, repository
from revrec.biviews.cache import Instant, Manifest, PageCache
from revrec.biviews.catalog import standard_registry
from revrec.biviews.params import Filter
from revrec.biviews.reader import reader_for
from revrec.biviews.reference_data import YEARS_AFTER, YEARS_BEFORE
from revrec.biviews.tasks import ACTIVE, QUEUES, Limits, Task, TaskRegistry, Timings
from revrec.biviews.views import ViewDef, ViewQuery, ViewRegistry
from revrec.config import Settings
from revrec.errors import InvalidInput

NOT_CACHED = "Page still not yet cached; retry in a few seconds with the same continuation-token"
PAST_END = (
    "The requested page does not exist. The number of total pages and the number of total rows are returned."
)


@dataclass
class BiviewsRuntime:
    """What the BI views need for one server process: settings, database, views, tasks."""

    settings: Settings
    engine: Engine
    views: ViewRegistry
    tasks: TaskRegistry

    @classmethod
    def build(
        cls, settings: Settings, engine: Engine, *, clock: Callable[[], Instant] = time.time
    ) -> BiviewsRuntime:
        timings = Timings(
            completed_keep=settings.biviews_completed_keep_seconds,
            draining_keep=settings.biviews_draining_keep_seconds,
            stale_after=settings.biviews_stale_after_seconds,
            resume_within=settings.biviews_resume_within_seconds,
        )
        limits = Limits(
            per_client=settings.biviews_max_queries_per_client,
            per_view=settings.biviews_max_queries_per_view,
            retry_after=settings.biviews_retry_after_seconds,
        )
        cache = PageCache(settings.data_dir / "biviews")
        tasks = TaskRegistry(cache, timings=timings, limits=limits, clock=clock)
        return cls(settings, engine, standard_registry(), tasks)

    def query(self, client_id: int, flt: Filter) -> ViewQuery:
        options = {
            YEARS_BEFORE: self.settings.biviews_calendar_years_before,
            YEARS_AFTER: self.settings.biviews_calendar_years_after,
        }
        return ViewQuery(client_id, flt.window, options)


# --- outcomes of a page request ---------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    body: Iterator[bytes]
    gzipped: bool
    view: str
    number: int
    token: str | None = None


@dataclass(frozen=True)
class NoRows:
    token: str | None = None


@dataclass(frozen=True)
class PastEnd:
    total_pages: int
    total_rows: int
    token: str


@dataclass(frozen=True)
class NotCached:
    token: str


Outcome = Page | NoRows | PastEnd | NotCached


# --- queries without a continuation token -----------------------------------------------------------


def direct_page(
    rt: BiviewsRuntime, conn: Connection, *, client_id: int, view_name: str, flt: Filter,
    fields: Sequence[str] | None, number: int, size: int, gzipped: bool,
) -> Page | NoRows:  # fmt: skip
    """One page re-running the query (v1; v2 without a token), within the query limits."""
    view = rt.views.get(view_name)
    projection = view.projection(fields)
    with rt.tasks.query_slot(client_id, view.name):
        query = rt.query(client_id, flt)
        cells = repository.page_cells(conn, view, query, projection, (number - 1) * size, size)
        spool, written = csvout.spool_page(view.header(projection), cells, gzipped=gzipped)
    if written == 0:
        spool.close()
        return NoRows()
    return Page(csvout.iter_file(spool), gzipped, view.name, number)


def count(rt: BiviewsRuntime, conn: Connection, *, client_id: int, view_name: str, flt: Filter) -> int:
    view = rt.views.get(view_name)
    with rt.tasks.query_slot(client_id, view.name):
        return repository.count(conn, view, rt.query(client_id, flt))


def describe(rt: BiviewsRuntime, view_name: str) -> list[dict[str, object]]:
    """The view's columns, alphabetically (as Zuora lists them)."""
    view = rt.views.get(view_name)
    return [c.describe() for c in sorted(view.columns, key=lambda c: c.name)]


# --- continuation tokens ----------------------------------------------------------------------------


def first_page(
    rt: BiviewsRuntime, *, client_id: int, view_name: str, flt: Filter, fields: Sequence[str] | None,
    size: int, gzipped: bool,
) -> Outcome:  # fmt: skip
    """Page 1: start the background reader for a new token and answer as soon as page 1 is cached."""
    view = rt.views.get(view_name)
    projection = view.projection(fields)
    manifest = Manifest(
        token=cache_mod.new_token(), client_id=client_id, view=view.name, from_date=flt.from_date,
        to_date=flt.to_date, page_size=size, fields=list(fields) if fields else None, initiated=0.0,
    )  # fmt: skip
    run = reader_for(rt.engine, rt.tasks, view, rt.query(client_id, flt), projection)
    task = rt.tasks.start(manifest, run)
    return _cached(rt, client_id, task.token, view, 1, gzipped, rt.settings.biviews_first_page_wait_ms)


def token_page(
    rt: BiviewsRuntime, *, client_id: int, token: str, view_name: str, number: int, gzipped: bool
) -> Outcome:
    """Page ``number`` of a token, from the cache (waiting a bounded time for the reader)."""
    view = rt.views.get(view_name)
    manifest = rt.tasks.manifest(client_id, token) if cache_mod.valid_token(token.strip()) else None
    if manifest is None:
        raise InvalidInput(
            "Invalid continuation-token: unknown, cancelled or expired; start again from page 1 without it"
        )
    if manifest.view != view.name:
        raise InvalidInput(f"The continuation-token belongs to BI view {manifest.view}, not {view.name}")
    task = rt.tasks.find(client_id, manifest.token)
    if task is not None:
        rt.tasks.touch(task)
    return _cached(rt, client_id, manifest.token, view, number, gzipped, rt.settings.biviews_page_wait_ms)


def _cached(
    rt: BiviewsRuntime, client_id: int, token: str, view: ViewDef, number: int, gzipped: bool, wait_ms: int
) -> Outcome:
    def settled() -> Outcome | Path | None:
        manifest = rt.tasks.manifest(client_id, token)
        if manifest is None or manifest.cancelled:
            raise InvalidInput("The continuation-token was cancelled or has expired; start again from page 1")
        path = rt.tasks.cache.page(client_id, token, number)
        if path is not None and manifest.pages >= number:  # counted: a last page is known to be the last
            return path
        if manifest.error:
            raise InvalidInput(manifest.error)
        if manifest.done:
            if manifest.rows == 0 and number == 1:
                return NoRows(token)
            return PastEnd(manifest.pages, manifest.rows, token)
        return None

    rt.tasks.wait(lambda: settled() is not None, wait_ms)
    found = settled()
    if found is None:
        return NotCached(token)
    if not isinstance(found, Path):
        return found
    try:
        handle = found.open("rb")  # opened now: a later clean-up cannot cut the answer short
    except FileNotFoundError:
        raise InvalidInput("The continuation-token has expired; start again from page 1") from None
    body = csvout.iter_file(handle) if gzipped else csvout.iter_gunzip(handle)
    return Page(body, gzipped, view.name, number, token)


# --- task status --------------------------------------------------------------------------------------


def _iso(moment: Instant) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).replace(tzinfo=None, microsecond=0).isoformat()


def _elapsed(task: Task, now: Instant) -> str:
    seconds = int((task.finished_at or now) - task.manifest.initiated)
    return str(dt.timedelta(seconds=max(seconds, 0)))


def activity(task: Task, now: Instant, *, details: bool = False) -> dict[str, Any]:
    """The ActivityQueueStatus of a task (``details``: the GET_TaskDetails spelling of its fields)."""
    m = task.manifest
    window = {"fromDate": m.from_date, "toDate": m.to_date}
    return {
        "accumulate": m.rows,
        "activity_tracker": {
            "elapsed_time": _elapsed(task, now),
            "initated_time": _iso(m.initiated),
            "last_activity": _iso(task.last_activity),
        },
        "message": task.message,
        "metric": str(m.pages) if details else m.pages,
        "query_config": {"filter_params" if details else "filter_param": window, "object_name": m.view},
        "status": task.reader_status,
        "task_id": m.token,
    }


def all_status(rt: BiviewsRuntime, *, client_id: int) -> dict[str, list[dict[str, Any]]] | None:
    """The client's tasks by queue; None when it has none."""
    tasks = rt.tasks.tasks_of(client_id)
    if not tasks:
        return None
    now = rt.tasks.clock()
    queues: dict[str, list[dict[str, Any]]] = {q: [] for q in QUEUES}
    for task in tasks:
        queues[task.state].append(activity(task, now))
    return queues


def task_status(rt: BiviewsRuntime, *, client_id: int, token: str) -> dict[str, list[Any]] | None:
    """GET_TaskDetails: the task under ``active`` when active, else its id under its queue."""
    task = rt.tasks.find(client_id, token)
    if task is None:
        return None
    body: dict[str, list[Any]] = {q: [] for q in QUEUES}
    if task.state == ACTIVE:
        body[ACTIVE].append(activity(task, rt.tasks.clock(), details=True))
    else:
        body[task.state].append(task.token)
    return body


def cancel(rt: BiviewsRuntime, *, client_id: int, token: str) -> bool:
    return rt.tasks.cancel(client_id, token)
