"""Running the revrec command in-process against the test database."""

from __future__ import annotations

import io
import sys

import pytest

from revrec import cli
from revrec.config import Settings


def point_cli_at(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Make ``revrec`` commands use the test database and secret."""
    monkeypatch.setenv("REVREC_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("REVREC_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("REVREC_DATA_DIR", str(settings.data_dir))


def run(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> tuple[int, str, str]:
    """Run one command; its exit code, standard output and standard error."""
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(list(args))
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out, err
