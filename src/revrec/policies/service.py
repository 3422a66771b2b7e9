"""Use cases of revenue policies: the engine's ``Policies`` for a client, and the setup-document section.

The stored document is the canonical ``Policies.to_mapping()`` without ``reporting_currency``, which is
the client setting ``settings.reporting_currency`` (one source of truth); a client that never applied a
policy document gets the engine's defaults.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from revrec.engine.errors import PolicyError
from revrec.engine.policies import Policies
from revrec.errors import InvalidInput
from revrec.policies import repository as repo
from revrec.tenancy.repository import ClientRow


def _plain(mapping: dict[str, object]) -> dict[str, Any]:
    """JSON-ready (exact numbers become strings), without the reporting currency."""
    document: dict[str, Any] = json.loads(json.dumps(mapping, default=str))
    document.pop("reporting_currency", None)
    return document


def policies_for(conn: Connection, client: ClientRow) -> Policies:
    """The engine policies of a client."""
    stored = repo.load(conn, client.id) or {}
    return Policies.from_mapping({**stored, "reporting_currency": client.reporting_currency})


def export_policies(conn: Connection, client: ClientRow) -> dict[str, Any]:
    return _plain(policies_for(conn, client).to_mapping())


def apply_policies(conn: Connection, client: ClientRow, document: dict[str, Any], changes: list[str]) -> None:
    if "reporting_currency" in document:
        raise InvalidInput("policies.reporting_currency: set settings.reporting_currency instead")
    try:
        parsed = Policies.from_mapping({**document, "reporting_currency": client.reporting_currency})
    except PolicyError as exc:
        raise InvalidInput(f"policies.{exc}") from None
    canonical = _plain(parsed.to_mapping())
    current = export_policies(conn, client)
    changed = sorted(k for k in canonical if canonical.get(k) != current.get(k))
    if changed:
        repo.save(conn, client.id, canonical)
        changes.append("policies: " + ", ".join(changed))
