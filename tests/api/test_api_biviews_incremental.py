"""Incremental loads of the contract views (fromDate = the last load time) miss no change.

After each path that changes contract data (Data Collection of a later line with a credit rule, Event
Process, Period Close, GL transfer, Soft Close), every row of every contract view that is new or differs
from the previous full read must be in the window ``fromDate`` = a moment taken before the change; a
contract the change does not touch stays out of it. The moment is the start of a whole second (the
window's precision), waited for so that every earlier stamp is before it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, bill, close_period, collect, send, subscription
from biviews_support import table_of, table_v2, worked_example
from events_support import event, milestone_line, milestone_tenant, process_events, send_events
from revrec.jobs import worker
from support import login

Row = dict[str, str]
Reader = Callable[..., list[Row]]
CONTRACT_VIEWS = (
    "BI3_RC_HEAD",
    "BI3_RC_LNS",
    "BI3_RC_POB",
    "BI3_RC_BILL",
    "BI3_RC_SCHD",
    "BI3_WF_SUMM",
    "BI3_LN_ACCT_SUMM",
    "BI3_RI_ACCT_SUMM",
)


def _snapshot(http: TestClient, headers: dict[str, str]) -> dict[str, list[Row]]:
    return {view: table_of(http, headers, view) for view in CONTRACT_VIEWS}


def _last_load_time() -> str:
    """The next whole second (waited for): every change stamped so far is before it."""
    now = dt.datetime.now(dt.UTC)
    time.sleep(1 - now.microsecond / 1_000_000 + 0.001)
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat()


def _changes_since(
    http: TestClient,
    headers: dict[str, str],
    before: dict[str, list[Row]],
    mark: str,
    read: Reader = table_of,
) -> dict[str, list[Row]]:
    """Per view, the rows new or changed since ``before``; asserts the load from ``mark`` has every one."""
    found = {}
    for view in CONTRACT_VIEWS:
        window = read(http, headers, view, fromDate=mark)
        changed = [row for row in table_of(http, headers, view) if row not in before[view]]
        missed = [row for row in changed if row not in window]
        assert not missed, (view, len(missed), missed[0])
        found[view] = changed
    return found


def _contracts_in_window(http: TestClient, headers: dict[str, str], mark: str) -> set[str]:
    return {r["ID"] for r in table_of(http, headers, "BI3_RC_HEAD", fromDate=mark)}


def _program(http: TestClient, engine: Engine, headers: dict[str, str], program: int, **values: str) -> None:
    ids = {"status": 1541}
    body = {
        "parameters": [
            {"parameter_id": ids[k], "sequence": i + 1, "parameter_value": v}
            for i, (k, v) in enumerate(values.items())
        ]
    }
    response = http.post(f"/api/integration/v1/1/programs/{program}/submit", headers=headers, json=body)
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    job = http.get(f"/api/integration/v1/1/jobs/{response.json()['job_id']}", headers=headers).json()["data"]
    assert job["status"] == "Completed", job


def test_incremental_loads_see_close_transfer_and_later_lines(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    # P: the worked example, invoiced in January; Q: a subscription from June, not invoiced (no entry
    # before June, so closing January or February changes nothing of it)
    later = {"Start Date": "01-JUN-2026", "End Date": "31-DEC-2026"}
    send(http, headers, *worked_example("IP"), subscription("IQ-1", "IQ", **later))
    assert collect(http, engine, headers)["status"] == "Completed"
    ids = {r["SO_NUM"]: r["RC_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}

    # Period Close: January's entries posted (BI3_LN_ACCT_SUMM posted activity), February open
    # (BI3_RC_LNS recognised and deferred to date, February's netting rows if any)
    before, mark = _snapshot(http, headers), _last_load_time()
    assert close_period(http, engine, headers)["status"] == "Completed"
    changed = _changes_since(http, headers, before, mark)
    assert changed["BI3_RC_LNS"] and changed["BI3_LN_ACCT_SUMM"]
    assert _contracts_in_window(http, headers, mark) == {ids["IP-SO"]}

    # GL transfer: January's schedules name their batch (POST_BATCH_ID, INTERFACED_FLAG); read through v2
    before, mark = _snapshot(http, headers), _last_load_time()
    response = http.post(
        "/api/integration/v1/1/programs/153/submit", headers=headers, json={"parameters": []}
    )
    assert response.status_code == 200
    worker.run_until_idle(engine)
    changed = _changes_since(http, headers, before, mark, table_v2)
    assert {r["POST_PRD_ID"] for r in changed["BI3_RC_SCHD"]} >= {"202601"}
    assert _contracts_in_window(http, headers, mark) == {ids["IP-SO"]}

    # Soft Close changes no row, so the load from before it is empty
    before, mark = _snapshot(http, headers), _last_load_time()
    _program(http, engine, headers, 154, status="Soft Close")
    assert _snapshot(http, headers) == before
    assert all(table_of(http, headers, view, fromDate=mark) == [] for view in CONTRACT_VIEWS)
    _program(http, engine, headers, 154, status="Open")

    # a later line: a credit memo on P's subscription with the prorate credit rule (reallocation, bill,
    # schedule change)
    before, mark = _snapshot(http, headers), _last_load_time()
    common = {"Doc Num": "IP-SO", "Cust Num": "IP-C", "Item Num": "SUB", "Credit Rule": "P"}
    credit = bill(
        "CM", "IP-1", "IP-C1", "-300.00", **common, **{"Inv Date": "05-FEB-2026", "Orig Inv Line Id": "IP-I1"}
    )
    send(http, headers, credit)
    assert collect(http, engine, headers)["status"] == "Completed"
    changed = _changes_since(http, headers, before, mark)
    assert changed["BI3_RC_BILL"] and changed["BI3_RC_LNS"] and changed["BI3_RC_SCHD"]
    assert _contracts_in_window(http, headers, mark) == {ids["IP-SO"]}


def test_incremental_loads_see_event_process(http: TestClient, engine: Engine) -> None:
    tenant = milestone_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, milestone_line("EV-1", "EV"), milestone_line("EW-1", "EW"))
    assert collect(http, engine, headers)["status"] == "Completed"
    ids = {r["SO_NUM"]: r["RC_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    before, mark = _snapshot(http, headers), _last_load_time()
    send_events(http, headers, event("EV-1", "50", "15-JAN-2026"))
    assert process_events(http, engine, headers)["status"] == "Completed"
    changed = _changes_since(http, headers, before, mark)
    released = [r for r in changed["BI3_RC_LNS"] if r["SO_LINE_ID"] == "EV-1"]
    assert [r["REC_AMT"] for r in released] == ["600.000000"]  # 50 % of 1,200 released in January
    assert _contracts_in_window(http, headers, mark) == {ids["EV"]}
