"""The console's sign-in session: the API token itself, in an HttpOnly, SameSite=Strict cookie.

The token is the one ``auth.service.authenticate`` issues to API callers (signed, carrying the user's token
version), so the console honours exactly the API's users, roles, privileges, lockout and revocation: a
disabled user or a bumped token version signs every console session out.  Forms carry a CSRF token that is
an HMAC of the session token under the server secret (the double-submit pattern without server state).
"""

from __future__ import annotations

import hashlib
import hmac

COOKIE = "revrec_console"
CSRF_FIELD = "csrf_token"


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token that forms of the session ``session_token`` must send back."""
    return hmac.new(secret.encode(), b"console-csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: str, session_token: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token(secret, session_token), sent or "")
