"""Variable consideration in the revenue waterfall and the deferred revenue roll-forward reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from test_api_vc import VC_LABELS, _tenant

from accounting_support import close_period, collect, send, subscription, upload_csv, verify
from inbound_data import to_csv
from revrec.config import Settings
from revrec.http.app import create_app
from revrec.jobs import worker
from support import login, unique

D = Decimal
SUBMIT = "/api/integration/v1/1/programs/160/submit"
LIST = "/api/integration/v1/reports/list"
DOWNLOAD = "/api/integration/v1/reports/download/"
PARAMETER_IDS = {"REPORT NAME": 1601, "AS_OF_PERIOD": 1602, "FROM_PERIOD": 1603, "TO_PERIOD": 1604}


@pytest.fixture(scope="module")
def reports_app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(reports_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(reports_app) as test_client:
        yield test_client


def _report(
    http: TestClient, engine: Engine, headers: dict[str, str], report: str, **params: str
) -> list[Any]:
    values = {"REPORT NAME": report, **params}
    body = {
        "parameters": [{"parameter_id": PARAMETER_IDS[k], "parameter_value": v} for k, v in values.items()]
    }
    answer = http.post(SUBMIT, headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    worker.run_until_idle(engine)
    status = http.get(f"/api/integration/v1/1/jobs/{answer.json()['job_id']}", headers=headers).json()["data"]
    assert status["status"] == "Completed", status
    report_id = int(status["error_message"].split()[1])
    entry = {r["id"]: r for r in http.get(LIST, headers=headers).json()["Result"]}[report_id]
    return list(csv.DictReader(io.StringIO(http.get(DOWNLOAD + entry["file_name"], headers=headers).text)))


def test_vc_in_waterfall_and_rollforward(client: TestClient, engine: Engine) -> None:
    """A 1,200.00 subscription over 2026 with a rebate of -60.00 in January (expected value of -120 at
    50 %), re-estimated at -120.00 in February after January closed. VC recognised: January -60/12 = -5.00;
    through February -120 x 2/12 = -20.00, so February -15.00 (waterfall T_VC_AMT). Roll-forward of February:
    VC opening -60 - (-5) = -55.00, additions (the change of VC allocated) -60.00, releases -15.00, closing
    -55 - 60 + 15 = -100.00 (= -120 allocated - (-20) recognised). The contractual columns are unchanged:
    100.00 recognised a month."""
    tenant = _tenant(engine)
    headers = login(client, tenant)
    p = unique("rp")
    line = f"{p}-1"
    send(client, headers, subscription(line, f"{p}-SO"))
    collect(client, engine, headers)
    rebate = {
        "Doc Line Id": line,
        "VC Type": "rebate",
        "Estimate Date": "15-JAN-2026",
        "Scenario 1 Amt": "-120",
        "Scenario 1 Pct": "50",
        "Scenario 2 Amt": "0",
        "Scenario 2 Pct": "50",
    }
    upload_csv(client, headers, "Standard VC", to_csv(VC_LABELS, [rebate]), "vc")
    collect(client, engine, headers)
    close_period(client, engine, headers)
    later = {**rebate, "Estimate Date": "10-FEB-2026", "Scenario 1 Amt": "-240"}
    upload_csv(client, headers, "Standard VC", to_csv(VC_LABELS, [later]), "vc")  # fmt: skip
    collect(client, engine, headers)
    assert verify(engine, tenant) == []
    waterfall = {
        r["PRD_ID"]: r for r in _report(client, engine, headers, "revenue-waterfall", AS_OF_PERIOD="202602")
        if r["SO_LINE_ID"] == line
    }  # fmt: skip
    months = ("202601", "202602", "202603")
    assert [(waterfall[k]["T_NET_AMT"], waterfall[k]["T_VC_AMT"]) for k in months] == [
        ("100.00", "-5.00"), ("100.00", "-15.00"), ("100.00", "0.00"),
    ]  # fmt: skip
    assert waterfall["202602"]["R_VC_AMT"] == waterfall["202602"]["F_VC_AMT"] == "-15.00"
    rows = _report(client, engine, headers, "deferred-rollforward", FROM_PERIOD="202602", TO_PERIOD="202602")
    assert len(rows) == 1
    figures = [rows[0][f"T_VC_{m}"] for m in ("OPENING", "ADDITIONS", "RELEASES", "CLOSING")]
    assert figures == ["-55.00", "-60.00", "-15.00", "-100.00"]
