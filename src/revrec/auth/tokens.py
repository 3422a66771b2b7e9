"""JWT tokens as Zuora Revenue issues them (HS256 by default; claims ``username``, ``role``,
``clientname``, ``clientid``, ``iss``, ``iat``, ``nbf``, ``exp``) plus ``tv``, the user's token version:
disabling a user or changing the password bumps it, which revokes every earlier token.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

from revrec.errors import NotAuthenticated

REAUTHENTICATE = "Invalid or expired token: authenticate again with POST /api/integration/v1/authenticate"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    username: str
    role: str
    clientname: str
    clientid: int
    token_version: int


@dataclass(frozen=True, slots=True)
class TokenSigner:
    """Issues and checks tokens with one key, algorithm, issuer and lifetime."""

    secret: str
    algorithm: str
    issuer: str
    ttl_seconds: int

    def issue(self, claims: TokenClaims, *, now: int | None = None) -> str:
        issued = int(time.time()) if now is None else now
        payload = {
            "username": claims.username,
            "role": claims.role,
            "clientname": claims.clientname,
            "clientid": claims.clientid,
            "tv": claims.token_version,
            "jti": uuid.uuid4().hex,
            "iss": self.issuer,
            "iat": issued,
            "nbf": issued,
            "exp": issued + self.ttl_seconds,
        }
        return jwt.encode(payload, self.secret, algorithm=self.algorithm)

    def verify(self, token: str) -> TokenClaims:
        """Decode a token; any defect (format, signature, algorithm, issuer, time) is NotAuthenticated."""
        try:
            payload = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                options={
                    "require": ["exp", "iat", "nbf", "iss", "username", "role", "clientname", "clientid"]
                },
            )
            return TokenClaims(
                username=str(payload["username"]),
                role=str(payload["role"]),
                clientname=str(payload["clientname"]),
                clientid=int(payload["clientid"]),
                token_version=int(payload.get("tv", -1)),
            )
        except (jwt.PyJWTError, ValueError, TypeError):
            raise NotAuthenticated(REAUTHENTICATE) from None
