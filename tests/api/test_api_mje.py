"""Manual journal entries through HTTP: keyed lifecycle (Draft → Pending → Posted), approval rules with
``applies_to: MJE``, Period Close blocked by a pending entry, reversal in the next period, GL transfer
(a batch holds system or manual entries), privileges, tenancy. Figures by hand: an accrual of 1,500
(Dr L 2400-DEF / Cr R 4000-REV) is caught by the rule "above 1,000"; one of 400 is not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import close_period, collect, send, subscription, transfer_program, verify
from biviews_support import table_of
from mje_support import CONTROLLER, MJE, accrual, act, admin, create, journal_rows, mje_tenant, run_report
from revrec.db.session import transaction
from revrec.mje import repository as mje_repo
from revrec.reports import reserve_cost_moves
from revrec.setup import service as setup_service
from revrec.tenancy import service as tenancy
from support import PASSWORD, Tenant, login, make_tenant, unique

BATCH = "/api/integration/v1/journal/batch"
LIST = "/api/integration/v1/journal/list"


def _batch_lines(http: TestClient, headers: dict[str, str], batch_id: int) -> list[dict[str, Any]]:
    page = http.get(f"{BATCH}/{batch_id}/1", headers=headers)
    assert page.status_code == 200, page.text
    lines: list[dict[str, Any]] = page.json()["result"]
    return lines


def test_keyed_entry_waits_for_approval_then_posts_and_transfers(http: TestClient, engine: Engine) -> None:
    tenant, controller = mje_tenant(engine)
    headers, api = admin(http, tenant), login(http, tenant)
    as_controller = login(http, controller, role=CONTROLLER)
    draft = create(http, headers, accrual("1500.00", mje_num="ACCR-1"))
    assert (draft["status"], draft["period"], draft["total_debit"], draft["mje_num"]) == (
        "Draft", 202601, "1500.00", "ACCR-1",
    )  # fmt: skip
    assert [(x["acctg_type"], x["debit"], x["credit"]) for x in draft["lines"]] == [
        ("L", "1500.00", "0.00"),
        ("R", "0.00", "1500.00"),
    ]
    assert journal_rows(engine, tenant, draft["id"]) == []  # a Draft posts nothing
    pending = act(http, headers, draft["id"], "submit").json()["data"]
    assert pending["status"] == "Pending"  # 1,500 > 1,000: the rule catches it
    assert [(s["sequence"], s["approver_role"], s["status"]) for s in pending["approvals"]] == [
        (1, CONTROLLER, "Pending")
    ]
    blocked = close_period(http, engine, api)
    assert blocked["status"] == "Error"
    assert "1 manual journal entr(ies) await approval (ACCR-1)" in blocked["error_message"]
    wrong_role = act(http, headers, draft["id"], "approve")  # Administrator holds the privilege, not the step
    assert wrong_role.status_code == 403 and CONTROLLER in wrong_role.json()["message"]
    approved = act(http, as_controller, draft["id"], "approve", "matches the signed order")
    assert approved.status_code == 200, approved.text
    assert approved.json()["data"]["status"] == "Posted"
    assert act(http, as_controller, draft["id"], "approve").status_code == 400  # nothing pending any more
    rows = journal_rows(engine, tenant, draft["id"])
    assert [
        (r.period_key, r.acctg_type, r.acctg_seg, r.dr_t, r.cr_t, r.posted_flag, r.rc_id) for r in rows
    ] == [
        (202601, "L", "2400-DEF", 150000, 0, True, None),
        (202601, "R", "4000-REV", 0, 150000, True, None),
    ]
    small = create(http, headers, accrual("400.00", submit=True))
    assert small["status"] == "Posted" and small["approvals"] == []  # 400 is not above 1,000
    assert small["mje_num"] == f"MJE-{small['id']}"
    closed = close_period(http, engine, api)
    assert closed["status"] == "Completed", closed
    transfer_program(http, engine, api, 149, "", "", "")
    [batch] = http.get(LIST, headers=api).json()["result"]
    lines = _batch_lines(http, api, batch["id"])
    # both entries of 202601, summarised per account: 1,500 + 400 = 1,900 each side
    assert sorted((x["account_type"], D(x["t_dr_amt"]), D(x["t_cr_amt"])) for x in lines) == [
        ("L", D("1900.00"), D("0")),
        ("R", D("0"), D("1900.00")),
    ]
    assert all(r.post_batch_id == batch["id"] for r in journal_rows(engine, tenant, draft["id"]))
    audit = http.get("/api/revrec/v1/audit", headers=headers, params={"object_type": "mje"})
    assert audit.status_code == 200, audit.text
    actions = [(e["action"], e["object_id"]) for e in audit.json()["entries"]]
    first = str(draft["id"])
    assert actions[:5] == [
        ("mje.create", first), ("mje.submit", first), ("mje.approve", first), ("mje.post", first),
        ("mje.create", str(small["id"])),
    ]  # fmt: skip
    listed = http.get(MJE, headers=headers, params={"status": "Posted"}).json()["data"]
    assert [e["id"] for e in listed] == [draft["id"], small["id"]]


def test_rejected_entry_never_posts(http: TestClient, engine: Engine) -> None:
    tenant, controller = mje_tenant(engine)
    headers = admin(http, tenant)
    as_controller = login(http, controller, role=CONTROLLER)
    entry = create(http, headers, accrual("5000.00", submit=True))
    assert act(http, as_controller, entry["id"], "reject", "").status_code == 400  # a reason is required
    rejected = act(http, as_controller, entry["id"], "reject", "no contract behind it")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["data"]["status"] == "Rejected"
    assert rejected.json()["data"]["approvals"][0]["comment"] == "no contract behind it"
    assert journal_rows(engine, tenant, entry["id"]) == []
    assert close_period(http, engine, login(http, tenant))["status"] == "Completed"  # nothing pending
    assert act(http, headers, entry["id"], "reverse").status_code == 400  # never posted: nothing to reverse


def test_system_and_manual_entries_go_in_separate_batches(http: TestClient, engine: Engine) -> None:
    tenant, _ = mje_tenant(engine)
    headers = admin(http, tenant)
    api = login(http, tenant)
    send(http, api, subscription(unique("L"), unique("SO"), "1200.00"))
    assert collect(http, engine, api)["status"] == "Completed"
    contract = http.get(MJE, headers=headers).json()["data"]
    assert contract == []
    entry = create(http, headers, accrual("400.00", submit=True))
    assert close_period(http, engine, api)["status"] == "Completed"
    assert verify(engine, tenant) == []  # the system entries' invariants are untouched by the MJE
    transfer_program(http, engine, api, 149, "", "", "")
    [first] = http.get(LIST, headers=api).json()["result"]
    assert all(r.post_batch_id is None for r in journal_rows(engine, tenant, entry["id"]))
    system = _batch_lines(http, api, first["id"])
    # January of a 1,200 subscription ratable over 2026: 100 of revenue, no 4000-REV line
    assert sum(D(x["t_cr_amt"]) for x in system if x["account_type"] == "R") == D("100.00")
    transfer_program(http, engine, api, 149, "", "", "")
    second = max(http.get(LIST, headers=api).json()["result"], key=lambda b: b["id"])
    manual = _batch_lines(http, api, second["id"])
    assert sorted((x["account_type"], D(x["t_dr_amt"]), D(x["t_cr_amt"])) for x in manual) == [
        ("L", D("400.00"), D("0")),
        ("R", D("0"), D("400.00")),
    ]
    assert "NO DATA FOUND" in transfer_program(http, engine, api, 149, "", "", "")["error_message"]


def test_entry_source_criterion_picks_the_manual_entries(http: TestClient, engine: Engine) -> None:
    tenant, _ = mje_tenant(engine)
    headers = admin(http, tenant)
    api = login(http, tenant)
    send(http, api, subscription(unique("L"), unique("SO"), "1200.00"))
    assert collect(http, engine, api)["status"] == "Completed"
    entry = create(http, headers, accrual("400.00", submit=True))
    assert close_period(http, engine, api)["status"] == "Completed"
    transfer_program(http, engine, api, 149, "ENTRY SOURCE", "MJE", "N")
    [batch] = http.get(LIST, headers=api).json()["result"]
    assert {r.post_batch_id for r in journal_rows(engine, tenant, entry["id"])} == {batch["id"]}
    body = {"parameters": [{"parameter_id": 228 + i, "sequence": i + 1, "parameter_value": v}
                            for i, v in enumerate(("ENTRY SOURCE", "BOTH", "N"))]}  # fmt: skip
    refused = http.post("/api/integration/v1/1/programs/149/submit", headers=api, json=body)
    assert refused.status_code == 400 and "SYSTEM or MJE" in refused.text


def test_unbalanced_and_misdated_entries_are_refused(http: TestClient, engine: Engine) -> None:
    tenant, _ = mje_tenant(engine)
    headers = admin(http, tenant)
    body = accrual("100.00")
    body["lines"][1]["credit"] = "90.00"
    unbalanced = http.post(MJE, headers=headers, json=body)
    assert unbalanced.status_code == 400
    assert "RREV-04001" in unbalanced.text and "debits 100.00 != credits 90.00" in unbalanced.text
    misdated = http.post(MJE, headers=headers, json=accrual("100.00", period=202602))
    assert misdated.status_code == 400 and "RREV-04009" in misdated.text
    both = accrual("100.00")
    both["lines"][0]["credit"] = "100.00"
    assert "RREV-04002: line 1" in http.post(MJE, headers=headers, json=both).text
    odd = [
        {"acctg_type": "Q", "acctg_seg": "1", "debit": "1"},
        {"acctg_type": "R", "acctg_seg": " ", "credit": "1"},
    ]
    unknown = http.post(MJE, headers=headers, json={**accrual("1.00"), "lines": odd})
    assert "RREV-04003: line 1" in unknown.text and "RREV-04004: line 2" in unknown.text
    assert "RREV-04010" in http.post(MJE, headers=headers, json=accrual("1.00", rc_id=2_000_000_000)).text
    create(http, headers, accrual("1.00", mje_num="DUP"))
    assert "RREV-04011" in http.post(MJE, headers=headers, json=accrual("1.00", mje_num="DUP")).text
    assert [e["mje_num"] for e in http.get(MJE, headers=headers).json()["data"]] == ["DUP"]  # nothing else


def test_auto_reversal_posts_in_the_next_period(http: TestClient, engine: Engine) -> None:
    tenant, _ = mje_tenant(engine)
    headers = admin(http, tenant)
    accrued = create(http, headers, accrual("250.00", auto_reverse=True, submit=True, mje_num="ACC-JAN"))
    kept = create(http, headers, accrual("30.00", submit=True))
    api = login(http, tenant)
    closed = close_period(http, engine, api)
    assert closed["status"] == "Completed"
    assert "1 manual journal entr(ies) reversed in 202602" in closed["error_message"]
    accrued = http.get(f"{MJE}/{accrued['id']}", headers=headers).json()["data"]
    reversal = http.get(f"{MJE}/{accrued['reversed_by']}", headers=headers).json()["data"]
    assert (reversal["mje_num"], reversal["period"], reversal["status"], reversal["reversal_of"]) == (
        "ACC-JAN-REV", 202602, "Posted", accrued["id"],
    )  # fmt: skip
    rows = journal_rows(engine, tenant, reversal["id"])
    assert [(r.period_key, r.acctg_type, r.dr_t, r.cr_t, r.posted_flag) for r in rows] == [
        (202602, "L", 0, 25000, True),  # the accrual's debit of 250.00 is a credit in February
        (202602, "R", 25000, 0, True),
    ]
    assert act(http, headers, reversal["id"], "reverse").status_code == 400  # a reversal is not reversed
    assert act(http, headers, accrued["id"], "reverse").status_code == 400  # already reversed
    by_hand = act(http, headers, kept["id"], "reverse", "keyed twice")
    assert by_hand.status_code == 200, by_hand.text
    assert (by_hand.json()["data"]["period"], by_hand.json()["data"]["lines"][0]["credit"]) == (
        202602,
        "30.00",
    )
    assert close_period(http, engine, api)["status"] == "Completed"  # February: nothing more to reverse
    assert len(http.get(MJE, headers=headers, params={"period": 202602}).json()["data"]) == 2


def test_privileges_refuse_each_operation(http: TestClient, engine: Engine) -> None:
    tenant, controller = mje_tenant(engine)
    headers = admin(http, tenant)
    entry = create(http, headers, accrual("5000.00", submit=True))
    keyer = Tenant(tenant.client, unique("keyer"), PASSWORD)
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document={
            "roles": [{"name": "MJE Keyer", "privileges": ["Manual Journal Entries"]}]
        })  # fmt: skip
        tenancy.create_user(conn, client_name=tenant.client, username=keyer.user, password=PASSWORD,
                            role_names=["MJE Keyer"])  # fmt: skip
    api = login(http, tenant)  # the API Role: neither privilege
    as_controller = login(http, controller, role=CONTROLLER)  # approve only
    as_keyer = login(http, keyer, role="MJE Keyer")  # key only
    i = entry["id"]
    for caller, method, path, body, needed in (
        (api, "POST", MJE, accrual("1.00"), "Manual Journal Entries"),
        (api, "GET", MJE, None, "Manual Journal Entries"),
        (api, "GET", f"{MJE}/{i}", None, "Manual Journal Entries"),
        (api, "POST", f"{MJE}/{i}/submit", {}, "Manual Journal Entries"),
        (api, "POST", f"{MJE}/{i}/reverse", {}, "Manual Journal Entries"),
        (api, "POST", f"{MJE}/{i}/approve", {}, "Approve Manual Journal Entries"),
        (api, "POST", f"{MJE}/{i}/reject", {"comment": "x"}, "Approve Manual Journal Entries"),
        (as_controller, "POST", MJE, accrual("1.00"), "Manual Journal Entries"),
        (as_controller, "GET", f"{MJE}/{i}", None, "Manual Journal Entries"),
        (as_keyer, "POST", f"{MJE}/{i}/approve", {}, "Approve Manual Journal Entries"),
        (as_keyer, "POST", f"{MJE}/{i}/reject", {"comment": "x"}, "Approve Manual Journal Entries"),
    ):
        answer = http.request(method, path, headers=caller, json=body)
        assert answer.status_code == 403 and needed in answer.text, (path, answer.text)
    assert create(http, as_keyer, accrual("2.00"))["status"] == "Draft"
    other = make_tenant(engine)
    stranger = login(http, other, role="Administrator")
    assert http.get(f"{MJE}/{i}", headers=stranger).status_code == 400  # another client's entry: not found
    assert act(http, as_controller, i, "approve").json()["data"]["status"] == "Posted"


def test_reported_in_bi3_mje_the_journal_report_and_the_rollforward(http: TestClient, engine: Engine) -> None:
    """An accrual Dr L 2400-DEF 250 / Cr R 4000-REV 250 in January, reversed automatically in February.
    Deferred revenue (L, credit positive) over January..February: the accrual releases 250 (a debit), its
    reversal adds 250 back (a credit): closing −250 and +250."""
    tenant, _ = mje_tenant(engine)
    headers, api = admin(http, tenant), login(http, tenant)
    accrued = create(http, headers, accrual("250.00", auto_reverse=True, submit=True, mje_num=unique("RPT")))
    assert close_period(http, engine, api)["status"] == "Completed"
    reversal_id = http.get(f"{MJE}/{accrued['id']}", headers=headers).json()["data"]["reversed_by"]
    rows = table_of(http, api, "BI3_MJE")
    assert [
        (r["JE_HEAD_ID"], r["ACTIVITY_TYPE"], r["AMOUNT"], r["DR_SEGMENT1"], r["CR_SEGMENT1"],
         r["JE_TYPE_FLAG"], r["REVERSAL_STATUS_FLAG"], r["AUTO_APPR_FLAG"], r["REFERENCE1"])
        for r in rows
    ] == [
        (str(accrued["id"]), "L", "250.00", "2400-DEF", "", "M", "Y", "Y", "202601"),
        (str(accrued["id"]), "R", "250.00", "", "4000-REV", "M", "Y", "Y", "202601"),
        (str(reversal_id), "L", "250.00", "", "2400-DEF", "R", "N", "Y", "202602"),
        (str(reversal_id), "R", "250.00", "4000-REV", "", "R", "N", "Y", "202602"),
    ]  # fmt: skip
    journal = run_report(http, engine, api, "journal-entries", FROM_PERIOD="202601", TO_PERIOD="202602")
    manual = [(r["PRD_ID"], r["MJE_ID"], r["RC_ID"], r["ACCTG_TYPE"], D(r["DR_AMOUNT"]), D(r["CR_AMOUNT"]))
              for r in journal if r["MJE_ID"]]  # fmt: skip
    assert manual == [
        ("202601", str(accrued["id"]), "", "L", D("250"), D("0")),
        ("202601", str(accrued["id"]), "", "R", D("0"), D("250")),
        ("202602", str(reversal_id), "", "L", D("0"), D("250")),
        ("202602", str(reversal_id), "", "R", D("250"), D("0")),
    ]
    roll = run_report(http, engine, api, "deferred-rollforward", FROM_PERIOD="202601", TO_PERIOD="202602")
    assert [(r["MJE_ID"], D(r["T_OPENING"]), D(r["T_ADDITIONS"]), D(r["T_RELEASES"]), D(r["T_CLOSING"]))
            for r in roll] == [
        (str(accrued["id"]), D(0), D(0), D("250"), D("-250")),
        (str(reversal_id), D(0), D("250"), D(0), D("250")),
    ]  # fmt: skip
    # an MJE books no VC, reserve or cost schedule: those columns are empty on its rows
    assert {r[c] for r in roll for c in reserve_cost_moves.ROLLFORWARD_COLUMNS} == {""}


def test_a_stale_request_never_posts_or_reverses_twice(http: TestClient, engine: Engine) -> None:
    """Two requests racing on one entry: the guarded updates let one win; the other changes nothing."""
    tenant, _ = mje_tenant(engine)
    headers = admin(http, tenant)
    entry = create(http, headers, accrual("10.00", submit=True))
    reversal = act(http, headers, entry["id"], "reverse").json()["data"]
    with transaction(engine) as conn:
        assert not mje_repo.transition(conn, entry["id"], [mje_repo.DRAFT, mje_repo.PENDING], status="Posted")
        assert not mje_repo.mark_reversed(conn, entry["id"], reversal["id"], "late", dt.datetime.now(dt.UTC))
    assert len(journal_rows(engine, tenant, entry["id"])) == 2
    assert http.get(f"{MJE}/{entry['id']}", headers=headers).json()["data"]["reversed_by"] == reversal["id"]


def test_forced_close_leaves_a_pending_entry_that_can_only_be_rejected(
    http: TestClient, engine: Engine
) -> None:
    tenant, controller = mje_tenant(engine)
    headers, api = admin(http, tenant), login(http, tenant)
    as_controller = login(http, controller, role=CONTROLLER)
    entry = create(http, headers, accrual("2000.00", submit=True, mje_num=unique("LATE")))
    forced = close_period(http, engine, api, force=True)
    assert (
        forced["status"] == "Warning"
        and "1 manual journal entr(ies) await approval" in forced["error_message"]
    )
    late = act(http, as_controller, entry["id"], "approve")
    assert late.status_code == 400 and "RREV-04009" in late.text and "202601" in late.text
    assert (
        http.get(f"{MJE}/{entry['id']}", headers=headers).json()["data"]["status"] == "Pending"
    )  # unchanged
    assert (
        act(http, as_controller, entry["id"], "reject", "period closed").json()["data"]["status"]
        == "Rejected"
    )
    assert journal_rows(engine, tenant, entry["id"]) == []
