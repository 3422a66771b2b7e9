"""Settings are validated at start-up with messages that name the variable to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from revrec.config import ConfigError, load_settings


def test_embedded_default_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path)
    second = load_settings(data_dir=tmp_path)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.effective_database_url == f"sqlite:///{tmp_path.as_posix()}/revrec.sqlite3"
    assert first.token_ttl_seconds == 1800


def test_server_database_requires_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REVREC_SECRET_KEY is required"):
        load_settings(data_dir=tmp_path, database_url="postgresql://x@localhost/db")


def test_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_settings(data_dir=tmp_path, secret_key="short")


def test_bad_values_name_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVREC_TOKEN_TTL_SECONDS", "abc")
    with pytest.raises(ConfigError, match="REVREC_TOKEN_TTL_SECONDS"):
        load_settings(data_dir=tmp_path)
    monkeypatch.setenv("REVREC_TOKEN_TTL_SECONDS", "600")
    monkeypatch.setenv("REVREC_LOG_LEVEL", "chatty")
    with pytest.raises(ConfigError, match="REVREC_LOG_LEVEL"):
        load_settings(data_dir=tmp_path)
    monkeypatch.setenv("REVREC_LOG_LEVEL", "debug")
    assert load_settings(data_dir=tmp_path).log_level == "DEBUG"
    assert load_settings(data_dir=tmp_path).token_ttl_seconds == 600


def test_partial_tls_or_bootstrap_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REVREC_SSL_CERTFILE and REVREC_SSL_KEYFILE"):
        load_settings(data_dir=tmp_path, ssl_certfile=tmp_path / "c.pem")
    with pytest.raises(ConfigError, match="REVREC_BOOTSTRAP_CLIENT"):
        load_settings(data_dir=tmp_path, bootstrap_client="demo")
