"""The ``Standard Cost`` upload template (kind ``transaction``), seeded for every client.

Cost lines travel in the transaction upload with ``Type`` CST (domain: "Transactions/Cost" is one upload
kind). Zuora does not publish a cost layout; revrec's names the cost columns after the cost fields of its
bill view (COST_AMT, cost def/rev segments) and reuses the transaction labels for the rest. A client may
equally add these labels to its own transaction template.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection

from revrec.inbound import repository as inbound_repo
from revrec.inbound.templates_std import FieldMapping, UploadTemplateDef

# (label, staging column, data type)
_FIELDS: Final = (
    ("Type", "TYPE", "Character"),
    ("Cost Line Id", "COST_LINE_ID", "Character"),
    ("Doc Num", "SO_NUM", "Character"),
    ("Doc Line Id", "SO_LINE_ID", "Character"),
    ("Cost Type", "COST_TYPE", "Character"),
    ("Item Num", "ITEM_NUM", "Character"),
    ("Curr", "CURR", "Character"),
    ("F Cur", "F_CUR", "Character"),
    ("F Ex Rate", "F_EX_RATE", "Number"),
    ("G Ex Rate", "G_EX_RATE", "Number"),
    ("Cost Amt", "COST_AMT", "Number"),
    ("Start Date", "START_DATE", "Date"),
    ("Cost Def Segments", "COST_DEF_SEGMENTS", "Character"),
    ("Cost Rev Segments", "COST_REV_SEGMENTS", "Character"),
)
STANDARD_COST: Final = UploadTemplateDef(
    name="Standard Cost",
    kind="transaction",
    fields=tuple(
        FieldMapping(seq, label, col, kind, label == "Type")  # type: ignore[arg-type]
        for seq, (label, col, kind) in enumerate(_FIELDS, start=1)
    ),
)


def seed_cost_template(conn: Connection, client_id: int) -> None:
    """Every client starts with the Standard Cost template (idempotent)."""
    if inbound_repo.find_template(conn, client_id, STANDARD_COST.name) is None:
        inbound_repo.save_template(conn, client_id, STANDARD_COST)
