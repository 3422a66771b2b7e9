"""``revrec manual release|ssp|allocation|list|withdraw`` on a real client (figures as in
tests/api/test_api_manual_actions.py: price 1,500 allocated 1,125 / 375 by SSP 1,500 / 500)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, collect, send, worked_lines
from cli_support import point_cli_at, run
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import rc_line
from support import login, unique


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def _allocated(engine: Engine, rc_id: int) -> dict[str, Decimal]:
    with transaction(engine) as conn:
        rows = conn.execute(
            select(rc_line.c.line_id, rc_line.c.allocated).where(
                rc_line.c.rc_id == rc_id, rc_line.c.current_flag.is_(True)
            )
        ).all()
    return {r.line_id: Decimal(r.allocated) for r in rows}


def test_manual_commands(capsys: pytest.CaptureFixture[str], http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    prefix = unique("M")
    send(http, login(http, tenant), *worked_lines(prefix))
    assert collect(http, engine, login(http, tenant))["status"] == "Completed"
    sub, setup = f"{prefix}-1", f"{prefix}-2"
    with transaction(engine) as conn:
        rc_id = int(conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == sub)).scalar_one())
    client, rc = tenant.client, str(rc_id)
    code, out, err = run(
        capsys,
        "manual",
        "ssp",
        "--client",
        client,
        "--rc-id",
        rc,
        "--line",
        sub,
        "--ssp",
        "1000",
        "--reason",
        "price list",
        "--by",
        "alice",
    )
    assert code == 0, err
    action_id = out.split()[0]
    assert "SSP_OVERRIDE In force" in out and "in period 202601" in out
    assert _allocated(engine, rc_id) == {sub: Decimal("1000"), setup: Decimal("500")}  # 1,500 × 1,000/1,500
    code, out, err = run(
        capsys,
        "manual",
        "allocation",
        "--client",
        client,
        "--rc-id",
        rc,
        "--amount",
        f"{sub}=1100",
        "--reason",
        "deal desk",
    )
    assert code != 0 and "REVREC-ENG-032" in err  # 1,100 + 500 is not 1,500
    code, out, err = run(
        capsys,
        "manual",
        "allocation",
        "--client",
        client,
        "--rc-id",
        rc,
        "--amount",
        f"{sub}=1100",
        "--amount",
        f"{setup}=400",
        "--reason",
        "deal desk",
    )
    assert code == 0, err
    assert _allocated(engine, rc_id) == {sub: Decimal("1100"), setup: Decimal("400")}
    code, out, err = run(
        capsys,
        "manual",
        "release",
        "--client",
        client,
        "--rc-id",
        rc,
        "--line",
        sub,
        "--date",
        "2026-01-10",
        "--percent",
        "10",
        "--reason",
        "x",
    )
    assert code != 0 and "REVREC-ENG-033" in err  # an Upon Booking line is released already
    code, out, err = run(
        capsys, "manual", "withdraw", "--client", client, action_id, "--reason", "superseded"
    )
    assert code == 0 and "WITHDRAWAL" in out, err
    # the allocation override stays in force over the computed SSPs again
    assert _allocated(engine, rc_id) == {sub: Decimal("1100"), setup: Decimal("400")}
    code, out, _ = run(capsys, "manual", "list", "--client", client, "--rc-id", rc)
    kinds = [line.split()[1:3] for line in out.splitlines()[1:]]
    assert code == 0 and kinds == [
        ["SSP_OVERRIDE", "Withdrawn"],
        ["ALLOCATION_OVERRIDE", "In"],
        ["WITHDRAWAL", "In"],
    ]
    code, out, _ = run(capsys, "audit", "list", "--client", client, "--object-type", "manual_action")
    assert code == 0 and "manual.ssp_override" in out and "manual.withdrawal" in out and "alice" in out
