"""Foundation: clients, organizations, books, roles, users, authentication throttling.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "client",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("api_enabled", sa.Boolean, nullable=False),
        sa.Column("csv_injection_policy", sa.String(10), nullable=False),
        sa.Column("reporting_currency", sa.String(3), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_client"),
        sa.UniqueConstraint("name", name="uq_client_name"),
    )
    op.create_table(
        "org",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("org_id", sa.Integer, nullable=False),
        sa.Column("org_name", sa.String(100), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name="fk_org_client_id_client", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("client_id", "org_id", name="uq_org_client_org"),
    )
    op.create_table(
        "book",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("book_type", sa.String(30), nullable=False),
        sa.Column("primary_flag", sa.Boolean, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("functional_currency", sa.String(3), nullable=False),
        sa.Column("default_unbilled_ar_account", sa.String(200), nullable=True),
        sa.Column("default_billing_clearing_account", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_book"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name="fk_book_client_id_client", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("client_id", "name", name="uq_book_client_name"),
    )
    op.create_table(
        "role",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_role"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name="fk_role_client_id_client", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("client_id", "name", name="uq_role_client_name"),
    )
    op.create_table(
        "role_privilege",
        sa.Column("role_id", sa.Integer, nullable=False),
        sa.Column("privilege", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("role_id", "privilege", name="pk_role_privilege"),
        sa.ForeignKeyConstraint(
            ["role_id"], ["role.id"], name="fk_role_privilege_role_id_role", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "role_org",
        sa.Column("role_id", sa.Integer, nullable=False),
        sa.Column("org_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("role_id", "org_id", name="pk_role_org"),
        sa.ForeignKeyConstraint(
            ["role_id"], ["role.id"], name="fk_role_org_role_id_role", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("token_version", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_app_user"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name="fk_app_user_client_id_client", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("client_id", "username", name="uq_app_user_client_username"),
    )
    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("role_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "role_id", name="pk_user_role"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name="fk_user_role_user_id_app_user", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["role.id"], name="fk_user_role_role_id_role", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "auth_failure",
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("locked_until", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_auth_failure"),
    )


def downgrade() -> None:
    for name in (
        "auth_failure",
        "user_role",
        "app_user",
        "role_org",
        "role_privilege",
        "role",
        "book",
        "org",
        "client",
    ):
        op.drop_table(name)
