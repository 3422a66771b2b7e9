"""Authentication under concurrency, with real threads against a real server (uvicorn on loopback) on the
test database (SQLite, or PostgreSQL when REVREC_TEST_DATABASE_URL is set): the throttle is atomic, the
argon2 check is bounded and holds no transaction, and no input ends in a 5xx (docs/security.md)."""

from __future__ import annotations

import base64
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import uvicorn
from sqlalchemy import Engine, text

from revrec.auth import passwords
from revrec.auth.privileges import API_ROLE
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.http.app import create_app
from support import PASSWORD, Tenant, make_tenant, unique

Verify = Callable[[str | None, str], bool]


@contextmanager
def serving(settings: Settings, engine: Engine, **overrides: object) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, in a thread; yields its base URL."""
    app = create_app(settings.model_copy(update=overrides), engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if app.state.ctx.counters is not engine:
            app.state.ctx.counters.dispose()


def authenticate(base: str, client: str, user: str, password: str) -> tuple[int, dict[str, str]]:
    """POST /authenticate; the status and headers (never raises on an HTTP error status)."""
    credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        base + "/api/integration/v1/authenticate",
        method="POST",
        headers={"Authorization": "Basic " + credentials, "role": API_ROLE, "clientname": client},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Records the start time of every argon2 verification the server runs."""
    started: list[float] = []
    lock = threading.Lock()
    real: Verify = passwords.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        with lock:
            started.append(time.monotonic())
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    yield started


def parallel(
    count: int, call: Callable[[int], tuple[int, dict[str, str]]]
) -> list[tuple[int, dict[str, str]]]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def test_parallel_wrong_guesses_reach_argon2_at_most_the_configured_number_of_times(
    settings: Settings, engine: Engine, verifications: list[float]
) -> None:
    tenant = make_tenant(engine)
    with serving(settings, engine) as base:
        answers = parallel(40, lambda _i: authenticate(base, tenant.client, tenant.user, "wrong password"))
        statuses = Counter(status for status, _ in answers)
        assert set(statuses) <= {401, 429}, statuses
        assert len(verifications) == statuses[401] <= settings.auth_max_failures
        assert statuses[401] == settings.auth_max_failures  # the limit is reached, not undershot
        assert all(0 < int(h["retry-after"]) <= settings.auth_lockout_seconds for s, h in answers if s == 429)
        # locked now: even the right password gets 429 without an argon2 check
        assert authenticate(base, tenant.client, tenant.user, PASSWORD)[0] == 429
        assert len(verifications) == settings.auth_max_failures


def test_simultaneous_first_failures_never_fail_the_server(settings: Settings, engine: Engine) -> None:
    tenant = make_tenant(engine)
    names = [unique("ghost") for _ in range(8)]
    with serving(settings, engine, auth_max_address_failures=1000, auth_verify_wait_ms=120_000) as base:
        # three simultaneous first failures for each of 8 user names (one known), all at once
        users = [tenant.user, *names[:7]]
        answers = parallel(24, lambda i: authenticate(base, tenant.client, users[i % 8], "wrong password"))
    assert Counter(status for status, _ in answers) == {401: 24}, [h for s, h in answers if s != 401]


def test_unknown_user_names_are_throttled_per_client_and_address(
    settings: Settings, engine: Engine, verifications: list[float]
) -> None:
    tenant = make_tenant(engine)
    limit = 6
    with serving(settings, engine, auth_max_address_failures=limit) as base:
        statuses = [authenticate(base, tenant.client, unique("guess"), "pw")[0] for _ in range(limit + 3)]
        assert statuses == [401] * limit + [429] * 3
        assert len(verifications) == limit
        # the same address is locked for this client name, even for a real user with the right password
        assert authenticate(base, tenant.client, tenant.user, PASSWORD)[0] == 429
        # another client name is a different counter
        other = make_tenant(engine)
        assert authenticate(base, other.client, other.user, PASSWORD)[0] == 200


def test_success_releases_the_address_charge(settings: Settings, engine: Engine) -> None:
    tenant = make_tenant(engine)
    with serving(settings, engine, auth_max_address_failures=3) as base:
        for _ in range(10):
            assert authenticate(base, tenant.client, tenant.user, PASSWORD)[0] == 200


def test_verifications_are_bounded_and_the_rest_get_429_when_the_wait_is_over(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    def slow(_password_hash: str | None, _password: str) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(passwords, "verify_password", slow)
    tenants = [make_tenant(engine) for _ in range(6)]
    with serving(settings, engine, auth_verify_slots=2, auth_verify_wait_ms=100) as base:
        answers = parallel(6, lambda i: authenticate(base, tenants[i].client, tenants[i].user, "wrong"))
    statuses = Counter(status for status, _ in answers)
    assert most[0] == 2
    assert statuses[401] >= 2 and statuses[429] >= 1 and set(statuses) <= {401, 429}, statuses
    assert all(h["retry-after"] == "1" for s, h in answers if s == 429)
    # a refused attempt was never checked, so it is not counted as a failure of its user
    refused = [tenants[i] for i, (s, _) in enumerate(answers) if s == 429]
    with serving(settings, engine) as base:
        for tenant in refused:
            for _ in range(settings.auth_max_failures - 1):
                assert authenticate(base, tenant.client, tenant.user, "wrong")[0] == 401


def test_a_writer_is_not_blocked_while_a_password_is_checked(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    checking = threading.Event()

    def slow(password_hash: str | None, password: str) -> bool:
        checking.set()
        time.sleep(1.0)
        return password == PASSWORD and password_hash is not None

    monkeypatch.setattr(passwords, "verify_password", slow)
    tenant = make_tenant(engine)
    with serving(settings, engine) as base, ThreadPoolExecutor(1) as pool:
        login = pool.submit(authenticate, base, tenant.client, tenant.user, PASSWORD)
        assert checking.wait(10)
        started = time.monotonic()
        with transaction(engine) as conn:  # a write transaction while the check runs
            conn.execute(text("UPDATE client SET name = name WHERE name = :n"), {"n": tenant.client})
        assert time.monotonic() - started < 0.5
        assert checking.is_set() and not login.done()
        assert login.result()[0] == 200


def test_authenticating_while_another_connection_holds_a_write_transaction(
    settings: Settings, engine: Engine
) -> None:
    tenant: Tenant = make_tenant(engine)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with transaction(engine) as conn:
            conn.execute(text("UPDATE client SET name = name WHERE name = :n"), {"n": tenant.client})
            holding.set()
            release.wait(10)

    with serving(settings, engine) as base, ThreadPoolExecutor(1) as pool:
        held = pool.submit(writer)
        assert holding.wait(10)
        try:  # the whole login runs while the write transaction is still open
            assert authenticate(base, tenant.client, tenant.user, PASSWORD)[0] == 200
            assert authenticate(base, tenant.client, tenant.user, "wrong password")[0] == 401
            assert not held.done()
        finally:
            release.set()
        held.result()
