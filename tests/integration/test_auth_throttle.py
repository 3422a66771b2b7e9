"""The throttle counters on the real database (SQLite or PostgreSQL): charge before the check, lock at the
limit, start afresh after the window or the lock, clear on success, purge expired counters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, func, select

from revrec.auth import throttle
from revrec.auth.throttle import ThrottlePolicy
from revrec.db.tables import auth_failure
from support import unique

POLICY = ThrottlePolicy(max_failures=3, window=60, lockout=120, max_address_failures=5)
NOW = 1_800_000_000


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def _attempt() -> throttle.Attempt:
    return throttle.attempt_for(unique("client"), unique("user"), "192.0.2.1")


def _row(conn: Connection, key: str) -> tuple[int, int, int] | None:
    query = select(auth_failure.c.failures, auth_failure.c.window_start, auth_failure.c.locked_until)
    found = conn.execute(query.where(auth_failure.c.key == key)).first()
    return (found[0], found[1], found[2]) if found else None


def test_the_attempt_reaching_the_limit_locks_and_the_next_is_refused(conn: Connection) -> None:
    attempt = _attempt()
    assert [throttle.charge(conn, attempt, NOW + i, POLICY) for i in range(3)] == [0, 0, 0]
    assert _row(conn, attempt.user_key) == (3, NOW, NOW + 2 + POLICY.lockout)
    assert throttle.charge(conn, attempt, NOW + 10, POLICY) == POLICY.lockout - 8
    assert throttle.retry_after(conn, attempt.keys, NOW + 10) == POLICY.lockout - 8


def test_a_counter_starts_afresh_after_its_window_or_its_lock(conn: Connection) -> None:
    attempt = _attempt()
    throttle.charge(conn, attempt, NOW, POLICY)
    throttle.charge(conn, attempt, NOW + POLICY.window, POLICY)  # the window is over
    assert _row(conn, attempt.user_key) == (1, NOW + POLICY.window, 0)
    for i in range(2):
        throttle.charge(conn, attempt, NOW + POLICY.window + 1 + i, POLICY)
    locked_until = _row(conn, attempt.user_key)[2]  # type: ignore[index]
    assert locked_until > 0
    assert throttle.charge(conn, attempt, locked_until, POLICY) == 0  # the lock is over
    assert _row(conn, attempt.user_key) == (1, locked_until, 0)


def test_success_clears_the_user_and_releases_only_its_address_charge(conn: Connection) -> None:
    attempt = _attempt()
    other = throttle.Attempt(_attempt().user_key, attempt.address_key)
    throttle.charge(conn, other, NOW, POLICY)
    throttle.charge(conn, attempt, NOW, POLICY)
    throttle.succeeded(conn, attempt, POLICY)
    assert _row(conn, attempt.user_key) is None
    assert _row(conn, attempt.address_key) == (1, NOW, 0)


def test_a_charge_never_checked_is_taken_back(conn: Connection) -> None:
    attempt = _attempt()
    throttle.charge(conn, attempt, NOW, POLICY)
    throttle.not_checked(conn, attempt, POLICY)
    assert _row(conn, attempt.user_key) == (0, NOW, 0)
    assert _row(conn, attempt.address_key) == (0, NOW, 0)


def test_the_address_limit_counts_every_user_name(conn: Connection) -> None:
    client = unique("client")
    attempts = [throttle.attempt_for(client, unique("name"), "198.51.100.7") for _ in range(6)]
    waits = [throttle.charge(conn, a, NOW, POLICY) for a in attempts]
    assert waits[:5] == [0] * 5 and waits[5] == POLICY.lockout


def test_a_charge_purges_counters_whose_window_and_lock_are_over(conn: Connection) -> None:
    throttle.purge_expired(conn, NOW + 10**6, POLICY, batch=100_000)  # counters of other tests (rolled back)
    old, locked, recent = _attempt(), _attempt(), _attempt()
    for _ in range(3):
        throttle.charge(conn, locked, NOW - POLICY.window - 1, POLICY)  # locked until after NOW
    throttle.charge(conn, old, NOW - 10 * POLICY.window, POLICY)
    assert _row(conn, old.user_key) is not None and _row(conn, old.address_key) is not None
    throttle.charge(conn, recent, NOW, POLICY)  # purges what expired by NOW
    assert _row(conn, old.user_key) is None and _row(conn, old.address_key) is None
    assert _row(conn, locked.user_key) is not None and _row(conn, recent.user_key) is not None
    assert _row(conn, locked.address_key) is None  # 3 of 5 at the address: not locked, window over
    assert throttle.purge_expired(conn, NOW + 10 * POLICY.lockout, POLICY, batch=100_000) >= 3
    assert conn.execute(select(func.count()).select_from(auth_failure)).scalar() == 0


def test_on_sqlite_the_counters_live_in_a_file_of_their_own(engine: Engine) -> None:
    counters = throttle.counters_engine(engine)
    try:
        if engine.dialect.name != "sqlite":
            assert counters is engine
            return
        assert counters.url.database == str(engine.url.database).replace(".sqlite3", "-auth.sqlite3")
        with counters.connect() as conn:
            assert conn.execute(select(func.count()).select_from(auth_failure)).scalar() is not None
    finally:
        if counters is not engine:
            counters.dispose()
