"""Table definitions (SQLAlchemy Core). The schema itself is created only by Alembic migrations;
tests/integration/test_migrations.py checks that the migrations and these definitions agree.

Every business row carries ``client_id``: tenancy is enforced in each repository's WHERE clause.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

client = Table(
    "client",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("api_enabled", Boolean, nullable=False),
    Column("csv_injection_policy", String(10), nullable=False),
    Column("reporting_currency", String(3), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

org = Table(
    "org",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("org_name", String(100), nullable=False),
    Column("enabled", Boolean, nullable=False),
    UniqueConstraint("client_id", "org_id", name="uq_org_client_org"),
)

book = Table(
    "book",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("book_type", String(30), nullable=False),
    Column("primary_flag", Boolean, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("functional_currency", String(3), nullable=False),
    Column("default_unbilled_ar_account", String(200), nullable=True),
    Column("default_billing_clearing_account", String(200), nullable=True),
    UniqueConstraint("client_id", "name", name="uq_book_client_name"),
)

role = Table(
    "role",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("client_id", "name", name="uq_role_client_name"),
)

role_privilege = Table(
    "role_privilege",
    metadata,
    Column("role_id", Integer, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
    Column("privilege", String(50), primary_key=True),
)

# Orgs a role may use; a role with no rows here may use every org of its client.
role_org = Table(
    "role_org",
    metadata,
    Column("role_id", Integer, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, primary_key=True),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("username", String(100), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("token_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "username", name="uq_app_user_client_username"),
)

user_role = Table(
    "user_role",
    metadata,
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)

# Failed authentications per (client name, user name), for throttling; shared by all API processes.
auth_failure = Table(
    "auth_failure",
    metadata,
    Column("key", String(250), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", BigInteger, nullable=False),
    Column("locked_until", BigInteger, nullable=False),
)
