"""Signed report URLs: a download link that needs no token, valid for a limited time and no longer than the
tokens of the user who asked for it.

The signature is HMAC-SHA256 over ``"<client id>:<user id>:<token version>:<report id>:<expiry>"`` with a key
derived from the server secret (``HMAC(secret_key, "report-url")``, so the token-signing key is never used
for anything else), hex encoded, and compared in constant time. The URL carries the client id, user id,
expiry and signature; the token version is read from the database when the link is used, so disabling the
user or changing the password (both bump the version) revokes the link like every token. Changing any value,
or the signature, makes the link invalid; after its expiry (unix seconds) it is refused even when intact.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

PURPOSE = b"report-url"


@dataclass(frozen=True, slots=True)
class Link:
    """What a signed URL stands for."""

    client_id: int
    user_id: int
    token_version: int
    report_id: int
    expires: int


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), PURPOSE, hashlib.sha256).digest()


def signature(secret: str, link: Link) -> str:
    parts = (link.client_id, link.user_id, link.token_version, link.report_id, link.expires)
    message = ":".join(str(int(part)) for part in parts).encode("ascii")
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def verify(secret: str, link: Link, given: str) -> bool:
    expected = signature(secret, link).encode("ascii")
    return hmac.compare_digest(expected, given.strip().lower().encode("utf-8"))  # bytes: any text compares
