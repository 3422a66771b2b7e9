"""The open period's journal regenerated incrementally (revrec.accounting.service.journalize): after a Data
Collection only the contracts stamped changed since the last generation are regenerated, the other rows
stay as they are (same ids), and the result equals a full generation. A change of period, default account
or statement version makes the next generation full, Period Close always generates in full, and the check
(``REVREC_JOURNAL_CHECK=1``, on for the whole suite) fails on a change that reached a contract unstamped.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from accounting_support import accounting_tenant, bill, close_period, collect, scope_of, send, subscription
from accounting_support import verify as verify_tenant
from revrec.accounting import repository as repo
from revrec.accounting import service as accounting
from revrec.contracts.repository import now
from revrec.db.session import transaction
from revrec.db.tables import book, journal_entry, rc_schedule, revenue_contract
from revrec.periods import service as periods
from revrec.periods.service import Scope
from support import Tenant, login


def _two_contracts(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str]]:
    """Sales orders INC-A and INC-B (one contract each, two lines), collected and billed in January."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    rows = [subscription(f"INC-{so}-{n}", f"INC-{so}") for so in "AB" for n in (1, 2)]
    send(http, headers, *rows, bill("INV", "INC-B-1", "INC-B-I1", "1200.00", **{"Inv Date": "05-JAN-2026"}))
    first = collect(http, engine, headers)
    assert first["status"] == "Completed" and "2 new and 0 revised" in first["error_message"], first
    return tenant, headers


def _mark(engine: Engine, scope: Scope) -> None:
    """Mark every unposted row (``post_batch_id`` -1, no batch has it): a row still marked after a
    generation was kept, an unmarked one written by it (SQLite may give a new row a deleted row's id)."""
    j = journal_entry.c
    with transaction(engine) as conn:
        conn.execute(
            update(journal_entry)
            .where(j.client_id == scope.client_id, j.posted_flag.is_(False))
            .values(post_batch_id=-1)
        )


def _entries(engine: Engine, scope: Scope) -> dict[str, list[tuple[int, ...]]]:
    """Per sales order: (kept, debit T, credit T) of its contract's unposted revenue entries, ``kept`` 1
    for a row marked by :func:`_mark`."""
    j, c = journal_entry.c, revenue_contract.c
    with transaction(engine, readonly=True) as conn:
        rows = conn.execute(
            select(c.rc_key, j.post_batch_id, j.dr_t, j.cr_t)
            .join(revenue_contract, c.id == j.rc_id)
            .where(j.client_id == scope.client_id, j.posted_flag.is_(False), j.origin.is_(None))
            .order_by(j.acctg_type, j.acctg_seg)
        ).all()
    found: dict[str, list[tuple[int, ...]]] = {}
    for key, batch, *values in rows:
        kept = 1 if batch == -1 else 0
        found.setdefault("B" if "INC-B" in str(key) else "A", []).append((kept, *(int(v) for v in values)))
    return found


def _kept(rows: list[tuple[int, ...]]) -> set[int]:
    return {row[0] for row in rows}


def _open(engine: Engine, tenant: Tenant) -> tuple[Scope, Any]:
    scope, calendar = scope_of(engine, tenant)
    with transaction(engine, readonly=True) as conn:
        opened = periods.current_open(conn, scope, calendar)
    assert opened is not None
    return scope, opened


def _kept_in_full(engine: Engine) -> set[int]:
    """What :func:`_kept` gives for the unchanged rows of a generation of every contract: PostgreSQL writes
    only the entries that differ (test_journal_difference.py), SQLite writes every row again."""
    return {1} if engine.dialect.name == "postgresql" else {0}


def _stored_equals_full(engine: Engine, scope: Scope, opened: Any) -> bool:
    with transaction(engine, readonly=True) as conn:
        accounts = accounting.book_accounts(conn, scope)
        stored = repo.stored_revenue_entries(conn, scope, opened.key)
        computed = repo.computed_revenue_entries(conn, scope, opened.index, opened.key, accounts)
    return bool(stored) and stored == computed


def test_a_collection_regenerates_only_the_contracts_it_changed(http: TestClient, engine: Engine) -> None:
    tenant, headers = _two_contracts(http, engine)
    scope, opened = _open(engine, tenant)
    _mark(engine, scope)
    before = _entries(engine, scope)
    assert before["A"] and before["B"] and _kept(before["A"] + before["B"]) == {1}
    # an invoice of INC-A-1 in January: only INC-A's contract is revised
    send(http, headers, bill("INV", "INC-A-1", "INC-A-I1", "1200.00", **{"Inv Date": "10-JAN-2026"}))
    second = collect(http, engine, headers)
    assert "0 new and 1 revised" in second["error_message"], second
    after = _entries(engine, scope)
    assert after["B"] == before["B"]  # the same rows, still marked: untouched
    assert _kept(after["A"]) == {0}  # rewritten
    # Dr C / Cr L of the new invoice (1,200.00) joined INC-A's entries, which still balance
    assert sum(r[1] for r in after["A"]) - sum(r[1] for r in before["A"]) == 120000 - 20000
    assert sum(r[1] for r in after["A"]) == sum(r[2] for r in after["A"])
    assert _stored_equals_full(engine, scope, opened)
    # the job's count is what the period holds, as after a full generation
    with transaction(engine, readonly=True) as conn:
        held = repo.count_revenue_entries(conn, scope, opened.key)
    assert f"period 202601: {held} journal summary line(s)" in second["error_message"], second
    assert verify_tenant(engine, tenant) == []


def test_nothing_changed_nothing_rewritten_and_full_on_demand(http: TestClient, engine: Engine) -> None:
    tenant, _ = _two_contracts(http, engine)
    scope, opened = _open(engine, tenant)
    _mark(engine, scope)
    before = _entries(engine, scope)
    with transaction(engine) as conn:
        held = accounting.journalize(conn, scope, opened)
    assert _entries(engine, scope) == before  # every row kept
    with transaction(engine) as conn:
        assert accounting.journalize(conn, scope, opened, full=True) == held
    after = _entries(engine, scope)
    for so in "AB":
        assert _kept(after[so]) == _kept_in_full(engine)  # the same figures: written again on SQLite only
        assert [row[1:] for row in after[so]] == [row[1:] for row in before[so]]


def test_most_contracts_changed_is_a_full_generation(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both contracts stamped (as a Period Close stamps them all): above ``FULL_ABOVE`` changed contracts
    and more than half of the scope's, the generation is full (a cheaper statement than one naming them)."""
    tenant, _ = _two_contracts(http, engine)
    scope, opened = _open(engine, tenant)
    c = revenue_contract.c
    calls: list[Any] = []
    monkeypatch.setattr(repo, "replace_unposted", _spy(repo.replace_unposted, calls))
    for threshold, full in ((1, True), (2, False)):  # 2 changed: more than 1, not more than 2
        _mark(engine, scope)
        with transaction(engine) as conn:
            conn.execute(
                update(revenue_contract).where(c.client_id == scope.client_id).values(updated_at=now())
            )
        monkeypatch.setattr(accounting, "FULL_ABOVE", threshold)
        calls.clear()
        with transaction(engine) as conn:
            accounting.journalize(conn, scope, opened)
        assert [call.get("only") is None for call in calls] == [full]
        after = _entries(engine, scope)
        # both named and rewritten incrementally; in full, written again where the rows are rewritten
        assert _kept(after["A"]) == _kept(after["B"]) == (_kept_in_full(engine) if full else {0})
        assert _stored_equals_full(engine, scope, opened)


def _spy(function: Any, calls: list[Any]) -> Any:
    def spied(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return function(*args, **kwargs)

    return spied


@pytest.mark.parametrize("change", ["account", "statement"])
def test_a_new_default_account_or_statement_regenerates_every_contract(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    tenant, _ = _two_contracts(http, engine)
    scope, opened = _open(engine, tenant)
    _mark(engine, scope)
    calls: list[Any] = []
    monkeypatch.setattr(repo, "replace_unposted", _spy(repo.replace_unposted, calls))
    if change == "account":  # the book's billing clearing account: every C leg moves to it
        with transaction(engine) as conn:
            conn.execute(
                update(book)
                .where(book.c.id == scope.book_id)
                .values(default_billing_clearing_account="NEW-CLR")
            )
    else:
        monkeypatch.setattr(accounting, "STATEMENT_VERSION", accounting.STATEMENT_VERSION + 1)
    with transaction(engine) as conn:
        accounting.journalize(conn, scope, opened)
    assert [call.get("only") for call in calls] == [None]  # every contract regenerated
    after = _entries(engine, scope)
    if change == "statement":  # the same figures: written again where the rows are rewritten
        assert _kept(after["A"]) == _kept(after["B"]) == _kept_in_full(engine)
    else:  # the C legs differ: those rows at least are new
        assert 0 in _kept(after["B"])
    assert _stored_equals_full(engine, scope, opened)
    if change == "account":
        j = journal_entry.c
        with transaction(engine, readonly=True) as conn:
            clearing = set(
                conn.execute(
                    select(j.acctg_seg).where(j.client_id == scope.client_id, j.acctg_type == "C")
                ).scalars()
            )
        assert clearing == {"NEW-CLR"}


def test_the_check_fails_on_a_change_that_was_not_stamped(
    http: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A schedule rewritten without stamping its contract is not regenerated incrementally; the check
    says so, and a full generation (as Period Close makes) puts the journal right."""
    tenant, headers = _two_contracts(http, engine)
    scope, opened = _open(engine, tenant)
    s, c = rc_schedule.c, revenue_contract.c
    with transaction(engine) as conn:
        rc_b = conn.execute(
            select(c.id).where(c.client_id == scope.client_id, c.rc_key.like("%INC-B%"))
        ).scalar_one()
        # INC-B's schedules recognise nothing any more (a write that bypasses every service)
        conn.execute(
            update(rc_schedule)
            .where(s.rc_id == rc_b, s.current_flag.is_(True))
            .values(rev_t="[]", rev_f="[]", rev_r="[]", n=0)
        )
    monkeypatch.setenv("REVREC_JOURNAL_CHECK", "1")
    differs = pytest.raises(accounting.JournalCheckError, match="differs from a full")
    with transaction(engine) as conn, differs:
        accounting.journalize(conn, scope, opened)
    monkeypatch.setenv("REVREC_JOURNAL_CHECK", "0")
    with transaction(engine) as conn:
        accounting.journalize(conn, scope, opened)  # unchecked: INC-B's rows stay as they were
    assert not _stored_equals_full(engine, scope, opened)
    closed = close_period(http, engine, headers, force=True)
    assert closed["status"] in ("Completed", "Warning"), closed
    j = journal_entry.c
    with transaction(engine, readonly=True) as conn:
        revenue_b = conn.execute(
            select(j.id).where(j.rc_id == rc_b, j.period_key == opened.key, j.acctg_type == "R")
        ).all()
    assert revenue_b == []  # posted as a full generation computes it: no revenue for INC-B


def test_period_close_regenerates_in_full_and_the_next_period_starts_full(
    http: TestClient, engine: Engine
) -> None:
    tenant, headers = _two_contracts(http, engine)
    scope, opened = _open(engine, tenant)
    closed = close_period(http, engine, headers)
    assert closed["status"] == "Completed", closed
    _, february = _open(engine, tenant)
    assert february.key == 202602
    with transaction(engine, readonly=True) as conn:
        state = repo.journal_state_of(conn, scope)
    assert state is not None and state.period_key == 202602 and state.period_index == february.index
    assert _stored_equals_full(engine, scope, february)
    assert verify_tenant(engine, tenant) == []
