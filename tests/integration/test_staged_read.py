"""Collection reads staging rows without SQLAlchemy's type processing (contracts/staged.py ``read``): the
values it gives must be exactly those the column types give (Decimal amounts and rates with their scale,
dates, text, NULLs), on SQLite (converted from the stored integers and ISO text) and PostgreSQL. Read with
only the columns a set of fields comes from (``source_columns``, the plan of a split collection), a row has
the values of those fields it has read whole."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, bill, send, subscription
from inbound_data import so_line
from revrec.contracts import staged
from revrec.db.session import transaction
from revrec.db.tables import stage_line
from revrec.engine.lines import FIELD_ATTRIBUTES, line_field
from revrec.jobs import worker
from support import login, unique


def test_read_gives_what_the_column_types_give(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    so = unique("SO")
    send(
        http,
        headers,
        subscription(f"{so}-1", so, "1200.50", **{"Ord Qty": "2.5", "F Ex Rate": "0.9123456789"}),
        so_line(
            f"{so}-2", **{"Doc Num": so, "Item Num": "SETUP", "Num1": "-3.000001", "Date1": "29-FEB-2028"}
        ),
        bill("CM", f"{so}-1", unique("CM"), "-100.25"),
    )
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        client_id = conn.execute(
            select(stage_line.c.client_id).where(stage_line.c.so_num == so).limit(1)
        ).scalar_one()
        where = stage_line.c.client_id == client_id
        fast = staged.read(conn, where, (stage_line.c.id,))
        fields = (*FIELD_ATTRIBUTES, *staged._ATTRIBUTES, "INV_NUM", "NO_SUCH_FIELD")
        partial = {
            name: staged.read_values(conn, where, staged.source_columns([name]), (stage_line.c.id,))
            for name in fields
        }
        typed = select(*(stage_line.c[c] for c in staged.COLUMNS)).where(where).order_by(stage_line.c.id)
        expected = [
            staged.to_staged(dict(zip(staged._NAMES, row, strict=True))) for row in conn.execute(typed)
        ]
    assert len(fast) == 3
    assert fast == expected
    for got, want in zip(fast, expected, strict=True):  # same types and scales, not just equal numbers
        assert repr(got.line) == repr(want.line)
        assert repr(got.extra) == repr(want.extra)
    assert str(fast[0].line.ext_sll_prc) == "1200.500000"
    assert str(fast[0].line.f_ex_rate) == "0.9123456789"
    assert fast[1].line.attributes["DATE1"] == "2028-02-29"
    assert fast[1].line.attributes["NUM1"] == "-3.000001"
    for name, values in partial.items():
        rows = [values.staged(row) for row in values.rows]
        assert [(r.row_id, r.ref) for r in rows] == [(r.row_id, r.ref) for r in fast]
        assert [values.ref(row) for row in values.rows] == [r.ref for r in fast]
        found = [repr(line_field(r.line, name)) for r in rows]
        assert found == [repr(line_field(r.line, name)) for r in fast], name
    columns = staged.source_columns(["F_CUR", "EXT_LIST_PRICE", "SO_LINE_ID"])
    assert columns == ("F_CUR", "CURR", "EXT_LST_PRC", "SO_LINE_ID", "ORIG_SO_LINE_ID")
    assert staged.source_columns(["NUM1", "INV_NUM", "BNDL_PRNT_ID", "SO_BOOK_DATE"]) == ("NUM1", "SO_DATE")
