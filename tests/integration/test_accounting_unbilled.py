"""Right to bill (Unbill Flag Y): revenue before billing goes to unbilled receivable (U), reversed to the
contract liability when the invoice arrives. (The standard upload layout has no Unbill Flag column, so the
staged row is flagged directly, as a custom template mapping UNBILL_FLAG would.)"""

from __future__ import annotations

from decimal import Decimal as D

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from accounting_support import accounting_tenant, bill, close_period, collect, send, totals, verify
from inbound_data import so_line
from revrec.db.session import transaction
from revrec.db.tables import stage_line
from revrec.jobs import worker
from support import login


def test_unbilled_revenue_then_invoice(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    common = {"Doc Num": "UB-SO", "Cust Num": "UB-C", "Doc Date": "01-JAN-2026", "Item Num": "SUB",
              "Start Date": "01-JAN-2026", "End Date": "31-DEC-2026"}  # fmt: skip
    send(http, headers, so_line("UB-1", **common))
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        conn.execute(update(stage_line).where(stage_line.c.so_line_id == "UB-1").values(unbill_flag="Y"))
    assert collect(http, engine, headers)["status"] == "Completed"
    jan = totals(engine, tenant, 202601)
    # Dr L / Cr R 100 and Dr U / Cr L 100: nothing billed, so the liability is untouched and U holds 100
    assert jan["R"] == (D("0"), D("100.00"))
    assert jan["U"] == (D("100.00"), D("0"))
    assert jan["L"] == (D("100.00"), D("100.00"))
    assert "A" not in jan
    assert close_period(http, engine, headers)["status"] == "Completed"
    send(http, headers, bill("INV", "UB-1", "UB-I", "1200.00", **{**common, "Inv Date": "10-FEB-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    feb = totals(engine, tenant, 202602)
    # billing 1,200 (Dr C / Cr L), revenue 100 (Dr L / Cr R), unbilled 100 reversed (Dr L / Cr U)
    assert feb["C"] == (D("1200.00"), D("0"))
    assert feb["U"] == (D("0"), D("100.00"))
    assert feb["L"] == (D("200.00"), D("1200.00"))
    assert verify(engine, tenant) == []
