"""The audit trail of control actions: insert-only rows with state before/after, per client, in order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from revrec.controls import audit
from revrec.tenancy.service import create_client
from support import unique


def test_record_and_read_back_in_order_per_object(engine: Engine) -> None:
    with engine.begin() as conn:
        client_id = create_client(conn, name=unique("audit"))
        first = audit.record(
            conn,
            client_id=client_id,
            action="HOLD_APPLY",
            object_type="RC",
            object_id=7,
            actor="ann",
            reason="credit watch",
            after={"status": "Held", "amount": Decimal("1000.10"), "from": date(2026, 1, 1)},
        )
        second = audit.record(
            conn,
            client_id=client_id,
            action="HOLD_RELEASE",
            object_type="RC",
            object_id="7",
            actor="bob",
            before={"status": "Held"},
            after={"status": "Released"},
        )
        audit.record(
            conn, client_id=client_id, action="HOLD_APPLY", object_type="RC", object_id=8, actor="ann"
        )
        rows = audit.entries(conn, client_id, object_type="RC", object_id=7)
    assert [r.id for r in rows] == [first, second]
    assert rows[0].after == {"amount": "1000.10", "from": "2026-01-01", "status": "Held"}
    assert rows[0].before is None and rows[0].reason == "credit watch" and rows[0].actor == "ann"
    assert rows[1].before == {"status": "Held"} and rows[1].action == "HOLD_RELEASE"
    assert rows[0].acted_at is not None


def test_entries_are_per_client_and_page_forward(engine: Engine) -> None:
    with engine.begin() as conn:
        mine = create_client(conn, name=unique("audit"))
        theirs = create_client(conn, name=unique("audit"))
        ids = [
            audit.record(conn, client_id=mine, action="MJE_POST", object_type="MJE", object_id=i, actor="ann")
            for i in range(3)
        ]
        audit.record(conn, client_id=theirs, action="MJE_POST", object_type="MJE", object_id=0, actor="eve")
        assert [r.id for r in audit.entries(conn, mine)] == ids
        assert [r.id for r in audit.entries(conn, mine, after_id=ids[0], limit=1)] == [ids[1]]
        assert [r.actor for r in audit.entries(conn, theirs)] == ["eve"]
        assert audit.entries(conn, mine, action="HOLD_APPLY") == []
