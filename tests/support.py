"""Typed builders for test data: tenants, users and tokens, each with unique names."""

from __future__ import annotations

import base64
import itertools
import os
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from revrec.auth.privileges import ADMIN_ROLE, API_ROLE
from revrec.db.session import transaction
from revrec.tenancy import service as tenancy

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


ADMIN_PATHS = (
    "/api/admin/",
    "/api/revrec/v1/holds",
    "/api/revrec/v1/audit",
    "/api/revrec/v1/approvals",
    "/api/revrec/v1/manual-actions",
    "/api/revrec/v1/mje",
)
"""Operations whose privilege only the seeded Administrator role holds (tests that call every operation use
its token there)."""
ADMIN_SUFFIXES = ("/manual-releases", "/ssp-overrides", "/allocation-overrides", "/manual-actions")
"""Such operations under another prefix (manual revenue actions on ``/api/revrec/v1/contracts/{rc_id}/``)."""


def admin_only(path: str) -> bool:
    """Whether only the seeded Administrator role holds the privilege of the operation at ``path``."""
    return path.startswith(ADMIN_PATHS) or path.endswith(ADMIN_SUFFIXES)


def unique(prefix: str) -> str:
    return f"{prefix}{os.getpid()}x{next(_counter)}"


@dataclass(frozen=True)
class Tenant:
    client: str
    user: str
    password: str


def make_tenant(
    engine: Engine,
    *,
    roles: tuple[str, ...] = (API_ROLE, ADMIN_ROLE),
    api_enabled: bool = True,
    reporting_currency: str = "USD",
) -> Tenant:
    """A fresh client with one user holding ``roles``."""
    tenant = Tenant(unique("client"), unique("user"), PASSWORD)
    with transaction(engine) as conn:
        tenancy.create_client(
            conn, name=tenant.client, api_enabled=api_enabled, reporting_currency=reporting_currency
        )
        tenancy.create_user(
            conn,
            client_name=tenant.client,
            username=tenant.user,
            password=tenant.password,
            role_names=list(roles),
        )
    return tenant


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def auth_headers(tenant: Tenant, *, role: str = API_ROLE, password: str | None = None) -> dict[str, str]:
    return {
        "Authorization": basic(tenant.user, tenant.password if password is None else password),
        "role": role,
        "clientname": tenant.client,
    }


def login(http: TestClient, tenant: Tenant, *, role: str = API_ROLE) -> dict[str, str]:
    """Authenticate and return the headers that carry the token."""
    response = http.post("/api/integration/v1/authenticate", headers=auth_headers(tenant, role=role))
    assert response.status_code == 200, response.text
    return {"token": response.headers["Revpro-Token"]}


def client_and_upload(conn: Any, prefix: str) -> tuple[int, int]:
    """A new client (named after ``prefix``) and an upload of it, under a transaction template of its own."""
    from sqlalchemy import insert

    from revrec.db.tables import upload_template
    from revrec.inbound import repository as inbound_repo

    client_id = tenancy.create_client(conn, name=unique(prefix))
    template_id = conn.execute(
        insert(upload_template).values(
            client_id=client_id, name=unique("T"), kind="transaction", enabled=True,
            date_format="DD-MON-YYYY", field_separator=",", start_row=1,
        )
    ).inserted_primary_key[0]  # fmt: skip
    upload_id = inbound_repo.insert_upload(
        conn, client_id=client_id, template_id=template_id, kind="transaction", file_name=unique("f"),
        active_name=None, channel="api", created_by="test",
    )  # fmt: skip
    return int(client_id), upload_id
