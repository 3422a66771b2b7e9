"""``revrec job run|status|list``, ``revrec period status|list`` and ``revrec verify`` on a real client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, send, totals
from cli_support import point_cli_at, run
from inbound_data import so_line
from revrec.cli_jobs import progress_bar
from revrec.config import Settings
from revrec.jobs import worker
from support import login


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def test_progress_bar() -> None:
    assert progress_bar(600, 1000, width=10) == "[######....]  60% 600/1000"
    assert progress_bar(0, 0, width=4) == "[####] 100% 0/0"


def test_job_run_status_list_and_verify(
    capsys: pytest.CaptureFixture[str], http: TestClient, engine: Engine
) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    common = {
        "Doc Num": "CLI-SO",
        "Cust Num": "CLI-C",
        "Doc Date": "01-JAN-2026",
        "Item Num": "SUB",
        "Start Date": "01-JAN-2026",
        "End Date": "31-DEC-2026",
    }
    send(http, headers, so_line("CLI-1", **common), so_line("CLI-2", **common))
    worker.run_until_idle(engine)
    code, out, _ = run(capsys, "period", "status", "--client", tenant.client)
    assert code == 0 and "no accounting period yet" in out
    code, out, err = run(
        capsys, "job", "run", "--client", tenant.client, "150", "--param", "rc_template_name=Std"
    )
    assert code == 0, err
    assert "[Completed]" in out and "100% 2/2" in out
    job_id = out.split()[1]
    code, out, _ = run(capsys, "job", "status", "--client", tenant.client, job_id)
    assert code == 0 and "RevPro3.0 Data Collection Master [Completed]" in out
    code, out, _ = run(capsys, "verify", "--client", tenant.client)
    assert code == 0 and "ok: every invariant holds" in out
    code, out, _ = run(
        capsys, "job", "run", "--client", tenant.client, "RevPro3.0 Execute Period Close & Open Process"
    )
    assert code == 0 and "[Completed]" in out
    code, out, _ = run(capsys, "job", "list", "--client", tenant.client)
    assert code == 0 and "2 job(s)" in out
    assert "Period 202601 closed (" in out and "period 202602 is open" in out  # what the close did
    code, out, _ = run(capsys, "period", "status", "--client", tenant.client)
    assert code == 0 and "current period 202602  2026-02-01 .. 2026-02-28  Open" in out
    assert "last closed: 202601  2026-01-01 .. 2026-01-31  Closed  closed by cli at " in out
    code, out, _ = run(capsys, "period", "list", "--client", tenant.client)
    assert code == 0 and out.splitlines()[1].startswith("202601") and "2 period(s)" in out
    assert totals(engine, tenant, 202602)["R"][1] == 200  # two lines of 1,200 a year: 100 each a month


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("150", "--param", "rc_template_name"), "--param 'rc_template_name': expected KEY=VALUE"),
        (("152", "--param", "nope=Y"), "with KEY one of the parameters of program 152 (force)"),
        (("152", "--param", "force=maybe"), "parameter 1521 (FORCE) must be one of Y, N, not 'maybe'"),
        (("154", "--param", "1541=Closed"), "parameter 1541 (STATUS) must be one of Soft Close, Open"),
    ],
)
def test_job_run_refuses_bad_parameters_before_queueing(
    capsys: pytest.CaptureFixture[str], engine: Engine, args: tuple[str, ...], expected: str
) -> None:
    tenant = accounting_tenant(engine)
    code, out, err = run(capsys, "job", "run", "--client", tenant.client, *args)
    assert code == 2 and expected in err, err
    code, out, _ = run(capsys, "job", "list", "--client", tenant.client)
    assert "0 job(s)" in out
