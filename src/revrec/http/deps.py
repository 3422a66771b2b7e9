"""FastAPI dependencies: the request's unit of work and its principal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
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
    """One transaction per request, committed when the handler returns without error."""
    with transaction(request.app.state.ctx.engine) as conn:
        yield conn


def read_only(request: Request) -> Iterator[Connection]:
    """A read-only transaction (never blocks writers on SQLite)."""
    with transaction(request.app.state.ctx.engine, readonly=True) as conn:
        yield conn


def bearer_token(request: Request) -> str:
    token = request.headers.get("token")
    if not token:
        authorization = request.headers.get("authorization", "")
        scheme, _, value = authorization.partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
    if not token:
        raise NotAuthenticated("Missing token header: " + REAUTHENTICATE)
    return token


def principal(request: Request, conn: Connection = Depends(read_only)) -> Principal:
    """The caller, from the ``token`` header (or ``Authorization: Bearer``); read on the request's read-only
    connection, which read-only handlers then share (one transaction per request)."""
    signer = request.app.state.ctx.signer
    return auth_service.resolve_principal(conn, signer=signer, token=bearer_token(request))


def requires(privilege: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that yields the principal when its role holds ``privilege`` (else 403)."""

    async def dependency(caller: Principal = Depends(principal)) -> Principal:
        auth_service.require_privilege(caller, privilege)
        return caller

    dependency.__name__ = f"requires_{privilege.replace(' ', '_').lower()}"
    return dependency
