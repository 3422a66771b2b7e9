"""Use cases of tenancy: clients, orgs, books, roles and users. Services never commit; the caller's
unit of work does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from revrec.auth import passwords
from revrec.auth.privileges import ALL_PRIVILEGES, SEEDED_ROLES
from revrec.engine.money import is_currency
from revrec.errors import Conflict, InvalidInput, NotFound
from revrec.tenancy import repository as repo
from revrec.tenancy.repository import ClientRow, UserRow

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.@-]{0,99}$")
DEFAULT_ORG = (1, "DEFAULT")
PRIMARY_BOOK = "Primary"

# Other packages add what every new client starts with (e.g. the standard upload templates).
ClientSeeder = Callable[[Connection, int], None]
_extra_seeders: list[ClientSeeder] = []


def register_seeder(seeder: ClientSeeder) -> None:
    """Add a step run for every client created (idempotent seeders only)."""
    if seeder not in _extra_seeders:
        _extra_seeders.append(seeder)


def _check_name(kind: str, name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise InvalidInput(
            f"invalid {kind} name {name!r}: use 1-100 letters, digits, spaces or _ . @ -, "
            "starting with a letter or digit"
        )
    return name


def require_client(conn: Connection, name: str) -> ClientRow:
    found = repo.find_client(conn, name)
    if found is None:
        raise NotFound(f"client {name!r} does not exist")
    return found


def seed_client(conn: Connection, client_id: int, functional_currency: str = "USD") -> None:
    """Give a client its DEFAULT org, primary book and seeded roles (idempotent)."""
    repo.upsert_org(conn, client_id, *DEFAULT_ORG)
    if not repo.list_books(conn, client_id):
        repo.upsert_book(
            conn,
            client_id,
            PRIMARY_BOOK,
            {
                "book_type": "primary",
                "primary_flag": True,
                "enabled": True,
                "functional_currency": functional_currency,
            },
        )
    for role_name, privileges in SEEDED_ROLES.items():
        if repo.find_role_id(conn, client_id, role_name) is None:
            role_id = repo.insert_role(conn, client_id, role_name)
            repo.set_role_privileges(conn, role_id, privileges)
    for seeder in _extra_seeders:
        seeder(conn, client_id)


def create_client(
    conn: Connection, *, name: str, api_enabled: bool = True, reporting_currency: str = "USD"
) -> int:
    """Create a client with its DEFAULT org, primary book and seeded roles."""
    _check_name("client", name)
    if not is_currency(reporting_currency):
        raise InvalidInput(f"unknown reporting currency {reporting_currency!r} (ISO 4217 code expected)")
    if repo.find_client(conn, name) is not None:
        raise Conflict(f"client {name!r} already exists")
    client_id = repo.insert_client(
        conn, name=name, api_enabled=api_enabled, reporting_currency=reporting_currency
    )
    seed_client(conn, client_id, reporting_currency)
    return client_id


def set_api_enabled(conn: Connection, *, client_name: str, enabled: bool) -> None:
    found = require_client(conn, client_name)
    repo.update_client(conn, found.id, api_enabled=enabled)


def create_org(conn: Connection, *, client_name: str, org_id: int, org_name: str) -> None:
    found = require_client(conn, client_name)
    if org_id <= 0:
        raise InvalidInput("org id must be a positive integer")
    _check_name("organization", org_name)
    if any(o["org_id"] == org_id for o in repo.list_orgs(conn, found.id)):
        raise Conflict(f"organization {org_id} already exists for client {client_name!r}")
    repo.upsert_org(conn, found.id, org_id, org_name)


def create_role(conn: Connection, *, client_name: str, role_name: str, privileges: Sequence[str]) -> None:
    found = require_client(conn, client_name)
    _check_name("role", role_name)
    check_privileges(privileges)
    if repo.find_role_id(conn, found.id, role_name) is not None:
        raise Conflict(f"role {role_name!r} already exists for client {client_name!r}")
    role_id = repo.insert_role(conn, found.id, role_name)
    repo.set_role_privileges(conn, role_id, privileges)


def check_privileges(privileges: Sequence[str]) -> None:
    if not privileges:
        raise InvalidInput("a role needs at least one privilege")
    unknown = [p for p in privileges if p not in ALL_PRIVILEGES]
    if unknown:
        raise InvalidInput(
            f"unknown privilege(s) {', '.join(map(repr, unknown))}; known: {', '.join(ALL_PRIVILEGES)}"
        )


def role_ids(conn: Connection, client_id: int, role_names: Sequence[str]) -> list[int]:
    ids = []
    for name in role_names:
        role_id = repo.find_role_id(conn, client_id, name)
        if role_id is None:
            raise NotFound(f"role {name!r} does not exist")
        ids.append(role_id)
    return ids


def check_password(password: str) -> str:
    if len(password) < passwords.MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must be at least {passwords.MIN_PASSWORD_LENGTH} characters long")
    return password


@dataclass(frozen=True, slots=True)
class HashedPassword:
    """A new password, checked and hashed before any transaction opens: argon2 takes 0.1–0.5 s, and on
    SQLite a write transaction held over it would stall every other writer (hash with :func:`hash_new`)."""

    value: str


def hash_new(password: str) -> HashedPassword:
    """Check ``password`` against the rules and hash it (call this before opening the transaction)."""
    return HashedPassword(passwords.hash_password(check_password(password)))


def _hash_of(password: str | HashedPassword) -> str:
    return password.value if isinstance(password, HashedPassword) else hash_new(password).value


def create_user(
    conn: Connection,
    *,
    client_name: str,
    username: str,
    password: str | HashedPassword | None,
    role_names: Sequence[str],
) -> None:
    """Create a user holding ``role_names``; with no password the user cannot log in until one is set."""
    found = require_client(conn, client_name)
    _check_name("user", username)
    if not role_names:
        raise InvalidInput("a user needs at least one role")
    ids = role_ids(conn, found.id, role_names)
    if repo.find_user(conn, found.id, username) is not None:
        raise Conflict(f"user {username!r} already exists for client {client_name!r}")
    hashed = _hash_of(password) if password is not None else None
    user_id = repo.insert_user(conn, found.id, username, hashed)
    repo.set_user_roles(conn, user_id, ids)


def require_user(conn: Connection, client_name: str, username: str) -> tuple[ClientRow, UserRow]:
    found = require_client(conn, client_name)
    user = repo.find_user(conn, found.id, username)
    if user is None:
        raise NotFound(f"user {username!r} does not exist for client {client_name!r}")
    return found, user


def set_password(
    conn: Connection, *, client_name: str, username: str, password: str | HashedPassword
) -> None:
    """Set a new password; every token issued before is revoked."""
    _, user = require_user(conn, client_name, username)
    hashed = _hash_of(password)
    repo.update_user(conn, user.id, password_hash=hashed, bump_token_version=True)


def set_user_enabled(conn: Connection, *, client_name: str, username: str, enabled: bool) -> None:
    """Enable or disable a user; disabling revokes every token issued before."""
    _, user = require_user(conn, client_name, username)
    repo.update_user(conn, user.id, enabled=enabled, bump_token_version=not enabled)


def list_orgs_for_role(conn: Connection, *, client_id: int, role_id: int) -> list[dict[str, object]]:
    """The enabled orgs the role may use (all of the client's when the role has no org list)."""
    allowed = repo.role_orgs(conn, role_id)
    orgs = repo.list_orgs(conn, client_id, only=allowed or None)
    return [{"org_id": o["org_id"], "org_name": o["org_name"]} for o in orgs if o["enabled"]]
