"""POST /api/integration/v1/authenticate (POST_Authenticate)."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from revrec.auth import service
from revrec.errors import InvalidInput, NotAuthenticated
from revrec.http.deps import AppContext, context

router = APIRouter(tags=["Authentication"])

BASIC_FORMAT = "Authorization header must be 'Basic base64(username:password)'"


def _header(request: Request, name: str) -> str:
    value = request.headers.get(name)
    if value is None or not value.strip():
        raise InvalidInput(f"Missing required header: {name}")
    return value.strip()


def _basic_credentials(authorization: str) -> tuple[str, str]:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise InvalidInput(BASIC_FORMAT)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidInput(BASIC_FORMAT) from None
    username, sep, password = decoded.partition(":")
    if not sep or not username:
        raise InvalidInput(BASIC_FORMAT)
    return username, password


@router.post(
    "/api/integration/v1/authenticate",
    operation_id="POST_Authenticate",
    summary="Create authentication",
    responses={200: {"description": "Token Generated; the JWT is in the Revpro-Token response header"}},
)
async def authenticate(request: Request, ctx: AppContext = Depends(context)) -> JSONResponse:
    """Exchange Basic credentials, ``role`` and ``clientname`` for a token (header ``Revpro-Token``)."""
    authorization = _header(request, "authorization")
    role = _header(request, "role")
    clientname = _header(request, "clientname")
    username, password = _basic_credentials(authorization)
    token = await service.authenticate(
        ctx.engine,
        counters=ctx.counters,
        signer=ctx.signer,
        policy=ctx.throttle,
        gate=ctx.gate,
        credentials=service.Credentials(clientname, role, username, password),
        address=request.client.host if request.client else "",
    )
    if token is None:
        raise NotAuthenticated(service.AUTH_FAILED)
    return JSONResponse(
        {"Message": "Token Generated", "status": "success"},
        headers={"Revpro-Token": token, "Cache-Control": "no-store"},
    )
