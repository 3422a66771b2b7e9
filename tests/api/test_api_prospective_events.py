"""Modifications of lines released by quantity events, end to end (Data Collection, Event Process, Period
Close), and the engine warnings that reach people. Figures derived by hand in each test."""

from __future__ import annotations

import copy
import json
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import (
    WORKED_POLICIES,
    balanced,
    close_period,
    collect,
    revenue,
    send,
    upload_csv,
    verify,
)
from cli_support import point_cli_at, run
from events_support import process_events
from inbound_data import EVENT_LABELS, so_line, to_csv
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import rc_warning
from revrec.setup import service as setup_service
from revrec.tenancy import service as tenancy
from support import Tenant, login, make_tenant, unique


def _tenant(engine: Engine, treatment: str) -> Tenant:
    policies: dict[str, Any] = copy.deepcopy(WORKED_POLICIES)
    policies["pob_templates"].append(
        {
            "name": "Units",
            "release_event": "Upon Event",
            "ratable_method": "Immediate Using Start Date",
            "event": {"name": "Delivery", "process_type": "By Quantity"},
        }
    )
    policies["pob_assignment_rules"].append(
        {"template": "Units", "kind": "Item", "seq": 4, "item_num": "UNITS"}
    )
    tenant = make_tenant(engine)
    document = {
        "policies": policies,
        "accounting": {"modification_treatment": treatment, "open_period": 202601},
    }
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)
    return tenant


def _line(line_id: str, so: str, qty: str, price: str) -> dict[str, str]:
    unit = str(D(price) / D(qty))
    return so_line(
        line_id,
        **{
            "Doc Num": so, "Cust Num": f"C-{so}", "Doc Date": "01-JAN-2026", "Item Num": "UNITS",
            "Start Date": "01-JAN-2026", "End Date": "30-JUN-2026", "Ord Qty": qty, "Ext Sll Prc": price,
            "Ext Lst Prc": price, "Unit Sell Prc": unit, "Unit List Prc": unit,
        },
    )  # fmt: skip


def _deliver(http: TestClient, headers: dict[str, str], line_id: str, *rows: tuple[str, str]) -> None:
    events = [
        {"Doc Line Id": line_id, "Event Type": "Delivery", "Process Type": "Quantity", "Action": "REC",
         "Release Qty": qty, "Event Date": date}
        for qty, date in rows
    ]  # fmt: skip
    upload_csv(http, headers, "Standard Event", to_csv(EVENT_LABELS, events), "e")


@pytest.mark.parametrize(
    ("treatment", "february", "march"),
    [
        # prospective: (6,000 not yet recognised + 2,400 new) / 90 remaining units = 93.33 a unit:
        # February 20 units 8,400 × 20/90 = 1,866.67, March the last 70: 8,400 − 1,866.67 = 6,533.33
        ("Prospective", "1866.67", "6533.33"),
        # retrospective: 14,400 / 150 = 96 a unit for every unit, the 60 January ones included:
        # February 80 × 96 − 6,000 = 1,680.00 (catch-up −240 included), March 70 × 96 = 6,720.00
        ("Retrospective", "1680.00", "6720.00"),
    ],
)
def test_example_5_case_b_through_the_programs(
    http: TestClient, engine: Engine, treatment: str, february: str, march: str
) -> None:
    """ASC 606-10-55-114 to 55-116 / IFRS 15 IE22-IE24, Example 5 Case B: 120 products at $100 (12,000),
    60 delivered in January; in February the contract adds 30 products at $80 (the line becomes 150 for
    14,400); February delivers 20, March the last 70."""
    tenant = _tenant(engine, treatment)
    headers = login(http, tenant)
    so = unique("SO")
    line_id = f"{so}-1"
    send(http, headers, _line(line_id, so, "120", "12000.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    _deliver(http, headers, line_id, ("60", "20-JAN-2026"))
    assert process_events(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("6000.00")
    assert close_period(http, engine, headers)["status"] == "Completed"

    send(http, headers, _line(line_id, so, "150", "14400.00"))  # the modification, in February
    assert collect(http, engine, headers)["status"] == "Completed"
    _deliver(http, headers, line_id, ("20", "10-FEB-2026"))
    assert process_events(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("6000.00")  # closed: unchanged
    assert revenue(engine, tenant, 202602) == D(february)
    assert balanced(engine, tenant, 202602)
    assert close_period(http, engine, headers)["status"] == "Completed"

    _deliver(http, headers, line_id, ("70", "05-MAR-2026"))
    assert process_events(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202603) == D(march)
    assert D("6000.00") + D(february) + D(march) == D("14400.00")
    assert balanced(engine, tenant, 202603)
    assert verify(engine, tenant) == []


def _warnings(engine: Engine, tenant: Tenant) -> list[tuple[str, str | None, dict[str, str]]]:
    with transaction(engine) as conn:
        query = select(rc_warning.c.code, rc_warning.c.line_id, rc_warning.c.detail).where(
            rc_warning.c.client_id == tenancy.require_client(conn, tenant.client).id
        )
        return [(code, line, json.loads(detail or "{}")) for code, line, detail in conn.execute(query)]


def test_release_beyond_the_line_is_a_warning_that_reaches_people(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    http: TestClient,
    engine: Engine,
) -> None:
    """10 units ordered (1,000.00), 8 then 5 delivered: the second delivery is consumed for 2 units only
    (20 % of the line, 200.00; the line is fully released at 1,000.00) and REVREC-ENG-006 is stored with
    its values, counted in the job's message, listed by ``revrec job status`` and by the report."""
    point_cli_at(monkeypatch, settings)
    tenant = _tenant(engine, "Prospective")
    headers = login(http, tenant)
    so = unique("SO")
    line_id = f"{so}-1"
    send(http, headers, _line(line_id, so, "10", "1000.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    _deliver(http, headers, line_id, ("8", "10-JAN-2026"), ("5", "20-JAN-2026"))
    status = process_events(http, engine, headers)
    assert status["status"] == "Warning", status
    assert status["error_message"].endswith(", 1 warning(s) (REVREC-ENG-006 x1)"), status
    assert revenue(engine, tenant, 202601) == D("1000.00")
    values = {"reason": "no more revenue to be released", "date": "2026-01-20", "level": "80",
              "requested": "50", "applied": "20"}  # fmt: skip
    assert _warnings(engine, tenant) == [("REVREC-ENG-006", line_id, values)]

    code, out, err = run(capsys, "job", "status", "--client", tenant.client, str(status["id"]))
    assert code == 0, err
    assert "warning REVREC-ENG-006 contract " in out and f"line {line_id}: Event not processed" in out
    code, out, err = run(capsys, "report", "run", "--client", tenant.client, "contract-warnings")
    assert code == 0, err
    assert "1 row(s)" in out

    # the contract is recomputed (a later line of the SO): the warning stays, once, and is not new
    send(http, headers, _line(f"{so}-2", so, "1", "50.00") | {"Doc Line Num": "2"})
    again = collect(http, engine, headers)
    assert again["status"] == "Completed", again
    assert len(_warnings(engine, tenant)) == 1
    assert verify(engine, tenant) == []


def test_late_delivery_is_recognised_in_the_open_period(http: TestClient, engine: Engine) -> None:
    """100 units for 1,000.00 (10.00 a unit), 50 delivered in January (500.00); January closes; a delivery
    of 20 dated 25-JAN reaches revrec in February: it was never recognised, so prospective treatment books
    its 200.00 in February (not spread over the 30 units still to come)."""
    tenant = _tenant(engine, "Prospective")
    headers = login(http, tenant)
    so = unique("SO")
    line_id = f"{so}-1"
    send(http, headers, _line(line_id, so, "100", "1000.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    _deliver(http, headers, line_id, ("50", "20-JAN-2026"))
    assert process_events(http, engine, headers)["status"] == "Completed"
    assert close_period(http, engine, headers)["status"] == "Completed"
    _deliver(http, headers, line_id, ("20", "25-JAN-2026"))
    assert process_events(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("500.00")
    assert revenue(engine, tenant, 202602) == D("200.00")
    assert verify(engine, tenant) == []
