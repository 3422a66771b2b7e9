"""POST /api/integration/v1/authenticate: every documented status code, header and body shape."""

from __future__ import annotations

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from revrec.auth.privileges import ADMIN_ROLE, API_ROLE
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.tenancy import service as tenancy
from support import PASSWORD, auth_headers, basic, make_tenant, unique

URL = "/api/integration/v1/authenticate"
FAILED = {
    "status": "Error",
    "message": "Authentication failed: check the user name, password, role and client name",
}


def test_success_returns_documented_body_and_token_header(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant = make_tenant(engine)
    response = http.post(URL, headers=auth_headers(tenant))
    assert response.status_code == 200
    assert response.json() == {"Message": "Token Generated", "status": "success"}
    token = response.headers["Revpro-Token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, settings.secret_key, algorithms=["HS256"], issuer=settings.token_issuer)
    assert claims["username"] == tenant.user
    assert claims["role"] == API_ROLE
    assert claims["clientname"] == tenant.client
    assert isinstance(claims["clientid"], int)
    assert claims["exp"] - claims["iat"] == settings.token_ttl_seconds == 1800
    assert claims["nbf"] == claims["iat"]
    assert PASSWORD not in response.text


def test_every_credential_failure_is_the_same_401(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    other = make_tenant(engine)
    with transaction(engine) as conn:
        tenancy.create_user(
            conn, client_name=tenant.client, username="nojobs", password=PASSWORD, role_names=[ADMIN_ROLE]
        )
        tenancy.create_user(
            conn, client_name=tenant.client, username="gone", password=PASSWORD, role_names=[API_ROLE]
        )
        tenancy.set_user_enabled(conn, client_name=tenant.client, username="gone", enabled=False)
    attempts = [
        auth_headers(tenant, password="wrong password"),
        {**auth_headers(tenant), "Authorization": basic("nobody", PASSWORD)},
        {**auth_headers(tenant), "Authorization": basic("gone", PASSWORD)},
        {**auth_headers(tenant), "Authorization": basic("nojobs", PASSWORD)},
        {**auth_headers(tenant), "clientname": unique("noclient")},
        {**auth_headers(tenant), "clientname": other.client},
        auth_headers(tenant, role="No Such Role"),
    ]
    for headers in attempts:
        response = http.post(URL, headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == FAILED
        assert "Revpro-Token" not in response.headers


def test_missing_header_is_400_naming_it(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    for name in ("Authorization", "role", "clientname"):
        headers = {k: v for k, v in auth_headers(tenant).items() if k != name}
        response = http.post(URL, headers=headers)
        assert response.status_code == 400
        assert response.json() == {"status": "Error", "message": f"Missing required header: {name.lower()}"}


def test_malformed_basic_credentials_are_400(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    for value in ("Bearer abc", "Basic !!!notbase64", "Basic " + "bm9jb2xvbg==", "Basic"):
        response = http.post(URL, headers={**auth_headers(tenant), "Authorization": value})
        assert response.status_code == 400, value
        assert "Basic base64(username:password)" in response.json()["message"]


def test_repeated_failures_are_throttled_with_retry_after(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant = make_tenant(engine)
    for _ in range(settings.auth_max_failures):
        assert http.post(URL, headers=auth_headers(tenant, password="bad password")).status_code == 401
    locked = http.post(URL, headers=auth_headers(tenant))
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= settings.auth_lockout_seconds
    assert "retry in" in locked.json()["message"]
    # another user of the same client is not affected
    with transaction(engine) as conn:
        tenancy.create_user(
            conn, client_name=tenant.client, username="other", password=PASSWORD, role_names=[API_ROLE]
        )
    ok = http.post(URL, headers={**auth_headers(tenant), "Authorization": basic("other", PASSWORD)})
    assert ok.status_code == 200


def test_success_clears_earlier_failures(http: TestClient, engine: Engine, settings: Settings) -> None:
    tenant = make_tenant(engine)
    for _ in range(settings.auth_max_failures - 1):
        http.post(URL, headers=auth_headers(tenant, password="bad password"))
    assert http.post(URL, headers=auth_headers(tenant)).status_code == 200
    for _ in range(settings.auth_max_failures - 1):
        assert http.post(URL, headers=auth_headers(tenant, password="bad password")).status_code == 401
    assert http.post(URL, headers=auth_headers(tenant)).status_code == 200


def test_api_disabled_client_gets_405_once_credentials_are_valid(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine, api_enabled=False)
    response = http.post(URL, headers=auth_headers(tenant))
    assert response.status_code == 405
    assert "API service is not enabled" in response.json()["message"]
    # wrong credentials still say nothing about the client
    assert http.post(URL, headers=auth_headers(tenant, password="bad password")).status_code == 401
