"""Variable consideration end to end through HTTP: the setup section, the Standard VC upload and its
staging errors, reassessment with cumulative catch-up at journalize and period close, V/W/K entries."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, send, subscription, upload_csv
from inbound_data import to_csv
from revrec.db.session import transaction
from revrec.db.tables import stage_error, vc_estimate
from revrec.errors import InvalidInput
from revrec.inbound.templates_std import STANDARD_VC
from revrec.jobs import worker
from revrec.setup import service as setup_service
from support import Tenant, login, unique

VC_LABELS = [f.label for f in STANDARD_VC.fields]
D = Decimal

VC_SETUP: dict[str, Any] = {
    "accounts": {"liability": "2450", "revenue": "4050", "clearing": "1450"},
    "types": [
        {"name": "performance_bonus", "method": "most_likely", "constraint": {"kind": "cap", "value": "600"}},
        {"name": "rebate", "method": "expected_value"},
        {"name": "usage_fee", "method": "expected_value", "constraint": {"kind": "fully_constrained"}},
        {
            "name": "volume_discount",
            "tiers": [{"from_units": "0", "unit_price": "100"}, {"from_units": "1000", "unit_price": "90"}],
            "allocation": {"to": "line"},
        },
    ],
}


def _tenant(engine: Engine) -> Tenant:
    tenant = accounting_tenant(engine)
    with transaction(engine) as conn:
        setup_service.apply_setup(
            conn, client_name=tenant.client, document={"variable_consideration": VC_SETUP}
        )
    return tenant


def _estimates(http: TestClient, headers: Mapping[str, str], *rows: Mapping[str, str]) -> int:
    return upload_csv(http, headers, "Standard VC", to_csv(VC_LABELS, rows), "vc")


def test_setup_section_round_trip_and_errors(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine)
    with transaction(engine) as conn:
        exported = setup_service.export_setup(conn, client_name=tenant.client)["variable_consideration"]
        again = setup_service.apply_setup(
            conn, client_name=tenant.client, document={"variable_consideration": exported}
        )
    assert [t["name"] for t in exported["types"]] == [
        "performance_bonus",
        "rebate",
        "usage_fee",
        "volume_discount",
    ]
    assert exported["types"][0]["constraint"] == {"kind": "cap", "value": "600"}
    assert again == []
    bad = {
        "types": [
            {"name": "x", "constraint": {"kind": "percent"}},
            {"name": "y", "allocation": {"to": "items"}},
        ]
    }
    with transaction(engine) as conn, pytest.raises(InvalidInput) as caught:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"variable_consideration": bad})
    text = str(caught.value)
    assert "variable_consideration.types.0.constraint" in text and "needs a value" in text
    assert "variable_consideration.types.1.allocation" in text


def test_standard_vc_template_and_staging_errors(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine)
    headers = login(http, tenant)
    mapping = http.get(
        "/api/integration/v1/upload/mapping", params={"templatename": "Standard VC"}, headers=headers
    )
    assert mapping.status_code == 200
    assert [m["col_name"] for m in mapping.json()["Mapping"]][:4] == [
        "SO_LINE_ID",
        "VC_TYPE",
        "EST_DATE",
        "ML_AMT",
    ]
    p = unique("st")
    send(http, headers, subscription(f"{p}-1", f"{p}-SO"))
    worker.run_until_idle(engine)
    good = {
        "Doc Line Id": f"{p}-1",
        "VC Type": "rebate",
        "Estimate Date": "15-JAN-2026",
        "Scenario 1 Amt": "-100",
        "Scenario 1 Pct": "40",
        "Scenario 2 Amt": "0",
        "Scenario 2 Pct": "60",
    }
    rows = [
        good,
        {**good, "Doc Line Id": ""},
        {**good, "VC Type": "nope"},
        {**good, "Scenario 2 Pct": "50"},
        {**good, "Scenario 1 Amt": "", "Scenario 1 Pct": "", "Scenario 2 Amt": "", "Scenario 2 Pct": ""},
        {**good, "Doc Line Id": f"{p}-unknown"},
        {**good, "Actual Flag": "X"},
        {"Doc Line Id": f"{p}-1", "VC Type": "volume_discount", "Estimate Date": "15-JAN-2026",
         "Most Likely Amt": "5"},
    ]  # fmt: skip
    upload_id = _estimates(http, headers, *rows)
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        flags = [
            r.processed_flag
            for r in conn.execute(
                select(vc_estimate.c.processed_flag)
                .where(vc_estimate.c.upload_id == upload_id)
                .order_by(vc_estimate.c.row_num)
            )
        ]
        codes = sorted(
            conn.execute(
                select(stage_error.c.code).where(
                    stage_error.c.kind == "vc",
                    stage_error.c.row_id.in_(
                        select(vc_estimate.c.id).where(vc_estimate.c.upload_id == upload_id)
                    ),
                )
            ).scalars()
        )
    assert flags == ["N", "E", "E", "E", "E", "E", "E", "E"]
    assert codes == [
        "RREV-04101",
        "RREV-04102",
        "RREV-04104",
        "RREV-04106",
        "RREV-04108",
        "RREV-04109",
        "RREV-04111",
    ]
