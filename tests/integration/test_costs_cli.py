"""``revrec cost process`` and ``revrec cost impairment-test`` on a real client (figures by hand)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, collect, send, subscription, totals, verify
from cli_support import point_cli_at, run
from costs_support import COSTS_SETUP, cost_row, send_costs
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.setup import service as setup_service
from support import login, unique


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def test_cost_process_and_impairment_test(
    capsys: pytest.CaptureFixture[str], http: TestClient, engine: Engine
) -> None:
    """1,200.00 over 2026; a 240.00 commission amortises 20.00 a month. At the end of January: carrying
    220.00, remaining consideration (given) 300.00, costs to provide 200.00 → recoverable 100.00, loss
    120.00; the remaining 100.00 spreads over February–December in proportion (20 each → 100 × 1/11 …)."""
    tenant = accounting_tenant(engine)
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document={"costs": COSTS_SETUP})
    api = login(http, tenant)
    so, cost = unique("SO"), unique("CST")
    send(http, api, subscription(f"{so}-1", so))
    assert collect(http, engine, api)["status"] == "Completed"
    send_costs(http, api, cost_row(cost, f"{so}-1", "Commission", "240.00"))
    code, out, err = run(capsys, "cost", "process", "--client", tenant.client)
    assert code == 0, err
    assert out.strip() == (
        "Completed: 1 cost line(s) recorded (1 capitalised), 0 in error, 0 waiting for their line"
    )
    assert totals(engine, tenant, 202601)["G"] == (240, 20)
    code, out, err = run(
        capsys, "cost", "impairment-test", "--client", tenant.client, cost, "--costs-to-provide", "200",
        "--remaining-consideration", "300.00",
    )  # fmt: skip
    assert code == 0, err
    assert (
        "carrying 220.00, remaining consideration 300.00, costs to provide 200.00, impairment loss 120.00"
        in out
    )
    assert "warning REVREC-ENG-062" in out
    assert totals(engine, tenant, 202601)["H"] == (120, 0)
    assert totals(engine, tenant, 202601)["G"] == (240, 140)
    assert verify(engine, tenant) == []
    code, _, err = run(
        capsys, "cost", "impairment-test", "--client", tenant.client, cost, "--costs-to-provide", "x"
    )
    assert code != 0 and "not a number" in err
