"""Throttling of authentications, shared by every API process through the database (table ``auth_failure``).

Every attempt is charged, *before* its password is checked, to two counters:

- the user counter, one per (client name, user name): at most ``max_failures`` attempts that did not
  succeed within ``window`` seconds; the attempt that reaches the limit locks the pair for ``lockout``
  seconds. A success clears it.
- the address counter, one per (client name, remote address), limit ``max_address_failures``: the same
  rule, so that trying many user names (known or not) from one address stops too. A success releases only
  its own charge.

On SQLite the counters live in a database file of their own beside the main one (``counters_engine``):
SQLite has one write lock per file, and a login must not queue behind an upload or a job that holds the main
file's lock for seconds (nor make them queue behind it). On PostgreSQL they stay in the main database, where
writers lock rows, not the database.

Charging is one atomic upsert per counter (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, on SQLite and
PostgreSQL alike), in a short transaction of its own: concurrent attempts serialise on the row, so no more
than the limit ever reach the password check, and simultaneous first attempts never collide on the key. An
attempt over the limit rolls its charge back, so the stored count never exceeds the limit. Keys are SHA-256
digests: no user name or address is stored in clear, and long names cannot collide by truncation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from revrec.db.session import make_engine
from revrec.db.tables import auth_failure

t = auth_failure.c
PURGE_BATCH = 20


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    window: int
    lockout: int
    max_address_failures: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """The two counters one authentication attempt is charged to."""

    user_key: str
    address_key: str

    @property
    def keys(self) -> tuple[str, str]:
        return (self.user_key, self.address_key)


def counters_engine(engine: Engine) -> Engine:
    """Where the counters live: for a SQLite file ``x.sqlite3``, the file ``x-auth.sqlite3`` beside it (the
    table made on first use; the counters are transient, so it needs no migration or backup); otherwise
    ``engine`` itself (its ``auth_failure`` table comes from the migrations)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return engine
    path = Path(database)
    counters = make_engine(f"sqlite:///{path.with_name(path.stem + '-auth' + path.suffix).as_posix()}")
    auth_failure.create(counters, checkfirst=True)
    return counters


def _digest(kind: str, *parts: str) -> str:
    return kind + ":" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def attempt_for(clientname: str, username: str, address: str) -> Attempt:
    return Attempt(_digest("user", clientname, username), _digest("addr", clientname, address))


def retry_after(conn: Connection, keys: tuple[str, ...], now: int) -> int:
    """Seconds until every key may try again (0 when none is locked); a read, no lock taken."""
    locked = conn.execute(select(func.max(t.locked_until)).where(t.key.in_(keys))).scalar()
    return max(0, int(locked or 0) - now)


def _charge(conn: Connection, key: str, limit: int, now: int, policy: ThrottlePolicy) -> int:
    """Count one attempt on ``key`` atomically; seconds to wait when it is over ``limit``, else 0."""
    lock_at = now + policy.lockout
    # A row starts afresh when it is not locked and its window has passed or its lock has expired.
    fresh = and_(t.locked_until <= now, or_(t.window_start <= now - policy.window, t.locked_until > 0))
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(auth_failure)
        .values(key=key, failures=1, window_start=now, locked_until=lock_at if limit <= 1 else 0)
        .on_conflict_do_update(
            index_elements=[t.key],
            set_={
                "failures": case((fresh, 1), else_=t.failures + 1),
                "window_start": case((fresh, now), else_=t.window_start),
                "locked_until": case(
                    (t.locked_until > now, t.locked_until),
                    (fresh, lock_at if limit <= 1 else 0),
                    (t.failures + 1 >= limit, lock_at),
                    else_=0,
                ),
            },
        )
        .returning(t.failures, t.locked_until)
    )
    failures, locked_until = conn.execute(statement).one()
    return 0 if failures <= limit else max(1, int(locked_until) - now)


def charge(conn: Connection, attempt: Attempt, now: int, policy: ThrottlePolicy) -> int:
    """Charge an attempt to both its counters; seconds to wait when either is over its limit (then roll
    the transaction back), else 0. Also purges a few expired counters, so the table stays small."""
    purge_expired(conn, now, policy)
    return max(
        _charge(conn, attempt.user_key, policy.max_failures, now, policy),
        _charge(conn, attempt.address_key, policy.max_address_failures, now, policy),
    )


def purge_expired(conn: Connection, now: int, policy: ThrottlePolicy, batch: int = PURGE_BATCH) -> int:
    """Delete up to ``batch`` counters whose window and lock are both over (found through the window index;
    such a counter would start afresh anyway); the number deleted."""
    expired = (
        select(t.key)
        .where(t.window_start <= now - policy.window, t.locked_until <= now)
        .order_by(t.window_start)
        .limit(batch)
    )
    keys = list(conn.execute(expired).scalars())
    if keys:
        conn.execute(delete(auth_failure).where(t.key.in_(keys)))
    return len(keys)


def _release(conn: Connection, key: str, limit: int) -> None:
    remaining = (
        func.max(t.failures - 1, 0) if conn.dialect.name == "sqlite" else func.greatest(t.failures - 1, 0)
    )
    conn.execute(
        update(auth_failure)
        .where(t.key == key)
        .values(failures=remaining, locked_until=case((t.failures - 1 < limit, 0), else_=t.locked_until))
    )


def succeeded(conn: Connection, attempt: Attempt, policy: ThrottlePolicy) -> None:
    """The attempt proved its credentials: clear the user's counter, release the address's charge."""
    conn.execute(delete(auth_failure).where(t.key == attempt.user_key))
    _release(conn, attempt.address_key, policy.max_address_failures)


def not_checked(conn: Connection, attempt: Attempt, policy: ThrottlePolicy) -> None:
    """The attempt was charged but its password never checked (the server was busy): take the charges back."""
    _release(conn, attempt.user_key, policy.max_failures)
    _release(conn, attempt.address_key, policy.max_address_failures)
