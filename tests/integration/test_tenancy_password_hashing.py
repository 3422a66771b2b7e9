"""New passwords are hashed before the write transaction opens (argon2 inside it would stall every SQLite
writer): the CLI and bootstrap hand the services an already hashed password, which they store as it is."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from revrec.auth import passwords
from revrec.auth.privileges import API_ROLE
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.tenancy import repository as repo
from revrec.tenancy import service as tenancy
from support import unique


def test_a_hashed_password_is_stored_without_hashing_in_the_transaction(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, user = unique("hash"), unique("user")
    hashed = tenancy.hash_new("correct horse battery staple")
    again = tenancy.hash_new("another long password")

    def no_argon2(_password: str) -> str:
        raise AssertionError("argon2 ran inside the write transaction")

    monkeypatch.setattr(passwords, "hash_password", no_argon2)
    with transaction(engine) as conn:
        tenancy.create_client(conn, name=name)
        tenancy.create_user(conn, client_name=name, username=user, password=hashed, role_names=[API_ROLE])
        client = repo.find_client(conn, name)
        assert client is not None
        stored = repo.find_user(conn, client.id, user)
        assert stored is not None and stored.password_hash == hashed.value
        tenancy.set_password(conn, client_name=name, username=user, password=again)
        changed = repo.find_user(conn, client.id, user)
        assert changed is not None and changed.password_hash == again.value
        assert changed.token_version == stored.token_version + 1
    monkeypatch.undo()
    assert passwords.verify_password(again.value, "another long password")


def test_hash_new_checks_the_password_rules() -> None:
    with pytest.raises(InvalidInput, match="at least"):
        tenancy.hash_new("short")
