"""Signed report URLs: a download link that needs no token, valid for a limited time.

The signature is HMAC-SHA256 over ``"<client id>:<report id>:<expiry>"`` with a key derived from the server
secret (``HMAC(secret_key, "report-url")``, so the token-signing key is never used for anything else),
hex encoded, and compared in constant time. Changing any of the three values, or the signature, makes
the link invalid; after its expiry (unix seconds) it is refused even when intact.
"""

from __future__ import annotations

import hashlib
import hmac

PURPOSE = b"report-url"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), PURPOSE, hashlib.sha256).digest()


def signature(secret: str, client_id: int, report_id: int, expires: int) -> str:
    message = f"{int(client_id)}:{int(report_id)}:{int(expires)}".encode("ascii")
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def verify(secret: str, client_id: int, report_id: int, expires: int, given: str) -> bool:
    expected = signature(secret, client_id, report_id, expires).encode("ascii")
    return hmac.compare_digest(expected, given.strip().lower().encode("utf-8"))  # bytes: any text compares
