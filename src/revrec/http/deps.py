"""FastAPI dependencies: the request's unit of work and its principal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from revrec.auth import service as auth_service
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


def context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def unit_of_work(request: Request) -> Iterator[Connection]:
    """One transaction per request, committed when the handler returns without error."""
    with transaction(context(request).engine) as conn:
        yield conn


def read_only(request: Request) -> Iterator[Connection]:
    """A read-only transaction (never blocks writers on SQLite)."""
    with transaction(context(request).engine, readonly=True) as conn:
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


def principal(request: Request) -> Principal:
    """The caller, from the ``token`` header (or ``Authorization: Bearer``)."""
    token = bearer_token(request)
    ctx = context(request)
    with transaction(ctx.engine, readonly=True) as conn:
        return auth_service.resolve_principal(conn, signer=ctx.signer, token=token)


def requires(privilege: str) -> Callable[..., Principal]:
    """A dependency that yields the principal when its role holds ``privilege`` (else 403)."""

    def dependency(caller: Principal = Depends(principal)) -> Principal:
        auth_service.require_privilege(caller, privilege)
        return caller

    dependency.__name__ = f"requires_{privilege.replace(' ', '_').lower()}"
    return dependency
