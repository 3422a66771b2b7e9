"""Event Process (program 151): staged events release Upon Event POBs of collected contracts. Figures by hand.

A Milestone POB (Upon Event, By Percent, cumulative, Immediate Using Start Date) on an SO line of 1,200
starting 01-JAN-2026: nothing is recognised at collection; a 50 % REC event in January releases 600 in
January; a later cumulative 100 % event in February (January closed) releases the remaining 600 there.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import balanced, close_period, collect, revenue, send, verify
from cli_support import point_cli_at, run
from events_support import event as _event
from events_support import milestone_line as _line
from events_support import milestone_tenant as _tenant
from events_support import process_events as _process
from events_support import send_events as _send_events
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import rc_schedule, stage_event
from revrec.jobs import worker
from support import login, unique


def _flags(engine: Engine, line_id: str) -> list[str]:
    with transaction(engine) as conn:
        query = select(stage_event.c.processed_flag).where(stage_event.c.so_line_id == line_id)
        return [str(f) for f in conn.execute(query.order_by(stage_event.c.id)).scalars()]


def _schedules(engine: Engine, line_id: str) -> list[tuple[int, bool]]:
    with transaction(engine) as conn:
        query = select(rc_schedule.c.version, rc_schedule.c.current_flag).where(
            rc_schedule.c.line_id == line_id
        )
        return sorted((int(v), bool(f)) for v, f in conn.execute(query))


def test_programs_list_event_process(http: TestClient, engine: Engine) -> None:
    headers = login(http, _tenant(engine))
    programs = http.get("/api/integration/v1/programs", headers=headers).json()["data"]
    found = {p["program_id"]: p for p in programs}
    assert found["151"]["program_name"] == "RevPro3.0 Event Process"
    assert [p["name"] for p in found["151"]["parameters"]] == ["EVENT NAME"]


def test_event_releases_upon_event_pob(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    line_id = f"{so}-1"
    send(http, headers, _line(line_id, so))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D(0)  # Upon Event: nothing released yet

    _send_events(http, headers, _event(line_id, "50", "15-JAN-2026"))
    status = _process(http, engine, headers)
    assert status["status"] == "Completed", status
    # 50 % of 1,200 released on 15-JAN, recognised at once (Immediate Using Start Date): 600 in January
    assert revenue(engine, tenant, 202601) == D("600.00")
    assert balanced(engine, tenant, 202601)
    assert verify(engine, tenant) == []
    assert _flags(engine, line_id) == ["Y"]
    before = _schedules(engine, line_id)

    again = _process(http, engine, headers)  # nothing due: nothing changes
    assert again["status"] == "Completed", again
    assert _schedules(engine, line_id) == before
    assert revenue(engine, tenant, 202601) == D("600.00")

    assert close_period(http, engine, headers)["status"] == "Completed"  # January closed
    _send_events(http, headers, _event(line_id, "100", "10-FEB-2026"))
    assert _process(http, engine, headers)["status"] == "Completed"
    # cumulative: the level goes from 50 % to 100 %, the remaining 600 in February; January unchanged
    assert revenue(engine, tenant, 202601) == D("600.00")
    assert revenue(engine, tenant, 202602) == D("600.00")
    assert balanced(engine, tenant, 202602)
    assert verify(engine, tenant) == []
    assert _flags(engine, line_id) == ["Y", "Y"]


def test_event_waits_for_its_line_and_period(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    line_id = f"{so}-1"
    send(http, headers, _line(line_id, so))
    worker.run_until_idle(engine)
    # staged but not collected yet, and one event dated after the open period
    _send_events(http, headers, _event(line_id, "50", "15-JAN-2026"), _event(line_id, "100", "15-MAR-2026"))
    assert _process(http, engine, headers)["status"] == "Completed"
    assert _flags(engine, line_id) == ["N", "N"]
    assert collect(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D(0)
    assert _process(http, engine, headers)["status"] == "Completed"
    assert _flags(engine, line_id) == ["Y", "N"]  # March's event waits for March
    assert revenue(engine, tenant, 202601) == D("600.00")
    assert verify(engine, tenant) == []


def test_later_collection_keeps_processed_events(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    send(http, headers, _line(f"{so}-1", so))
    assert collect(http, engine, headers)["status"] == "Completed"
    _send_events(http, headers, _event(f"{so}-1", "50", "15-JAN-2026"))
    assert _process(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("600.00")
    # a later line of the same SO joins the contract and recomputes it from its history: the processed
    # event still releases 600 of line 1; line 2 (Upon Event, no event) releases nothing
    send(http, headers, _line(f"{so}-2", so, "600.00", **{"Doc Line Num": "2"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("600.00")
    assert verify(engine, tenant) == []


@pytest.mark.parametrize("treatment", ["Retrospective", "Prospective"])
def test_ratable_event_release(http: TestClient, engine: Engine, treatment: str) -> None:
    tenant = _tenant(engine, "Ratable", treatment)
    headers = login(http, tenant)
    so = unique("SO")
    line_id = f"{so}-1"
    send(http, headers, _line(line_id, so))
    assert collect(http, engine, headers)["status"] == "Completed"
    _send_events(http, headers, _event(line_id, "50", "15-JAN-2026"))
    assert _process(http, engine, headers)["status"] == "Completed"
    # the released 600 spreads over January-December: 50 a month
    assert revenue(engine, tenant, 202601) == D("50.00")
    assert close_period(http, engine, headers)["status"] == "Completed"
    _send_events(http, headers, _event(line_id, "100", "10-FEB-2026"))
    assert _process(http, engine, headers)["status"] == "Completed"
    # retrospective: 1,200 / 12 = 100 a month, run(Feb) 200 less January's 50 = 150 (catch-up 50);
    # prospective: 1,200 - 50 over the natural pattern from February (150, then 100 a month) = the same
    assert revenue(engine, tenant, 202601) == D("50.00")
    assert revenue(engine, tenant, 202602) == D("150.00")
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202603) == D("100.00")
    assert verify(engine, tenant) == []


def test_job_run_event_process_cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    http: TestClient,
    engine: Engine,
) -> None:
    point_cli_at(monkeypatch, settings)
    tenant = _tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    send(http, headers, _line(f"{so}-1", so))
    assert collect(http, engine, headers)["status"] == "Completed"
    _send_events(http, headers, _event(f"{so}-1", "50", "15-JAN-2026"))
    worker.run_until_idle(engine)
    code, out, err = run(
        capsys, "job", "run", "--client", tenant.client, "151", "--param", "event_name=Acceptance"
    )
    assert code == 0, err
    assert "[Completed]" in out
    assert revenue(engine, tenant, 202601) == D("600.00")
    code, out, _ = run(capsys, "verify", "--client", tenant.client)
    assert code == 0 and "ok: every invariant holds" in out


def test_unprocessed_event_blocks_period_close(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    line_id = f"{so}-1"
    send(http, headers, _line(line_id, so))
    assert collect(http, engine, headers)["status"] == "Completed"
    _send_events(http, headers, _event(line_id, "50", "15-JAN-2026"))
    worker.run_until_idle(engine)  # staged, not processed
    blocked = close_period(http, engine, headers)
    assert blocked["status"] == "Error"
    assert "1 staged event(s) due in period 202601 are not processed" in blocked["error_message"]
    assert _process(http, engine, headers)["status"] == "Completed"
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("600.00")
