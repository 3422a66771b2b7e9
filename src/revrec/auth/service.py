"""Authentication use cases: exchange credentials for a token; turn a token into a principal."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection

from revrec.auth import passwords, throttle
from revrec.auth.throttle import ThrottlePolicy
from revrec.auth.tokens import REAUTHENTICATE, TokenClaims, TokenSigner
from revrec.errors import ApiDisabled, Forbidden, NotAuthenticated, Throttled
from revrec.tenancy import repository as tenancy

AUTH_FAILED = "Authentication failed: check the user name, password, role and client name"
API_NOT_ENABLED = "The API service is not enabled for this client; ask your administrator to enable it"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the client, the user and the role the token was issued for."""

    client_id: int
    client_name: str
    user_id: int
    username: str
    role_id: int
    role: str
    privileges: frozenset[str]
    reporting_currency: str


def authenticate(
    conn: Connection,
    *,
    signer: TokenSigner,
    policy: ThrottlePolicy,
    clientname: str,
    role: str,
    username: str,
    password: str,
) -> str | None:
    """A token for valid credentials, or None after recording the failure (commit it).

    Raises Throttled while the (client, user) pair is locked and ApiDisabled for a client whose API is off
    (only once the credentials are proven, so that a stranger learns nothing about the client).
    """
    now = int(time.time())
    key = throttle.key_for(clientname, username)
    wait = throttle.retry_after(conn, key, now)
    if wait:
        raise Throttled(f"Too many failed authentications for this user; retry in {wait} seconds", wait)
    client = tenancy.find_client(conn, clientname)
    found = tenancy.principal_row(conn, client.id, username, role) if client else None
    user = found[0] if found else None
    if not passwords.verify_password(user.password_hash if user else None, password) or not (
        user and user.enabled
    ):
        throttle.record_failure(conn, key, now, policy)
        return None
    assert client is not None
    if not client.api_enabled:
        raise ApiDisabled(API_NOT_ENABLED)
    throttle.clear(conn, key)
    claims = TokenClaims(username, role, client.name, client.id, user.token_version)
    return signer.issue(claims)


def resolve_principal(conn: Connection, *, signer: TokenSigner, token: str) -> Principal:
    """The principal behind a token, checking that client, user, role and token version still hold."""
    claims = signer.verify(token)
    found = tenancy.load_principal(conn, claims.clientid, claims.username, claims.role)
    if found is None or found.client.name != claims.clientname:
        raise NotAuthenticated(REAUTHENTICATE)
    client, user = found.client, found.user
    if not user.enabled or user.token_version != claims.token_version:
        raise NotAuthenticated(REAUTHENTICATE)
    if not client.api_enabled:
        raise ApiDisabled(API_NOT_ENABLED)
    return Principal(
        client_id=client.id,
        client_name=client.name,
        user_id=user.id,
        username=user.username,
        role_id=found.role_id,
        role=claims.role,
        privileges=found.privileges,
        reporting_currency=client.reporting_currency,
    )


def require_privilege(principal: Principal, privilege: str) -> None:
    if privilege not in principal.privileges:
        raise Forbidden(f"The role {principal.role!r} does not have the {privilege!r} privilege needed here")
