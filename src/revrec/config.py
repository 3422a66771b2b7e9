"""Settings: read once from the environment (prefix ``REVREC_``) at start-up and passed down.

Nothing here runs at import time; :func:`load_settings` builds a validated :class:`Settings` and turns every
problem into one :class:`ConfigError` with a message that says which variable to fix.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
DEFAULT_SQLITE_FILE = "revrec.sqlite3"
SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
MIN_SECRET_LENGTH = 32


class ConfigError(Exception):
    """The environment does not describe a valid configuration."""


class Settings(BaseSettings):
    """Every setting of a revrec process."""

    model_config = SettingsConfigDict(env_prefix="REVREC_", extra="ignore", frozen=True)

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    secret_key: str = Field(default="", repr=False)
    token_ttl_seconds: int = Field(default=1800, ge=60, le=86400)
    token_algorithm: str = "HS256"  # noqa: S105
    token_issuer: str = "revrec"  # noqa: S105
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    auth_max_failures: int = Field(default=5, ge=1)
    auth_failure_window_seconds: int = Field(default=300, ge=1)
    auth_lockout_seconds: int = Field(default=300, ge=1)
    auth_max_address_failures: int = Field(default=20, ge=1)
    auth_verify_slots: int = Field(default=0, ge=0)  # 0: one per core
    auth_verify_wait_ms: int = Field(default=10_000, ge=0)
    auth_verify_nice: int = Field(default=10, ge=0, le=19)
    bootstrap_client: str | None = None
    bootstrap_user: str | None = None
    bootstrap_password: str | None = Field(default=None, repr=False)
    max_csv_upload_lines: int = Field(default=20000, ge=1)
    max_file_upload_lines: int = Field(default=60000, ge=1)
    max_uploads_in_flight: int = Field(default=2, ge=1)
    max_line_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_problems: int = Field(default=1000, ge=1, le=100_000)
    run_worker: bool = True
    worker_poll_ms: int = Field(default=200, ge=10, le=60000)
    job_lease_seconds: int = Field(default=30, ge=3, le=600)
    collection_partitions: int = Field(default=1, ge=1, le=64)  # Data Collection split by contract
    # --- outbound: BI views (docs/outbound.md) ---
    biviews_max_queries_per_client: int = Field(default=5, ge=1)
    biviews_max_queries_per_view: int = Field(default=1, ge=1)
    biviews_retry_after_seconds: int = Field(default=5, ge=1)
    biviews_completed_keep_seconds: int = Field(default=300, ge=1)
    biviews_draining_keep_seconds: int = Field(default=5, ge=1)
    biviews_stale_after_seconds: int = Field(default=240, ge=1)
    biviews_resume_within_seconds: int = Field(default=300, ge=1)
    biviews_page_wait_ms: int = Field(default=10_000, ge=0)
    biviews_first_page_wait_ms: int = Field(default=60_000, ge=0)
    biviews_default_output: str = "gzip"
    biviews_calendar_years_before: int = Field(default=10, ge=0, le=100)
    biviews_calendar_years_after: int = Field(default=10, ge=0, le=100)
    # --- outbound: reports ---
    report_retention_seconds: int = Field(default=48 * 3600, ge=1)
    report_signed_url_ttl_seconds: int = Field(default=1800, ge=1)
    report_zip_threshold_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    report_download_max_bytes: int = Field(default=1024 * 1024 * 1024, ge=1)
    public_base_url: str = ""

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}:
            raise ValueError("must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG")
        return level

    @field_validator("biviews_default_output")
    @classmethod
    def _output(cls, value: str) -> str:
        if value.lower() not in {"csv", "gzip"}:
            raise ValueError("must be csv or gzip")
        return value.lower()

    @field_validator("token_algorithm")
    @classmethod
    def _alg(cls, value: str) -> str:
        if value not in {"HS256", "HS384", "HS512"}:
            raise ValueError("must be HS256, HS384 or HS512")
        return value

    @property
    def is_embedded(self) -> bool:
        """True when running on the embedded SQLite default (no database URL given)."""
        return not self.database_url or self.database_url == self.default_sqlite_url

    @property
    def default_sqlite_url(self) -> str:
        return f"sqlite:///{(self.data_dir / DEFAULT_SQLITE_FILE).as_posix()}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or self.default_sqlite_url


def _secret_for_embedded(data_dir: Path) -> str:
    """The embedded default keeps one generated secret beside the database so tokens survive restarts."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        name = "REVREC_" + "_".join(str(p) for p in item["loc"]).upper()
        parts.append(f"{name}: {item['msg']}")
    return "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise ConfigError with a message naming the variable to fix."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_describe(exc)}") from None
    if not settings.secret_key:
        if not settings.is_embedded:
            raise ConfigError(
                "REVREC_SECRET_KEY is required when REVREC_DATABASE_URL points at a server database "
                f"(at least {MIN_SECRET_LENGTH} characters)"
            )
        settings = settings.model_copy(update={"secret_key": _secret_for_embedded(settings.data_dir)})
    if len(settings.secret_key) < MIN_SECRET_LENGTH:
        raise ConfigError(f"REVREC_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long")
    if (settings.ssl_certfile is None) != (settings.ssl_keyfile is None):
        raise ConfigError("REVREC_SSL_CERTFILE and REVREC_SSL_KEYFILE must be given together")
    bootstrap = [settings.bootstrap_client, settings.bootstrap_user, settings.bootstrap_password]
    if any(bootstrap) and not all(bootstrap):
        raise ConfigError(
            "REVREC_BOOTSTRAP_CLIENT, REVREC_BOOTSTRAP_USER and REVREC_BOOTSTRAP_PASSWORD "
            "must be set together"
        )
    return settings
