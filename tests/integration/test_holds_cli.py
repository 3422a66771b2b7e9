"""``revrec hold apply|release|list|expire`` and ``revrec audit list`` on a real client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, collect, revenue, send, subscription
from cli_support import point_cli_at, run
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import rc_line
from support import login, unique


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def test_hold_apply_release_list_and_audit(
    capsys: pytest.CaptureFixture[str], http: TestClient, engine: Engine
) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    send(http, headers, subscription(f"{so}-1", so))
    assert collect(http, engine, headers)["status"] == "Completed"
    with transaction(engine) as conn:
        rc_id = conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == f"{so}-1")).scalar_one()
    client = tenant.client
    code, out, err = run(
        capsys, "hold", "apply", "--client", client, "--rc-id", str(rc_id), "--type", "revenue",
        "--comment", "disputed", "--by", "alice", "--expiry", "2026-01-15",
    )  # fmt: skip
    assert code == 0, err
    hold_id = out.split()[0]
    assert "REVENUE" in out and "by alice; active" in out
    assert revenue(engine, tenant, 202601) == 0
    code, out, err = run(
        capsys, "hold", "apply", "--client", client, "--rc-id", str(rc_id), "--type", "x", "--comment", "c"
    )
    assert code != 0 and "hold type" in err
    code, out, _ = run(capsys, "hold", "list", "--client", client, "--active")
    assert code == 0 and out.split()[0] == hold_id
    code, out, _ = run(capsys, "hold", "expire", "--client", client)
    assert code == 0 and "1 expired hold(s) released" in out
    assert revenue(engine, tenant, 202601) == 100
    code, out, err = run(capsys, "hold", "release", "--client", client, hold_id, "--comment", "again")
    assert code != 0 and "already released" in err
    code, out, _ = run(capsys, "audit", "list", "--client", client, "--object-type", "hold")
    assert code == 0 and "hold.apply" in out and "hold.release" in out and "reason: disputed" in out
