"""FastAPI dependencies: the request's unit of work and its principal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBasic, HTTPBearer
from sqlalchemy import Connection, Engine

from revrec.auth import service as auth_service
from revrec.auth.gate import VerificationGate
from revrec.auth.service import Principal
from revrec.auth.throttle import ThrottlePolicy
from revrec.auth.tokens import REAUTHENTICATE, TokenSigner
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.errors import NotAuthenticated


@dataclass(frozen=True)
class AppContext:
    """What the app was built with; stored on ``app.state.ctx`` by create_app."""

    settings: Settings
    engine: Engine
    signer: TokenSigner
    throttle: ThrottlePolicy
    gate: VerificationGate
    counters: Engine  # where the throttle counters live (revrec.auth.throttle.counters_engine)


async def context(request: Request) -> AppContext:
    """The app's context (async: no I/O, so no thread-pool hop)."""
    ctx: AppContext = request.app.state.ctx
    return ctx


def unit_of_work(request: Request) -> Iterator[Connection]:
    """One transaction per request, committed when the handler returns without error.

    Routes take it as ``Depends(unit_of_work, scope="function")``: the commit then happens before the
    response is sent, so a client never receives a success whose commit later failed, and its next request
    sees what this one wrote (FastAPI's default ends a yield dependency only after the response is sent)."""
    with transaction(request.app.state.ctx.engine) as conn:
        yield conn


def read_only(request: Request) -> Iterator[Connection]:
    """A read-only transaction (never blocks writers on SQLite)."""
    with transaction(request.app.state.ctx.engine, readonly=True) as conn:
        yield conn


# The two ways a token travels, declared as security schemes in the OpenAPI description; neither refuses a
# request by itself (auto_error=False): principal() below says what is missing.
token_header = APIKeyHeader(
    name="token", scheme_name="token", auto_error=False, description="The JWT from POST_Authenticate"
)
bearer_header = HTTPBearer(
    scheme_name="bearer", auto_error=False, description="The same JWT as `Authorization: Bearer <jwt>`"
)


class BasicCredentials(HTTPBasic):
    """``Authorization: Basic ...`` of POST_Authenticate, declared as a security scheme; the raw header is
    handed to the route, which answers 400 for a malformed one (FastAPI's HTTPBasic would answer 401)."""

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        return request.headers.get("authorization")


basic_credentials = BasicCredentials(
    scheme_name="basic", auto_error=False, description="`Basic base64(user:password)` (authenticate only)"
)


def bearer_token(token: str | None, bearer: HTTPAuthorizationCredentials | None) -> str:
    """The token of header ``token``, else of ``Authorization: Bearer``; 401 when there is none."""
    found = token or (bearer.credentials.strip() if bearer is not None else "")
    if not found:
        raise NotAuthenticated("Missing token header: " + REAUTHENTICATE)
    return found


def principal(
    request: Request,
    conn: Connection = Depends(read_only),
    token: str | None = Security(token_header),
    bearer: HTTPAuthorizationCredentials | None = Security(bearer_header),
) -> Principal:
    """The caller, from the ``token`` header (or ``Authorization: Bearer``); read on the request's read-only
    connection, which read-only handlers then share (one transaction per request)."""
    signer = request.app.state.ctx.signer
    return auth_service.resolve_principal(conn, signer=signer, token=bearer_token(token, bearer))


def requires(privilege: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that yields the principal when its role holds ``privilege`` (else 403)."""

    async def dependency(caller: Principal = Depends(principal)) -> Principal:
        auth_service.require_privilege(caller, privilege)
        return caller

    dependency.__name__ = f"requires_{privilege.replace(' ', '_').lower()}"
    return dependency
