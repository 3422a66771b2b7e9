"""The gaps of manual journal entries and manual revenue actions (docs/controls.md): a pending manual action
stays pending through a later Data Collection, BI3_RI_ACCT_SUMM includes the posted manual entries, Period
Close lists errored MJE staging rows, MJE posting in Soft Close, BI3_MJE picks up a GL transfer
incrementally. Figures derived by hand in each test."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import close_period, collect, send, transfer_program, verify, worked_lines
from approvals_support import MANAGER, decide, steps_of, with_rules
from biviews_support import table_of, worked_example
from mje_support import CONTROLLER, accrual, act, admin, create, journal_rows, mje_tenant
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import journal_entry, rc_line
from revrec.engine.money import from_minor
from revrec.jobs import worker
from revrec.tenancy import repository as tenancy_repo
from support import login, unique

API = "/api/revrec/v1"


def _rc_id(engine: Engine, line_id: str) -> int:
    with transaction(engine) as conn:
        found = conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == line_id)).scalars().first()
    assert found is not None
    return int(found)


def _actions(http: TestClient, headers: dict[str, str], rc_id: int) -> list[dict[str, Any]]:
    response = http.get(f"{API}/contracts/{rc_id}/manual-actions", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def _pending_override(
    http: TestClient, engine: Engine
) -> tuple[Any, dict[str, str], dict[str, str], int, str]:
    """The worked contract (SUB 1,200 SSP 1,500 ratable over 2026; SETUP 300 SSP 500 at once; allocated
    1,125 / 375) and an SSP override of SUB to 1,000 (allocated 1,000 / 500: Σ |Δ allocated| 250 > 100),
    pending under the rule MANUAL_ADJUSTMENT above 100."""
    rule = {"name": "Manual", "applies_to": "MANUAL_ADJUSTMENT", "amount": "100", "approvers": [MANAGER]}
    tenant, manager, _ = with_rules(engine, rule)
    prefix = unique("W")
    send(http, login(http, tenant), *worked_lines(prefix))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    admin = login(http, tenant, role=ADMIN_ROLE)
    rc_id = _rc_id(engine, f"{prefix}-1")
    body = {"line_id": f"{prefix}-1", "ssp": "1000", "reason": "price list"}
    answer = http.post(f"{API}/contracts/{rc_id}/ssp-overrides", headers=admin, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Pending approval"
    return tenant, admin, login(http, manager, role=MANAGER), rc_id, prefix


def _recollect(http: TestClient, engine: Engine, tenant: Any, prefix: str) -> None:
    """Data Collection revises the contract again: SETUP's SO line sent again, unchanged (no rule of kind
    REVISION exists, so the revision alone would need no approval)."""
    setup_line = worked_lines(prefix)[2]
    assert setup_line["Item Num"] == "SETUP"
    send(http, login(http, tenant), setup_line)
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"


def test_pending_manual_action_stays_pending_through_a_collection_then_rejected(
    http: TestClient, engine: Engine
) -> None:
    tenant, admin, as_manager, rc_id, prefix = _pending_override(http, engine)
    sub, setup = f"{prefix}-1", f"{prefix}-2"
    _recollect(http, engine, tenant, prefix)
    steps = steps_of(http, as_manager, rc_id=str(rc_id))
    assert [(s["status"], s["approval_type"], s["sequence"]) for s in steps] == [
        ("Superseded", "MANUAL_ADJUSTMENT", 1),
        ("Pending", "MANUAL_ADJUSTMENT", 1),
    ]
    assert steps[1]["approver_role"] == MANAGER and steps[1]["rule_name"] == "Manual"
    assert [a["status"] for a in _actions(http, admin, rc_id)] == ["Pending approval"]
    rejected = decide(http, as_manager, rc_id, "reject", "not agreed")
    assert rejected.status_code == 200, rejected.text
    restored = {k: D(v) for k, v in rejected.json()["restored"]["allocated"].items()}
    assert restored == {sub: D("1125"), setup: D("375")}
    assert [(a["kind"], a["status"]) for a in _actions(http, admin, rc_id)] == [
        ("SSP_OVERRIDE", "Rejected"),
        ("REJECTION", "Rejected"),
    ]
    assert verify(engine, tenant) == []


def test_pending_manual_action_through_a_collection_then_approved(http: TestClient, engine: Engine) -> None:
    tenant, admin, as_manager, rc_id, prefix = _pending_override(http, engine)
    _recollect(http, engine, tenant, prefix)
    approved = decide(http, as_manager, rc_id, "approve", "agreed")
    assert approved.status_code == 200, approved.text
    assert approved.json()["remaining"] == 0
    assert [a["status"] for a in _actions(http, admin, rc_id)] == ["In force"]
    assert steps_of(http, as_manager, rc_id=str(rc_id), status="Pending") == []
    assert verify(engine, tenant) == []


def _activity_by_type(rows: list[dict[str, str]]) -> dict[str, D]:
    found: dict[str, D] = defaultdict(D)
    for row in rows:
        found[row["ACCTG_TYPE_ID"]] += D(row["T_AT"])
    return {k: v for k, v in found.items() if v}


def _ledger(engine: Engine, client: str) -> dict[tuple[int, str, str], tuple[D, D]]:
    """Debit and credit per period, account type and account string of every journal row of the client."""
    j = journal_entry.c
    with transaction(engine, readonly=True) as conn:
        found = tenancy_repo.find_client(conn, client)
        assert found is not None
        rows = conn.execute(select(journal_entry).where(j.client_id == found.id)).all()
    sums: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        sums[(r.period_key, r.acctg_type, r.acctg_seg)][0] += r.dr_t
        sums[(r.period_key, r.acctg_type, r.acctg_seg)][1] += r.cr_t
    return {k: (from_minor(v[0], "USD"), from_minor(v[1], "USD")) for k, v in sums.items()}


def _summary_totals(rows: list[dict[str, str]]) -> dict[tuple[int, str, str], tuple[D, D]]:
    sums: dict[tuple[int, str, str], list[D]] = defaultdict(lambda: [D(0), D(0)])
    for r in rows:
        key = (int(r["PRD_ID"]), r["ACCTG_TYPE_ID"], r["ACCTG_SEG"])
        sums[key][0] += D(r["DR_AMOUNT"])
        sums[key][1] += D(r["CR_AMOUNT"])
    return {k: (v[0], v[1]) for k, v in sums.items()}


def test_account_summary_includes_posted_manual_entries(http: TestClient, engine: Engine) -> None:
    """accounting-model.md's worked example collected in January (activity Cr − Dr by type: C −1,500,
    L +1,100, R +400, Y −68.75, X +68.75, as tests/api/test_api_biviews_fidelity.py derives) plus an accrual
    Dr L 2400-DEF 400 / Cr R 4000-REV 400 posted at once (400 is not above the rule's 1,000): L 1,100 − 400 =
    700, R 400 + 400 = 800. The summary equals the ledger per period, type and account."""
    tenant, _ = mje_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("AS"))
    assert collect(http, engine, headers)["status"] == "Completed"
    entry = create(http, admin(http, tenant), accrual("400.00", submit=True))
    assert entry["status"] == "Posted"
    rows = table_of(http, headers, "BI3_RI_ACCT_SUMM")
    assert _activity_by_type(rows) == {
        "C": D("-1500"), "L": D("700"), "R": D("800"), "Y": D("-68.75"), "X": D("68.75"),
    }  # fmt: skip
    manual = [r for r in rows if r["RC_ID"] == ""]
    assert sorted(
        (r["ACCTG_TYPE_ID"], r["ACCTG_SEG"], D(r["DR_AMOUNT"]), D(r["CR_AMOUNT"])) for r in manual
    ) == [
        ("L", "2400-DEF", D("400"), D("0")),
        ("R", "4000-REV", D("0"), D("400")),
    ]
    assert {(r["POSTED_FLAG"], r["SEC_ATR_VAL"], r["PRD_ID"]) for r in manual} == {("Y", "1", "202601")}
    assert rows[-2:] == sorted(manual, key=lambda r: r["ACCTG_TYPE_ID"])  # manual entries come last
    assert _summary_totals(rows) == _ledger(engine, tenant.client)
    assert table_of(http, login(http, mje_tenant(engine)[0]), "BI3_RI_ACCT_SUMM") == []  # another client


def _last_load_time() -> str:
    """The next whole second (waited for): every change stamped so far is before it."""
    now = dt.datetime.now(dt.UTC)
    time.sleep(1 - now.microsecond / 1_000_000 + 0.001)
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat()


def test_incremental_extract_picks_up_a_transferred_manual_entry(http: TestClient, engine: Engine) -> None:
    """An accrual of 400 posted in January, January closed: a load from then on has nothing. The GL transfer
    takes the entry into a batch: the next load from the same moment has its two lines (BI3_MJE) and its
    summary rows, now interfaced with the batch (BI3_RI_ACCT_SUMM)."""
    tenant, _ = mje_tenant(engine)
    headers = login(http, tenant)
    entry = create(http, admin(http, tenant), accrual("400.00", submit=True))
    assert close_period(http, engine, headers)["status"] == "Completed"
    mark = _last_load_time()
    assert table_of(http, headers, "BI3_MJE", fromDate=mark) == []
    assert table_of(http, headers, "BI3_RI_ACCT_SUMM", fromDate=mark) == []
    transfer_program(http, engine, headers, 149, "", "", "")
    lines = table_of(http, headers, "BI3_MJE", fromDate=mark)
    assert [(r["JE_HEAD_ID"], r["ACTIVITY_TYPE"], D(r["AMOUNT"])) for r in lines] == [
        (str(entry["id"]), "L", D("400")),
        (str(entry["id"]), "R", D("400")),
    ]
    summary = table_of(http, headers, "BI3_RI_ACCT_SUMM", fromDate=mark)
    assert len(summary) == 2 and {r["INTERFACED_FLAG"] for r in summary} == {"Y"}
    assert len({r["POST_BATCH_ID"] for r in summary}) == 1 and summary[0]["POST_BATCH_ID"] != ""


MJE_HEADER = "Mje Num,Mje Desc,Curr,Acctg Type,Acctg Seg,Dr Amount,Cr Amount,Reverse Flag,Line Desc"


def _upload_mje(http: TestClient, engine: Engine, headers: dict[str, str], rows: list[str]) -> None:
    body = "\n".join([MJE_HEADER, *rows]) + "\n"
    sent = http.post(
        "/api/integration/v1/csv/upload",
        headers={**headers, "templatename": "Standard MJE", "filename": unique("mje") + ".csv",
                 "content-type": "text/plain"},
        content=body.encode(),
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    worker.run_until_idle(engine)


def test_period_close_lists_errored_mje_staging_rows(http: TestClient, engine: Engine) -> None:
    """An uploaded entry with an unknown account type (Q) is not created and its two rows are errored:
    Period Close refuses, naming them like the other staging errors; once the fixed entry is sent again
    (its errored rows replaced) the period closes."""
    tenant, _ = mje_tenant(engine)
    api = login(http, tenant)
    number = unique("B")
    bad = [f"{number},typo,USD,Q,2400-DEF,50.00,,N,", f"{number},typo,USD,R,4000-REV,,50.00,N,"]
    _upload_mje(http, engine, api, bad)
    blocked = close_period(http, engine, api)
    assert blocked["status"] == "Error"
    listed = f"2 manual journal entry staging row(s) are in error ({number}): fix and upload them again"
    assert listed + ", or delete them" in blocked["error_message"]
    forced = close_period(http, engine, api, force=True)
    assert forced["status"] == "Warning" and "staging row(s) are in error" in forced["error_message"]
    _upload_mje(http, engine, api, [bad[0].replace(",Q,", ",L,"), bad[1]])
    assert close_period(http, engine, api)["status"] == "Completed"


def _period_status(http: TestClient, engine: Engine, headers: dict[str, str], value: str) -> None:
    body = {"parameters": [{"parameter_id": 1541, "sequence": 1, "parameter_value": value}]}
    response = http.post("/api/integration/v1/1/programs/154/submit", headers=headers, json=body)
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    job = http.get(f"/api/integration/v1/1/jobs/{response.json()['job_id']}", headers=headers).json()["data"]
    assert job["status"] == "Completed", job


def test_soft_close_holds_manual_entries_like_system_entries(http: TestClient, engine: Engine) -> None:
    """January in Soft Close: an accrual of 400 (no approval needed) cannot be posted (RREV-04009) and stays a
    Draft; one of 1,500 goes Pending (nothing posted) but its approval cannot post it; an upload's entry is
    not taken (its rows errored). Reopened, both post; in Soft Close again, reversing one is refused."""
    tenant, controller = mje_tenant(engine)
    api, headers = login(http, tenant), admin(http, tenant)
    as_controller = login(http, controller, role=CONTROLLER)
    small = create(http, headers, accrual("400.00"))
    large = create(http, headers, accrual("1500.00"))
    _period_status(http, engine, api, "Soft Close")
    refused = act(http, headers, small["id"], "submit")
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("RREV-04009: period 202601 is in Soft Close")
    assert http.get(f"/api/revrec/v1/mje/{small['id']}", headers=headers).json()["data"]["status"] == "Draft"
    assert journal_rows(engine, tenant, small["id"]) == []
    pending = act(http, headers, large["id"], "submit")
    assert pending.status_code == 200 and pending.json()["data"]["status"] == "Pending"
    held = act(http, as_controller, large["id"], "approve")
    assert held.status_code == 400 and "Soft Close" in held.json()["message"]
    assert journal_rows(engine, tenant, large["id"]) == []
    number = unique("U")
    _upload_mje(
        http, engine, api, [f"{number},up,USD,L,2400-DEF,10.00,,N,", f"{number},up,USD,R,4000-REV,,10.00,N,"]
    )
    errors = http.get("/api/integration/v1/stage/error/mje", headers=api).json()["Result"]
    assert [(e["mje_num"], e["processed_flag"]) for e in errors] == [(number, "E"), (number, "E")]
    assert all("RREV-04009" in e["err_msg"] and "Soft Close" in e["err_msg"] for e in errors)
    _period_status(http, engine, api, "Open")
    assert act(http, headers, small["id"], "submit").json()["data"]["status"] == "Posted"
    assert act(http, as_controller, large["id"], "approve").json()["data"]["status"] == "Posted"
    assert [(r.period_key, r.dr_t, r.cr_t) for r in journal_rows(engine, tenant, small["id"])] == [
        (202601, 40000, 0),
        (202601, 0, 40000),
    ]
    _period_status(http, engine, api, "Soft Close")
    assert act(http, headers, small["id"], "reverse").status_code == 400
    assert verify(engine, tenant) == []
