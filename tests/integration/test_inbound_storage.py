"""Rows written by the bulk path read back exactly through the typed tables; unstorable numbers are
refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from inbound_data import so_line, transactions
from revrec.db.session import transaction
from revrec.db.tables import stage_line, stage_line_hold
from revrec.jobs import worker
from support import login, make_tenant, unique

URL = "/api/integration/v1/csv/upload"


def _send(http: TestClient, token: dict[str, str], body: str) -> dict[str, object]:
    headers = {**token, "templatename": "Standard Transaction", "filename": unique("f")}
    return http.post(URL, headers=headers, content=body.encode()).json()  # type: ignore[no-any-return]


def test_bulk_written_values_read_back_exactly(http: TestClient, engine: Engine) -> None:
    token = login(http, make_tenant(engine))
    line = so_line(
        "S1",
        Curr="EUR",
        **{"F Ex Rate": "1.0876543210", "G Ex Rate": "0.9123456789", "Ext Sll Prc": "-987654321098.123456",
           "Ext Lst Prc": "999999999999.999999", "Ord Qty": "3.5", "Num1": "0.000001",
           "Atr10": 'ünïcode, "q"',
           "End Date": "29-FEB-2028", "Doc Date": "01-jan-1999"},
    )  # fmt: skip
    upload_id = _send(http, token, transactions(line))["result"]["id"]  # type: ignore[index]
    with transaction(engine) as conn:
        held = conn.execute(select(stage_line_hold).where(stage_line_hold.c.upload_id == upload_id)).all()
        staged = conn.execute(select(stage_line).where(stage_line.c.upload_id == upload_id)).all()
    # PostgreSQL pre-stage holds the rows as text until staging moves them into stage_line (typed)
    assert (len(held), len(staged)) == ((1, 0) if engine.dialect.name == "postgresql" else (0, 1))
    if held:
        worker.run_until_idle(engine)
    with transaction(engine) as conn:
        row = conn.execute(select(stage_line).where(stage_line.c.upload_id == upload_id)).one()
        assert not conn.execute(select(stage_line_hold).where(stage_line_hold.c.upload_id == upload_id)).all()
    assert row.f_ex_rate == Decimal("1.0876543210") and row.g_ex_rate == Decimal("0.9123456789")
    assert row.ext_sll_prc == Decimal("-987654321098.123456")
    assert row.ext_lst_prc == Decimal("999999999999.999999")
    assert row.ord_qty == Decimal("3.5") and row.num1 == Decimal("0.000001")
    assert row.end_date == date(2028, 2, 29) and row.so_date == date(1999, 1, 1)
    assert (
        row.atr10 == 'ünïcode, "q"' and row.processed_flag != ("P" if held else "N") and row.line_key == "S1"
    )
    assert row.unit_list_prc == Decimal("1200.00") and row.crtd_dt is not None
    worker.run_until_idle(engine)


def test_numbers_that_cannot_be_stored_exactly_are_refused(http: TestClient, engine: Engine) -> None:
    token = login(http, make_tenant(engine))
    body = transactions(
        so_line("T1", **{"Ext Sll Prc": "1.0000001"}),
        so_line("T2", **{"Ext Sll Prc": "1000000000000"}),
        so_line("T3", **{"F Ex Rate": "1.00000000001"}),
    )
    answer = _send(http, token, body)
    errors = answer["result"]["errors"]  # type: ignore[index]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (2, "Ext Sll Prc", "RREV-03011"),
        (3, "Ext Sll Prc", "RREV-03011"),
        (4, "F Ex Rate", "RREV-03011"),
    ]
    assert "at most 6 decimals" in errors[0]["reason"] and "at most 10 decimals" in errors[2]["reason"]


def test_cells_checked_cell_by_cell_are_stored_like_screened_ones(http: TestClient, engine: Engine) -> None:
    # Row S2's cells need stripping or are not in plain form, so it goes through the per-cell check; S1
    # takes the fast path. Both must store the same values.
    token = login(http, make_tenant(engine))
    fast = so_line(
        "S1",
        **{"Ext Sll Prc": "1.5", "Ord Qty": "-.5", "F Ex Rate": "1", "Doc Date": "01-FEB-2025",
           "Atr11": 'back\\slash\ttab\nline "q", \\N'},
    )  # fmt: skip
    slow = so_line(
        "S2",
        **{"Ext Sll Prc": "0001.5000000", "Ord Qty": " -0.5 ", "F Ex Rate": "1.00000000000",
           "Doc Date": " 1-feb-2025 ", "Cstmr Nm": "  Acme Corp  "},
    )  # fmt: skip
    upload_id = _send(http, token, transactions(fast, slow))["result"]["id"]  # type: ignore[index]
    worker.run_until_idle(engine)  # (PostgreSQL holds the rows until staging; the values do not change)
    with transaction(engine) as conn:
        rows = conn.execute(
            select(stage_line).where(stage_line.c.upload_id == upload_id).order_by(stage_line.c.row_num)
        ).all()
    for row in rows:
        assert row.ext_sll_prc == Decimal("1.5") and row.ord_qty == Decimal("-0.5")
        assert row.f_ex_rate == Decimal(1) and row.so_date == date(2025, 2, 1)
        assert row.cstmr_nm == "Acme Corp" and row.atr5 is None
    assert [(r.row_num, r.line_key) for r in rows] == [(2, "S1"), (4, "S2")]  # S1 spans two lines
    assert rows[0].atr11 == 'back\\slash\ttab\nline "q", \\N' and rows[1].atr11 is None
    worker.run_until_idle(engine)
