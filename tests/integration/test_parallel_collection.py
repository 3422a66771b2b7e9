"""Data Collection split by contract across workers (revrec.contracts.partitions / parallel).

The plan never puts one contract's rows into two partitions: new lines joining an existing contract, a
line moved from one contract to another (it links both), invoices and RORDs whose SO line is in the same
upload or already collected. Several workers give the same digest of contracts, lines, schedules, bills
and journal entries as one worker; a partition killed mid-way is taken over and resumed, nothing twice.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from accounting_support import (
    COLLECTION,
    WORKED_POLICIES,
    accounting_tenant,
    bill,
    collect,
    scope_of,
    send,
    subscription,
    verify,
)
from inbound_data import so_line
from revrec.contracts import collection, parallel, partitions, repository
from revrec.contracts.collection import COLLECTION_JOB, collection_failed, run_collection
from revrec.contracts.digest import collection_digest
from revrec.db.session import transaction
from revrec.db.tables import collection_part_line, job, rc_bill, rc_line, stage_line
from revrec.engine.policies import Policies
from revrec.errors import InvalidInput
from revrec.jobs import queue, worker
from revrec.jobs.queue import Job
from revrec.setup import service as setup_service
from support import Tenant, login

# The same line ids in every tenant: digests compare business keys. What one run found: the digest and the
# row counts (revrec verify finds nothing after any run, the moved line P-1-2 included).
Found = tuple[str, dict[str, int]]


def _first() -> list[dict[str, str]]:
    return [subscription(f"P-{s}-{i}", f"P-S{s}", f"{1200 + 100 * i}.00") for s in range(8) for i in range(3)]


def _rord(line_id: str, orig: str, so: str) -> dict[str, str]:
    return so_line(
        line_id,
        Type="RORD",
        **{
            "Doc Num": so,
            "Cust Num": f"C-{so}",
            "Doc Date": "10-JAN-2026",
            "Orig So Line Id": orig,
            "Item Num": "SUB",
            "Ext Sll Prc": "-300.00",
            "Ext Lst Prc": "-300.00",
            "Unit Sell Prc": "300.00",
            "Unit List Prc": "300.00",
            "Ord Qty": "1",
            "Start Date": "01-JAN-2026",
            "End Date": "31-DEC-2026",
        },
    )


def _second() -> list[dict[str, str]]:
    invoiced = {"Inv Date": "15-JAN-2026"}
    return [
        subscription("P-0-9", "P-S0", "600.00"),  # joins an existing contract
        subscription("P-1-2", "P-S2", "900.00"),  # moves from contract P-S1 to P-S2
        subscription("P-2-9", "P-S2", "700.00"),
        bill("INV", "P-1-0", "P-I10", "1200.00", **invoiced),  # a line of P-S1, collected before
        bill("INV", "P-3-1", "P-I31", "1300.00", **invoiced),
        _rord("P-R40", "P-4-0", "P-S4"),  # reduces a collected line
        *[
            subscription(f"P-{s}-{i}", f"P-S{s}", f"{1000 + 50 * i}.00")
            for s in range(8, 12)
            for i in range(3)
        ],
        bill("INV", "P-8-0", "P-I80", "1000.00", **invoiced),  # its SO line is in this upload
        _rord("P-R91", "P-9-1", "P-S9"),
        bill("INV", "P-X", "P-IX", "10.00", **invoiced),  # no such SO line: refused when staged
    ]


def _use_partitions(monkeypatch: pytest.MonkeyPatch, parts: int) -> None:
    steps = partial(run_collection, partitions=parts)
    monkeypatch.setitem(worker._handlers, COLLECTION_JOB, worker.Handler(None, collection_failed, steps))


def _submit(http: TestClient, headers: dict[str, str]) -> int:
    response = http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std", "org_id": 0})
    assert response.status_code == 200, response.text
    return int(response.json()["job_id"])


def _status(engine: Engine, number: int) -> tuple[str, str | None]:
    with transaction(engine, readonly=True) as conn:
        row = queue.by_number(conn, number)
    return row.status, row.error_message


def _run_workers(engine: Engine, count: int, number: int) -> tuple[str, str | None]:
    """``count`` worker threads until job ``number`` ends; its status and message."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=worker.run_forever, args=(engine, 20, stop), daemon=True)
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 300
    try:
        while _status(engine, number)[0] in queue.ACTIVE and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    return _status(engine, number)


def _tenant(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str]]:
    """A tenant with the first upload collected by one worker and the second upload staged."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *_first())
    worker.run_until_idle(engine)
    number = _submit(http, headers)
    worker.run_until_idle(engine)
    assert _status(engine, number)[0] == "Completed"
    send(http, headers, *_second())
    worker.run_until_idle(engine)  # staging
    return tenant, headers


def _client(engine: Engine, tenant: Tenant) -> int:
    return scope_of(engine, tenant)[0].client_id


def _digest(engine: Engine, tenant: Tenant) -> tuple[str, dict[str, int]]:
    with transaction(engine, readonly=True) as conn:
        return collection_digest(conn, _client(engine, tenant))


def _flags(engine: Engine, tenant: Tenant) -> dict[str, int]:
    with transaction(engine, readonly=True) as conn:
        query = (
            select(stage_line.c.processed_flag, func.count())
            .where(stage_line.c.client_id == _client(engine, tenant))
            .group_by(stage_line.c.processed_flag)
        )
        return {str(flag): int(n) for flag, n in conn.execute(query)}


@pytest.fixture
def serial(http: TestClient, engine: Engine) -> Iterator[tuple[tuple[str, str | None], Found]]:
    """The second upload collected by one worker, unsplit: its job's outcome and the digest."""
    tenant, headers = _tenant(http, engine)
    number = _submit(http, headers)
    worker.run_until_idle(engine)
    assert verify(engine, tenant) == []
    yield _status(engine, number), _digest(engine, tenant)


def _stage_id(engine: Engine, tenant: Tenant, kind: str, line_id: str) -> int:
    with transaction(engine, readonly=True) as conn:
        column = stage_line.c.inv_line_id if kind == "INV" else stage_line.c.so_line_id
        query = select(func.max(stage_line.c.id)).where(
            stage_line.c.client_id == _client(engine, tenant), stage_line.c.type == kind, column == line_id
        )
        return int(conn.execute(query).scalar_one())


def test_the_plan_never_splits_a_contract(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, headers = _tenant(http, engine)
    probe = Job(0, _client(engine, tenant), None, COLLECTION_JOB, None, {"rc_template_name": "Std"}, 1, "t")
    with transaction(engine) as conn:
        ctx, _, _ = collection.prepare(conn, probe)
        assert ctx is not None
        plan, groups = partitions.assign(conn, ctx, "Std", 3)
    with engine.connect() as conn, conn.begin() as outer:  # stored in batches: every row, as planned
        monkeypatch.setattr(partitions, "STORE_BATCH", 2)
        job_id = queue.enqueue(conn, client_id=probe.client_id, kind=COLLECTION_JOB, created_by="t")
        partitions.store(conn, probe.client_id, job_id, plan)
        c = collection_part_line.c
        stored = conn.execute(select(c.stage_row_id, c.part, c.grp).where(c.job_id == job_id)).all()
        outer.rollback()
    assert sorted(tuple(row) for row in stored) == sorted(plan) and len(plan) > 2
    part_of = {row_id: part for row_id, part, _ in plan}
    assert len(part_of) == len(_second()) - 1 and groups < len(plan)  # P-IX is refused when staged
    assert {p for _, p, _ in plan} == {0, 1, 2}
    # the moved line links its old contract (P-S1, invoiced now) and its new one (P-S2, a new line)
    linked = [("SO", "P-1-2"), ("INV", "P-I10"), ("SO", "P-2-9")]
    assert len({part_of[_stage_id(engine, tenant, kind, line_id)] for kind, line_id in linked}) == 1
    same_upload = [("SO", "P-8-0"), ("SO", "P-8-2"), ("INV", "P-I80")]
    assert len({part_of[_stage_id(engine, tenant, kind, line_id)] for kind, line_id in same_upload}) == 1
    assert (
        part_of[_stage_id(engine, tenant, "RORD", "P-R91")]
        == part_of[_stage_id(engine, tenant, "SO", "P-9-0")]
    )
    # after the collection, every contract's rows of this run come from one partition
    _use_partitions(monkeypatch, 3)
    status = _run_workers(engine, 2, _submit(http, headers))
    assert status[0] == "Completed", status
    with transaction(engine, readonly=True) as conn:
        found: dict[int, set[int]] = defaultdict(set)
        for table in (rc_line, rc_bill):
            query = select(table.c.rc_id, table.c.stage_row_id).where(
                table.c.client_id == _client(engine, tenant)
            )
            for rc_id, row_id in conn.execute(query):
                if row_id in part_of:
                    found[int(rc_id)].add(part_of[row_id])
    assert found and all(len(parts) == 1 for parts in found.values())


INVOICED = {"Inv Date": "15-JAN-2026"}


def _staged(http: TestClient, engine: Engine, *rows: dict[str, str]) -> tuple[Tenant, dict[str, str]]:
    """A new tenant with ``rows`` staged (not collected)."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *rows)
    worker.run_until_idle(engine)
    return tenant, headers


def _assign(engine: Engine, tenant: Tenant) -> tuple[partitions.Plan, int]:
    """The plan of a 2-partition split of the tenant's collection in January 2026, in a transaction."""
    probe = Job(0, _client(engine, tenant), None, COLLECTION_JOB, None, {"rc_template_name": "Std"}, 1, "t")
    with transaction(engine) as conn:
        ctx, _, _ = collection.prepare(conn, probe)
        assert ctx is not None and ctx.open.key == 202601
        return partitions.assign(conn, ctx, "Std", 2)


def test_the_plan_leaves_out_bills_of_an_so_line_due_later(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An invoice dated in the open period (January) whose SO line is booked in February waits with its SO
    line, as an unsplit collection leaves it; the bills of an SO line due now join it, in any order."""
    tenant, headers = _staged(
        http,
        engine,
        subscription("L-1", "L-S1"),
        subscription("L-2", "L-S2", **{"Doc Date": "02-FEB-2026", "Start Date": "01-FEB-2026"}),
        bill("INV", "L-2", "L-I2", "1200.00", **INVOICED),  # its SO line is due in February
        bill("INV", "L-1", "L-I1", "1200.00", **INVOICED),
        bill("CM", "L-1", "L-C1", "-100.00", **INVOICED),
    )
    plan, groups = _assign(engine, tenant)
    planned = {row_id for row_id, _, _ in plan}
    ids = {key: _stage_id(engine, tenant, *key) for key in (("SO", "L-1"), ("SO", "L-2"))}
    ids.update({("INV", line): _stage_id(engine, tenant, "INV", line) for line in ("L-I1", "L-I2")})
    with transaction(engine, readonly=True) as conn:
        s = stage_line.c
        mine = (s.client_id == _client(engine, tenant), s.type == "CM", s.inv_line_id == "L-C1")
        memo = conn.execute(select(s.id).where(*mine)).scalar_one()
    assert planned == {ids["SO", "L-1"], ids["INV", "L-I1"], memo} and groups == 1
    assert {part for _, part, _ in plan} == {0}
    _use_partitions(monkeypatch, 2)
    assert _run_workers(engine, 2, _submit(http, headers))[0] == "Completed"
    assert _flags(engine, tenant) == {"Y": 3, "N": 2}


def test_the_plan_passes_over_rows_staged_while_it_reads(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staging does not wait for a collection, and on PostgreSQL each of the plan's statements sees what
    was committed before it: the look-ups of lines and contract keys may name rows its read did not see.
    Such rows are not planned; where such a row is its line's first, the line's planned rows still join
    (the database is made to answer that way here)."""
    tenant, _ = _staged(
        http,
        engine,
        subscription("U-1", "U-S1"),
        subscription("U-2", "U-S2"),
        bill("INV", "U-1", "U-I1", "1200.00", **INVOICED),
    )
    so_1, so_2 = _stage_id(engine, tenant, "SO", "U-1"), _stage_id(engine, tenant, "SO", "U-2")
    invoice, unseen = _stage_id(engine, tenant, "INV", "U-I1"), 10**12
    links = [(so_1, -5), (invoice, -5), (unseen, so_2), (so_2, unseen + 1)]
    monkeypatch.setattr(repository, "plan_links", lambda *_: iter(links))
    monkeypatch.setattr(repository, "plan_contract_keys", lambda *_: iter([(unseen, "U-S1")]))
    plan, groups = _assign(engine, tenant)
    group_of = {row_id: group for row_id, _, group in plan}
    assert sorted(group_of) == sorted((so_1, so_2, invoice)) and groups == 2
    assert group_of[so_1] == group_of[invoice] != group_of[so_2]


def test_two_workers_match_one(
    http: TestClient,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    serial: tuple[tuple[str, str | None], Found],
) -> None:
    outcome, digest = serial
    tenant, headers = _tenant(http, engine)
    _use_partitions(monkeypatch, 3)
    monkeypatch.setattr(parallel, "CHUNK", 4)  # several chunks per partition
    number = _submit(http, headers)
    assert _run_workers(engine, 2, number) == outcome  # one revision per contract in both
    assert _digest(engine, tenant) == digest and verify(engine, tenant) == []
    assert digest[1]["bills"] == 5 and digest[1]["entries"] > 0
    assert _flags(engine, tenant) == {"Y": 24 + len(_second()) - 1, "E": 1}
    with transaction(engine, readonly=True) as conn:
        subs = conn.execute(
            select(job.c.status).where(
                job.c.kind == parallel.PART_JOB, job.c.client_id == _client(engine, tenant)
            )
        )
        assert sorted(subs.scalars()) == ["Completed"] * 3


def test_a_partition_killed_mid_way_is_resumed(
    http: TestClient,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    serial: tuple[tuple[str, str | None], Found],
) -> None:
    outcome, digest = serial
    tenant, headers = _tenant(http, engine)
    _use_partitions(monkeypatch, 2)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    number = _submit(http, headers)
    original = parallel.process_chunk
    calls = {"n": 0}

    def dies_on_second_chunk(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # not an Exception: nothing records a failure
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "process_chunk", dies_on_second_chunk)
    with pytest.raises(SystemExit):
        worker.run_until_idle(engine)
    monkeypatch.setattr(parallel, "process_chunk", original)
    client_id = _client(engine, tenant)
    with transaction(engine) as conn:
        running = job.c.client_id == client_id, job.c.status == "Running"
        killed = conn.execute(select(job.c.kind).where(*running)).scalars().all()
        assert sorted(killed) == [COLLECTION_JOB, parallel.PART_JOB]  # the job and its partition in flight
        conn.execute(job.update().where(*running).values(lease_until=0))  # their leases lapse
    assert 0 < _flags(engine, tenant).get("Y", 0) - 24 < len(_second()) - 1  # one chunk committed
    assert _run_workers(engine, 2, number) == outcome  # one revision per contract in both
    assert _digest(engine, tenant) == digest and verify(engine, tenant) == []
    with transaction(engine, readonly=True) as conn:
        query = select(job.c.attempts).where(
            job.c.client_id == _client(engine, tenant), job.c.kind == parallel.PART_JOB
        )
        assert sorted(conn.execute(query).scalars()) == [1, 2]


def test_a_failed_partition_fails_the_job_and_stops_the_others(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, headers = _tenant(http, engine)
    _use_partitions(monkeypatch, 2)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    number = _submit(http, headers)
    original = parallel.process_chunk
    calls = {"n": 0}

    def fails_on_second_chunk(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise InvalidInput("a bad chunk")
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "process_chunk", fails_on_second_chunk)
    worker.run_until_idle(engine)
    status, message = _status(engine, number)
    assert status == "Failed" and message is not None
    assert message.startswith("partition ") and message.endswith("failed: a bad chunk"), message
    client_id = _client(engine, tenant)
    with transaction(engine, readonly=True) as conn:
        plan = conn.execute(select(func.count()).where(collection_part_line.c.client_id == client_id))
        assert plan.scalar_one() == 0  # the plan is gone with the job
    assert 24 < _flags(engine, tenant)["Y"] < 24 + len(_second()) - 1  # whole chunks, the rest waits
    monkeypatch.setattr(parallel, "process_chunk", original)
    _use_partitions(monkeypatch, 1)
    assert _status(engine, _submit(http, headers)) == ("Pending", None)
    worker.run_until_idle(engine)
    assert _flags(engine, tenant) == {"Y": 24 + len(_second()) - 1, "E": 1}


def test_two_split_jobs_of_one_client_take_turns(
    http: TestClient,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    serial: tuple[tuple[str, str | None], Found],
) -> None:
    """Two split jobs of one client run by two workers: a job plans only once no partition of the other is
    left (its worker helps run them), so one collects everything, the other nothing, no line twice."""
    _, digest = serial
    tenant, headers = _tenant(http, engine)
    _use_partitions(monkeypatch, 2)
    monkeypatch.setattr(parallel, "CHUNK", 4)
    first, second = _submit(http, headers), _submit(http, headers)
    _run_workers(engine, 2, second)  # the threads finish the job they hold before they stop
    outcomes = [_status(engine, number) for number in (first, second)]
    assert [status for status, _ in outcomes] == ["Completed", "Completed"], outcomes
    collected = sorted(int((message or "").split(" ", 1)[0]) for _, message in outcomes)
    assert collected == [0, len(_second()) - 1], outcomes  # one collected everything, the other nothing
    assert _digest(engine, tenant) == digest and verify(engine, tenant) == []
    assert _flags(engine, tenant) == {"Y": 24 + len(_second()) - 1, "E": 1}


# A template with an attribute rule in a window, a rule on two fields (F_CUR is read with CURR, its fallback),
# an attribute filter, and a bundle chosen by SO date and an attribute criterion whose children set the
# attribute the first rule groups by (one with a duration, read from the start date). A second template
# groups a bundle's children by their parent's line id.
MIXED_POLICIES: dict[str, Any] = {
    **WORKED_POLICIES,
    "rc_grouping_templates": [
        *WORKED_POLICIES["rc_grouping_templates"],
        {
            "name": "Mixed",
            "filters": [{"field": "Num1", "operator": "<", "value": "100"}],
            "rules": [
                {"seq": 1, "name": "By project", "group_by": ["Atr5"], "duration": 60},
                {"seq": 2, "name": "By customer", "group_by": ["Cust Num", "F Cur"]},
            ],
        },
        {"name": "Parent", "rules": [{"name": "By parent", "group_by": ["Bndl Prnt Id"]}]},
    ],
    "bundles": [
        {
            "parent_item_num": "BNDL",
            "valid_from": "2025-01-01",
            "criteria": [{"field": "Atr6", "value": "X"}],
            "children": [
                {"item_num": "SUB", "sell_split_value": "70", "list_split_value": "70", "duration_months": 12,
                 "fields": {"Atr5": "P2"}},
                {"item_num": "SETUP", "sell_split_value": "30", "list_split_value": "30",
                 "fields": {"Atr5": "P4"}},
            ],
        }
    ],
}  # fmt: skip


def _mixed(line_id: str, so: str, cust: str, **extra: str) -> dict[str, str]:
    return subscription(line_id, so, "1000.00", **{"Cust Num": cust, "Num1": "5", **extra})


def _mixed_first() -> list[dict[str, str]]:
    return [
        _mixed("M-A-1", "M-SA", "C-A", Atr5="P1"),
        _mixed("M-A-2", "M-SA", "C-A"),
        _mixed("M-B-1", "M-SB", "C-B", Atr5="P2"),
        _mixed("M-C-1", "M-SC", "C-C", Atr5="P7"),
    ]


def _mixed_second() -> list[dict[str, str]]:
    invoiced = {"Inv Date": "15-JAN-2026"}
    bundle = {"Item Num": "BNDL", "Atr6": "X"}
    return [
        _mixed("M-A-2", "M-SA", "C-A", Atr5="P3"),  # revised: links contract C-A and project P3
        _mixed("M-D-1", "M-SD", "C-D", Atr5="P3"),
        _mixed("M-E-1", "M-SE", "C-A", Atr5="P1", Num1="500"),  # filtered out: alone
        _mixed("M-F-1", "M-SF", "C-F", Atr5="PB", **bundle),  # children in P2 (collected) and P4
        _mixed("M-F-2", "M-SF2", "C-F2", Atr5="PC", **bundle),  # as M-F-1 in the bundle's fields
        _mixed("M-G-1", "M-SG", "C-G", Atr5="P4"),
        _mixed("M-H-1", "M-SH", "C-H", Atr5="P5", **{**bundle, "Atr6": "Y"}),  # not a bundle: P5
        _mixed("M-I-1", "M-SI", "C-I", Atr5="P5"),
        _mixed("M-K-1", "M-SK", "C-K", Curr="EUR", **{"F Cur": "EUR"}),
        _mixed("M-K-2", "M-SL", "C-K", Atr5="P6", Curr="EUR", **{"F Cur": "EUR"}),
        _mixed("M-K-3", "M-SN", "C-K"),  # C-K in USD
        _mixed("M-L-1", "M-SM", "C-M", Atr5="P8"),
        bill("INV", "M-B-1", "M-IB1", "1000.00", **invoiced),  # collected SO line
        bill("INV", "M-L-1", "M-IL1", "1000.00", **invoiced),  # SO line in this upload
        _rord("M-R-C1", "M-C-1", "M-SC"),
    ]


def test_the_plan_from_grouping_columns_is_the_plan_from_whole_rows(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan reads only the grouping columns and computes the keys once per distinct values; computed
    row by row from whole rows instead, it is the same (for every partition count and template)."""
    tenant = accounting_tenant(engine)
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"policies": MIXED_POLICIES})
    headers = login(http, tenant)
    send(http, headers, *_mixed_first())
    assert collect(http, engine, headers, "Mixed")["status"] == "Completed"
    send(http, headers, *_mixed_second())
    worker.run_until_idle(engine)
    probe = Job(0, _client(engine, tenant), None, COLLECTION_JOB, None, {"rc_template_name": "Mixed"}, 1, "t")
    read_values = repository.due_plan_values

    def plans() -> dict[tuple[str, int], tuple[partitions.Plan, int]]:
        with transaction(engine) as conn:
            ctx, _, _ = collection.prepare(conn, probe)
            assert ctx is not None
            return {
                (t, n): partitions.assign(conn, ctx, t, n) for t in ("Mixed", "Parent") for n in (1, 2, 3)
            }

    read = plans()
    # read 2 rows at a time, keys remembered for one batch at most: the same plan
    monkeypatch.setattr(partitions, "KNOWN_LIMIT", 0)
    monkeypatch.setattr(partitions, "PLAN_BATCH", 2)
    assert plans() == read
    monkeypatch.undo()
    grouping = ("ATR5", "CURR", "CUST_NUM", "F_CUR", "NUM1")
    bundles = ("ATR6", "EXT_LST_PRC", "EXT_SLL_PRC", "ITEM_NUM", "ORD_QTY", "SO_DATE", "START_DATE")
    mixed = partitions.plan_columns(Policies.from_mapping(MIXED_POLICIES), "Mixed")
    assert sorted(mixed) == sorted((*grouping, *bundles))
    assert partitions.plan_columns(Policies.from_mapping(WORKED_POLICIES), "Std") == ("CUST_NUM", "SO_NUM")
    # whole rows (all columns), each row's keys computed from itself (its key includes its staging id)
    monkeypatch.setattr(repository, "due_plan_values", lambda *args: read_values(*args[:5], None))
    monkeypatch.setattr(partitions._SoKeys, "key_start", staticmethod(lambda *_: 0))
    assert read == plans()
    plan, groups = read["Mixed", 3]
    group_of = {row_id: group for row_id, _, group in plan}

    def linked(*rows: tuple[str, str]) -> bool:
        return len({group_of[_stage_id(engine, tenant, kind, line_id)] for kind, line_id in rows}) == 1

    assert len(plan) == len(_mixed_second()) and groups == 8
    assert linked(("SO", "M-A-2"), ("SO", "M-D-1"))
    assert linked(("SO", "M-F-1"), ("INV", "M-IB1"), ("SO", "M-G-1"), ("SO", "M-F-2"))
    assert linked(("SO", "M-H-1"), ("SO", "M-I-1"))
    assert linked(("SO", "M-K-1"), ("SO", "M-K-2"))
    assert linked(("SO", "M-L-1"), ("INV", "M-IL1"))
    assert not linked(("SO", "M-E-1"), ("SO", "M-A-2")) and not linked(("SO", "M-K-1"), ("SO", "M-K-3"))
    group_of = {row_id: group for row_id, _, group in read["Parent", 3][0]}
    assert not linked(("SO", "M-F-1"), ("SO", "M-F-2"))  # the same values, but each its own parent
