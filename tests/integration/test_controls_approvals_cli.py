"""``revrec approval list|approve|reject`` on a pending revision, with the API's role and privilege checks."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import revenue
from approvals_support import MANAGER, revised_pending, steps_of
from cli_support import point_cli_at, run
from revrec.config import Settings


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def test_list_and_reject_from_the_command_line(
    capsys: pytest.CaptureFixture[str], http: TestClient, engine: Engine
) -> None:
    tenant, _headers, as_manager, rc_id, manager_user = revised_pending(http, engine)
    manager = steps_of(http, as_manager)[0]
    code, out, _ = run(capsys, "approval", "list", "--client", tenant.client, "--status", "Pending")
    assert code == 0 and f"{rc_id:>8}" in out and MANAGER in out
    code, _, err = run(capsys, "approval", "reject", "--client", tenant.client, "--user", tenant.user,
                       "--role", "API Role", str(rc_id), "--comment", "no")  # fmt: skip
    assert code != 0 and "Revenue Approvals" in err  # the API Role lacks the privilege
    assert manager["status"] == "Pending"
    code, out, err = run(capsys, "approval", "reject", "--client", tenant.client, "--user",
                         manager_user.user, "--role", MANAGER, str(rc_id), "--comment",
                         "not signed")  # fmt: skip
    assert code == 0, err
    assert "rejected at step 1" in out
    assert revenue(engine, tenant, 202602) == D("100.00")  # the 1,200 revision again: 100 a month
    code, out, _ = run(capsys, "approval", "list", "--client", tenant.client, "--rc-id", str(rc_id))
    assert "Rejected" in out and "not signed" in out
