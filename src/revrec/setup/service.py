"""Export and apply a client's setup document.

The document is a mapping of sections; each section is owned by one domain package and registered here
with an exporter and an applier. ``apply`` validates the whole document before changing anything, creates
or updates what it names and never deletes what it does not name; it returns the list of changes. A dry
run is the same call in a transaction the caller rolls back, so it reports exactly what would change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Connection

from revrec.engine.money import is_currency
from revrec.errors import InvalidInput
from revrec.setup import repository as setup_repo
from revrec.setup.schemas import (
    BookDoc,
    ClientSettingsDoc,
    DefaultTemplatesDoc,
    OrganizationDoc,
    RoleDoc,
    UserDoc,
)
from revrec.tenancy import repository as repo
from revrec.tenancy import service as tenancy
from revrec.tenancy.repository import ClientRow

Exporter = Callable[[Connection, ClientRow], Any]
Applier = Callable[[Connection, ClientRow, Any, list[str]], None]


@dataclass(frozen=True)
class Section:
    key: str
    schema: Any  # a type TypeAdapter accepts
    export: Exporter
    apply: Applier


_sections: dict[str, Section] = {}


def register(section: Section) -> None:
    """Add a section to the setup document (domain packages call this from revrec.http.app / cli)."""
    _sections[section.key] = section


def sections() -> list[Section]:
    return list(_sections.values())


def export_setup(conn: Connection, *, client_name: str) -> dict[str, Any]:
    """The client's whole setup as plain data, in section order."""
    client = tenancy.require_client(conn, client_name)
    document: dict[str, Any] = {"client": client.name}
    for section in _sections.values():
        value = section.export(conn, client)
        document[section.key] = (
            value.model_dump(mode="json") if isinstance(value, BaseModel) else _dump(value)
        )
    return document


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return value


def validate_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """Parse every section; report every problem at once with its path."""
    if not isinstance(document, Mapping):
        raise InvalidInput("the setup document must be a mapping of sections")
    unknown = sorted(set(document) - set(_sections) - {"client"})
    problems = [f"unknown section {key!r}" for key in unknown]
    parsed: dict[str, Any] = {}
    for key, section in _sections.items():
        if key not in document:
            continue
        try:
            parsed[key] = TypeAdapter(section.schema).validate_python(document[key])
        except ValidationError as exc:
            for item in exc.errors():
                where = ".".join(str(p) for p in (key, *item["loc"]))
                problems.append(f"{where}: {item['msg']}")
    if problems:
        raise InvalidInput("invalid setup document: " + "; ".join(problems))
    return parsed


def apply_setup(conn: Connection, *, client_name: str, document: Mapping[str, Any]) -> list[str]:
    """Apply a validated document; returns the changes made (empty when already in that state)."""
    named = document.get("client") if isinstance(document, Mapping) else None
    if named is not None and named != client_name:
        raise InvalidInput(f"the document is for client {named!r}, not {client_name!r}")
    parsed = validate_document(document)
    client = tenancy.require_client(conn, client_name)
    changes: list[str] = []
    for key, section in _sections.items():
        if key in parsed:
            section.apply(conn, client, parsed[key], changes)
            client = tenancy.require_client(conn, client_name)
    return changes


# --- core sections -------------------------------------------------------------------------------------


def _export_settings(conn: Connection, client: ClientRow) -> ClientSettingsDoc:
    upload, rc_grouping = setup_repo.default_templates(conn, client.id)
    return ClientSettingsDoc(
        api_enabled=client.api_enabled,
        reporting_currency=client.reporting_currency,
        csv_injection_policy=client.csv_injection_policy,  # type: ignore[arg-type]
        default_templates=DefaultTemplatesDoc(upload=upload, rc_grouping=rc_grouping),
    )


def _apply_settings(conn: Connection, client: ClientRow, doc: ClientSettingsDoc, changes: list[str]) -> None:
    if not is_currency(doc.reporting_currency):
        raise InvalidInput(f"settings.reporting_currency: unknown currency {doc.reporting_currency!r}")
    current = _export_settings(conn, client)
    for field in ("api_enabled", "reporting_currency", "csv_injection_policy"):
        old, new = getattr(current, field), getattr(doc, field)
        if old != new:
            repo.update_client(conn, client.id, **{field: new})
            changes.append(f"settings.{field}: {old!r} -> {new!r}")
    old_defaults, new_defaults = current.default_templates, doc.default_templates
    if old_defaults != new_defaults:
        setup_repo.set_default_templates(conn, client.id, new_defaults.upload, new_defaults.rc_grouping)
        changes.append(
            f"settings.default_templates: {old_defaults.model_dump()!r} -> {new_defaults.model_dump()!r}"
        )


def _export_orgs(conn: Connection, client: ClientRow) -> list[OrganizationDoc]:
    return [OrganizationDoc(**o) for o in repo.list_orgs(conn, client.id)]  # type: ignore[arg-type]


def _apply_orgs(conn: Connection, client: ClientRow, docs: list[OrganizationDoc], changes: list[str]) -> None:
    for doc in docs:
        if repo.upsert_org(conn, client.id, doc.org_id, doc.org_name, doc.enabled):
            changes.append(f"organizations: {doc.org_id} {doc.org_name!r} (enabled={doc.enabled})")


def _book_values(doc: BookDoc) -> dict[str, object]:
    return {
        "book_type": doc.type,
        "primary_flag": doc.primary,
        "enabled": doc.enabled,
        "functional_currency": doc.functional_currency,
        "default_unbilled_ar_account": doc.default_unbilled_ar_account,
        "default_billing_clearing_account": doc.default_billing_clearing_account,
    }


def _export_books(conn: Connection, client: ClientRow) -> list[BookDoc]:
    return [
        BookDoc(
            name=b["name"],  # type: ignore[arg-type]
            type=b["book_type"],  # type: ignore[arg-type]
            primary=b["primary_flag"],  # type: ignore[arg-type]
            enabled=b["enabled"],  # type: ignore[arg-type]
            functional_currency=b["functional_currency"],  # type: ignore[arg-type]
            default_unbilled_ar_account=b["default_unbilled_ar_account"],  # type: ignore[arg-type]
            default_billing_clearing_account=b["default_billing_clearing_account"],  # type: ignore[arg-type]
        )
        for b in repo.list_books(conn, client.id)
    ]


def _apply_books(conn: Connection, client: ClientRow, docs: list[BookDoc], changes: list[str]) -> None:
    for doc in docs:
        if not is_currency(doc.functional_currency):
            raise InvalidInput(
                f"books.{doc.name}.functional_currency: unknown currency {doc.functional_currency!r}"
            )
        if repo.upsert_book(conn, client.id, doc.name, _book_values(doc)):
            changes.append(f"books: {doc.name!r}")
    if sum(1 for b in repo.list_books(conn, client.id) if b["primary_flag"]) != 1:
        raise InvalidInput("books: exactly one book must be the primary book")


def _export_roles(conn: Connection, client: ClientRow) -> list[RoleDoc]:
    return [
        RoleDoc(
            name=name,
            privileges=sorted(repo.role_privileges(conn, rid)),
            orgs=sorted(repo.role_orgs(conn, rid)),
        )
        for rid, name in repo.list_roles(conn, client.id)
    ]


def _apply_roles(conn: Connection, client: ClientRow, docs: list[RoleDoc], changes: list[str]) -> None:
    known_orgs = {o["org_id"] for o in repo.list_orgs(conn, client.id)}
    for doc in docs:
        tenancy.check_privileges(doc.privileges)
        missing = sorted(set(doc.orgs) - known_orgs)
        if missing:
            raise InvalidInput(f"roles.{doc.name}.orgs: unknown organization(s) {missing}")
        role_id = repo.find_role_id(conn, client.id, doc.name)
        if role_id is None:
            role_id = repo.insert_role(conn, client.id, doc.name)
            changes.append(f"roles: created {doc.name!r}")
        if repo.role_privileges(conn, role_id) != set(doc.privileges):
            repo.set_role_privileges(conn, role_id, doc.privileges)
            changes.append(f"roles: {doc.name!r} privileges = {sorted(doc.privileges)}")
        if repo.role_orgs(conn, role_id) != set(doc.orgs):
            repo.set_role_orgs(conn, role_id, doc.orgs)
            changes.append(f"roles: {doc.name!r} orgs = {sorted(doc.orgs)}")


def _export_users(conn: Connection, client: ClientRow) -> list[UserDoc]:
    return [
        UserDoc(username=u.username, roles=repo.user_role_names(conn, u.id), enabled=u.enabled)
        for u in repo.list_users(conn, client.id)
    ]


def _apply_users(conn: Connection, client: ClientRow, docs: list[UserDoc], changes: list[str]) -> None:
    for doc in docs:
        ids = tenancy.role_ids(conn, client.id, doc.roles)
        user = repo.find_user(conn, client.id, doc.username)
        if user is None:
            user_id = repo.insert_user(conn, client.id, doc.username, None)
            repo.set_user_roles(conn, user_id, ids)
            changes.append(
                f"users: created {doc.username!r} (no password: set one with revrec user set-password)"
            )
            if not doc.enabled:
                repo.update_user(conn, user_id, enabled=False)
            continue
        if sorted(repo.user_role_names(conn, user.id)) != sorted(set(doc.roles)):
            repo.set_user_roles(conn, user.id, ids)
            changes.append(f"users: {doc.username!r} roles = {sorted(set(doc.roles))}")
        if user.enabled != doc.enabled:
            repo.update_user(conn, user.id, enabled=doc.enabled, bump_token_version=not doc.enabled)
            changes.append(f"users: {doc.username!r} enabled = {doc.enabled}")


def register_core_sections() -> None:
    register(Section("settings", ClientSettingsDoc, _export_settings, _apply_settings))
    register(Section("organizations", list[OrganizationDoc], _export_orgs, _apply_orgs))
    register(Section("books", list[BookDoc], _export_books, _apply_books))
    register(Section("roles", list[RoleDoc], _export_roles, _apply_roles))
    register(Section("users", list[UserDoc], _export_users, _apply_users))
