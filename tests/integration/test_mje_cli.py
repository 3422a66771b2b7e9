"""``revrec mje create|list|show|submit|approve|reject|reverse`` with the API's privilege and role checks:
an accrual of 1,500 (above the rule's 1,000) keyed, submitted, approved by the controller, reversed."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cli_support import point_cli_at, run
from mje_support import CONTROLLER, journal_rows, mje_tenant
from revrec.config import Settings


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def test_mje_lifecycle_from_the_command_line(
    capsys: pytest.CaptureFixture[str], http: TestClient, engine: Engine
) -> None:
    del http  # the app installs the setup sections the tenant's document uses
    tenant, controller = mje_tenant(engine)
    admin = ("--client", tenant.client, "--user", tenant.user, "--role", "Administrator")
    api = ("--client", tenant.client, "--user", tenant.user, "--role", "API Role")
    code, _, err = run(capsys, "mje", "create", *api, "--currency", "USD", "--line", "L:2400:1:",
                       "--line", "R:4000::1")  # fmt: skip
    assert code != 0 and "Manual Journal Entries" in err  # the API Role lacks the privilege
    code, _, err = run(capsys, "mje", "create", *admin, "--currency", "USD", "--line", "L:2400:10:",
                       "--line", "R:4000::9")  # fmt: skip
    assert code != 0 and "RREV-04001" in err  # debits 10 != credits 9
    code, out, err = run(capsys, "mje", "create", *admin, "--currency", "USD", "--number", "CLI-1",
                         "--line", "L:2400-DEF:1500:", "--line", "R:4000-REV::1500", "--submit")  # fmt: skip
    assert code == 0, err
    assert "CLI-1" in out and "Pending" in out
    mje_id = int(out.split()[0])
    as_controller = ("--client", tenant.client, "--user", controller.user, "--role", CONTROLLER)
    code, out, err = run(capsys, "mje", "approve", *as_controller, str(mje_id), "--comment", "ok")
    assert code == 0, err
    assert "Posted" in out
    assert [(r.acctg_type, r.dr_t, r.cr_t) for r in journal_rows(engine, tenant, mje_id)] == [
        ("L", 150000, 0),
        ("R", 0, 150000),
    ]
    code, out, _ = run(capsys, "mje", "show", *admin, str(mje_id))
    shown = json.loads(out)
    assert shown["approvals"][0]["decided_by"] == controller.user and shown["lines"][1]["credit"] == "1500.00"
    code, out, err = run(capsys, "mje", "reverse", *admin, str(mje_id), "--comment", "duplicate")
    assert code == 0, err
    assert "CLI-1-REV" in out and "Posted" in out
    code, out, _ = run(capsys, "mje", "list", *admin, "--status", "Posted")
    assert "CLI-1" in out and "CLI-1-REV" in out
