"""Shared fixtures: one database per test session (SQLite file, or REVREC_TEST_DATABASE_URL), built by the
Alembic migrations; an app and HTTP test client on it. Tests isolate themselves by creating their own client
(tenant), which is also what the product guarantees: no client sees another's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from revrec import domains
from revrec.config import Settings, load_settings
from revrec.db import migrate
from revrec.db.session import make_engine
from revrec.http.app import create_app

TEST_SECRET = "test-secret-key-that-is-long-enough-for-every-hmac-0123456789abcdef"

# every incremental journal generation of the suite (and of the servers and workers it starts) is compared
# with a full one: a change that reaches a contract without stamping it fails the test that makes it
os.environ.setdefault("REVREC_JOURNAL_CHECK", "1")


def _fresh_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("REVREC_TEST_DATABASE_URL")
    if url:
        _fresh_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'revrec-test.sqlite3'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path) -> Settings:
    return load_settings(
        database_url=database_url, secret_key=TEST_SECRET, data_dir=data_dir, run_worker=False
    )


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def http(app: FastAPI, settings: Settings) -> Iterator[TestClient]:
    # job handlers are registered per process, bound to the settings of the last app created: a test that
    # built its own app (another data directory) leaves them writing reports and files there
    domains.install(settings)
    with TestClient(app) as client:
        yield client
