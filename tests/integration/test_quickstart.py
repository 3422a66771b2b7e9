"""docs/quickstart.md cannot drift: every shell block of the page runs, in order, in one bash against a live
``revrec serve`` on a free port with a throw-away SQLite database (the page's first block, ``make run``,
is what starts that server), and the output shows each step did what the page says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from test_serve import serving

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "quickstart.md"


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)


def _workdir(tmp_path: Path) -> Path:
    """A directory that looks like the repository to the page: ``examples/`` and ``.venv/bin/revrec``."""
    work = tmp_path / "repo"
    (work / ".venv" / "bin").mkdir(parents=True)
    (work / ".venv" / "bin" / "revrec").symlink_to(Path(sys.executable).parent / "revrec")
    (work / "examples").symlink_to(ROOT / "examples")
    return work


def test_every_command_of_the_quickstart_runs_against_a_live_server(tmp_path: Path) -> None:
    blocks = shell_blocks(PAGE.read_text())
    assert blocks[0].strip() == "make run"  # replaced by the server started here
    assert len(blocks) >= 10
    script = "set -euo pipefail\n" + "\n".join(blocks[1:])
    with serving(tmp_path) as (port, log):
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "BASE": f"http://127.0.0.1:{port}",
            "REVREC_DATA_DIR": str(tmp_path / "var"),  # the server's database, for `revrec period ...`
        }
        done = subprocess.run(
            ["bash", "-c", script], cwd=_workdir(tmp_path), env=environment, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{log.read_text()}"
    out = done.stdout
    for expected in (
        "token: ",
        '"status":"Staged"',
        "RPRO-00002",
        "stage errors: HTTP 204",
        "5 line(s) collected, 3 new and 0 revised contract(s), 0 line(s) in error, period 202601",
        "current period 202601",
        "1,SO-1001,Acme Corp,PRO-SUB,12000.000000,11000.000000,1000.000000",
        "Period 202601 closed (6 journal summary line(s) posted); period 202602 is open",
        "202601  2026-01-01 .. 2026-01-31  Closed  closed by demo",
        "READY TO TRANSFER",
        '{"status":"Success"}',
        "Report 10002 (Waterfall Report)",
    ):
        assert expected in out, f"{expected!r} not in\n{out}"
    assert out.rstrip().splitlines()[-5].startswith("AS_OF_PRD_ID,RC_ID,")  # the report, by signed URL
