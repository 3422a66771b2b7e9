"""A client's default templates: what a request that names no template uses.

Zuora makes ``templatename`` optional on the upload mapping operations and ``rc_template_name`` on Data
Collection; revrec then takes the client's default (setup document, ``settings.default_templates``). A
default is checked like a name given in the request (an unknown one is the same 400); without a default
and without the parameter, the request is 400 saying what to send or set.
"""

from __future__ import annotations

from sqlalchemy import Connection

from revrec.errors import InvalidInput
from revrec.setup import repository

SETTING = "settings.default_templates"


def _chosen(given: str | None, default: str | None, parameter: str, kind: str, key: str) -> str:
    if given:
        return given
    if default is None:
        raise InvalidInput(
            f"Missing required parameter: {parameter} "
            f"(name {kind}, or set {SETTING}.{key} in the setup document)"
        )
    return default


def upload_template(conn: Connection, client_id: int, given: str | None) -> str:
    """``given``, else the client's default upload template."""
    default = repository.default_templates(conn, client_id)[0] if not given else None
    return _chosen(given, default, "templatename", "an upload template", "upload")


def rc_template(conn: Connection, client_id: int, given: str | None) -> str:
    """``given``, else the client's default RC grouping template."""
    default = repository.default_templates(conn, client_id)[1] if not given else None
    return _chosen(given, default, "rc_template_name", "an RC grouping template", "rc_grouping")


def default_rc_template(conn: Connection, client_id: int) -> str | None:
    """The client's default RC grouping template (None when the setup document names none)."""
    return repository.default_templates(conn, client_id)[1]
