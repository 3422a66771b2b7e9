"""Signed report URLs live no longer than their client's API and their user's tokens: 405 once the client's
API is disabled, 403 once the user is disabled or changes password (docs/security.md)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from test_api_reports import SIGNED_URL, run, with_stage_errors

from revrec.config import Settings
from revrec.db.session import transaction
from revrec.tenancy import service as tenancy
from support import Tenant


def _signed_link(http: TestClient, engine: Engine, settings: Settings) -> tuple[Tenant, str]:
    tenant, headers = with_stage_errors(http, engine)
    record = run(engine, settings, tenant)
    url = urlsplit(http.get(SIGNED_URL + str(record.id), headers=headers).json()["signed_url"])
    link = f"{url.path}?{url.query}"
    assert http.get(link).status_code == 200
    return tenant, link


def test_signed_url_stops_when_the_clients_api_is_disabled(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant, link = _signed_link(http, engine, settings)
    with transaction(engine) as conn:
        tenancy.set_api_enabled(conn, client_name=tenant.client, enabled=False)
    refused = http.get(link)
    assert refused.status_code == 405
    assert "API service is not enabled" in refused.json()["message"]
    with transaction(engine) as conn:
        tenancy.set_api_enabled(conn, client_name=tenant.client, enabled=True)
    assert http.get(link).status_code == 200


def test_signed_url_stops_when_its_user_is_disabled(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant, link = _signed_link(http, engine, settings)
    with transaction(engine) as conn:
        tenancy.set_user_enabled(conn, client_name=tenant.client, username=tenant.user, enabled=False)
    refused = http.get(link)
    assert refused.status_code == 403
    assert "revoked" in refused.json()["error"]
    with transaction(engine) as conn:  # enabling again does not bring the old link back
        tenancy.set_user_enabled(conn, client_name=tenant.client, username=tenant.user, enabled=True)
    assert http.get(link).status_code == 403


def test_signed_url_stops_when_its_user_changes_password(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant, link = _signed_link(http, engine, settings)
    with transaction(engine) as conn:
        tenancy.set_password(
            conn, client_name=tenant.client, username=tenant.user, password="another long password"
        )
    assert http.get(link).status_code == 403


def test_signed_url_of_another_user_or_client_is_refused(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    _tenant, link = _signed_link(http, engine, settings)
    path, _, query = link.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&"))
    for name in ("client", "user"):
        changed = {**params, name: str(int(params[name]) + 1)}
        altered = f"{path}?" + "&".join(f"{k}={v}" for k, v in changed.items())
        assert http.get(altered).status_code == 403, name
