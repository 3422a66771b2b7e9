"""What the OpenAPI description declares beyond what FastAPI infers: status codes with their error body,
media types of the answers that are not JSON, request bodies that handlers read themselves, and the
removal of FastAPI's default 422 answer (validation errors are answered 400 by ``http/errors.py``).

Declarations only: nothing here changes what an operation answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from revrec.http.schemas import ErrorBody

MEANING = {
    204: "No content: nothing matches",
    400: "Bad request: a missing header, a bad parameter or body, an unknown name (the message says which)",
    401: "Missing, invalid, expired or revoked token",
    403: "The role lacks the operation's privilege or organization",
    404: "Not found, or a page past the end",
    405: "The client's API service is disabled",
    413: "Request body larger than the server's limit",
    429: "Authentication throttled: retry after Retry-After seconds",
    503: "The database is unreachable",
}

AUTHENTICATED = (400, 401, 403, 405)
"""What every operation behind a token can answer besides its own codes."""

Responses = dict[int | str, dict[str, Any]]


def errors(*codes: int) -> Responses:
    """The given status codes, each with the ``{"status": "Error", "message": ...}`` body (204: none)."""
    declared: Responses = {}
    for code in codes:
        declared[code] = {"description": MEANING[code]}
        if code != 204:
            declared[code]["model"] = ErrorBody
    return declared


def answers(
    ok: type[BaseModel] | None = None,
    *codes: int,
    media: dict[str, str] | None = None,
    authenticated: bool = True,
) -> Responses:
    """An operation's responses: 200 with model ``ok`` (JSON) or the ``media`` types (media type → format
    of a string schema, e.g. ``{"text/csv": ""}`` or ``{"application/gzip": "binary"}``), plus ``codes``
    and, when ``authenticated``, the codes of every operation behind a token."""
    declared: Responses = {}
    if ok is not None:
        declared[200] = {"model": ok, "description": "Success"}
    if media:
        declared.setdefault(200, {"description": "Success"})
        declared[200]["content"] = {kind: {"schema": _string(fmt)} for kind, fmt in media.items()}
    declared.update(errors(*sorted(set(codes) | (set(AUTHENTICATED) if authenticated else set()))))
    return declared


def _string(fmt: str) -> dict[str, str]:
    return {"type": "string", "format": fmt} if fmt else {"type": "string"}


def raw_body(
    media: dict[str, dict[str, Any]], *, required: bool = True, description: str = ""
) -> dict[str, Any]:
    """``openapi_extra`` declaring a request body that the handler reads itself (media type → schema)."""
    body: dict[str, Any] = {"required": required, "content": {k: {"schema": s} for k, s in media.items()}}
    if description:
        body["description"] = description
    return {"requestBody": body}


FIELD_LIST = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "description": 'Optional: the fields (columns) to return, e.g. ["ID", "ORG_NAME"]',
}


def install(app: FastAPI) -> None:
    """Replace ``app.openapi`` by one that builds the description once, without the phantom 422s."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = _without_422(schema)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def _without_422(schema: dict[str, Any]) -> dict[str, Any]:
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    definitions = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        definitions.pop(name, None)
    return schema
