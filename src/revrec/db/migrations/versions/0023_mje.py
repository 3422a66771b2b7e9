"""Manual journal entries: ``mje_head``, ``mje_line``, ``mje_approval``; ``journal_entry.mje_id`` (and
``rc_id`` nullable for a manual entry's rows); the MJE privileges for existing Administrator roles; the
``stage_mje`` staging table and the ``Standard MJE`` upload template of existing clients.

Revision ID: 0023
Revises: 0022
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from revrec.db.stage_columns import MJE_COLUMNS, sql_name
from revrec.db.types import Money, Rate

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

PRIVILEGES = ("Manual Journal Entries", "Approve Manual Journal Entries")
TEMPLATE = "Standard MJE"
# (label, data type, required) of the Standard MJE template (a frozen copy of revrec.inbound.templates_std)
TEMPLATE_FIELDS = (
    ("Mje Num", "Character", True), ("Mje Desc", "Character", False), ("Mje Period", "Number", False),
    ("Curr", "Character", True), ("F Cur", "Character", False), ("R Cur", "Character", False),
    ("F Ex Rate", "Number", False), ("G Ex Rate", "Number", False), ("Rc Id", "Number", False),
    ("Reverse Flag", "Character", False), ("Acctg Type", "Character", True), ("Acctg Seg", "Character", True),
    ("Dr Amount", "Number", True), ("Cr Amount", "Number", True), ("Line Desc", "Character", False),
)  # fmt: skip
TZ = sa.DateTime(timezone=True)


def _stage_mje() -> None:
    kinds: dict[str, Any] = {"C": lambda: sa.String(300), "N": Money, "R": Rate, "D": sa.Date}
    name = "stage_mje"
    op.create_table(
        name,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("upload_id", sa.Integer, nullable=False),
        sa.Column("row_num", sa.Integer, nullable=False),
        sa.Column("processed_flag", sa.String(1), nullable=False),
        sa.Column("line_key", sa.String(300), nullable=True),
        sa.Column("crtd_by", sa.String(100), nullable=False),
        sa.Column("crtd_dt", TZ, nullable=False),
        sa.Column("updt_by", sa.String(100), nullable=False),
        sa.Column("updt_dt", TZ, nullable=False),
        *(sa.Column(sql_name(c), kinds[k](), nullable=True) for c, k in MJE_COLUMNS),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=f"fk_{name}_client_id_client", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["upload.id"], name=f"fk_{name}_upload_id_upload", ondelete="CASCADE"
        ),
    )
    op.create_index(f"ix_{name}_client_flag", name, ["client_id", "processed_flag"])
    op.create_index(f"ix_{name}_client_key", name, ["client_id", "line_key"])
    op.create_index(f"ix_{name}_upload", name, ["upload_id"])


def _seed_template() -> None:
    """The Standard MJE template of every existing client that has none of that name."""
    bind = op.get_bind()
    clients = bind.execute(
        sa.text("SELECT id FROM client c WHERE NOT EXISTS (SELECT 1 FROM upload_template t "
                "WHERE t.client_id = c.id AND t.name = :name)"),
        {"name": TEMPLATE},
    ).scalars().all()  # fmt: skip
    for client_id in clients:
        bind.execute(
            sa.text("INSERT INTO upload_template (client_id, name, kind, enabled, date_format, "
                    "field_separator, start_row) "
                    "VALUES (:client, :name, 'mje', :yes, 'DD-MON-YYYY', ',', 2)"),
            {"client": client_id, "name": TEMPLATE, "yes": True},
        )  # fmt: skip
        template_id = bind.execute(
            sa.text("SELECT id FROM upload_template WHERE client_id = :client AND name = :name"),
            {"client": client_id, "name": TEMPLATE},
        ).scalar_one()
        bind.execute(
            sa.text("INSERT INTO upload_template_field (template_id, seq, label, col_name, data_type, "
                    "required) VALUES (:template, :seq, :label, :col, :type, :required)"),
            [{"template": template_id, "seq": seq, "label": label, "col": label.upper().replace(" ", "_"),
              "type": kind, "required": required}
             for seq, (label, kind, required) in enumerate(TEMPLATE_FIELDS, start=1)],
        )  # fmt: skip


def _client_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["client_id"], ["client.id"], name=op.f(f"fk_{table}_client_id_client"), ondelete="CASCADE"
    )


def _mje_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["mje_id"], ["mje_head.id"], name=op.f(f"fk_{table}_mje_id_mje_head"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "mje_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mje_num", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("curr", sa.String(length=3), nullable=False),
        sa.Column("f_cur", sa.String(length=3), nullable=False),
        sa.Column("r_cur", sa.String(length=3), nullable=False),
        sa.Column("ex_rate", Rate(), nullable=False),
        sa.Column("g_ex_rate", Rate(), nullable=False),
        sa.Column("rc_id", sa.Integer(), nullable=True),
        sa.Column("auto_reverse", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=True),
        sa.Column("reversal_of", sa.Integer(), nullable=True),
        sa.Column("reversed_by", sa.Integer(), nullable=True),
        sa.Column("total_dr", Money(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        _client_fk("mje_head"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mje_head")),
        sa.UniqueConstraint("client_id", "mje_num", name="uq_mje_head_num"),
    )
    op.create_index("ix_mje_head_status", "mje_head", ["client_id", "status"], unique=False)
    op.create_table(
        "mje_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("mje_id", sa.Integer(), nullable=False),
        sa.Column("line_num", sa.Integer(), nullable=False),
        sa.Column("acctg_type", sa.String(length=1), nullable=False),
        sa.Column("acctg_seg", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        *(sa.Column(f"{side}_{c}", sa.BigInteger(), nullable=False) for c in "tfr" for side in ("dr", "cr")),
        _client_fk("mje_line"),
        _mje_fk("mje_line"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mje_line")),
        sa.UniqueConstraint("mje_id", "line_num", name="uq_mje_line_num"),
    )
    op.create_table(
        "mje_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("mje_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("approver_role", sa.String(length=100), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("rule_name", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _client_fk("mje_approval"),
        _mje_fk("mje_approval"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mje_approval")),
    )
    op.create_index("ix_mje_approval_mje", "mje_approval", ["mje_id"], unique=False)
    with op.batch_alter_table("journal_entry") as batch:
        batch.alter_column("rc_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("mje_id", sa.Integer(), nullable=True))
        batch.create_index("ix_journal_entry_mje", ["mje_id"], unique=False)
    for privilege in PRIVILEGES:  # existing clients' Administrator roles (new clients get them when seeded)
        op.execute(
            sa.text(
                "INSERT INTO role_privilege (role_id, privilege) SELECT r.id, :p FROM role r "
                "WHERE r.name = 'Administrator' AND NOT EXISTS (SELECT 1 FROM role_privilege x "
                "WHERE x.role_id = r.id AND x.privilege = :p)"
            ).bindparams(p=privilege)
        )
    _stage_mje()
    _seed_template()


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM upload WHERE kind = 'mje'"))
    op.execute(sa.text("DELETE FROM upload_template WHERE kind = 'mje'"))
    op.execute(sa.text("DELETE FROM stage_error WHERE kind = 'mje'"))
    for index in ("ix_stage_mje_upload", "ix_stage_mje_client_key", "ix_stage_mje_client_flag"):
        op.drop_index(index, table_name="stage_mje")
    op.drop_table("stage_mje")
    op.execute(sa.text("DELETE FROM journal_entry WHERE mje_id IS NOT NULL"))
    op.execute(
        sa.text(
            "DELETE FROM role_privilege WHERE privilege IN ('Manual Journal Entries', "
            "'Approve Manual Journal Entries')"
        )
    )
    with op.batch_alter_table("journal_entry") as batch:
        batch.drop_index("ix_journal_entry_mje")
        batch.drop_column("mje_id")
        batch.alter_column("rc_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_mje_approval_mje", table_name="mje_approval")
    op.drop_table("mje_approval")
    op.drop_table("mje_line")
    op.drop_index("ix_mje_head_status", table_name="mje_head")
    op.drop_table("mje_head")
