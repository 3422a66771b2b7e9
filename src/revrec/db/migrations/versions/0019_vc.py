"""Variable consideration: the ``vc_estimate`` staging table (upload kind ``vc``), the setup section's
``vc_setting`` and the VC schedules ``vc_schedule``; every existing client gets the ``Standard VC`` upload
template (new clients get it from the seeder).

Revision ID: 0019
Revises: 0018
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from revrec.db.stage_columns import VC_COLUMNS, sql_name
from revrec.db.types import Money, Rate

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# A frozen copy of revrec.vc.template.STANDARD_VC (label, col_name, data_type, required).
_STANDARD_VC = (
    ("Doc Line Id", "SO_LINE_ID", "Character", True),
    ("VC Type", "VC_TYPE", "Character", True),
    ("Estimate Date", "EST_DATE", "Date", True),
    ("Most Likely Amt", "ML_AMT", "Number", False),
    *(
        (f"Scenario {n} {label}", f"SCN{n}_{part}", "Number", False)
        for n in range(1, 5)
        for label, part in (("Amt", "AMT"), ("Pct", "PCT"))
    ),
    ("Expected Qty", "EXP_QTY", "Number", False),
    ("Actual Flag", "ACTUAL_FLAG", "Character", False),
    ("Comments", "COMMENTS", "Character", False),
)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    kinds: dict[str, Any] = {"C": lambda: sa.String(300), "N": Money, "R": Rate, "D": sa.Date}
    op.create_table(
        "vc_estimate",
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
        *(sa.Column(sql_name(c), kinds[k](), nullable=True) for c, k in VC_COLUMNS),
        sa.PrimaryKeyConstraint("id", name="pk_vc_estimate"),
        _fk("vc_estimate", "client_id", "client"),
        _fk("vc_estimate", "upload_id", "upload"),
    )
    op.create_index("ix_vc_estimate_client_flag", "vc_estimate", ["client_id", "processed_flag"])
    op.create_index("ix_vc_estimate_client_key", "vc_estimate", ["client_id", "line_key"])
    op.create_index("ix_vc_estimate_upload", "vc_estimate", ["upload_id"])
    op.create_table(
        "vc_setting",
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_vc_setting"),
        _fk("vc_setting", "client_id", "client"),
    )
    op.create_table(
        "vc_schedule",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("book_id", sa.Integer, nullable=False),
        sa.Column("org_id", sa.Integer, nullable=False),
        sa.Column("rc_id", sa.Integer, nullable=False),
        sa.Column("line_id", sa.String(300), nullable=False),
        sa.Column("vc_type", sa.String(100), nullable=False),
        sa.Column("period_key", sa.Integer, nullable=False),
        sa.Column("estimate_id", sa.Integer, nullable=True),
        sa.Column("actual_flag", sa.String(1), nullable=False),
        sa.Column("curr", sa.String(3), nullable=False),
        sa.Column("f_cur", sa.String(3), nullable=False),
        sa.Column("r_cur", sa.String(3), nullable=False),
        *(sa.Column(f"{p}_{c}", sa.BigInteger, nullable=False) for p in ("alloc", "rev") for c in "tfr"),
        sa.Column("crtd_dt", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vc_schedule"),
        _fk("vc_schedule", "client_id", "client"),
        _fk("vc_schedule", "book_id", "book"),
        _fk("vc_schedule", "rc_id", "revenue_contract"),
    )
    op.create_index("ix_vc_schedule_scope", "vc_schedule", ["client_id", "book_id", "org_id", "period_key"])
    op.create_index("ix_vc_schedule_rc", "vc_schedule", ["rc_id"])
    _seed_standard_vc()


def _seed_standard_vc() -> None:
    """Every existing client gets the Standard VC template (unless it already has one of that name)."""
    conn = op.get_bind()
    template = sa.table(
        "upload_template",
        sa.column("id", sa.Integer),
        sa.column("client_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("kind", sa.String),
        sa.column("enabled", sa.Boolean),
        sa.column("date_format", sa.String),
        sa.column("field_separator", sa.String),
        sa.column("start_row", sa.Integer),
    )
    field = sa.table(
        "upload_template_field",
        sa.column("template_id", sa.Integer),
        sa.column("seq", sa.Integer),
        sa.column("label", sa.String),
        sa.column("col_name", sa.String),
        sa.column("data_type", sa.String),
        sa.column("required", sa.Boolean),
    )
    clients = [r[0] for r in conn.execute(sa.text("SELECT id FROM client ORDER BY id"))]
    for client_id in clients:
        exists = conn.execute(
            sa.select(template.c.id).where(
                template.c.client_id == client_id, template.c.name == "Standard VC"
            )
        ).first()
        if exists is not None:
            continue
        conn.execute(
            template.insert().values(
                client_id=client_id, name="Standard VC", kind="vc", enabled=True,
                date_format="DD-MON-YYYY", field_separator=",", start_row=2,
            )
        )  # fmt: skip
        template_id = conn.execute(
            sa.select(template.c.id).where(
                template.c.client_id == client_id, template.c.name == "Standard VC"
            )
        ).scalar_one()
        conn.execute(
            field.insert(),
            [
                {"template_id": template_id, "seq": seq, "label": label, "col_name": col, "data_type": kind,
                 "required": required}
                for seq, (label, col, kind, required) in enumerate(_STANDARD_VC, start=1)
            ],
        )  # fmt: skip


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "DELETE FROM upload_template_field WHERE template_id IN "
            "(SELECT id FROM upload_template WHERE kind = 'vc')"
        )
    )
    conn.execute(sa.text("DELETE FROM stage_error WHERE kind = 'vc'"))
    conn.execute(sa.text("DELETE FROM vc_estimate"))
    conn.execute(sa.text("DELETE FROM upload WHERE kind = 'vc'"))
    conn.execute(sa.text("DELETE FROM upload_template WHERE kind = 'vc'"))
    op.drop_table("vc_schedule")
    op.drop_table("vc_setting")
    op.drop_index("ix_vc_estimate_upload", table_name="vc_estimate")
    op.drop_index("ix_vc_estimate_client_key", table_name="vc_estimate")
    op.drop_index("ix_vc_estimate_client_flag", table_name="vc_estimate")
    op.drop_table("vc_estimate")
