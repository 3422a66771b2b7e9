"""Inbound: upload templates, uploads, staging of lines, events and bundles, stage errors, the job queue.

Revision ID: 0002
Revises: 0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from revrec.db.stage_columns import BUNDLE_COLUMNS, EVENT_COLUMNS, LINE_COLUMNS, sql_name
from revrec.db.types import Money, Rate

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, cascade: bool = True) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=f"fk_{table}_{column}_{target}",
        ondelete="CASCADE" if cascade else None,
    )


def _staging(name: str, columns: tuple[tuple[str, str], ...]) -> None:
    kinds: dict[str, Any] = {"C": lambda: sa.String(300), "N": Money, "R": Rate, "D": sa.Date}
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
        *(sa.Column(sql_name(c), kinds[k](), nullable=True) for c, k in columns),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        _fk(name, "client_id", "client"),
        _fk(name, "upload_id", "upload"),
    )
    op.create_index(f"ix_{name}_client_flag", name, ["client_id", "processed_flag"])
    op.create_index(f"ix_{name}_client_key", name, ["client_id", "line_key"])
    op.create_index(f"ix_{name}_upload", name, ["upload_id"])


def upgrade() -> None:
    op.create_table(
        "upload_template",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("date_format", sa.String(20), nullable=False),
        sa.Column("field_separator", sa.String(1), nullable=False),
        sa.Column("start_row", sa.Integer, nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_upload_template"),
        _fk("upload_template", "client_id", "client"),
        sa.UniqueConstraint("client_id", "name", name="uq_upload_template_client_name"),
    )
    op.create_table(
        "upload_template_field",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("template_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("col_name", sa.String(100), nullable=False),
        sa.Column("data_type", sa.String(20), nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_upload_template_field"),
        _fk("upload_template_field", "template_id", "upload_template"),
        sa.UniqueConstraint("template_id", "seq", name="uq_upload_template_field_template_seq"),
    )
    op.create_table(
        "upload",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("template_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("active_name", sa.String(300), nullable=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("message", sa.String(300), nullable=False),
        sa.Column("data_lines", sa.Integer, nullable=False),
        sa.Column("error_lines", sa.Integer, nullable=False),
        sa.Column("problems", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_upload"),
        _fk("upload", "client_id", "client"),
        _fk("upload", "template_id", "upload_template", cascade=False),
        sa.UniqueConstraint("client_id", "template_id", "active_name", name="uq_upload_client_template_name"),
    )
    _staging("stage_line", LINE_COLUMNS)
    _staging("stage_event", EVENT_COLUMNS)
    _staging("bundle_config", BUNDLE_COLUMNS)
    op.create_table(
        "stage_error",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("row_id", sa.Integer, nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("col_name", sa.String(100), nullable=True),
        sa.Column("message", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stage_error"),
        _fk("stage_error", "client_id", "client"),
    )
    op.create_index("ix_stage_error_row", "stage_error", ["kind", "row_id"])
    op.create_index("ix_stage_error_client", "stage_error", ["client_id", "kind"])
    op.create_table(
        "job",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("org_id", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("ref_id", sa.Integer, nullable=True),
        sa.Column("params", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", sa.BigInteger, nullable=True),
        sa.Column("progress_done", sa.Integer, nullable=False),
        sa.Column("progress_total", sa.Integer, nullable=False),
        sa.Column("error_message", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job"),
        _fk("job", "client_id", "client"),
    )
    op.create_index("ix_job_status", "job", ["status", "id"])
    op.create_index("ix_job_client", "job", ["client_id", "kind", "status"])


def downgrade() -> None:
    for name in (
        "job",
        "stage_error",
        "bundle_config",
        "stage_event",
        "stage_line",
        "upload",
        "upload_template_field",
        "upload_template",
    ):
        op.drop_table(name)
