"""Builders for the rights-of-return tests: the setup section ``returns`` and ASC 606 Example 22's sale."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from accounting_support import bill
from inbound_data import so_line
from revrec.db.session import transaction
from revrec.setup import service as setup_service
from support import Tenant

EXAMPLE_22 = {"product_family": "HARDWARE", "return_percent": "3", "cost_percent": "60"}


def terms(engine: Engine, tenant: Tenant, *entries: dict[str, Any]) -> None:
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"returns": list(entries)})


def sale(so: str) -> list[dict[str, str]]:
    """100 products at 100.00, delivered (Immediate Using Start Date) and paid on 15 January 2026."""
    dates = {"Doc Num": so, "Cust Num": f"C-{so}", "Doc Date": "15-JAN-2026", "Item Num": "SETUP",
             "Prod Fmly": "HARDWARE", "Start Date": "15-JAN-2026", "End Date": "15-JAN-2026"}  # fmt: skip
    prices = {"Ord Qty": "100", "Unit Sell Prc": "100.00", "Unit List Prc": "100.00",
              "Ext Sll Prc": "10000.00", "Ext Lst Prc": "10000.00"}  # fmt: skip
    line = so_line(f"{so}-1", **dates, **prices)
    invoice = bill("INV", f"{so}-1", f"{so}-I1", "10000.00", **dates, **{"Inv Date": "15-JAN-2026",
                   "Inv Qty": "100", "Unit Sell Prc": "100.00", "Unit List Prc": "100.00"})  # fmt: skip
    return [line, invoice]
