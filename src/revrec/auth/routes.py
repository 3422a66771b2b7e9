"""POST /api/integration/v1/authenticate (POST_Authenticate)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Security
from fastapi.responses import JSONResponse

from revrec.auth import service
from revrec.auth.schemas import TokenGenerated
from revrec.errors import InvalidInput, NotAuthenticated
from revrec.http.deps import AppContext, basic_credentials, context
from revrec.http.openapi import answers
from revrec.http.params import Text

router = APIRouter(tags=["Authentication"])

BASIC_FORMAT = "Authorization header must be 'Basic base64(username:password)'"


def _header(name: str, value: str | None) -> str:
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
    response_class=JSONResponse,
    responses={
        **answers(TokenGenerated, 400, 401, 405, 429, authenticated=False),
        200: {
            "model": TokenGenerated,
            "description": "Token Generated; the JWT is in the Revpro-Token response header",
            "headers": {"Revpro-Token": {"description": "The token (JWT)", "schema": {"type": "string"}}},
        },
    },
)
async def authenticate(
    request: Request,
    role: Annotated[Text | None, Header(description="The role to act in, e.g. API Role")] = None,
    clientname: Annotated[Text | None, Header(description="The client (tenant) name")] = None,
    authorization: str | None = Security(basic_credentials),
    ctx: AppContext = Depends(context),
) -> JSONResponse:
    """Exchange Basic credentials, ``role`` and ``clientname`` for a token (header ``Revpro-Token``)."""
    authorization = _header("authorization", authorization)
    role = _header("role", role)
    clientname = _header("clientname", clientname)
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
