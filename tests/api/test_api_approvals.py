"""Approvals through HTTP: rules in the setup document, pending contracts blocking Period Close, approval
in role order, rejection restoring the previous revision, BI3_APPR_DTL, privileges. Figures by hand:
the subscription line is 1,200 ratable over 2026 (100 a month); raised to 2,400 it is 200 a month."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import close_period, collect, revenue, send, subscription, verify
from approvals_support import APPROVALS, CONTROLLER, MANAGER, decide, revised_pending, steps_of, with_rules
from biviews_support import table_of
from revrec.db.session import transaction
from revrec.db.tables import rc_line
from revrec.errors import InvalidInput
from revrec.setup import service as setup_service
from support import login, unique


def test_new_contract_waits_for_approvals_in_order(http: TestClient, engine: Engine) -> None:
    rule = {
        "name": "Big deals",
        "applies_to": "NEW_CONTRACT",
        "amount": "1000",
        "approvers": [MANAGER, CONTROLLER],
    }
    tenant, manager, controller = with_rules(engine, rule)
    headers = login(http, tenant)
    send(http, headers, subscription(unique("L"), unique("SO"), "1200.00"))
    send(http, headers, subscription(unique("L"), unique("SO"), "900.00"))  # 900 is not above 1,000
    assert collect(http, engine, headers)["status"] == "Completed"
    as_manager = login(http, manager, role=MANAGER)
    as_controller = login(http, controller, role=CONTROLLER)
    steps = steps_of(http, as_manager, status="Pending")
    assert [(s["sequence"], s["approver_role"], s["approval_type"]) for s in steps] == [
        (1, MANAGER, "NEW_CONTRACT"),
        (2, CONTROLLER, "NEW_CONTRACT"),
    ]
    rc_id = steps[0]["rc_id"]
    blocked = close_period(http, engine, headers)
    assert blocked["status"] == "Error" and "1 revenue contract(s) await approval" in blocked["error_message"]
    for refused in (  # the API Role lacks the privilege: every approvals operation is refused
        decide(http, headers, rc_id, "approve"),
        decide(http, headers, rc_id, "reject", "no"),
        http.get(APPROVALS, headers=headers),
    ):
        assert refused.status_code == 403 and "Revenue Approvals" in refused.text
    out_of_turn = decide(http, as_controller, rc_id, "approve")
    assert out_of_turn.status_code == 403 and MANAGER in out_of_turn.json()["message"]
    first = decide(http, as_manager, rc_id, "approve", "checked the order form")
    assert first.status_code == 200 and first.json()["remaining"] == 1
    assert close_period(http, engine, headers)["status"] == "Error"
    assert decide(http, as_controller, rc_id, "approve").json()["remaining"] == 0
    assert decide(http, as_controller, rc_id, "approve").status_code == 400  # nothing pending any more
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202601) == D("175.00")  # 100 + 75 (900 / 12), posted once approved
    rows = table_of(http, headers, "BI3_APPR_DTL")
    assert [
        (r["RC_ID"], r["APPROVER_SEQUENCE"], r["APPROVAL_STATUS"], r["APPROVED_BY_USER"]) for r in rows
    ] == [(str(rc_id), "1", "Approved", manager.user), (str(rc_id), "2", "Approved", controller.user)]
    assert rows[0]["APPROVER_COMMENTS"] == "checked the order form"
    assert rows[0]["APPROVAL_RULE_NAME"] == "Big deals" and rows[0]["APPROVAL_DATE"]


def test_rejected_revision_leaves_the_previous_numbers(http: TestClient, engine: Engine) -> None:
    tenant, headers, as_manager, rc_id, _ = revised_pending(http, engine)
    # computed, not posted: February's unposted entries show 2 x 200 - 100 = 300
    assert revenue(engine, tenant, 202602) == D("300.00")
    unexplained = decide(http, as_manager, rc_id, "reject", "")
    assert unexplained.status_code == 400 and "comment" in unexplained.text  # a reason is required
    rejected = decide(http, as_manager, rc_id, "reject", "price change not signed")
    assert rejected.status_code == 200, rejected.text
    assert D(rejected.json()["restored"]["transaction_price"]) == D("1200")
    assert revenue(engine, tenant, 202602) == D("100.00")  # the previous revision: 100 a month
    assert revenue(engine, tenant, 202601) == D("100.00")
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert verify(engine, tenant) == []
    rows = table_of(http, headers, "BI3_APPR_DTL")
    assert [(r["APPROVAL_STATUS"], r["APPROVER_COMMENTS"]) for r in rows] == [
        ("Rejected", "price change not signed")
    ]


def test_forced_close_then_rejection_moves_no_closed_period(http: TestClient, engine: Engine) -> None:
    tenant, headers, as_manager, rc_id, _ = revised_pending(http, engine)
    forced = close_period(http, engine, headers, force=True)
    assert forced["status"] == "Warning" and "await approval" in str(forced)
    assert revenue(engine, tenant, 202602) == D("300.00")  # posted as computed when forced
    assert decide(http, as_manager, rc_id, "reject", "no").status_code == 200
    # March goes back to the 1,200 schedule: 300 through March less the 400 posted = -100
    assert revenue(engine, tenant, 202601) == D("100.00")
    assert revenue(engine, tenant, 202602) == D("300.00")
    assert revenue(engine, tenant, 202603) == D("-100.00")
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert verify(engine, tenant) == []


def test_other_clients_contract_is_not_found(http: TestClient, engine: Engine) -> None:
    tenant, headers, as_manager, rc_id, _ = revised_pending(http, engine)
    _, stranger, _ = with_rules(engine)
    as_stranger = login(http, stranger, role=MANAGER)
    for missing in (rc_id, 999999999):
        answer = decide(http, as_stranger, missing, "approve")
        assert answer.status_code == 400 and f"revenue contract {missing} not found" in answer.text
    assert steps_of(http, as_stranger) == []
    assert len(steps_of(http, as_manager, status="Pending")) == 1
    del tenant, headers


def test_rules_name_known_roles_and_round_trip(http: TestClient, engine: Engine) -> None:
    del http  # the app installs the setup sections
    tenant, _, _ = with_rules(engine)
    bad = {"name": "X", "applies_to": "REVISION", "amount": "1", "approvers": ["Nobody"]}
    with transaction(engine) as conn, pytest.raises(InvalidInput, match=r"unknown role\(s\) \['Nobody'\]"):
        setup_service.apply_setup(conn, client_name=tenant.client, document={"approval_rules": [bad]})
    rule = {"name": "Y", "applies_to": "REVISION", "amount": "250.50", "approvers": [CONTROLLER, MANAGER]}
    with transaction(engine) as conn:
        changes = setup_service.apply_setup(
            conn, client_name=tenant.client, document={"approval_rules": [rule]}
        )
        again = setup_service.apply_setup(
            conn, client_name=tenant.client, document={"approval_rules": [rule]}
        )
        exported = setup_service.export_setup(conn, client_name=tenant.client)["approval_rules"]
    assert changes == ["approval_rules: created 'Y'"] and again == []
    assert exported == [{**rule, "amount": "250.5", "enabled": True}]


def test_a_second_revision_supersedes_the_pending_steps(http: TestClient, engine: Engine) -> None:
    tenant, headers, as_manager, rc_id, _ = revised_pending(http, engine)
    line, so = _only_line(engine, rc_id)
    send(http, headers, subscription(line, so, "3600.00", **{"Doc Date": "01-FEB-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert [s["status"] for s in steps_of(http, as_manager, rc_id=str(rc_id))] == ["Superseded", "Pending"]
    assert revenue(engine, tenant, 202602) == D("500.00")  # 3,600: 2 x 300 - 100
    assert decide(http, as_manager, rc_id, "reject", "no").status_code == 200
    # the revision in force before both pending ones comes back: 1,200, 100 a month
    assert revenue(engine, tenant, 202602) == D("100.00")
    assert verify(engine, tenant) == []


def test_a_revision_back_within_the_threshold_withdraws_the_request(http: TestClient, engine: Engine) -> None:
    tenant, headers, as_manager, rc_id, _ = revised_pending(http, engine)
    line, so = _only_line(engine, rc_id)
    send(http, headers, subscription(line, so, "1500.00", **{"Doc Date": "01-FEB-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"  # 300 from the 1,200 in force: not > 500
    assert [s["status"] for s in steps_of(http, as_manager, rc_id=str(rc_id))] == ["Superseded"]
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202602) == D("150.00")  # 1,500 / 12 x 2 - 100


def _only_line(engine: Engine, rc_id: int) -> tuple[str, str]:
    """The contract's one line id and its SO number."""
    query = select(rc_line.c.line_id, rc_line.c.so_num).where(rc_line.c.rc_id == rc_id).distinct()
    with transaction(engine) as conn:
        found = conn.execute(query).all()
    assert len(found) == 1
    return str(found[0][0]), str(found[0][1])
