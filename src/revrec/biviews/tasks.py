"""Continuation-token tasks, their four queues, and the per-client query limits.

A task is born on a v2 page-1 request: a background reader caches every page of the result (see
:mod:`revrec.biviews.reader`). Its queue (Zuora's activity monitoring), with configurable timings:

- **active** while the reader runs or the client is fetching pages;
- **stale** when the reader still runs but nothing asked for a page for ``stale_after`` seconds (240); a
  page request within ``resume_within`` seconds (300) of becoming stale makes it active again, after that
  it is cancelled and goes to draining;
- **completed** once the reader has cached every page; kept ``completed_keep`` seconds (300) after the last
  activity (its completion or a page request), then draining;
- **draining** when cancelled (``DELETE``) or expired; removed with its files ``draining_keep`` seconds (5)
  later. A draining token serves no pages.

Transitions are applied lazily by :meth:`TaskRegistry.sweep`, which every operation calls first, against
an injectable wall clock (tests move it instead of sleeping).

Query limits: at most ``per_client`` queries running at once for a client across all views and
``per_view`` per view. A running reader counts until it has cached the last page; a query without a token
(v1 pages, counts, v2 pages re-run without a token) counts while it runs. Over the limit: Throttled (429).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from revrec.biviews.cache import Instant, Manifest, PageCache
from revrec.errors import Throttled

ACTIVE, STALE, COMPLETED, DRAINING = "active", "stale", "completed", "draining"
QUEUES = (ACTIVE, COMPLETED, DRAINING, STALE)
RUNNING, DONE, FAILED, CANCELLED = "Running", "Completed", "Failed", "Cancelled"
ORPHAN_GRACE = 3600
ORPHAN_SWEEP_EVERY = 60
WAIT_STEP = 0.1


@dataclass(frozen=True)
class Timings:
    completed_keep: int = 300
    draining_keep: int = 5
    stale_after: int = 240
    resume_within: int = 300


@dataclass(frozen=True)
class Limits:
    per_client: int = 5
    per_view: int = 1
    retry_after: int = 5


@dataclass(eq=False)
class Task:
    """One continuation token in this process."""

    manifest: Manifest
    state: str
    state_since: Instant
    last_activity: Instant
    reader_status: str = RUNNING
    message: str = "Query running; caching pages"
    finished_at: Instant | None = None
    last_page_cached: bool = False  # every row is read and cached; the reader is only closing its snapshot
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def token(self) -> str:
        return self.manifest.token

    @property
    def client_id(self) -> int:
        return self.manifest.client_id

    @property
    def view(self) -> str:
        return self.manifest.view


class TaskRegistry:
    """The tasks of this process, keyed by token, always looked up with the caller's client id."""

    def __init__(
        self, cache: PageCache, *, timings: Timings, limits: Limits, clock: Callable[[], Instant] = time.time
    ) -> None:
        self.cache = cache
        self.timings = timings
        self.limits = limits
        self.clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._tasks: dict[str, Task] = {}
        self._sync: Counter[tuple[int, str]] = Counter()
        self._last_orphan_sweep: Instant = 0

    # --- limits -------------------------------------------------------------------------------------

    def _check_limits(self, client_id: int, view: str) -> None:
        running = [
            t.view
            for t in self._tasks.values()
            if t.client_id == client_id and t.reader_status == RUNNING and not t.last_page_cached
        ]
        per_view = running.count(view) + self._sync[(client_id, view)]
        per_client = len(running) + sum(n for (c, _v), n in self._sync.items() if c == client_id)
        if per_view >= self.limits.per_view:
            self._throttle(
                f"{view} already has {per_view} query running (at most {self.limits.per_view} per BI view)"
            )
        if per_client >= self.limits.per_client:
            self._throttle(f"{per_client} queries are running (at most {self.limits.per_client} per client)")

    def _throttle(self, why: str) -> None:
        wait = self.limits.retry_after
        raise Throttled(f"Rate limit exceeded: {why}; retry in {wait} seconds", wait)

    @contextmanager
    def query_slot(self, client_id: int, view: str) -> Iterator[None]:
        """Hold one query slot while a query without a continuation token runs."""
        with self._lock:
            self.sweep()
            self._check_limits(client_id, view)
            self._sync[(client_id, view)] += 1
        try:
            yield
        finally:
            with self._lock:
                self._sync[(client_id, view)] -= 1
                if self._sync[(client_id, view)] <= 0:
                    del self._sync[(client_id, view)]

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self, manifest: Manifest, run: Callable[[Task], None]) -> Task:
        """Register a task (within the limits), create its cache directory and start its reader."""
        with self._lock:
            self.sweep()
            self._check_limits(manifest.client_id, manifest.view)
            now = self.clock()
            manifest.initiated = now
            self.cache.create(manifest)
            task = Task(manifest, ACTIVE, now, now)
            self._tasks[manifest.token] = task
        thread = threading.Thread(target=run, args=(task,), name=f"biview-{manifest.token[:8]}", daemon=True)
        thread.start()
        return task

    def progress(self, task: Task, pages: int, rows: int, last: bool = False) -> None:
        """The reader cached page ``pages`` (``last``: the final one; its query no longer counts against
        the limits, even before the reader has closed its snapshot)."""
        with self._lock:
            task.manifest.pages, task.manifest.rows = pages, rows
            task.last_page_cached = last
            self._save(task)
            self._changed.notify_all()

    def finish(self, task: Task, status: str, message: str) -> None:
        """The reader stopped: completed, failed or cancelled."""
        with self._lock:
            now = self.clock()
            task.reader_status, task.message, task.finished_at = status, message, now
            task.manifest.done = status == DONE
            task.manifest.error = message if status == FAILED else None
            task.manifest.cancelled = status == CANCELLED
            if task.state != DRAINING:
                task.state, task.state_since = COMPLETED, now
            self._save(task)
            self._changed.notify_all()

    def _save(self, task: Task) -> None:
        if task.state == DRAINING and task.token not in self._tasks:
            return
        with contextlib.suppress(OSError):  # removed meanwhile (drained)
            self.cache.save(task.manifest)

    def find(self, client_id: int, token: str) -> Task | None:
        with self._lock:
            self.sweep()
            task = self._tasks.get(token.strip().lower())
            return task if task is not None and task.client_id == client_id else None

    def touch(self, task: Task) -> None:
        """A page was asked for: record the activity, and resume a stale task."""
        with self._lock:
            now = self.clock()
            task.last_activity = now
            if task.state == STALE:
                task.state, task.state_since = ACTIVE, now

    def cancel(self, client_id: int, token: str) -> bool:
        with self._lock:
            task = self.find(client_id, token)
            if task is None or task.state == DRAINING:
                return False
            self._drain(task, "Cancelled by the client")
            return True

    def _drain(self, task: Task, message: str) -> None:
        task.cancel.set()
        task.state, task.state_since = DRAINING, self.clock()
        if task.reader_status == RUNNING:
            task.reader_status = CANCELLED
        task.message = message
        task.manifest.cancelled = True
        self._save(task)
        self._changed.notify_all()

    def tasks_of(self, client_id: int) -> list[Task]:
        with self._lock:
            self.sweep()
            return sorted(
                (t for t in self._tasks.values() if t.client_id == client_id),
                key=lambda t: t.manifest.initiated,
            )

    def sweep(self) -> None:
        """Apply the queue transitions that are due, and drop drained tasks with their files."""
        with self._lock:
            now = self.clock()
            t = self.timings
            for task in list(self._tasks.values()):
                idle = now - task.last_activity
                if task.state == ACTIVE and task.reader_status == RUNNING and idle > t.stale_after:
                    task.state, task.state_since = STALE, now
                elif task.state == STALE and now - task.state_since > t.resume_within:
                    self._drain(task, "Expired: no activity")
                elif (
                    task.state == COMPLETED
                    and now - max(task.last_activity, task.state_since) > t.completed_keep
                ):
                    self._drain(task, "Expired after completion")
                elif task.state == DRAINING and now - task.state_since > t.draining_keep:
                    del self._tasks[task.token]
                    self.cache.remove(task.client_id, task.token)
            self._purge_orphans()

    def _purge_orphans(self) -> None:
        moment = time.monotonic()
        if moment - self._last_orphan_sweep < ORPHAN_SWEEP_EVERY:
            return
        self._last_orphan_sweep = moment
        t = self.timings
        keep = {(task.client_id, task.token) for task in self._tasks.values()}
        lifetime = t.stale_after + t.resume_within + t.completed_keep + t.draining_keep + ORPHAN_GRACE
        self.cache.purge_orphans(keep, lifetime)

    # --- waiting for pages --------------------------------------------------------------------------

    def manifest(self, client_id: int, token: str) -> Manifest | None:
        """The token's manifest: this process's task, else one on disk written by another process."""
        task = self.find(client_id, token)
        if task is not None:
            return None if task.state == DRAINING else task.manifest
        return self.cache.load(client_id, token)

    def wait(self, predicate: Callable[[], bool], timeout_ms: int) -> bool:
        """Wait up to ``timeout_ms`` for ``predicate`` (re-checked on every change, and at least every 0.1 s
        so that pages written by another process are seen too)."""
        deadline = time.monotonic() + timeout_ms / 1000
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, WAIT_STEP))
        return True
