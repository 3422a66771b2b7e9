"""Password hashing with argon2id (argon2-cffi defaults, RFC 9106 low-memory profile).

Plain passwords are only ever held in local variables; they are never logged, stored or returned.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash of a fixed password, verified against when the user does not exist, so that the time an
    authentication takes does not tell whether a user name is known. Computed at the first verification,
    not at import: an argon2 hash costs ~0.13 s and a 64 MiB peak, which every CLI command and worker
    process that never verifies a password used to pay at start."""
    return _hasher.hash("revrec-dummy-password-for-constant-time")


MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends one argon2 verification (and the first call, whether
    the user exists or not, the dummy hash's computation too)."""
    dummy = _dummy_hash()
    try:
        return _hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
