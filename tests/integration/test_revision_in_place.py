"""A revision's in-place updates stay on their pages on PostgreSQL (migration 0038).

Collection writes ``rc_line`` and ``revenue_contract`` with ``COPY``; a later revision rewrites the lines it
keeps (their new allocation) and the contract's head in place. Those columns are not indexed, so PostgreSQL
makes each update HOT (same page, no new index entry) when the page has room: the tables keep a fifth of
each page free (``fillfactor`` 80). Without it, ``COPY`` packs the pages full and every such update moves
its row to another page and adds an entry to each index (docs/performance.md).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from accounting_support import accounting_tenant, bill, collect, send, subscription
from revrec.db.session import transaction
from revrec.tenancy import service as tenancy
from support import login

ORDERS = 60
LINES = 4  # lines a sales order: a contract each
# a tenth of them get an invoice of their first line (numbered with leading zeros: contracts are written in
# key order): 40 line rows apart, more than a page holds (about 23), so a page holds the rewritten lines of
# one contract at most, 4 rows of about 300 bytes, which its free fifth (1,638 bytes) takes. (With a fifth
# of the contracts revised, some pages would hold more rewritten rows than their free fifth.)
REVISED = range(0, ORDERS, 10)


def _pages(engine: Engine, table: str, client_id: int) -> dict[int, tuple[int, int]]:
    """id → (page, offset) of the client's current rows of ``table``."""
    current = " AND current_flag" if table == "rc_line" else ""
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT id, ctid::text FROM {table} WHERE client_id = :c{current}"),  # noqa: S608
            {"c": client_id},
        )
        found = {}
        for row_id, ctid in rows:
            page, offset = ctid.strip("()").split(",")
            found[int(row_id)] = (int(page), int(offset))
        return found


def test_storage_setting_of_the_revised_tables(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("fillfactor is a PostgreSQL storage setting")
    with engine.connect() as conn:
        for table in ("rc_line", "revenue_contract"):
            options = conn.execute(
                text("SELECT reloptions FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
            ).scalar()
            assert options is not None and "fillfactor=80" in options, (table, options)


def test_a_revision_rewrites_lines_and_heads_on_their_own_pages(http: TestClient, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("where PostgreSQL puts a row version is its own (SQLite has no fillfactor)")
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    lines = [
        subscription(f"HOT-{order:03}-{n}", f"HOT-SO-{order:03}", price=f"{1000 + 37 * n}.00")
        for order in range(ORDERS)
        for n in range(1, LINES + 1)
    ]
    send(http, headers, *lines)
    assert collect(http, engine, headers)["status"] == "Completed"
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
    lines_before = _pages(engine, "rc_line", client_id)
    heads_before = _pages(engine, "revenue_contract", client_id)
    assert len(lines_before) == ORDERS * LINES and len(heads_before) == ORDERS

    invoices = [bill("INV", f"HOT-{order:03}-1", f"HOT-I-{order:03}", "500.00") for order in REVISED]
    send(http, headers, *invoices)
    assert collect(http, engine, headers)["status"] == "Completed"

    lines_after = _pages(engine, "rc_line", client_id)
    rewritten = {
        i: (lines_before[i], where) for i, where in lines_after.items() if lines_before.get(i) != where
    }
    # the revised contracts' lines, reallocated in place (same id, a new row version): every one of them
    assert len(rewritten) == len(REVISED) * LINES, rewritten
    moved = {i: pair for i, pair in rewritten.items() if pair[0][0] != pair[1][0]}  # ((page, offset) ×2)
    assert moved == {}, f"{len(moved)} of {len(rewritten)} reallocated lines left their page: {moved}"
    heads_after = _pages(engine, "revenue_contract", client_id)
    revised_heads = {
        i: (heads_before[i], where) for i, where in heads_after.items() if heads_before[i] != where
    }
    assert len(revised_heads) == len(REVISED), revised_heads
    assert all(before[0] == after[0] for before, after in revised_heads.values()), revised_heads
