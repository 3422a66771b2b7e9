"""A generation of every contract on PostgreSQL writes only the difference (revrec.accounting.repository.
_rewrite_difference): an unposted revenue entry equal in every column to a computed one stays, with its
id; a stored entry no computed one equals goes; a computed entry no stored one equals is written. The rows
left are those of deleting the period's unposted rows and inserting the computation (SQLite still does
that), so the tests below check the same rows on both databases and which rows were kept on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update

from accounting_support import accounting_tenant, bill, collect, scope_of, send, subscription
from accounting_support import verify as verify_tenant
from revrec.accounting import repository as repo
from revrec.accounting import service as accounting
from revrec.db.session import transaction
from revrec.db.tables import journal_entry, rc_schedule, revenue_contract
from revrec.periods import service as periods
from revrec.periods.service import Scope
from support import Tenant, login

#: a stored entry marked with this post_batch_id (no batch has it) and still marked was kept
MARK = -7


def _collected(http: TestClient, engine: Engine) -> tuple[Tenant, Scope, Any, dict[str, int]]:
    """Sales orders DIF-A and DIF-B (a contract each), collected and DIF-B billed in January; the tenant,
    its scope, the open period and each contract's id by sales order."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    rows = [subscription(f"DIF-{so}-{n}", f"DIF-{so}") for so in "AB" for n in (1, 2)]
    send(http, headers, *rows, bill("INV", "DIF-B-1", "DIF-B-I1", "1200.00", **{"Inv Date": "05-JAN-2026"}))
    done = collect(http, engine, headers)
    assert done["status"] == "Completed" and "2 new and 0 revised" in done["error_message"], done
    scope, calendar = scope_of(engine, tenant)
    c = revenue_contract.c
    with transaction(engine, readonly=True) as conn:
        opened = periods.current_open(conn, scope, calendar)
        ids = {
            str(key).split("DIF-")[1][0]: int(rc_id)
            for rc_id, key in conn.execute(select(c.id, c.rc_key).where(c.client_id == scope.client_id))
        }
    assert opened is not None and set(ids) == {"A", "B"}
    return tenant, scope, opened, ids


def _mark(engine: Engine, scope: Scope) -> None:
    j = journal_entry.c
    with transaction(engine) as conn:
        conn.execute(
            update(journal_entry)
            .where(j.client_id == scope.client_id, j.posted_flag.is_(False))
            .values(post_batch_id=MARK)
        )


def _kept_by_contract(engine: Engine, scope: Scope) -> dict[int, set[bool]]:
    """Per contract: whether its unposted revenue rows were kept (still marked) or written."""
    j = journal_entry.c
    with transaction(engine, readonly=True) as conn:
        rows = conn.execute(
            select(j.rc_id, j.post_batch_id).where(
                j.client_id == scope.client_id, j.posted_flag.is_(False), j.origin.is_(None)
            )
        ).all()
    found: dict[int, set[bool]] = {}
    for rc_id, batch in rows:
        found.setdefault(int(rc_id), set()).add(batch == MARK)
    return found


def _stored_and_computed(engine: Engine, scope: Scope, opened: Any) -> tuple[list[Any], list[Any]]:
    with transaction(engine, readonly=True) as conn:
        accounts = accounting.book_accounts(conn, scope)
        stored = repo.stored_revenue_entries(conn, scope, opened.key)
        computed = repo.computed_revenue_entries(conn, scope, opened.index, opened.key, accounts)
    return stored, computed


def test_a_full_generation_keeps_equal_entries_and_replaces_the_others(
    http: TestClient, engine: Engine
) -> None:
    _, scope, opened, ids = _collected(http, engine)
    s, j = rc_schedule.c, journal_entry.c
    with transaction(engine) as conn:
        # DIF-B's schedules recognise nothing any more (written without stamping its contract), and DIF-A
        # has an unposted revenue entry that no computation makes
        conn.execute(
            update(rc_schedule)
            .where(s.rc_id == ids["B"], s.current_flag.is_(True))
            .values(rev_t="[]", rev_f="[]", rev_r="[]", n=0)
        )
        conn.execute(
            insert(journal_entry).values(
                client_id=scope.client_id, book_id=scope.book_id, org_id=scope.org_id,
                period_key=opened.key, rc_id=ids["A"], acctg_type="R", acctg_seg="STALE",
                curr="USD", f_cur="USD", r_cur="USD", dr_t=0, cr_t=5, dr_f=0, cr_f=5, dr_r=0, cr_r=5,
                posted_flag=False,
            )
        )  # fmt: skip
    stored, computed = _stored_and_computed(engine, scope, opened)
    assert stored != computed
    _mark(engine, scope)
    with transaction(engine) as conn:
        held = accounting.journalize(conn, scope, opened, full=True)
    stored, computed = _stored_and_computed(engine, scope, opened)
    assert stored == computed and held == len(stored)  # the rows of a full generation, counted
    with transaction(engine, readonly=True) as conn:
        stale = conn.execute(select(j.id).where(j.acctg_seg == "STALE")).all()
        revenue_b = conn.execute(
            select(j.id).where(j.rc_id == ids["B"], j.period_key == opened.key, j.acctg_type == "R")
        ).all()
    assert stale == [] and revenue_b == []
    kept = _kept_by_contract(engine, scope)
    if engine.dialect.name == "postgresql":
        assert kept[ids["A"]] == {True}  # DIF-A's real entries: equal, kept with their ids
        assert False in kept[ids["B"]]  # DIF-B's changed entries written again
    else:
        assert kept[ids["A"]] == kept[ids["B"]] == {False}  # SQLite rewrites every row


def test_a_full_generation_with_nothing_changed_writes_nothing_on_postgresql(
    http: TestClient, engine: Engine
) -> None:
    tenant, scope, opened, ids = _collected(http, engine)
    _mark(engine, scope)
    with transaction(engine, readonly=True) as conn:
        held = repo.count_revenue_entries(conn, scope, opened.key)
    with transaction(engine) as conn:
        assert accounting.journalize(conn, scope, opened, full=True) == held
    kept = _kept_by_contract(engine, scope)
    expected = {True} if engine.dialect.name == "postgresql" else {False}
    assert kept[ids["A"]] == kept[ids["B"]] == expected
    stored, computed = _stored_and_computed(engine, scope, opened)
    assert stored == computed
    assert verify_tenant(engine, tenant) == []


def test_an_empty_period_gets_every_entry(http: TestClient, engine: Engine) -> None:
    """The first generation of a period (nothing stored): every computed entry is written."""
    _, scope, opened, _ = _collected(http, engine)
    j = journal_entry.c
    with transaction(engine) as conn:
        conn.execute(journal_entry.delete().where(j.client_id == scope.client_id, j.posted_flag.is_(False)))
    with transaction(engine) as conn:
        held = accounting.journalize(conn, scope, opened, full=True)
    stored, computed = _stored_and_computed(engine, scope, opened)
    assert stored and stored == computed and held == len(stored)
