"""The VC reassessment and journal in chunks of contracts (revrec.vc.service.CHUNK_CONTRACTS): the same VC
rows and entries as one pass over every contract, for a first reassessment of a collection and of a new
open period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event, select, update

from accounting_support import (
    close_period,
    collect,
    scope_of,
    send,
    subscription,
    upload_csv,
    verify,
    worked_lines,
)
from api.test_api_vc_settlement import VC_LABELS, _estimate, _settling, _tenant
from inbound_data import to_csv
from revrec.db.session import transaction
from revrec.db.tables import journal_entry, rc_line, revenue_contract, vc_reassessment, vc_schedule
from revrec.periods import service as periods
from revrec.tenancy import repository as tenancy
from revrec.vc import repository as vc_repo
from revrec.vc import service as vc_service
from support import Tenant, login, unique


def _state(engine: Engine, tenant: Tenant) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """The client's VC rows (whole rows, ids included) and its VC journal rows (without ids)."""
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        rows = list(conn.execute(select(vc_schedule).where(vc_schedule.c.client_id == client.id)
                                 .order_by(vc_schedule.c.id)))  # fmt: skip
        j = journal_entry.c
        entries = sorted(
            tuple(r)
            for r in conn.execute(
                select(j.period_key, j.rc_id, j.acctg_type, j.acctg_seg, j.curr, j.dr_t, j.cr_t, j.dr_f,
                       j.cr_f, j.dr_r, j.cr_r, j.posted_flag)
                .where(j.client_id == client.id, j.origin == "V")
            )
        )  # fmt: skip
    return rows, entries


def _one_pass(
    http: TestClient, engine: Engine, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forget the last reassessment (the next one takes every contract) and collect in one chunk."""
    monkeypatch.setattr(vc_service, "CHUNK_CONTRACTS", 10**6)
    with transaction(engine) as conn:
        conn.execute(delete(vc_reassessment))
    collect(http, engine, headers)


def _bonuses(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str], str]:
    """Five contracts with a performance bonus estimate each, one settled by an invoice; collected before
    the estimates and the invoice, which the next collection takes (not run here)."""
    tenant = _tenant(engine)
    headers = login(http, tenant)
    p = unique("vk")
    lines: list[dict[str, str]] = []
    for n in range(4):  # four contracts: subscriptions with a bonus, one of them settled by an invoice
        lines.append(subscription(f"{p}-{n}-1", f"{p}-SO{n}", price=f"{1200 + 100 * n}.00"))
    lines.extend(worked_lines(f"{p}-W"))  # a two-line contract: its bonus is split by SSP 1,500 : 500
    send(http, headers, *lines)
    collect(http, engine, headers)
    bonuses = [
        {"Doc Line Id": line, "VC Type": "performance_bonus", "Estimate Date": "10-JAN-2026",
         "Most Likely Amt": f"{300 + 70 * n}"}
        for n, line in enumerate([*(f"{p}-{n}-1" for n in range(4)), f"{p}-W-1"])
    ]  # fmt: skip
    upload_csv(http, headers, "Standard VC", to_csv(VC_LABELS, bonuses), "vc")
    invoice = _settling(f"{p}-2-1", f"{p}-SO2", "INV", "250.00", "performance_bonus", "20-JAN-2026")
    send(http, headers, invoice)
    return tenant, headers, p


def test_chunked_reassessment_equals_one_pass(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, headers, p = _bonuses(http, engine)
    monkeypatch.setattr(vc_service, "CHUNK_CONTRACTS", 1)
    collect(http, engine, headers)
    chunked = _state(engine, tenant)
    assert len({r.rc_id for r in chunked[0]}) == 5 and len(chunked[0]) == 6 and chunked[1]
    _one_pass(http, engine, headers, monkeypatch)
    assert _state(engine, tenant) == chunked
    assert verify(engine, tenant) == []
    # a new open period: the first reassessment of February takes every contract, in chunks of one
    monkeypatch.setattr(vc_service, "CHUNK_CONTRACTS", 1)
    assert close_period(http, engine, headers)["status"] == "Completed"
    _estimate(http, headers, **{"Doc Line Id": f"{p}-1-1", "VC Type": "performance_bonus",
                                "Estimate Date": "10-FEB-2026", "Most Likely Amt": "123.45"})  # fmt: skip
    collect(http, engine, headers)
    chunked = _state(engine, tenant)
    assert any(r.period_key == 202602 for r in chunked[0])
    _one_pass(http, engine, headers, monkeypatch)
    assert _state(engine, tenant) == chunked
    assert verify(engine, tenant) == []


def test_a_chunk_reads_only_its_own_contracts_rows(http: TestClient, engine: Engine) -> None:
    """Syncing one chunk's open-period VC rows reads the rows of the chunk's contracts only, by contract id
    (it used to read the whole period's rows for every chunk: chunks × rows at scale), and leaves unchanged
    rows and the other contracts' rows as they are."""
    tenant, headers, _ = _bonuses(http, engine)
    collect(http, engine, headers)
    scope, calendar = scope_of(engine, tenant)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "FROM vc_schedule" in statement:
            statements.append((statement, parameters))

    with transaction(engine) as conn:
        key = periods.current_open(conn, scope, calendar).key  # type: ignore[union-attr]
        before = vc_repo.open_rows(conn, scope, key)
        rc_id = int(before[0].rc_id)
        mine = [dict(r._mapping) for r in before if int(r.rc_id) == rc_id]
        event.listen(conn, "before_cursor_execute", capture)
        try:
            changed = vc_repo.sync_open(conn, scope, key, mine, {rc_id})
        finally:
            event.remove(conn, "before_cursor_execute", capture)
        after = vc_repo.open_rows(conn, scope, key)
    assert changed == set() and after == before  # nothing differed: same rows, same ids
    assert len({int(r.rc_id) for r in before}) == 5 and statements
    for statement, parameters in statements:
        assert "rc_id IN" in statement, statement
        assert rc_id in (parameters.values() if isinstance(parameters, dict) else parameters), parameters


def test_a_reassessment_takes_only_changed_contracts_with_vc(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After every contract is stamped (as a Period Close stamps every contract with entries), the next
    reassessment takes the stamped contracts that have VC only, not the one without any (it used to take
    every stamped contract: 200,000 ids held at 1,000,000 lines after a close, none with VC), and leaves the
    VC rows and entries as they were."""
    tenant, headers, p = _bonuses(http, engine)
    collect(http, engine, headers)
    send(http, headers, subscription(f"{p}-plain-1", f"{p}-PLAIN"))
    collect(http, engine, headers)
    before = _state(engine, tenant)
    scope, calendar = scope_of(engine, tenant)
    taken: list[int] = []
    targets = vc_service.targets

    def spy(conn: Any, scope: Any, open_period: Any, rc_ids: set[int] | None = None) -> Any:
        taken.extend(sorted(rc_ids or ()))
        return targets(conn, scope, open_period, rc_ids)

    monkeypatch.setattr(vc_service, "targets", spy)
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        rc = revenue_contract.c
        everyone = set(conn.execute(select(rc.id).where(rc.client_id == client.id)).scalars())
        plain = conn.execute(
            select(rc_line.c.rc_id).where(
                rc_line.c.client_id == client.id, rc_line.c.line_id == f"{p}-plain-1"
            )
        ).scalar_one()
        conn.execute(
            update(revenue_contract)
            .where(rc.client_id == client.id)
            .values(updated_at=dt.datetime.now(dt.UTC))
        )
        open_period = periods.current_open(conn, scope, calendar)
        assert open_period is not None
        vc_service.reassess(conn, scope, open_period)
    with_vc = {int(r.rc_id) for r in before[0]}
    assert len(everyone) == 6 and plain in everyone and len(with_vc) == 5
    assert sorted(taken) == sorted(with_vc)  # each once, the plain one not at all
    assert _state(engine, tenant) == before
    assert verify(engine, tenant) == []
