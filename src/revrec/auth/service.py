"""Authentication use cases: exchange credentials for a token; turn a token into a principal."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial

from anyio import to_thread
from sqlalchemy import Connection, Engine

from revrec.auth import throttle
from revrec.auth.gate import VerificationGate
from revrec.auth.throttle import Attempt, ThrottlePolicy
from revrec.auth.tokens import REAUTHENTICATE, TokenClaims, TokenSigner
from revrec.db.session import transaction
from revrec.errors import ApiDisabled, Forbidden, NotAuthenticated, Throttled
from revrec.tenancy import repository as tenancy
from revrec.tenancy.repository import ClientRow, UserRow

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
    token_version: int = 0


@dataclass(frozen=True, slots=True)
class Credentials:
    """What POST /authenticate carries; the password never appears in a repr or a log line."""

    clientname: str
    role: str
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class _Candidate:
    client: ClientRow | None
    user: UserRow | None


def _throttled(wait: int) -> Throttled:
    return Throttled(f"Too many failed authentications; retry in {wait} seconds", wait)


def _look_up(
    engine: Engine, counters: Engine, credentials: Credentials, attempt: Attempt, now: int
) -> _Candidate:
    """Refuse a locked attempt without writing; else the client and user the credentials name (read-only)."""
    with transaction(counters, readonly=True) as conn:
        wait = throttle.retry_after(conn, attempt.keys, now)
    if wait:
        raise _throttled(wait)
    with transaction(engine, readonly=True) as conn:
        client = tenancy.find_client(conn, credentials.clientname)
        found = (
            tenancy.principal_row(conn, client.id, credentials.username, credentials.role) if client else None
        )
    return _Candidate(client, found[0] if found else None)


def _charge(engine: Engine, attempt: Attempt, now: int, policy: ThrottlePolicy) -> None:
    with transaction(engine) as conn:
        wait = throttle.charge(conn, attempt, now, policy)
        if wait:
            raise _throttled(wait)  # rolls the charge back


def _settle(engine: Engine, attempt: Attempt, policy: ThrottlePolicy, *, checked: bool) -> None:
    with transaction(engine) as conn:
        if checked:
            throttle.succeeded(conn, attempt, policy)
        else:
            throttle.not_checked(conn, attempt, policy)


async def authenticate(
    engine: Engine,
    *,
    counters: Engine,
    signer: TokenSigner,
    policy: ThrottlePolicy,
    gate: VerificationGate,
    credentials: Credentials,
    address: str,
) -> str | None:
    """A token for valid credentials; None when they are wrong (the failure is already counted).

    Authentication is the one use case with several short units of work, because the argon2 check must run
    outside any transaction (on SQLite a write transaction held over it would stall every writer): a
    read-only look-up, the throttle charge (its own short write on ``counters``, the throttle's database:
    see ``throttle.counters_engine``), the check (no transaction, bounded by ``gate``), and on success a
    short write clearing the charge. Raises Throttled while the user or the
    address is locked or the server is too busy, and ApiDisabled for a client whose API is off (only once
    the credentials are proven, so that a stranger learns nothing about the client).
    """
    now = int(time.time())
    attempt = throttle.attempt_for(credentials.clientname, credentials.username, address)
    found = await to_thread.run_sync(_look_up, engine, counters, credentials, attempt, now)
    await to_thread.run_sync(_charge, counters, attempt, now, policy)
    user = found.user
    try:
        proven = await gate.verify(user.password_hash if user else None, credentials.password)
    except Throttled:
        await to_thread.run_sync(partial(_settle, counters, attempt, policy, checked=False))
        raise
    if not (proven and user and user.enabled and found.client):
        return None
    await to_thread.run_sync(partial(_settle, counters, attempt, policy, checked=True))
    if not found.client.api_enabled:
        raise ApiDisabled(API_NOT_ENABLED)
    claims = TokenClaims(
        user.username, credentials.role, found.client.name, found.client.id, user.token_version
    )
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
        token_version=user.token_version,
    )


def require_privilege(principal: Principal, privilege: str) -> None:
    if privilege not in principal.privileges:
        raise Forbidden(f"The role {principal.role!r} does not have the {privilege!r} privilege needed here")
