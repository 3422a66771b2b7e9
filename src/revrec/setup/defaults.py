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


def upload_template(conn: Connection, client_id: int, given: str | None) -> str:
    """``given``, else the client's default upload template."""
    if given:
        return given
    default, _ = repository.default_templates(conn, client_id)
    if default is None:
        raise InvalidInput(
            "Missing required parameter: templatename (name an upload template, or set "
            f"{SETTING}.upload in the setup document)"
        )
    return default


def rc_template(conn: Connection, client_id: int, given: str | None) -> str:
    """``given``, else the client's default RC grouping template."""
    if given:
        return given
    _, default = repository.default_templates(conn, client_id)
    if default is None:
        raise InvalidInput(
            "Missing required parameter: rc_template_name (name an RC grouping template, or set "
            f"{SETTING}.rc_grouping in the setup document)"
        )
    return default
