"""Data Collection end to end through HTTP: upload → staged → collected → schedules and journal entries →
Period Close, with the figures of accounting-model.md's worked example."""

from __future__ import annotations

from decimal import Decimal as D

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from accounting_support import (
    accounting_tenant,
    close_period,
    collect,
    send,
    totals,
    verify,
    worked_lines,
)
from revrec.db.session import transaction
from revrec.db.tables import rc_line, rc_schedule, revenue_contract, stage_line
from revrec.tenancy import service as tenancy
from support import login


def test_worked_example_collection_entries_and_close(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines("W"))
    status = collect(http, engine, headers)
    assert status["status"] == "Completed", status
    assert status["progress"] == {"done": 4, "total": 4}
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
        mine = rc_line.c.client_id == client_id
        lines = {
            r.line_id: r
            for r in conn.execute(select(rc_line).where(mine, rc_line.c.line_id.in_(["W-1", "W-2"])))
        }
        flags = set(
            conn.execute(
                select(stage_line.c.processed_flag).where(
                    stage_line.c.client_id == client_id, stage_line.c.so_line_id.like("W-%")
                )
            ).scalars()
        )
    assert lines["W-1"].allocated == D("1125.00") and lines["W-1"].carve == D("-75.00")
    assert lines["W-2"].allocated == D("375.00") and lines["W-2"].carve == D("75.00")
    assert flags == {"Y"}
    jan = totals(engine, tenant, 202601)
    assert jan["C"] == (D("1500.00"), D("0"))
    assert jan["L"] == (D("400.00"), D("1500.00"))  # revenue 300 + 100 debited, billing 1,500 credited
    assert jan["R"] == (D("0"), D("400.00"))
    assert jan["Y"] == (D("75.00"), D("6.25"))
    assert jan["X"] == (D("6.25"), D("75.00"))
    assert "A" not in jan and "U" not in jan
    net_revenue = jan["R"][1] - jan["R"][0] + jan["X"][1] - jan["X"][0]
    assert net_revenue == D("468.75")
    assert verify(engine, tenant) == []

    closed = close_period(http, engine, headers)
    assert closed["status"] == "Completed", closed
    feb = totals(engine, tenant, 202602)
    assert feb == {
        "L": (D("100.00"), D("0")),
        "R": (D("0"), D("100.00")),
        "X": (D("6.25"), D("0")),
        "Y": (D("0"), D("6.25")),
    }
    for _ in range(11):
        assert close_period(http, engine, headers)["status"] == "Completed"
    year = totals(engine, tenant)
    assert year["L"][0] == year["L"][1] == D("1500.00")  # every balance is zero at the end of December
    assert year["Y"][0] == year["Y"][1] == D("75.00")
    assert year["R"][1] - year["R"][0] + year["X"][1] - year["X"][0] == D("1500.00")
    assert verify(engine, tenant) == []


def test_collection_twice_creates_nothing_new(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines("T"))
    assert collect(http, engine, headers)["status"] == "Completed"

    def counts() -> tuple[int, ...]:
        with transaction(engine) as conn:
            return tuple(
                int(
                    conn.execute(
                        select(func.count()).select_from(t).where(t.c.client_id == client_id)
                    ).scalar_one()
                )
                for t in (revenue_contract, rc_line, rc_schedule)
            )

    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
    before = counts()
    assert before == (1, 2, 2)
    again = collect(http, engine, headers)
    assert again["status"] == "Completed" and again["progress"]["total"] == 0
    assert counts() == before
