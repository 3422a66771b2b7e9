"""The one place that maps domain failures to HTTP status codes and the API's JSON error body
(``{"status": "Error", "message": "..."}``; the operations in ``SUCCESS_FLAG_ERRORS`` answer
``{"success": false, "error": "..."}`` as Zuora documents for them).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from revrec import errors

log = logging.getLogger("revrec.http")

STATUS = {
    errors.InvalidInput: 400,
    errors.NotFound: 400,
    errors.Conflict: 400,
    errors.NotAuthenticated: 401,
    errors.Forbidden: 403,
    errors.ApiDisabled: 405,
    errors.TooLarge: 413,
    errors.Throttled: 429,
}


def status_for(exc: errors.RevrecError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


#: Operations whose errors are ``{"success": false, "error": "..."}`` (the Revenue Jobs submit operation).
SUCCESS_FLAG_ERRORS = frozenset({"POST_SubmitRevenueJob"})


def error_body(message: str, **extra: object) -> dict[str, object]:
    return {"status": "Error", "message": message, **extra}


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None, **extra: object
) -> JSONResponse:
    return JSONResponse(error_body(message, **extra), status_code=status, headers=headers)


def _operation_error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The error response in the body shape of the request's operation."""
    route = request.scope.get("route")
    if getattr(route, "operation_id", None) in SUCCESS_FLAG_ERRORS:
        return JSONResponse({"success": False, "error": message}, status_code=status, headers=headers)
    return error_response(status, message, headers)


def _revrec_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.RevrecError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, errors.Throttled) else None
    return _operation_error(request, status_for(exc), exc.message, headers)


SHOWN = 40  # characters of a refused value echoed in the message (a value may be thousands long)
PLACES = {"query": "query parameter", "path": "path parameter", "header": "header", "body": "body field"}


def explain(item: Mapping[str, Any]) -> str:
    """One parameter problem found by pydantic, in words that name the parameter and what it accepts."""
    loc = [str(p) for p in item.get("loc", ())]
    place = PLACES.get(loc[0], loc[0]) if loc else "request"
    name = ".".join(loc[1:]) or "body"
    kind, ctx = item.get("type", ""), item.get("ctx") or {}
    raw = item.get("input")
    shown = repr(raw if len(str(raw)) <= SHOWN else f"{str(raw)[:SHOWN]}...") if isinstance(raw, str) else ""
    if kind == "missing":
        return f"Missing required {place}: {name}"
    if kind in ("int_parsing", "int_parsing_size", "int_from_float", "int_type"):
        return f"Invalid {place} {name} {shown}: use a whole number in ASCII digits".replace("  ", " ")
    if kind in ("less_than_equal", "greater_than_equal"):
        bound = f"at most {ctx['le']:,}" if kind == "less_than_equal" else f"at least {ctx['ge']:,}"
        return f"Invalid {place} {name} {shown}: use {bound}".replace("  ", " ")
    if kind == "string_too_long":
        return f"Invalid {place} {name}: at most {ctx.get('max_length', 0):,} characters"
    return f"Invalid {place} {name}: {item.get('msg', 'invalid value')}"


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _operation_error(
        request, 400, "Invalid request: " + "; ".join(explain(item) for item in exc.errors())
    )


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "Request failed"
    return _operation_error(request, exc.status_code, message, dict(exc.headers or {}))


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "Exception occurred. Please contact revrec support")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.RevrecError, _revrec_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
