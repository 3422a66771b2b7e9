"""The application factory: ``create_app(settings)`` builds everything and keeps nothing global."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine, text

from revrec import __version__, domains
from revrec.auth.gate import VerificationGate, default_slots
from revrec.auth.routes import router as auth_router
from revrec.auth.throttle import ThrottlePolicy, counters_engine
from revrec.auth.tokens import TokenSigner
from revrec.biviews.routes import router as biviews_router
from revrec.config import Settings
from revrec.console.routes import mount as mount_console
from revrec.controls.approvals_routes import router as approvals_router
from revrec.controls.manual_routes import router as manual_router
from revrec.controls.routes_holds import router as holds_router
from revrec.costs.routes import router as costs_router
from revrec.db.session import make_engine
from revrec.explain.routes import router as explain_router
from revrec.http import errors, openapi
from revrec.http.deps import AppContext
from revrec.http.middleware import BodySizeLimit, RequestIdAccessLog
from revrec.http.schemas import Health
from revrec.inbound.routes import router as inbound_router
from revrec.mje.routes import router as mje_router
from revrec.programs.routes import router as programs_router
from revrec.reports.routes import router as reports_router
from revrec.setup.routes import router as setup_router
from revrec.tenancy.routes import router as tenancy_router
from revrec.transfer.routes import router as transfer_router

log = logging.getLogger("revrec")


def build_context(settings: Settings, engine: Engine | None = None) -> AppContext:
    engine = engine or make_engine(settings.effective_database_url)
    return AppContext(
        settings=settings,
        engine=engine,
        counters=counters_engine(engine),
        signer=TokenSigner(
            secret=settings.secret_key,
            algorithm=settings.token_algorithm,
            issuer=settings.token_issuer,
            ttl_seconds=settings.token_ttl_seconds,
        ),
        throttle=ThrottlePolicy(
            max_failures=settings.auth_max_failures,
            window=settings.auth_failure_window_seconds,
            lockout=settings.auth_lockout_seconds,
            max_address_failures=settings.auth_max_address_failures,
        ),
        gate=VerificationGate(
            settings.auth_verify_slots or default_slots(),
            settings.auth_verify_wait_ms / 1000,
            nice=settings.auth_verify_nice,
        ),
    )


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """The revrec ASGI app for ``settings`` (the schema must already be migrated)."""
    domains.install(settings)
    ctx = build_context(settings, engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if ctx.counters is not ctx.engine:
            ctx.counters.dispose()
        if engine is None:
            ctx.engine.dispose()

    # /docs and /redoc serve Swagger UI and ReDoc from the assets of a pinned package: no CDN, works offline.
    app = FastAPIOffline(
        title="revrec — Zuora Revenue compatible integration API",
        version=__version__,
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.ctx = ctx
    errors.install(app)
    openapi.install(app)
    for router in (auth_router, tenancy_router, inbound_router, setup_router, programs_router):
        app.include_router(router)
    app.include_router(biviews_router)
    app.include_router(reports_router)
    app.include_router(transfer_router)
    app.include_router(explain_router)
    mount_console(app)
    app.include_router(holds_router)
    app.include_router(approvals_router)
    app.include_router(manual_router)
    app.include_router(mje_router)
    app.include_router(costs_router)

    @app.get(
        "/health",
        operation_id="GET_Health",
        tags=["Service"],
        summary="Service and database health",
        response_class=JSONResponse,
        responses={
            **openapi.answers(Health, authenticated=False),
            503: {"model": Health, "description": "down"},
        },
    )
    def health() -> JSONResponse:
        try:
            with ctx.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means the database is unreachable
            log.warning("health check: database unreachable")
            return JSONResponse({"status": "Error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "Success", "database": "ok", "version": __version__})

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdAccessLog)
    return app
