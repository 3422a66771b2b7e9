"""Reading BI views through HTTP in the tests: v1 in one page, v2 in one CSV page."""

from __future__ import annotations

import csv
import io
import time

from fastapi.testclient import TestClient

from accounting_support import bill
from inbound_data import so_line

V1 = "/api/integration/v1/biviews/"
V2 = "/api/integration/v2/biviews/"


def _records(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def table_of(http: TestClient, headers: dict[str, str], view: str, **params: str) -> list[dict[str, str]]:
    """Every row of ``view`` (v1, one page of 10,000) as dicts by column name; [] on 204."""
    answer = http.get(V1 + view, headers=headers, params={"pagesize": "10000", **params})
    if answer.status_code == 204:
        return []
    assert answer.status_code == 200, answer.text
    return _records(answer.text)


def table_v2(http: TestClient, headers: dict[str, str], view: str, **params: str) -> list[dict[str, str]]:
    """The same through v2 (``outputType=csv``, one page of 10,000)."""
    answer = http.get(V2 + view, headers=headers, params={"pageSize": "10000", "outputType": "csv", **params})
    until_read(http, headers, answer.headers.get("continuation-token"))
    if answer.status_code == 204:
        return []
    assert answer.status_code == 200, answer.text
    return _records(answer.content.decode("utf-8"))


def until_read(http: TestClient, headers: dict[str, str], token: str | None) -> None:
    """Wait until the task's background reader is done (it counts against the one query per view)."""
    deadline = time.monotonic() + 10
    while token:
        status = http.get(f"/api/integration/v2/biviews-status/{token}", headers=headers)
        if status.status_code == 204 or not status.json().get("active"):
            return
        assert time.monotonic() < deadline, "the v2 reader did not finish"
        time.sleep(0.02)


def worked_example(prefix: str, invoiced: str | None = "01-JAN-2026") -> list[dict[str, str]]:
    """accounting-model.md's worked example as upload rows: SUB 1,200 ratable over 2026 and SETUP 300 on
    1 January (SSP 1,500 / 500: allocated 1,125 / 375), both invoiced in full on ``invoiced`` (None: not
    invoiced; :func:`invoices` sends them later)."""
    rows = [so_line(f"{prefix}-{n}", **_example_line(prefix, n)) for n in (1, 2)]
    return rows + (invoices(prefix, invoiced) if invoiced else [])


def invoices(prefix: str, date: str) -> list[dict[str, str]]:
    """The worked example's two invoices (1,200 and 300), dated ``date``."""
    return [
        bill(
            "INV",
            f"{prefix}-{n}",
            f"{prefix}-I{n}",
            _AMOUNTS[n],
            **_example_line(prefix, n),
            **{"Inv Date": date},
        )
        for n in (1, 2)
    ]


_AMOUNTS = {1: "1200.00", 2: "300.00"}


def _example_line(prefix: str, n: int) -> dict[str, str]:
    item, end = ("SUB", "31-DEC-2026") if n == 1 else ("SETUP", "01-JAN-2026")
    amount = _AMOUNTS[n]
    return {
        "Doc Num": f"{prefix}-SO", "Doc Date": "01-JAN-2026", "Cust Num": f"{prefix}-C", "Item Num": item,
        "Start Date": "01-JAN-2026", "End Date": end, "Ext Sll Prc": amount, "Ext Lst Prc": amount,
        "Unit Sell Prc": amount, "Unit List Prc": amount,
    }  # fmt: skip
