"""Prospective modifications, the remaining gaps of issue 13, end to end through the HTTP API: the
``schedule_rounding`` convention of the remaining runs. Figures derived by hand in each test."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import WORKED_POLICIES, close_period, collect, send, subscription, verify
from biviews_support import table_of
from revrec.auth.privileges import ADMIN_ROLE
from support import Tenant, login, make_tenant, unique

SETUP = "/api/admin/v1/setup"


def _configured(
    http: TestClient, engine: Engine, policies: dict[str, Any], treatment: str = "Prospective"
) -> tuple[Tenant, dict[str, str]]:
    """A client with ``policies`` and the modification ``treatment`` applied over the admin API; the
    integration API headers."""
    tenant = make_tenant(engine)
    admin = login(http, tenant, role=ADMIN_ROLE)
    document = {
        "policies": policies,
        "accounting": {"modification_treatment": treatment, "open_period": 202601},
    }
    applied = http.put(SETUP, headers=admin, json=document)
    assert applied.status_code == 200, applied.text
    return tenant, login(http, tenant)


def _schedule(http: TestClient, headers: dict[str, str], line_id: str) -> dict[str, D]:
    """Revenue (type R) per period of SO line ``line_id`` from BI3_RC_SCHD."""
    lines = {r["ID"]: r["SO_LINE_ID"] for r in table_of(http, headers, "BI3_RC_LNS")}
    found: dict[str, D] = defaultdict(D)
    for row in table_of(http, headers, "BI3_RC_SCHD"):
        if lines[row["LINE_ID"]] == line_id and row["SCHD_TYPE_FLAG"] == "R":
            found[row["POST_PRD_ID"]] += D(row["AMOUNT"])
    return {k: v for k, v in found.items() if v}


@pytest.mark.parametrize(
    ("rounding", "takes_remainder"),
    [("Cumulative", "202607"), ("Last Period", "202612"), ("First Period", "202603")],
)
def test_prospective_revision_honours_schedule_rounding(
    http: TestClient, engine: Engine, rounding: str, takes_remainder: str
) -> None:
    """1,200.00 over 2026 (100.00 a month); January and February close; in March the price becomes
    2,300.01. Prospective: 2,300.01 − 200.00 = 2,100.01 remain for the ten months March–December, 210.001
    each. By hand: Last Period — nine months of 210.00 and 210.01 in December; First Period — 210.01 in
    March, then 210.00; Cumulative — running totals round(210.001 × k): 1,050.005 → 1,050.01 at k = 5, so
    July (the fifth month) takes 210.01. Closed January and February stay 100.00."""
    tenant, headers = _configured(http, engine, {**WORKED_POLICIES, "schedule_rounding": rounding})
    so = unique("SO")
    send(http, headers, subscription(f"{so}-1", so, "1200.00"))
    assert collect(http, engine, headers)["status"] == "Completed"
    for _ in range(2):
        assert close_period(http, engine, headers)["status"] == "Completed"
    send(http, headers, subscription(f"{so}-1", so, "2300.01", **{"Doc Date": "01-MAR-2026"}))
    assert collect(http, engine, headers)["status"] == "Completed"
    expected = {"202601": D("100.00"), "202602": D("100.00")}
    expected |= {str(202600 + m): D("210.00") for m in range(3, 13)}
    expected[takes_remainder] = D("210.01")
    assert _schedule(http, headers, f"{so}-1") == expected
    assert sum(expected.values()) == D("2300.01")
    assert verify(engine, tenant) == []
