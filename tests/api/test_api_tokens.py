"""The token header on every integration operation: 401 / 403 / 405 and revocation."""

from __future__ import annotations

import time

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from revrec.auth.privileges import ADMIN_ROLE, API_ROLE
from revrec.auth.tokens import TokenClaims, TokenSigner
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.tenancy import repository
from revrec.tenancy import service as tenancy
from support import PASSWORD, login, make_tenant

ORGS = "/api/integration/v1/revenue-orgs"


def _claims(engine: Engine, client: str, user: str, role: str = API_ROLE) -> TokenClaims:
    with transaction(engine) as conn:
        found = repository.find_client(conn, client)
        assert found is not None
        row = repository.find_user(conn, found.id, user)
        assert row is not None
        return TokenClaims(user, role, client, found.id, row.token_version)


def _signer(settings: Settings, **changes: object) -> TokenSigner:
    values = {
        "secret": settings.secret_key,
        "algorithm": settings.token_algorithm,
        "issuer": settings.token_issuer,
        "ttl_seconds": settings.token_ttl_seconds,
        **changes,
    }
    return TokenSigner(**values)  # type: ignore[arg-type]


def _assert_reauthenticate(response: object) -> None:
    assert response.status_code == 401  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == "Error"
    assert "authenticate again" in body["message"]


def test_revenue_orgs_with_token_header_and_bearer(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    headers = login(http, tenant)
    response = http.get(ORGS, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"data": [{"org_id": 1, "org_name": "DEFAULT"}]}
    bearer = http.get(ORGS, headers={"Authorization": f"Bearer {headers['token']}"})
    assert bearer.json() == response.json()


def test_missing_malformed_or_forged_tokens_are_401(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant = make_tenant(engine)
    claims = _claims(engine, tenant.client, tenant.user)
    now = int(time.time())
    bad_tokens = [
        "not-a-jwt",
        _signer(settings, secret="another-secret-key-which-is-long-enough-for-any-hmac-0000000000000").issue(
            claims
        ),
        _signer(settings, algorithm="HS512").issue(claims),
        _signer(settings, issuer="someone-else").issue(claims),
        _signer(settings).issue(claims, now=now - 2 * settings.token_ttl_seconds),
        jwt.encode(
            {
                "username": tenant.user,
                "role": API_ROLE,
                "clientname": tenant.client,
                "clientid": claims.clientid,
                "iss": settings.token_issuer,
                "iat": now,
                "nbf": now,
                "exp": now + 60,
            },
            key="",
            algorithm="none",
        ),
    ]
    _assert_reauthenticate(http.get(ORGS))
    for token in bad_tokens:
        _assert_reauthenticate(http.get(ORGS, headers={"token": token}))


def test_role_without_privilege_is_403(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine, roles=(ADMIN_ROLE,))
    headers = login(http, tenant, role=ADMIN_ROLE)
    response = http.get(ORGS, headers=headers)
    assert response.status_code == 403
    assert "Revenue Jobs" in response.json()["message"]


def test_disabled_api_is_405_on_every_integration_request(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    headers = login(http, tenant)
    with transaction(engine) as conn:
        tenancy.set_api_enabled(conn, client_name=tenant.client, enabled=False)
    response = http.get(ORGS, headers=headers)
    assert response.status_code == 405
    assert response.json() == {
        "status": "Error",
        "message": "The API service is not enabled for this client; ask your administrator to enable it",
    }
    with transaction(engine) as conn:
        tenancy.set_api_enabled(conn, client_name=tenant.client, enabled=True)
    assert http.get(ORGS, headers=headers).status_code == 200


def test_disabling_user_or_changing_password_revokes_tokens(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    headers = login(http, tenant)
    with transaction(engine) as conn:
        tenancy.set_password(conn, client_name=tenant.client, username=tenant.user, password=PASSWORD + "!")
    _assert_reauthenticate(http.get(ORGS, headers=headers))
    with transaction(engine) as conn:
        tenancy.set_password(conn, client_name=tenant.client, username=tenant.user, password=PASSWORD)
    fresh = login(http, tenant)
    assert http.get(ORGS, headers=fresh).status_code == 200
    with transaction(engine) as conn:
        tenancy.set_user_enabled(conn, client_name=tenant.client, username=tenant.user, enabled=False)
    _assert_reauthenticate(http.get(ORGS, headers=fresh))
    with transaction(engine) as conn:
        tenancy.set_user_enabled(conn, client_name=tenant.client, username=tenant.user, enabled=True)
    _assert_reauthenticate(http.get(ORGS, headers=fresh))


def test_token_of_client_a_is_useless_against_client_b(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    a = make_tenant(engine)
    b = make_tenant(engine)
    with transaction(engine) as conn:
        tenancy.create_org(conn, client_name=b.client, org_id=7, org_name="EMEA")
    a_headers = login(http, a)
    assert http.get(ORGS, headers=a_headers).json() == {"data": [{"org_id": 1, "org_name": "DEFAULT"}]}
    # A's token with B's identity, tampered (signature no longer matches)
    header, payload, signature = a_headers["token"].split(".")
    claims = jwt.decode(a_headers["token"], options={"verify_signature": False})
    b_claims = _claims(engine, b.client, b.user)
    forged = jwt.encode(
        {**claims, "clientname": b.client, "clientid": b_claims.clientid},
        "a-guessed-key-that-is-at-least-32-bytes-long",
        algorithm="HS256",
    )
    tampered = ".".join([header, forged.split(".")[1], signature])
    _assert_reauthenticate(http.get(ORGS, headers={"token": tampered}))
    # even a correctly signed token naming B's client with A's user is refused: A's user is not B's
    cross = _signer(settings).issue(TokenClaims(a.user, API_ROLE, b.client, b_claims.clientid, 1))
    _assert_reauthenticate(http.get(ORGS, headers={"token": cross}))
    # and B sees its own orgs only
    assert http.get(ORGS, headers=login(http, b)).json()["data"] == [
        {"org_id": 1, "org_name": "DEFAULT"},
        {"org_id": 7, "org_name": "EMEA"},
    ]


def test_role_org_assignment_limits_revenue_orgs(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    with transaction(engine) as conn:
        tenancy.create_org(conn, client_name=tenant.client, org_id=2, org_name="APAC")
        client = repository.find_client(conn, tenant.client)
        assert client is not None
        role_id = repository.find_role_id(conn, client.id, API_ROLE)
        assert role_id is not None
        repository.set_role_orgs(conn, role_id, [2])
    assert http.get(ORGS, headers=login(http, tenant)).json() == {"data": [{"org_id": 2, "org_name": "APAC"}]}
