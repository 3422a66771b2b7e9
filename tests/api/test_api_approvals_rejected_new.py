"""A rejected NEW contract leaves nothing in force, through the HTTP API: no revenue, no schedule amounts,
and a later Data Collection touching it (an invoice) asks for approval again instead of putting it back in
force; with a forced Period Close before the rejection, the closed period keeps what it posted and the open
period reverses it. Figures by hand: the subscription line is 1,200 ratable over 2026 (100 a month)."""

from __future__ import annotations

from decimal import Decimal as D

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import bill, close_period, collect, revenue, send, subscription, totals, verify
from approvals_support import MANAGER, decide, steps_of, with_rules
from biviews_support import table_of
from support import login, unique

RULE = {"name": "Big deals", "applies_to": "NEW_CONTRACT", "amount": "1000", "approvers": [MANAGER]}


def _schedule(http: TestClient, headers: dict[str, str]) -> dict[str, D]:
    """Revenue (type R) per period of every schedule, amounts that are not zero."""
    found: dict[str, D] = {}
    for row in table_of(http, headers, "BI3_RC_SCHD"):
        if row["SCHD_TYPE_FLAG"] == "R" and D(row["AMOUNT"]):
            found[row["POST_PRD_ID"]] = found.get(row["POST_PRD_ID"], D(0)) + D(row["AMOUNT"])
    return found


def test_rejected_new_contract_stays_out_of_force_when_recomputed(http: TestClient, engine: Engine) -> None:
    """1,200.00 (above the rule's 1,000) awaits approval; rejected: January books nothing and no schedule
    has an amount. The invoice for the line then arrives: the contract is recomputed but, having nothing in
    force, is checked again as a new contract (1,200 > 1,000): pending again, its figures unposted, Period
    Close refused; rejected again: revenue nothing, only the invoice's billing entries (Dr C / Cr L 1,200)."""
    tenant, manager, _ = with_rules(engine, RULE)
    headers = login(http, tenant)
    line, so = unique("L"), unique("SO")
    send(http, headers, subscription(line, so, "1200.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    as_manager = login(http, manager, role=MANAGER)
    [step] = steps_of(http, as_manager, status="Pending")
    rc_id = step["rc_id"]
    assert revenue(engine, tenant, 202601) == D("100.00")  # computed, shown unposted
    assert decide(http, as_manager, rc_id, "reject", "no signed order form").status_code == 200
    assert revenue(engine, tenant, 202601) == D(0) and totals(engine, tenant, 202601) == {}
    assert _schedule(http, headers) == {}

    send(
        http, headers, bill("INV", line, unique("I"), "1200.00", **{"Doc Num": so, "Inv Date": "20-JAN-2026"})
    )
    assert collect(http, engine, headers)["status"] == "Completed"
    [again] = steps_of(http, as_manager, status="Pending")
    assert (again["rc_id"], again["approval_type"]) == (rc_id, "NEW_CONTRACT")
    assert revenue(engine, tenant, 202601) == D("100.00")  # pending: computed, not in force
    blocked = close_period(http, engine, headers)
    assert blocked["status"] == "Error" and "await approval" in blocked["error_message"]
    assert decide(http, as_manager, rc_id, "reject", "still no order form").status_code == 200
    assert revenue(engine, tenant, 202601) == D(0)
    assert _schedule(http, headers) == {}
    found = totals(engine, tenant, 202601)
    assert found["C"] == (D("1200.00"), D(0)) and found["L"] == (D(0), D("1200.00"))
    assert set(found) == {"C", "L"}
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert verify(engine, tenant) == []


def test_forced_close_then_rejected_new_contract_nets_to_nothing(http: TestClient, engine: Engine) -> None:
    """1,200.00 pending; January is closed by force, posting the computed 100.00; the contract is then
    rejected in February: January keeps its 100.00 (closed), February books −100.00, every later month
    nothing — in total nothing recognised; a recomputation in February asks for approval again."""
    tenant, manager, _ = with_rules(engine, RULE)
    headers = login(http, tenant)
    line, so = unique("L"), unique("SO")
    send(http, headers, subscription(line, so, "1200.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    as_manager = login(http, manager, role=MANAGER)
    rc_id = steps_of(http, as_manager, status="Pending")[0]["rc_id"]
    forced = close_period(http, engine, headers, force=True)
    assert forced["status"] == "Warning" and "await approval" in str(forced)
    assert revenue(engine, tenant, 202601) == D("100.00")
    assert decide(http, as_manager, rc_id, "reject", "no").status_code == 200
    assert revenue(engine, tenant, 202601) == D("100.00")
    assert revenue(engine, tenant, 202602) == D("-100.00")
    assert _schedule(http, headers) == {"202601": D("100.00"), "202602": D("-100.00")}
    send(http, headers, subscription(line, so, "1300.00", **{"Doc Date": "01-FEB-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert [s["approval_type"] for s in steps_of(http, as_manager, status="Pending")] == ["NEW_CONTRACT"]
    assert decide(http, as_manager, rc_id, "reject", "no").status_code == 200
    assert revenue(engine, tenant, 202602) == D("-100.00")
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert revenue(engine, tenant, 202602) == D("-100.00")
    assert verify(engine, tenant) == []
