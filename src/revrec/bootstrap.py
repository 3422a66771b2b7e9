"""Start-up steps of ``revrec serve``: migrate an empty database and create the bootstrap client."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from revrec.auth.privileges import ADMIN_ROLE, API_ROLE
from revrec.config import Settings
from revrec.db import migrate
from revrec.db.session import transaction
from revrec.errors import RevrecError
from revrec.tenancy import repository, service

log = logging.getLogger("revrec.bootstrap")


class NotMigrated(RevrecError):
    """The database schema is behind the code."""


def prepare_database(engine: Engine) -> None:
    """Migrate an empty database; refuse to serve one that is behind."""
    current = migrate.current_revision(engine)
    if current is None:
        log.info("empty database: applying migrations")
        migrate.upgrade(engine)
    elif not migrate.is_current(engine):
        raise NotMigrated(
            f"the database is at revision {current}, the code expects {migrate.head_revision(engine)}: "
            "run `revrec db upgrade` first"
        )


def bootstrap_client(engine: Engine, settings: Settings) -> str | None:
    """Create the bootstrap client and user when the database has no client yet; returns its name."""
    if not (settings.bootstrap_client and settings.bootstrap_user and settings.bootstrap_password):
        return None
    with transaction(engine, readonly=True) as conn:
        if repository.count_clients(conn):
            return None
    password = service.hash_new(settings.bootstrap_password)  # before the write transaction opens
    with transaction(engine) as conn:
        if repository.count_clients(conn):
            return None
        service.create_client(conn, name=settings.bootstrap_client)
        service.create_user(
            conn,
            client_name=settings.bootstrap_client,
            username=settings.bootstrap_user,
            password=password,
            role_names=[API_ROLE, ADMIN_ROLE],
        )
    log.info("bootstrap: created client %r and user %r", settings.bootstrap_client, settings.bootstrap_user)
    return settings.bootstrap_client


def how_to_authenticate(settings: Settings) -> str:
    scheme = "https" if settings.ssl_certfile else "http"
    user = settings.bootstrap_user or "USER"
    client = settings.bootstrap_client or "CLIENT"
    return (
        f"revrec listening on {scheme}://{settings.host}:{settings.port}\n"
        f"authenticate with:\n"
        f"  curl -i -X POST -u '{user}:PASSWORD' -H 'role: {API_ROLE}' -H 'clientname: {client}' "
        f"{scheme}://{settings.host}:{settings.port}/api/integration/v1/authenticate\n"
        "then send the Revpro-Token response header back as header 'token: <jwt>'"
    )
