"""BI views v2 through HTTP: continuation tokens, the page cache, snapshot consistency, cache misses, the end
of the data, task queues and their timings (on a fake clock), cancelling, limits, client isolation."""

from __future__ import annotations

import csv
import gzip
import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Connection, Engine, func, select

from biviews_support import until_read
from revrec.biviews.columns import columns
from revrec.biviews.service import BiviewsRuntime
from revrec.biviews.tasks import Task
from revrec.biviews.views import RowsSource, ViewDef, ViewQuery
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import org
from revrec.http.app import create_app
from revrec.tenancy import service as tenancy
from support import Tenant, login, make_tenant

V2 = "/api/integration/v2/biviews/"
STATUS = "/api/integration/v2/biviews-status"
NOT_CACHED = "Page still not yet cached"
PAST_END = "The number of total pages and the number of total rows are returned"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Server:
    http: TestClient
    rt: BiviewsRuntime
    clock: Clock
    gates: list[threading.Event]

    def gated(
        self, name: str, rows: int = 4, stop_before: int = 2
    ) -> tuple[threading.Event, threading.Event]:
        """Register a view of ``rows`` rows (column N) whose reader waits once it has read row
        ``stop_before`` until the returned gate is set; the second event is set when the reader got there.
        The page writer reads one row ahead, so the pages before row ``stop_before`` are cached meanwhile
        and the page holding it is not."""
        gate, reached = threading.Event(), threading.Event()
        self.gates.append(gate)

        def produce(_conn: Connection, _q: ViewQuery) -> Iterator[tuple[int]]:
            for n in range(1, rows + 1):
                yield (n,)
                if n == stop_before:
                    reached.set()
                    gate.wait(10)

        self.rt.views.register(ViewDef(name, columns(["N:N"]), RowsSource(produce)))
        return gate, reached


@pytest.fixture
def server(engine: Engine, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    custom = settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("outbound"),
            "biviews_page_wait_ms": 3000,
            "biviews_first_page_wait_ms": 5000,
            "biviews_max_queries_per_client": 2,
        }
    )
    app = create_app(custom, engine=engine)
    clock = Clock()
    runtime = BiviewsRuntime.build(custom, engine, clock=clock)
    app.state.biviews = runtime
    gates: list[threading.Event] = []
    with TestClient(app) as http:
        yield Server(http, runtime, clock, gates)
    for gate in gates:
        gate.set()


def csv_rows(response: Response) -> list[list[str]]:
    body = response.content
    if response.headers["content-type"] == "application/gzip":
        body = gzip.decompress(body)
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def add_orgs(engine: Engine, tenant: Tenant, *org_ids: int) -> None:
    with transaction(engine) as conn:
        for org_id in org_ids:
            tenancy.create_org(conn, client_name=tenant.client, org_id=org_id, org_name=f"ORG {org_id}")


def until(predicate: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def get(
    server: Server, headers: dict[str, str], view: str, token: str | None = None, **params: object
) -> Response:
    extra = {"continuation-token": token} if token else {}
    return server.http.get(V2 + view, headers={**headers, **extra}, params=params)


def test_pages_through_a_token_gzip_by_default(server: Server, engine: Engine) -> None:
    tenant = make_tenant(engine)
    add_orgs(engine, tenant, 2, 3, 4, 5)
    headers = login(server.http, tenant)
    first = get(server, headers, "BI3_ORG", pageSize=2)
    assert first.status_code == 200 and first.headers["content-type"] == "application/gzip"
    token = first.headers["continuation-token"]
    assert first.headers["continuation_token"] == token
    assert "content-encoding" not in first.headers
    rows = csv_rows(first)
    assert rows[0][:3] == ["ID", "ORG_ID", "ORG_NAME"] and [r[1] for r in rows[1:]] == ["1", "2"]
    second = get(server, headers, "BI3_ORG", token, pagenum=2, outputType="csv", pageSize=2)
    assert second.headers["content-type"].startswith("text/csv")
    assert csv_rows(second)[0] == rows[0] and [r[1] for r in csv_rows(second)[1:]] == ["3", "4"]
    third = get(server, headers, "BI3_ORG", token, pagenum=3)
    assert [r[1] for r in csv_rows(third)[1:]] == ["5"]  # fewer rows than pageSize: the last page
    beyond = get(server, headers, "BI3_ORG", token, pagenum=4)
    assert beyond.status_code == 404 and PAST_END in beyond.json()["message"]
    assert beyond.json()["total_pages"] == 3 and beyond.json()["total_rows"] == 5
    assert csv_rows(get(server, headers, "BI3_ORG", token, pagenum=1)) == rows
    direct = get(server, headers, "BI3_ORG", pagenum=2, pageSize=2, outputType="csv")
    assert "continuation-token" not in direct.headers and csv_rows(direct) == csv_rows(second)
    wrong_view = get(server, headers, "BI3_BOOK", token, pagenum=2)
    assert wrong_view.status_code == 400 and "belongs to BI view BI3_ORG" in wrong_view.json()["message"]


def test_field_lists_on_get_and_post(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    posted = server.http.post(
        V2 + "BI3_ORG", headers=headers, params={"outputType": "csv"}, json=["ORG_NAME"]
    )
    assert csv_rows(posted) == [["ORG_NAME"], ["DEFAULT"]]
    body = b'["org_id", "ID"]'
    sent = server.http.request("GET", V2 + "BI3_BOOK", headers=headers, content=body)
    assert sent.status_code == 400 and "org_id" in sent.json()["message"]
    sent = server.http.request("GET", V2 + "BI3_ORG", headers=headers, content=body)
    assert csv_rows(sent)[0] == ["ORG_ID", "ID"]


def test_page_size_and_output_limits(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    for params, status in (
        ({"pageSize": 10001, "outputType": "csv"}, 400),
        ({"pageSize": 20001}, 400),
        ({"pageSize": 0}, 400),
        ({"outputType": "xml"}, 400),
        ({"pageSize": 20000, "outputType": "gzip"}, 200),
        ({"pageSize": 10000, "outputType": "csv"}, 200),
    ):
        answer = get(server, headers, "BI3_ORG", **params)
        assert answer.status_code == status, (params, answer.text)
        until_read(server.http, headers, answer.headers.get("continuation-token"))  # 1 query per view
    assert "20,000" in get(server, headers, "BI3_ORG", pageSize=20001).json()["message"]
    assert get(server, headers, "BI3_ORG", clientId=0).status_code == 400
    assert get(server, headers, "BI3_ORG", toDate="2020-02-30").status_code == 400


def test_no_rows_is_204_and_the_token_ends_there(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    empty = get(server, headers, "BI3_MJE")
    assert empty.status_code == 204
    token = empty.headers["continuation-token"]
    after = get(server, headers, "BI3_MJE", token, pagenum=2)
    assert after.status_code == 404 and after.json()["total_rows"] == 0
    assert get(server, headers, "BI3_NOPE").status_code == 400


def test_pages_of_a_token_do_not_change_when_data_arrives(server: Server, engine: Engine) -> None:
    tenant = make_tenant(engine)
    add_orgs(engine, tenant, 2, 3)
    headers = login(server.http, tenant)
    before = [csv_rows(get(server, headers, "BI3_ORG", pagenum=n, pageSize=1)) for n in (2, 3)]
    first = get(server, headers, "BI3_ORG", pageSize=1)
    token = first.headers["continuation-token"]
    add_orgs(engine, tenant, 4)
    after = [csv_rows(get(server, headers, "BI3_ORG", token, pagenum=n)) for n in (2, 3)]
    assert after == before
    assert get(server, headers, "BI3_ORG", token, pagenum=4).json()["total_rows"] == 3
    fresh = server.http.get(V2 + "count/BI3_ORG", headers=headers)
    assert fresh.json() == {"count": 4}


def test_the_reader_sees_one_snapshot_from_first_to_last_statement(server: Server, engine: Engine) -> None:
    """The reader runs three statements with a pause before the last; a commit during the pause is not
    seen (the page writer reads one row ahead, so page 1 is served once row 2 is read)."""
    tenant = make_tenant(engine)
    headers = login(server.http, tenant)
    gate, reached = threading.Event(), threading.Event()
    server.gates.append(gate)

    def produce(conn: Connection, q: ViewQuery) -> Iterator[tuple[int, int]]:
        counted = select(func.count()).select_from(org).where(org.c.client_id == q.client_id)
        yield (1, conn.execute(counted).scalar_one())
        yield (2, conn.execute(counted).scalar_one())
        reached.set()
        gate.wait(10)
        yield (3, conn.execute(counted).scalar_one())

    server.rt.views.register(ViewDef("TEST_SNAPSHOT", columns(["STEP:N", "ORGS:N"]), RowsSource(produce)))
    first = get(server, headers, "TEST_SNAPSHOT", pageSize=1, outputType="csv")
    assert csv_rows(first)[1] == ["1", "1"]
    until(reached.is_set)
    add_orgs(engine, tenant, 7)
    gate.set()
    token = first.headers["continuation-token"]
    until(lambda: get(server, headers, "TEST_SNAPSHOT", token, pagenum=3).status_code == 200)
    assert csv_rows(get(server, headers, "TEST_SNAPSHOT", token, pagenum=3, outputType="csv"))[1] == [
        "3",
        "1",
    ]


def test_a_page_not_cached_yet_is_400_then_served(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    server.rt.settings = server.rt.settings.model_copy(update={"biviews_page_wait_ms": 50})
    gate, reached = server.gated("TEST_SLOW", rows=3, stop_before=2)
    first = get(server, headers, "TEST_SLOW", pageSize=1, outputType="csv")
    token = first.headers["continuation-token"]
    until(reached.is_set)
    missing = get(server, headers, "TEST_SLOW", token, pagenum=2)
    assert missing.status_code == 400 and NOT_CACHED in missing.json()["message"]
    running = server.http.get(f"{STATUS}/{token}", headers=headers).json()
    assert running["active"][0]["accumulate"] == 1 and running["active"][0]["status"] == "Running"
    gate.set()
    until(lambda: get(server, headers, "TEST_SLOW", token, pagenum=2).status_code == 200)
    assert csv_rows(get(server, headers, "TEST_SLOW", token, pagenum=3, outputType="csv")) == [["N"], ["3"]]


def test_page_one_that_takes_too_long_still_gives_its_token(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    server.rt.settings = server.rt.settings.model_copy(update={"biviews_first_page_wait_ms": 50})
    gate, _ = server.gated("TEST_LATE", rows=2, stop_before=1)
    late = get(server, headers, "TEST_LATE")
    assert late.status_code == 400 and NOT_CACHED in late.json()["message"]
    token = late.headers["continuation-token"]
    listed = server.http.get(STATUS, headers=headers).json()["result"]["active"]
    assert [t["task_id"] for t in listed] == [token]
    gate.set()
    until(lambda: get(server, headers, "TEST_LATE", token, pagenum=1).status_code == 200)


def test_query_limits_per_view_and_per_client(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    gate_a, reached_a = server.gated("TEST_A")
    gate_b, reached_b = server.gated("TEST_B")
    token_a = get(server, headers, "TEST_A", pageSize=1).headers["continuation-token"]
    until(reached_a.is_set)
    again = get(server, headers, "TEST_A", pageSize=1)
    assert again.status_code == 429 and again.headers["Retry-After"] == "5"
    assert "per BI view" in again.json()["message"]
    assert server.http.get("/api/integration/v1/biviews/TEST_A", headers=headers).status_code == 429
    assert server.http.get(V2 + "count/TEST_A", headers=headers).status_code == 429
    assert get(server, headers, "TEST_A", token_a, pagenum=1).status_code == 200  # cached pages are free
    get(server, headers, "TEST_B", pageSize=1)
    until(reached_b.is_set)
    full = server.http.get("/api/integration/v1/biviews/BI3_ORG", headers=headers)
    assert full.status_code == 429 and "per client" in full.json()["message"]
    other = login(server.http, make_tenant(engine))
    assert server.http.get("/api/integration/v1/biviews/BI3_ORG", headers=other).status_code == 200
    gate_a.set()
    gate_b.set()
    until(lambda: server.http.get("/api/integration/v1/biviews/BI3_ORG", headers=headers).status_code == 200)


def test_a_query_whose_last_page_is_served_no_longer_counts_against_the_limits(
    server: Server, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once page 1 is served and it is the whole result, the same view can be queried again at once, even
    while the reader is still closing its snapshot (held here before it records its end)."""
    headers = login(server.http, make_tenant(engine))
    closing, release = threading.Event(), threading.Event()
    finish = server.rt.tasks.finish

    def held_finish(task: Task, status: str, message: str) -> None:
        closing.set()
        release.wait(10)
        finish(task, status, message)

    monkeypatch.setattr(server.rt.tasks, "finish", held_finish)
    try:
        first = server.http.post(
            V2 + "BI3_ORG", headers=headers, params={"outputType": "csv"}, json=["ORG_NAME"]
        )
        assert csv_rows(first) == [["ORG_NAME"], ["DEFAULT"]]
        until(closing.is_set)
        again = get(server, headers, "BI3_ORG", outputType="csv")
        assert again.status_code == 200, again.text
        assert len(csv_rows(again)) == 2  # the header and the DEFAULT org
    finally:
        release.set()


def test_completed_tasks_are_kept_then_drained(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    token = get(server, headers, "BI3_ORG", pageSize=1).headers["continuation-token"]
    until_read(server.http, headers, token)  # the reader may still be finishing after page 1
    status = server.http.get(STATUS, headers=headers).json()
    assert status["status"] == "Success"
    done = status["result"]["completed"][0]
    assert done["task_id"] == token and done["status"] == "Completed" and done["accumulate"] == 1
    assert done["query_config"] == {
        "filter_param": {"fromDate": None, "toDate": None},
        "object_name": "BI3_ORG",
    }
    assert set(done["activity_tracker"]) == {"elapsed_time", "initated_time", "last_activity"}
    server.clock.advance(299)
    assert get(server, headers, "BI3_ORG", token).status_code == 200  # activity: kept 300 s from now
    server.clock.advance(299)
    assert server.http.get(f"{STATUS}/{token}", headers=headers).json()["completed"] == [token]
    server.clock.advance(2)
    assert server.http.get(f"{STATUS}/{token}", headers=headers).json()["draining"] == [token]
    gone = get(server, headers, "BI3_ORG", token)
    assert gone.status_code == 400 and "continuation-token" in gone.json()["message"]
    directory = server.rt.tasks.cache.root
    assert any(directory.rglob(token))
    server.clock.advance(6)
    assert server.http.get(STATUS, headers=headers).status_code == 204
    assert server.http.get(f"{STATUS}/{token}", headers=headers).status_code == 204
    assert not any(directory.rglob(token))


def test_stale_tasks_resume_or_drain(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    gate, reached = server.gated("TEST_STALE", rows=3, stop_before=2)
    token = get(server, headers, "TEST_STALE", pageSize=1).headers["continuation-token"]
    until(reached.is_set)
    server.clock.advance(241)
    assert server.http.get(f"{STATUS}/{token}", headers=headers).json()["stale"] == [token]
    assert get(server, headers, "TEST_STALE", token, pagenum=1).status_code == 200  # resumes
    assert server.http.get(f"{STATUS}/{token}", headers=headers).json()["active"][0]["task_id"] == token
    server.clock.advance(241)
    assert server.http.get(STATUS, headers=headers).json()["result"]["stale"][0]["task_id"] == token
    server.clock.advance(301)
    assert server.http.get(f"{STATUS}/{token}", headers=headers).json()["draining"] == [token]
    gate.set()
    assert get(server, headers, "TEST_STALE", token, pagenum=2).status_code == 400


def test_cancel_a_task(server: Server, engine: Engine) -> None:
    headers = login(server.http, make_tenant(engine))
    _gate, reached = server.gated("TEST_CANCEL", rows=3, stop_before=2)
    token = get(server, headers, "TEST_CANCEL", pageSize=1, fromDate="2020-01-01").headers[
        "continuation-token"
    ]
    until(reached.is_set)
    details = server.http.get(f"{STATUS}/{token}", headers=headers).json()
    active = details["active"][0]
    assert active["query_config"]["filter_params"] == {"fromDate": "2020-01-01", "toDate": None}
    assert active["metric"] == "1" and details["completed"] == details["draining"] == details["stale"] == []
    cancelled = server.http.delete(f"{STATUS}/{token}", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "Success"
    assert server.http.get(f"{STATUS}/{token}", headers=headers).json()["draining"] == [token]
    assert get(server, headers, "TEST_CANCEL", token, pagenum=1).status_code == 400
    assert server.http.delete(f"{STATUS}/{token}", headers=headers).status_code == 204
    unknown = "00000000-0000-4000-8000-000000000000"
    assert server.http.delete(f"{STATUS}/{unknown}", headers=headers).status_code == 204
    assert server.http.get(f"{STATUS}/{unknown}", headers=headers).status_code == 204
    assert server.http.get(f"{STATUS}/not-a-token", headers=headers).status_code == 204
    # the cancelled reader no longer counts against the limit
    assert get(server, headers, "TEST_CANCEL", pageSize=1).status_code == 200


def test_a_token_never_crosses_clients(server: Server, engine: Engine) -> None:
    owner = login(server.http, make_tenant(engine))
    stranger = login(server.http, make_tenant(engine))
    token = get(server, owner, "BI3_ORG", pageSize=1).headers["continuation-token"]
    stolen = get(server, stranger, "BI3_ORG", token, pagenum=1)
    assert stolen.status_code == 400
    assert server.http.get(STATUS, headers=stranger).status_code == 204
    assert server.http.get(f"{STATUS}/{token}", headers=stranger).status_code == 204
    assert server.http.delete(f"{STATUS}/{token}", headers=stranger).status_code == 204
    assert get(server, owner, "BI3_ORG", token, pagenum=1).status_code == 200


def test_another_process_sharing_the_data_dir_serves_the_pages(server: Server, engine: Engine) -> None:
    tenant = make_tenant(engine)
    add_orgs(engine, tenant, 2)
    headers = login(server.http, tenant)
    token = get(server, headers, "BI3_ORG", pageSize=1).headers["continuation-token"]
    other_app = create_app(server.rt.settings, engine=engine)
    with TestClient(other_app) as other:
        page = other.get(
            V2 + "BI3_ORG", headers={**headers, "continuation-token": token}, params={"pagenum": 2}
        )
        assert page.status_code == 200 and csv_rows(page)[1][1] == "2"
        past = other.get(
            V2 + "BI3_ORG", headers={**headers, "continuation-token": token}, params={"pagenum": 3}
        )
        assert past.status_code == 404 and past.json()["total_rows"] == 2


def test_count_and_describe_columns(server: Server, engine: Engine) -> None:
    tenant = make_tenant(engine)
    add_orgs(engine, tenant, 2)
    headers = login(server.http, tenant)
    count = server.http.get(V2 + "count/BI3_ORG", headers=headers, params={"fromDate": "2016-07-26"})
    assert count.status_code == 200 and count.json() == {"count": 2}
    assert server.http.get(V2 + "count/BI3_NOPE", headers=headers).status_code == 400
    assert server.http.get(V2 + "count/BI3_ORG", headers=headers, params={"clientId": 0}).status_code == 400
    described = server.http.get(V2 + "BI3_ORG/describe-columns", headers=headers)
    assert described.status_code == 200
    names = [c["column_name"] for c in described.json()]
    assert names == sorted(names) and len(names) == 11
    org_id = next(c for c in described.json() if c["column_name"] == "ORG_ID")
    assert org_id == {
        "column_name": "ORG_ID", "data_type": "NUMBER", "data_length": 22, "data_precision": None,
        "data_scale": None,
    }  # fmt: skip
    assert server.http.get(V2 + "BI3_NOPE/describe-columns", headers=headers).status_code == 400


def test_a_failed_query_is_reported(server: Server, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    headers = login(server.http, make_tenant(engine))

    def produce(_conn: Connection, _q: ViewQuery) -> Iterator[tuple[int]]:
        yield (1,)
        yield (2,)  # read ahead of page 1, which is then cached; page 2 never is
        raise RuntimeError("boom")

    server.rt.views.register(ViewDef("TEST_BROKEN", columns(["N:N"]), RowsSource(produce)))
    first = get(server, headers, "TEST_BROKEN", pageSize=1)
    assert first.status_code == 200  # page 1 was cached before the failure
    token = first.headers["continuation-token"]
    until(lambda: server.http.get(f"{STATUS}/{token}", headers=headers).json()["completed"] == [token])
    failed = get(server, headers, "TEST_BROKEN", token, pagenum=2)
    assert failed.status_code == 400 and "query failed" in failed.json()["message"]
    task = server.http.get(STATUS, headers=headers).json()["result"]["completed"][0]
    assert task["status"] == "Failed" and "boom" not in task["message"]
    assert "background query failed" in caplog.text
