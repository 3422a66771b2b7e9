"""Throttling of failed authentications, shared by every API process through the database.

Policy: after ``max_failures`` failed attempts for one (client name, user name) within ``window`` seconds,
that pair is locked for ``lockout`` seconds; while locked every attempt, right or wrong, gets 429 with
``Retry-After``. A successful authentication clears the count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from revrec.db.tables import auth_failure


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    window: int
    lockout: int


def key_for(clientname: str, username: str) -> str:
    return f"{clientname}\x1f{username}"[:250]


def retry_after(conn: Connection, key: str, now: int) -> int:
    """Seconds until ``key`` may try again (0 when not locked)."""
    locked = conn.execute(select(auth_failure.c.locked_until).where(auth_failure.c.key == key)).scalar()
    return max(0, int(locked or 0) - now)


def record_failure(conn: Connection, key: str, now: int, policy: ThrottlePolicy) -> None:
    row = conn.execute(select(auth_failure).where(auth_failure.c.key == key)).first()
    if row is None:
        conn.execute(insert(auth_failure).values(key=key, failures=1, window_start=now, locked_until=0))
        failures, start = 1, now
    else:
        failures, start = (
            (row.failures + 1, row.window_start) if now - row.window_start < policy.window else (1, now)
        )
    locked_until = now + policy.lockout if failures >= policy.max_failures else 0
    values = {"failures": 0 if locked_until else failures, "window_start": start if not locked_until else now}
    conn.execute(
        update(auth_failure).where(auth_failure.c.key == key).values(locked_until=locked_until, **values)
    )


def clear(conn: Connection, key: str) -> None:
    conn.execute(delete(auth_failure).where(auth_failure.c.key == key))
