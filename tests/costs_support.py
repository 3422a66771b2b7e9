"""Builders for the contract-cost tests: the costs setup section, cost lines of the Standard Cost upload."""

from __future__ import annotations

from fastapi.testclient import TestClient

from inbound_data import to_csv
from revrec.costs.template import STANDARD_COST
from revrec.jobs import worker
from support import unique

COST_LABELS = [f.label for f in STANDARD_COST.fields]
COSTS_SETUP = {
    "payable_account": "2100-000",
    "impairment_account": "6950-000",
    "cost_types": [
        {"name": "Commission", "kind": "OBTAIN", "treatment": "REVENUE_PATTERN"},
        {"name": "Legal", "kind": "OBTAIN", "treatment": "EXPENSE"},
    ],
}


def cost_row(
    cost_line_id: str, line_id: str, cost_type: str, amount: str, day: str = "15-JAN-2026"
) -> dict[str, str]:
    return {
        "Type": "CST", "Cost Line Id": cost_line_id, "Doc Line Id": line_id, "Cost Type": cost_type,
        "Item Num": "SUB", "Curr": "USD", "F Cur": "USD", "F Ex Rate": "1", "G Ex Rate": "1",
        "Cost Amt": amount, "Start Date": day, "Cost Def Segments": "1500-000",
        "Cost Rev Segments": "6100-000",
    }  # fmt: skip


def send_costs(http: TestClient, headers: dict[str, str], *rows: dict[str, str]) -> None:
    response = http.post(
        "/api/integration/v1/csv/upload",
        headers={**headers, "templatename": "Standard Cost", "filename": unique("cst") + ".csv",
                 "content-type": "text/plain"},
        content=to_csv(COST_LABELS, rows).encode(),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    worker.run_until_idle(http.app.state.ctx.engine)  # type: ignore[attr-defined]
