"""A serial Data Collection revises a contract once for an SO update and the bills on its other lines
(contracts/service.py, ``_folded``): the due activity of every line of a contract the chunk revises joins
the chunk, instead of waiting for the activity chunks and revising the contract a second time. The result
is the same as the two revisions' (digest of contracts, lines, schedules, bills and journal entries), and
a bill whose SO line has a row still waiting in staging waits with it, as before.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, bill, collect, scope_of, send, subscription, verify
from revrec.contracts import service
from revrec.contracts.digest import collection_digest
from revrec.db.session import transaction
from revrec.db.tables import rc_bill, revenue_contract, stage_line
from support import Tenant, login

SO = "FOLD-1"


def _first() -> list[dict[str, str]]:
    return [subscription(f"{SO}-{i}", SO) for i in range(1, 4)]


def _later() -> list[dict[str, str]]:
    """An update of line 1, an invoice of line 2 and a credit memo against line 3, all due in January."""
    return [
        subscription(f"{SO}-1", SO, "2400.00", **{"Doc Date": "20-JAN-2026"}),
        bill("INV", f"{SO}-2", "FOLD-I2", "1200.00", **{"Inv Date": "22-JAN-2026"}),
        bill("CM", f"{SO}-3", "FOLD-C3", "-100.00", **{"Inv Date": "25-JAN-2026"}),
    ]


def _run(http: TestClient, engine: Engine, *later: dict[str, str]) -> tuple[Tenant, str]:
    """A tenant with the first upload collected, then ``later`` sent and collected: the second job's
    message."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *_first())
    first = collect(http, engine, headers)
    assert first["status"] == "Completed" and "1 new and 0 revised" in first["error_message"], first
    send(http, headers, *later)
    second = collect(http, engine, headers)
    assert second["status"] == "Completed", second
    assert verify(engine, tenant) == []
    return tenant, str(second["error_message"])


def _digest(engine: Engine, tenant: Tenant) -> tuple[str, dict[str, int]]:
    with transaction(engine, readonly=True) as conn:
        return collection_digest(conn, scope_of(engine, tenant)[0].client_id)


def _version(engine: Engine, tenant: Tenant) -> int:
    with transaction(engine, readonly=True) as conn:
        query = select(revenue_contract.c.version).where(
            revenue_contract.c.client_id == scope_of(engine, tenant)[0].client_id
        )
        return int(conn.execute(query).scalar_one())


def test_an_update_and_bills_on_other_lines_revise_the_contract_once(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    folded, message = _run(http, engine, *_later())
    assert "3 line(s) collected, 0 new and 1 revised contract(s)" in message, message
    assert _version(engine, folded) == 2  # created, revised once
    # the same data with the bills left to the activity chunks (the collection before the fold)
    monkeypatch.setattr(service, "_folded", lambda *args: [])
    apart, message = _run(http, engine, *_later())
    assert "3 line(s) collected, 0 new and 2 revised contract(s)" in message, message
    assert _version(engine, apart) == 3
    digest = _digest(engine, folded)
    assert digest == _digest(engine, apart)
    assert digest[1]["bills"] == 2 and digest[1]["lines"] == 3 and digest[1]["entries"] > 0


def test_a_bill_waits_with_its_lines_waiting_update(http: TestClient, engine: Engine) -> None:
    """Line 2's update is dated in March (not due in January): its January invoice stays waiting with it,
    while line 1's update and line 3's credit memo are collected in one revision."""
    update_2 = subscription(f"{SO}-2", SO, "1800.00", **{"Doc Date": "10-MAR-2026"})
    tenant, message = _run(http, engine, *_later(), update_2)
    assert "2 line(s) collected, 0 new and 1 revised contract(s)" in message, message
    client_id = scope_of(engine, tenant)[0].client_id
    with transaction(engine, readonly=True) as conn:
        S = stage_line.c
        waiting = conn.execute(
            select(S.type, S.so_line_id).where(S.client_id == client_id, S.processed_flag == "N")
        ).all()
        bills = conn.execute(select(rc_bill.c.line_id).where(rc_bill.c.client_id == client_id)).scalars()
        assert sorted(bills) == [f"{SO}-3"]
    assert sorted((str(t), str(ref)) for t, ref in waiting) == [("INV", f"{SO}-2"), ("SO", f"{SO}-2")]
