"""CLI of inbound: template list, staging errors (and CSV download), staging delete, worker, setup section."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cli_support import point_cli_at, run
from inbound_data import so_line, transactions
from revrec.config import Settings
from support import login, make_tenant, unique


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def test_template_list_errors_delete(
    capsys: pytest.CaptureFixture[str], http: TestClient, engine: Engine, tmp_path: Path
) -> None:
    tenant = make_tenant(engine)
    code, out, _ = run(capsys, "template", "list", "--client", tenant.client)
    assert code == 0
    assert (
        "Standard Transaction" in out
        and "Standard Event" in out
        and "Standard Bundle" in out
        and " 77" in out
    )
    headers = {**login(http, tenant), "templatename": "Standard Transaction", "filename": unique("f")}
    body = transactions(so_line("E1", **{"Item Num": ""}), so_line("E2"))
    upload_id = http.post("/api/integration/v1/csv/upload", headers=headers, content=body.encode()).json()[
        "result"
    ]["id"]
    code, out, _ = run(capsys, "worker", "--once")
    assert code == 0 and "job(s) run" in out
    code, out, _ = run(capsys, "staging", "errors", "--client", tenant.client)
    assert code == 0 and "RPRO-00006" in out and "1 error line(s)" in out
    target = tmp_path / "errors.csv"
    run(capsys, "staging", "errors", "--client", tenant.client, "--csv", str(target))
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["so_line_id"] for r in rows] == ["E1"] and "RPRO-00006" in rows[0]["err_msg"]
    code, out, _ = run(
        capsys, "staging", "delete", "--client", tenant.client, "--upload", str(upload_id), "--dry-run"
    )
    assert code == 0 and "would delete 1 transaction staging row(s)" in out
    code, out, _ = run(capsys, "staging", "delete", "--client", tenant.client, "--upload", str(upload_id))
    assert "deleted 1 transaction staging row(s)" in out
    code, out, _ = run(capsys, "staging", "errors", "--client", tenant.client)
    assert "0 error line(s)" in out
    code, _, err = run(capsys, "staging", "delete", "--client", tenant.client)
    assert code == 2 and "name the rows to delete" in err


def test_templates_in_setup_document(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    tenant = make_tenant(engine)
    _, out, _ = run(capsys, "setup", "export", "--client", tenant.client)
    document = yaml.safe_load(out)
    names = [t["name"] for t in document["upload_templates"]]
    assert names == [
        "Standard Bundle",
        "Standard Cost",
        "Standard Event",
        "Standard MJE",
        "Standard Transaction",
        "Standard VC",
    ]
    document["upload_templates"].append({
        "name": "Short Orders", "kind": "transaction", "date_format": "YYYY-MM-DD",
        "fields": [{"seq": 1, "label": "Type", "col_name": "TYPE", "required": True},
                   {"seq": 2, "label": "Line", "col_name": "SO_LINE_ID"}],
    })  # fmt: skip
    path = tmp_path / "setup.yaml"
    path.write_text(yaml.safe_dump(document))
    code, out, _ = run(capsys, "setup", "apply", "--client", tenant.client, str(path))
    assert code == 0 and "upload_templates: 'Short Orders'" in out
    code, out, _ = run(capsys, "setup", "apply", "--client", tenant.client, str(path))
    assert "already up to date" in out
    document["upload_templates"][-1]["fields"][1]["col_name"] = "NOT_A_COLUMN"
    path.write_text(yaml.safe_dump(document))
    code, _, err = run(capsys, "setup", "apply", "--client", tenant.client, str(path))
    assert code == 2 and "NOT_A_COLUMN" in err
