"""The staging tables reference their upload by ``(client_id, upload_id)``: stage_line, stage_event,
bundle_config, vc_estimate and stage_mje lose their foreign keys to ``client`` and to ``upload(id)`` and
get one to ``upload(client_id, id)`` (new unique index uq_upload_client_id). One foreign-key check a
staged row instead of two, and a staged row can no longer name another client's upload (the client is
the upload's, whose own key to ``client`` removes the rows with their client as before).

Revision ID: 0036
Revises: 0035
"""

from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

_TABLES = ("stage_line", "stage_event", "bundle_config", "vc_estimate", "stage_mje")


def upgrade() -> None:
    op.create_index("uq_upload_client_id", "upload", ["client_id", "id"], unique=True)
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_client_id_client", type_="foreignkey")
            batch.drop_constraint(f"fk_{table}_upload_id_upload", type_="foreignkey")
            batch.create_foreign_key(
                f"fk_{table}_client_id_upload", "upload", ["client_id", "upload_id"], ["client_id", "id"],
                ondelete="CASCADE",
            )  # fmt: skip


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_client_id_upload", type_="foreignkey")
            batch.create_foreign_key(f"fk_{table}_client_id_client", "client", ["client_id"], ["id"],
                                     ondelete="CASCADE")  # fmt: skip
            batch.create_foreign_key(f"fk_{table}_upload_id_upload", "upload", ["upload_id"], ["id"],
                                     ondelete="CASCADE")  # fmt: skip
    op.drop_index("uq_upload_client_id", table_name="upload")
