"""All SQL of the tenancy package. Every query is scoped by client id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from revrec.db.tables import app_user, book, client, org, role, role_org, role_privilege, user_role


@dataclass(frozen=True, slots=True)
class ClientRow:
    id: int
    name: str
    api_enabled: bool
    csv_injection_policy: str
    reporting_currency: str


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    client_id: int
    username: str
    password_hash: str | None
    enabled: bool
    token_version: int


def _now() -> datetime:
    return datetime.now(UTC)


def _client(row: Any) -> ClientRow:
    return ClientRow(row.id, row.name, row.api_enabled, row.csv_injection_policy, row.reporting_currency)


def find_client(conn: Connection, name: str) -> ClientRow | None:
    row = conn.execute(select(client).where(client.c.name == name)).first()
    return _client(row) if row else None


def get_client(conn: Connection, client_id: int) -> ClientRow | None:
    row = conn.execute(select(client).where(client.c.id == client_id)).first()
    return _client(row) if row else None


def list_clients(conn: Connection) -> list[ClientRow]:
    return [_client(r) for r in conn.execute(select(client).order_by(client.c.name))]


def count_clients(conn: Connection) -> int:
    return len(conn.execute(select(client.c.id).limit(1)).all())


def insert_client(conn: Connection, *, name: str, api_enabled: bool, reporting_currency: str) -> int:
    result = conn.execute(
        insert(client).values(
            name=name,
            api_enabled=api_enabled,
            csv_injection_policy="BLOCK",
            reporting_currency=reporting_currency,
            created_at=_now(),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update_client(conn: Connection, client_id: int, **values: object) -> None:
    conn.execute(update(client).where(client.c.id == client_id).values(**values))


def list_orgs(
    conn: Connection, client_id: int, *, only: Iterable[int] | None = None
) -> list[dict[str, object]]:
    query = select(org.c.org_id, org.c.org_name, org.c.enabled).where(org.c.client_id == client_id)
    if only is not None:
        query = query.where(org.c.org_id.in_(list(only)))
    return [dict(r._mapping) for r in conn.execute(query.order_by(org.c.org_id))]


def upsert_org(conn: Connection, client_id: int, org_id: int, org_name: str, enabled: bool = True) -> bool:
    """Create or update an org; True when something changed."""
    row = conn.execute(select(org).where(org.c.client_id == client_id, org.c.org_id == org_id)).first()
    if row is None:
        conn.execute(
            insert(org).values(client_id=client_id, org_id=org_id, org_name=org_name, enabled=enabled)
        )
        return True
    if (row.org_name, row.enabled) == (org_name, enabled):
        return False
    conn.execute(update(org).where(org.c.id == row.id).values(org_name=org_name, enabled=enabled))
    return True


def list_books(conn: Connection, client_id: int) -> list[dict[str, object]]:
    query = select(book).where(book.c.client_id == client_id).order_by(book.c.id)
    return [dict(r._mapping) for r in conn.execute(query)]


def upsert_book(conn: Connection, client_id: int, name: str, values: dict[str, object]) -> bool:
    row = conn.execute(select(book).where(book.c.client_id == client_id, book.c.name == name)).first()
    if row is None:
        conn.execute(insert(book).values(client_id=client_id, name=name, **values))
        return True
    current = {k: getattr(row, k) for k in values}
    if current == values:
        return False
    conn.execute(update(book).where(book.c.id == row.id).values(**values))
    return True


def find_role_id(conn: Connection, client_id: int, name: str) -> int | None:
    return conn.execute(select(role.c.id).where(role.c.client_id == client_id, role.c.name == name)).scalar()


def insert_role(conn: Connection, client_id: int, name: str) -> int:
    result = conn.execute(insert(role).values(client_id=client_id, name=name))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def role_privileges(conn: Connection, role_id: int) -> set[str]:
    query = select(role_privilege.c.privilege).where(role_privilege.c.role_id == role_id)
    return set(conn.execute(query).scalars())


def role_orgs(conn: Connection, role_id: int) -> set[int]:
    return set(conn.execute(select(role_org.c.org_id).where(role_org.c.role_id == role_id)).scalars())


def set_role_privileges(conn: Connection, role_id: int, privileges: Iterable[str]) -> None:
    conn.execute(delete(role_privilege).where(role_privilege.c.role_id == role_id))
    rows = [{"role_id": role_id, "privilege": p} for p in sorted(set(privileges))]
    if rows:
        conn.execute(insert(role_privilege), rows)


def set_role_orgs(conn: Connection, role_id: int, org_ids: Iterable[int]) -> None:
    conn.execute(delete(role_org).where(role_org.c.role_id == role_id))
    rows = [{"role_id": role_id, "org_id": o} for o in sorted(set(org_ids))]
    if rows:
        conn.execute(insert(role_org), rows)


def list_roles(conn: Connection, client_id: int) -> list[tuple[int, str]]:
    query = select(role.c.id, role.c.name).where(role.c.client_id == client_id).order_by(role.c.name)
    return [(r.id, r.name) for r in conn.execute(query)]


def _user(row: Any) -> UserRow:
    return UserRow(
        row.id,
        row.client_id,
        row.username,
        row.password_hash,
        row.enabled,
        row.token_version,
    )


def find_user(conn: Connection, client_id: int, username: str) -> UserRow | None:
    query = select(app_user).where(app_user.c.client_id == client_id, app_user.c.username == username)
    row = conn.execute(query).first()
    return _user(row) if row else None


def get_user(conn: Connection, client_id: int, user_id: int) -> UserRow | None:
    query = select(app_user).where(app_user.c.client_id == client_id, app_user.c.id == user_id)
    row = conn.execute(query).first()
    return _user(row) if row else None


def list_users(conn: Connection, client_id: int) -> list[UserRow]:
    query = select(app_user).where(app_user.c.client_id == client_id).order_by(app_user.c.username)
    return [_user(r) for r in conn.execute(query)]


def insert_user(conn: Connection, client_id: int, username: str, password_hash: str | None) -> int:
    result = conn.execute(
        insert(app_user).values(
            client_id=client_id,
            username=username,
            password_hash=password_hash,
            enabled=True,
            token_version=1,
            created_at=_now(),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update_user(
    conn: Connection, user_id: int, *, bump_token_version: bool = False, **values: object
) -> None:
    statement = update(app_user).where(app_user.c.id == user_id).values(**values)
    if bump_token_version:
        statement = statement.values(token_version=app_user.c.token_version + 1)
    conn.execute(statement)


def user_role_names(conn: Connection, user_id: int) -> list[str]:
    query = (
        select(role.c.name)
        .join(user_role, user_role.c.role_id == role.c.id)
        .where(user_role.c.user_id == user_id)
        .order_by(role.c.name)
    )
    return list(conn.execute(query).scalars())


def set_user_roles(conn: Connection, user_id: int, role_ids: Sequence[int]) -> None:
    conn.execute(delete(user_role).where(user_role.c.user_id == user_id))
    if role_ids:
        conn.execute(insert(user_role), [{"user_id": user_id, "role_id": r} for r in sorted(set(role_ids))])


def principal_row(
    conn: Connection, client_id: int, username: str, role_name: str
) -> tuple[UserRow, int] | None:
    """The user and the id of the named role, when the user holds that role."""
    query = (
        select(app_user, role.c.id.label("role_id"))
        .join(user_role, user_role.c.user_id == app_user.c.id)
        .join(role, role.c.id == user_role.c.role_id)
        .where(app_user.c.client_id == client_id, app_user.c.username == username, role.c.name == role_name)
    )
    row = conn.execute(query).first()
    return (_user(row), int(row.role_id)) if row else None


@dataclass(frozen=True, slots=True)
class PrincipalRow:
    """Everything a request's authorisation needs, read in one query."""

    client: ClientRow
    user: UserRow
    role_id: int
    privileges: frozenset[str]


def load_principal(conn: Connection, client_id: int, username: str, role_name: str) -> PrincipalRow | None:
    """The client, user, role and privileges behind a token, when the user still holds the role."""
    query = (
        select(
            client.c.id.label("c_id"), client.c.name.label("c_name"), client.c.api_enabled,
            client.c.csv_injection_policy, client.c.reporting_currency, app_user.c.id.label("u_id"),
            app_user.c.password_hash, app_user.c.enabled, app_user.c.token_version, role.c.id.label("r_id"),
            role_privilege.c.privilege,
        )
        .join(client, client.c.id == app_user.c.client_id)
        .join(user_role, user_role.c.user_id == app_user.c.id)
        .join(role, role.c.id == user_role.c.role_id)
        .outerjoin(role_privilege, role_privilege.c.role_id == role.c.id)
        .where(app_user.c.client_id == client_id, app_user.c.username == username, role.c.name == role_name)
    )  # fmt: skip
    rows = conn.execute(query).all()
    if not rows:
        return None
    r = rows[0]
    found_client = ClientRow(r.c_id, r.c_name, r.api_enabled, r.csv_injection_policy, r.reporting_currency)
    user = UserRow(r.u_id, r.c_id, username, r.password_hash, r.enabled, r.token_version)
    return PrincipalRow(found_client, user, r.r_id, frozenset(x.privilege for x in rows if x.privilege))
