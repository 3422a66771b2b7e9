"""Service-level behaviour: health, OpenAPI operation ids, request ids, access logs, body size limit."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from revrec.auth.privileges import ADMIN_ROLE
from revrec.config import Settings
from revrec.http.app import create_app
from support import PASSWORD, auth_headers, login, make_tenant


def test_health_reports_database(http: TestClient) -> None:
    response = http.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_health_reports_unreachable_database(settings: Settings) -> None:
    from revrec.db.session import make_engine

    broken = make_engine("postgresql://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings, engine=broken)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "Error", "database": "unreachable"}


def test_openapi_uses_zuora_operation_ids(http: TestClient) -> None:
    spec = http.get("/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"POST_Authenticate", "GET_RevenueOrgDetails"} <= ids
    assert http.get("/docs").status_code == 200


def test_request_id_is_echoed_or_generated(http: TestClient) -> None:
    assert http.get("/health", headers={"X-Request-Id": "abc-123"}).headers["x-request-id"] == "abc-123"
    assert len(http.get("/health").headers["x-request-id"]) == 32


def test_access_log_is_structured_and_never_holds_secrets(
    http: TestClient, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    tenant = make_tenant(engine)
    with caplog.at_level(logging.INFO):
        headers = login(http, tenant)
        http.get("/api/integration/v1/revenue-orgs", headers=headers)
        http.post(
            "/api/integration/v1/authenticate", headers=auth_headers(tenant, password="wrong-password!")
        )
    text = caplog.text
    assert '"path": "/api/integration/v1/revenue-orgs"' in text
    assert '"request_id"' in text
    assert headers["token"] not in text
    assert headers["token"].split(".")[1] not in text
    assert PASSWORD not in text and "wrong-password!" not in text


@pytest.fixture
def small_body_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"max_body_bytes": 2048})
    with TestClient(create_app(limited, engine=engine)) as client:
        yield client


def test_oversize_body_is_413_by_content_length(small_body_client: TestClient) -> None:
    response = small_body_client.post("/api/integration/v1/authenticate", content=b"x" * 4096)
    assert response.status_code == 413
    assert response.json()["message"].startswith("Request body too large: the limit is 2048 bytes")


def test_oversize_streamed_body_is_413(small_body_client: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    headers = {**login(small_body_client, tenant, role=ADMIN_ROLE), "content-type": "application/json"}

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 1024

    response = small_body_client.put("/api/admin/v1/setup", headers=headers, content=chunks())
    assert response.status_code == 413
