"""The outbound commands: report run / list, biview list / export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cli_support import point_cli_at, run
from inbound_data import so_line, transactions
from revrec.config import Settings
from revrec.jobs import worker
from support import login, make_tenant, unique


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def test_report_run_and_list(capsys: pytest.CaptureFixture[str], http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    headers = {**login(http, tenant), "templatename": "Standard Transaction", "filename": unique("f")}
    body = transactions(so_line("E1", **{"Item Num": ""}), so_line("E2", **{"Item Num": ""}))
    http.post("/api/integration/v1/csv/upload", headers=headers, content=body.encode())
    worker.run_until_idle(engine)
    code, out, _ = run(capsys, "report", "run", "--client", tenant.client, "stage-errors")
    assert code == 0 and "'Stage Errors Report': 2 row(s)" in out
    report_id = out.split()[1]
    code, out, _ = run(
        capsys, "report", "run", "--client", tenant.client, "stage-errors", "--param", "kind=event"
    )
    assert code == 0 and ": 0 row(s)" in out
    code, out, _ = run(capsys, "report", "list", "--client", tenant.client)
    assert code == 0 and report_id in out and "Completed" in out
    code, _, err = run(capsys, "report", "run", "--client", tenant.client, "waterfall")
    assert code == 2 and "stage-errors" in err
    code, _, err = run(
        capsys, "report", "run", "--client", tenant.client, "stage-errors", "--param", "kind=x"
    )
    assert code == 2 and "Invalid kind x" in err
    code, _, err = run(capsys, "report", "list", "--client", tenant.client, "--date", "2023-16-01")
    assert code == 2 and "Invalid date format" in err


def test_biview_list_and_export(capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path) -> None:
    tenant = make_tenant(engine)
    code, out, _ = run(capsys, "biview", "list")
    assert code == 0 and "BI3_ORG" in out and "BI3_MJE" in out
    code, out, _ = run(
        capsys, "biview", "export", "--client", tenant.client, "BI3_ORG", "--fields", "ORG_ID,ORG_NAME"
    )
    assert code == 0 and out.splitlines() == ["ORG_ID,ORG_NAME", "1,DEFAULT"]
    target = tmp_path / "types.csv"
    code, out, _ = run(
        capsys, "biview", "export", "--client", tenant.client, "BI3_ACCT_TYPE", "--output", str(target)
    )
    assert code == 0 and "18 row(s)" in out
    with target.open(newline="") as handle:
        ids = [r["ID"] for r in csv.DictReader(handle)]
    assert ids == ["R", "L", "X", "Y", "A", "U", "C", "N", "S", "O", "Q", "G", "I", "P", "H", "V", "W", "K"]
    code, _, err = run(capsys, "biview", "export", "--client", tenant.client, "BI3_NOPE")
    assert code == 2 and "BI3_NOPE does not exist" in err
