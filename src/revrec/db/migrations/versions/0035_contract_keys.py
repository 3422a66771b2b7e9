"""The high-volume tables under a contract reference it by ``(client_id, rc_id)``: rc_line, rc_pob, rc_bill,
rc_schedule and journal_entry lose their foreign keys to ``client`` and to ``revenue_contract(id)`` and get
one to ``revenue_contract(client_id, id)`` (ix_revenue_contract_client_id becomes unique for it);
journal_entry's to ``client`` and ``book`` become one to ``book(client_id, id)`` (new unique index
uq_book_client_id). One foreign-key check a row instead of two (three for journal entries), and a row can
no longer name another client's contract or book (revrec.db.tables.CONTRACT_CHILD_TABLES).

Revision ID: 0035
Revises: 0034
"""

from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

_TABLES = ("rc_line", "rc_pob", "rc_bill", "rc_schedule", "journal_entry")


def upgrade() -> None:
    op.drop_index("ix_revenue_contract_client_id", table_name="revenue_contract")
    op.create_index("ix_revenue_contract_client_id", "revenue_contract", ["client_id", "id"], unique=True)
    op.create_index("uq_book_client_id", "book", ["client_id", "id"], unique=True)
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_client_id_client", type_="foreignkey")
            batch.drop_constraint(f"fk_{table}_rc_id_revenue_contract", type_="foreignkey")
            if table == "journal_entry":
                batch.drop_constraint("fk_journal_entry_book_id_book", type_="foreignkey")
                batch.create_foreign_key(
                    "fk_journal_entry_client_id_book", "book", ["client_id", "book_id"], ["client_id", "id"],
                    ondelete="CASCADE",
                )  # fmt: skip
            batch.create_foreign_key(
                f"fk_{table}_client_id_revenue_contract", "revenue_contract", ["client_id", "rc_id"],
                ["client_id", "id"], ondelete="CASCADE",
            )  # fmt: skip


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_client_id_revenue_contract", type_="foreignkey")
            if table == "journal_entry":
                batch.drop_constraint("fk_journal_entry_client_id_book", type_="foreignkey")
                batch.create_foreign_key("fk_journal_entry_book_id_book", "book", ["book_id"], ["id"],
                                         ondelete="CASCADE")  # fmt: skip
            batch.create_foreign_key(f"fk_{table}_client_id_client", "client", ["client_id"], ["id"],
                                     ondelete="CASCADE")  # fmt: skip
            batch.create_foreign_key(f"fk_{table}_rc_id_revenue_contract", "revenue_contract", ["rc_id"],
                                     ["id"], ondelete="CASCADE")  # fmt: skip
    op.drop_index("uq_book_client_id", table_name="book")
    op.drop_index("ix_revenue_contract_client_id", table_name="revenue_contract")
    op.create_index("ix_revenue_contract_client_id", "revenue_contract", ["client_id", "id"], unique=False)
