"""The staging screen (revrec.inbound.line_screen) against the reference rules (line_rules.validate_line).

Generated lines of every Type — valid ones and each kind of fault, alone or combined — are stored in one
upload, the screen runs, and every line is validated in Python with the context staging gives it (every
line of the upload in id order, SO references as the repository decides them). Two properties:

* sound: a line the screen marks ``N`` has no error under validate_line;
* useful: a line validate_line accepts whose line id is not repeated in the upload is marked ``N`` (the
  screen is exact but for repeated ids, which it leaves to the Python path);
* unchanged: staging an upload of every Type and fault gives the same flags, errors (codes, columns,
  messages) and upload status with the screen as without it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, func, insert, select, text

from revrec.db.stage_columns import COST_LINE_COLUMNS, LINE_COLUMNS, sql_name
from revrec.db.tables import client, stage_error, stage_line, stage_line_hold, upload
from revrec.inbound import repository as repo
from revrec.inbound import staging, uploads
from revrec.inbound.bulk import read_rows
from revrec.inbound.line_rules import BILLING_TYPES, SUPPORTED_TYPES, LineContext, validate_line
from revrec.inbound.line_screen import move_held, screen_lines
from revrec.inbound.staging import VALIDATED_COLUMNS, _KnownSoLines
from revrec.inbound.templates_std import STANDARD_TRANSACTION
from revrec.jobs.queue import Job
from support import make_tenant

Line = dict[str, object]
_ids = itertools.count(1)
BILLING_COLUMNS: Line = {"INV_QTY": Decimal(1), "INV_DATE": date(2025, 1, 20), "INV_NUM": "INV-1"}


def valid_line(tran_type: str) -> Line:
    """A valid line of ``tran_type`` whose references point at the upload's anchor SO line ``A``."""
    n = next(_ids)
    line: Line = {
        "TYPE": tran_type, "CSTMR_NM": "Acme", "ITEM_NUM": "SKU", "DEF_SEGMENTS": "1-2",
        "REV_SEGMENTS": "1-4",
        "CURR": "USD", "F_CUR": "USD", "F_EX_RATE": Decimal(1), "G_EX_RATE": Decimal(1),
        "START_DATE": date(2025, 2, 1), "END_DATE": date(2026, 1, 31), "CV_ELIGIBLE_FLAG": "Y",
        "EXT_SLL_PRC": Decimal("1200.50"), "EXT_LST_PRC": Decimal("1300"), "ORD_QTY": Decimal(2),
    }  # fmt: skip
    if tran_type in ("SO", "RORD"):
        line |= {"SO_LINE_ID": f"S{n}", "SO_DATE": date(2025, 1, 15)}
    if tran_type == "RORD":
        line |= {"ORIG_SO_LINE_ID": "A", "EXT_SLL_PRC": Decimal("-10.25"), "EXT_LST_PRC": Decimal(-11)}
    if tran_type in BILLING_TYPES:
        line |= {**BILLING_COLUMNS, "INV_LINE_ID": f"I{n}", "SO_LINE_ID": "A"}
    if tran_type in ("CM", "CM-C", "CM-R", "CM-RO"):
        line |= {"EXT_SLL_PRC": Decimal("-100.10"), "CREDIT_RULE": "P", "ORIG_INV_LINE_ID": "I0"}
    return line


#: Each kind of fault (and some valid variants), as changes to a valid line; None blanks a column.
FAULTS: dict[str, Line] = {
    **{f"blank {c}": {c: None} for c in (
        "TYPE", "CSTMR_NM", "ITEM_NUM", "DEF_SEGMENTS", "REV_SEGMENTS", "EXT_SLL_PRC", "CURR", "F_CUR",
        "EXT_LST_PRC", "ORD_QTY", "SO_LINE_ID", "SO_DATE", "INV_QTY", "INV_LINE_ID", "INV_DATE", "INV_NUM",
        "ORIG_SO_LINE_ID", "START_DATE", "END_DATE", "F_EX_RATE", "G_EX_RATE", "CREDIT_RULE",
        "ORIG_INV_LINE_ID", "CV_ELIGIBLE_FLAG",
    )},
    "type XX": {"TYPE": "XX"}, "type CST": {"TYPE": "CST"}, "type PORD": {"TYPE": "PORD"},
    "type so": {"TYPE": "so"},
    "curr ZZZ": {"CURR": "ZZZ"}, "f_cur ZZZ": {"F_CUR": "ZZZ"}, "curr usd": {"CURR": "usd"},
    "USD 3 decimals": {"EXT_SLL_PRC": Decimal("1.005")},
    "USD list 3 decimals": {"EXT_LST_PRC": Decimal("-1.001")},
    "JPY whole": {"CURR": "JPY", "F_CUR": "JPY", "G_EX_RATE": Decimal("0.0067"),
                  "EXT_SLL_PRC": Decimal(-100), "EXT_LST_PRC": Decimal(-100)},
    "JPY decimals": {"CURR": "JPY", "F_CUR": "JPY", "G_EX_RATE": Decimal("0.0067"),
                     "EXT_SLL_PRC": Decimal("-100.5")},
    "KWD 3 decimals": {"CURR": "KWD", "F_CUR": "KWD", "G_EX_RATE": Decimal(3),
                       "EXT_SLL_PRC": Decimal("-1.005"), "EXT_LST_PRC": Decimal("-1.125")},
    "KWD 4 decimals": {"CURR": "KWD", "F_CUR": "KWD", "G_EX_RATE": Decimal(3),
                       "EXT_SLL_PRC": Decimal("-1.0005")},
    "CLF 4 decimals": {"CURR": "CLF", "F_CUR": "CLF", "G_EX_RATE": Decimal(40),
                       "EXT_SLL_PRC": Decimal("-1.0005"), "EXT_LST_PRC": Decimal("-2.1234")},
    "CLF 5 decimals": {"CURR": "CLF", "F_CUR": "CLF", "G_EX_RATE": Decimal(40),
                       "EXT_LST_PRC": Decimal("1.00005")},
    "6 decimals": {"EXT_SLL_PRC": Decimal("-0.000001")},
    "f rate 0": {"F_EX_RATE": Decimal(0)}, "f rate negative": {"F_EX_RATE": Decimal(-1)},
    "f rate 1.1 same currency": {"F_EX_RATE": Decimal("1.1")},
    "f rate tiny": {"F_EX_RATE": Decimal("1.0000000001")},
    "EUR to USD with rate": {"CURR": "EUR", "F_EX_RATE": Decimal("1.08")},
    "EUR to USD without rate": {"CURR": "EUR", "F_EX_RATE": None},
    "g rate 0": {"G_EX_RATE": Decimal(0)}, "g rate 2 to reporting": {"G_EX_RATE": Decimal(2)},
    "EUR functional with g rate": {"CURR": "EUR", "F_CUR": "EUR", "G_EX_RATE": Decimal("1.1")},
    "EUR functional without g rate": {"CURR": "EUR", "F_CUR": "EUR", "G_EX_RATE": None},
    "EUR functional rate 1": {"CURR": "EUR", "F_CUR": "EUR", "G_EX_RATE": Decimal(1)},
    "start 1946": {"START_DATE": date(1946, 12, 31)}, "start 1947": {"START_DATE": date(1947, 1, 1)},
    "end 1946": {"END_DATE": date(1946, 12, 31), "START_DATE": date(1946, 1, 1)},
    "end before start": {"END_DATE": date(2025, 1, 31)}, "end on start": {"END_DATE": date(2025, 2, 1)},
    "credit rule X": {"CREDIT_RULE": "X"}, "credit rule F": {"CREDIT_RULE": "F"},
    "credit rule F no end": {"CREDIT_RULE": "F", "END_DATE": None},
    "credit rule L": {"CREDIT_RULE": "L", "ORIG_INV_LINE_ID": None},
    "cv flag X": {"CV_ELIGIBLE_FLAG": "X"}, "cv flag N": {"CV_ELIGIBLE_FLAG": "N"},
    "unbill flag y": {"UNBILL_FLAG": "y"}, "unbill flag Y": {"UNBILL_FLAG": "Y"},
    "fv flag X": {"FV_ELIGIBLE_FLAG": "X"}, "fv flag N": {"FV_ELIGIBLE_FLAG": "N"},
    "ord qty 0": {"ORD_QTY": Decimal(0)}, "ord qty negative": {"ORD_QTY": Decimal("-0.5")},
    "sell positive": {"EXT_SLL_PRC": Decimal(5)}, "list positive": {"EXT_LST_PRC": Decimal(5)},
    "sell zero": {"EXT_SLL_PRC": Decimal(0)},
    "return flag Y": {"RETURN_FLAG": "Y"}, "return flag N": {"RETURN_FLAG": "N"},
    "term 0": {"TERM": Decimal(0)}, "term 12": {"TERM": Decimal(12)},
    "duration -1": {"DURATION": Decimal(-1)},
    "duration 0.5": {"DURATION": Decimal("0.5")},
    "SO ref unknown": {"SO_LINE_ID": "NOPE"}, "orig SO ref unknown": {"ORIG_SO_LINE_ID": "NOPE"},
    "SO ref staged elsewhere": {"SO_LINE_ID": "STAGED", "ORIG_SO_LINE_ID": "STAGED"},
    "SO ref errored elsewhere": {"SO_LINE_ID": "ERRORED", "ORIG_SO_LINE_ID": "ERRORED"},
    "SO ref pending elsewhere": {"SO_LINE_ID": "PENDING", "ORIG_SO_LINE_ID": "PENDING"},
    "SO ref through orig": {"SO_LINE_ID": None, "ORIG_SO_LINE_ID": "A"},
    "SO ref to a billing id": {"SO_LINE_ID": "I0", "ORIG_SO_LINE_ID": "I0"},
    "repeated SO id": {"SO_LINE_ID": "A"}, "repeated billing id": {"INV_LINE_ID": "I0"},
    "billing id like an SO id": {"INV_LINE_ID": "A"},
    "customer number": {"CUST_NUM": "C-1"},
}  # fmt: skip


@pytest.fixture(scope="module")
def client_id(engine: Engine) -> int:
    tenant = make_tenant(engine)
    with engine.begin() as conn:
        return int(conn.execute(select(client.c.id).where(client.c.name == tenant.client)).scalar_one())


def _upload(conn: Connection, client_id: int) -> int:
    found = repo.find_template(conn, client_id, STANDARD_TRANSACTION.name)
    if found is None:
        repo.save_template(conn, client_id, STANDARD_TRANSACTION)
        found = repo.find_template(conn, client_id, STANDARD_TRANSACTION.name)
    assert found is not None
    return repo.insert_upload(conn, client_id=client_id, template_id=found[0], kind="transaction",
                              file_name="f", active_name=None, channel="api", created_by="t")  # fmt: skip


def _store(conn: Connection, client_id: int, upload_id: int, lines: list[Line], flag: str = "P") -> None:
    stamp = datetime.now(UTC)
    rows = []
    for n, line in enumerate(lines, start=1):
        # the line key as pre-stage computes it
        parts = (line.get(c) or "" for c in ("TYPE", "INV_LINE_ID", "SO_LINE_ID", "COST_LINE_ID"))
        key = uploads._key(*parts) or None
        row = {sql_name(c): line.get(c) for c in VALIDATED_COLUMNS}
        system = {"client_id": client_id, "upload_id": upload_id, "row_num": n + 1, "line_key": key,
                  "processed_flag": flag}  # fmt: skip
        rows.append({**row, **system, "crtd_by": "t", "crtd_dt": stamp, "updt_by": "t", "updt_dt": stamp})
    conn.execute(insert(stage_line), rows)


@pytest.fixture
def conn(engine: Engine, client_id: int) -> Iterator[Connection]:
    """A transaction rolled back at the end, with SO lines ``STAGED`` (N), ``ERRORED`` (E) and ``PENDING``
    (P) in other uploads of the client."""
    with engine.connect() as connection, connection.begin() as outer:
        for line_id, flag in (("STAGED", "N"), ("ERRORED", "E"), ("PENDING", "P")):
            other = {**valid_line("SO"), "SO_LINE_ID": line_id}
            _store(connection, client_id, _upload(connection, client_id), [other], flag)
        yield connection
        outer.rollback()


def _check(conn: Connection, client_id: int, lines: list[Line]) -> tuple[int, int]:
    """Store ``lines`` (after the anchor SO ``A``) in a new upload, screen it, check both properties;
    (lines marked N, lines valid)."""
    upload_id = _upload(conn, client_id)
    anchor = {**valid_line("SO"), "SO_LINE_ID": "A"}
    with conn.begin_nested() as savepoint:
        _store(conn, client_id, upload_id, [anchor, *lines])
        screened = screen_lines(conn, client_id=client_id, upload_id=upload_id, reporting_currency="USD",
                                by="t", stamp=datetime.now(UTC))  # fmt: skip
        flags = dict(conn.execute(select(stage_line.c.id, stage_line.c.processed_flag)
                                  .where(stage_line.c.upload_id == upload_id)).all())  # fmt: skip
        if conn.dialect.name == "postgresql":
            _check_held(conn, client_id, upload_id)
        # the reference: every line of the upload, in id order, as staging validates them
        conn.execute(
            stage_line.update().where(stage_line.c.upload_id == upload_id).values(processed_flag="P")
        )
        context = LineContext(known_so_line_ids=_KnownSoLines(conn, client_id, upload_id))
        rows = list(read_rows(conn, stage_line, upload_id, VALIDATED_COLUMNS))
        # validated while the upload is there, as staging does (the SO references are looked up lazily)
        errors = {
            row_id: validate_line(v, reporting_currency="USD", context=context) for row_id, _, v in rows
        }
        savepoint.rollback()
    ids = [_line_id(v) for _, _, v in rows]
    for (row_id, row_num, values), line_id in zip(rows, ids, strict=True):
        if flags[row_id] == "N":
            assert errors[row_id] == [], f"screen took row {row_num} {values}: {errors[row_id]}"
        elif not errors[row_id] and ids.count(line_id) == 1:
            pytest.fail(f"screen left valid row {row_num} {values}")
    assert screened == sum(f == "N" for f in flags.values())
    return screened, sum(not e for e in errors.values())


def _check_held(conn: Connection, client_id: int, upload_id: int) -> None:
    """PostgreSQL: the same lines held (as pre-stage holds them: text of the stored form) and moved into
    stage_line by staging's move, which flags them with the screen read over the holding table, get the
    flags ``screen_lines`` gave them, row by row, and the same values and line keys."""
    names = [sql_name(c) for c, _ in LINE_COLUMNS + COST_LINE_COLUMNS]
    order = stage_line.c.row_num
    read = select(stage_line.c.row_num, stage_line.c.processed_flag, stage_line.c.line_key,
                  *(stage_line.c[n] for n in names)).where(stage_line.c.upload_id == upload_id)  # fmt: skip
    with conn.begin_nested() as savepoint:
        screened = conn.execute(read.order_by(order)).all()
        conn.execute(text(
            f"INSERT INTO stage_line_hold (client_id, upload_id, row_num, {', '.join(names)}) "  # noqa: S608
            f"SELECT client_id, upload_id, row_num, {', '.join(f'{n}::text' for n in names)} "
            "FROM stage_line WHERE upload_id = :u"
        ), {"u": upload_id})  # fmt: skip
        conn.execute(stage_line.delete().where(stage_line.c.upload_id == upload_id))
        stamp = datetime.now(UTC)
        moved = move_held(conn, client_id=client_id, upload_id=upload_id, reporting_currency="USD", by="t",
                          created=stamp, stamp=stamp)  # fmt: skip
        held = conn.execute(read.order_by(order)).all()
        left = conn.execute(select(func.count()).where(stage_line_hold.c.upload_id == upload_id)).scalar()
        savepoint.rollback()
    assert moved == len(screened) and left == 0
    assert [tuple(r) for r in held] == [tuple(r) for r in screened]


def _line_id(values: Mapping[str, object]) -> object:
    return values["INV_LINE_ID" if values["TYPE"] in BILLING_TYPES else "SO_LINE_ID"]


def test_each_fault_on_each_type(conn: Connection, client_id: int) -> None:
    lines = [valid_line(t) for t in SUPPORTED_TYPES]
    lines += [valid_line(t) | fault for t in SUPPORTED_TYPES for fault in FAULTS.values()]
    screened, valid = _check(conn, client_id, lines)
    assert screened >= 1 + len(SUPPORTED_TYPES) and screened > len(lines) // 3  # not a screen that takes none
    assert valid - screened < 20  # only the first occurrences of repeated ids are left to Python


def test_valid_ordinary_lines_are_all_taken(conn: Connection, client_id: int) -> None:
    lines = [valid_line(t) for t in SUPPORTED_TYPES for _ in range(5)]
    assert _check(conn, client_id, lines) == (len(lines) + 1, len(lines) + 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(SUPPORTED_TYPES), st.lists(st.sampled_from(sorted(FAULTS)), max_size=3)),
        min_size=1,
        max_size=12,
    )
)
def test_screened_lines_pass_validate_line(
    conn: Connection, client_id: int, drawn: list[tuple[str, list[str]]]
) -> None:
    lines = []
    for tran_type, faults in drawn:
        line = valid_line(tran_type)
        for fault in faults:
            line |= FAULTS[fault]
        lines.append(line)
    _check(conn, client_id, lines)


def _staged(conn: Connection, client_id: int, upload_id: int) -> tuple[object, ...]:
    """Flags, errors and the upload's status after staging ``upload_id``."""
    job = Job(id=0, client_id=client_id, org_id=None, kind="stage_upload", ref_id=upload_id, params={},
              attempts=1, created_by="t")  # fmt: skip
    outcome = staging.stage_transactions(conn, job)
    rows = stage_line.c.upload_id == upload_id
    flags = conn.execute(select(stage_line.c.row_num, stage_line.c.processed_flag).where(rows)).all()
    errors = conn.execute(
        select(stage_line.c.row_num, stage_error.c.code, stage_error.c.col_name, stage_error.c.message)
        .join(stage_error, stage_error.c.row_id == stage_line.c.id)
        .where(rows, stage_error.c.kind == "transaction")
    ).all()
    status = conn.execute(select(upload.c.status, upload.c.message, upload.c.error_lines)
                          .where(upload.c.id == upload_id)).one()  # fmt: skip
    return outcome, sorted(flags), sorted(errors), tuple(status)


def test_staging_outcome_is_the_same_without_the_screen(
    conn: Connection, client_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [valid_line(t) | fault for t in SUPPORTED_TYPES for fault in ({}, *FAULTS.values())]
    upload_id = _upload(conn, client_id)
    _store(conn, client_id, upload_id, [{**valid_line("SO"), "SO_LINE_ID": "A"}, *lines])
    with conn.begin_nested() as savepoint:
        screened = _staged(conn, client_id, upload_id)
        savepoint.rollback()
    monkeypatch.setattr(staging, "screen_lines", lambda *_, **__: 0)
    exact = _staged(conn, client_id, upload_id)
    assert screened == exact
    assert exact[0] == "Warning" and len(exact[2]) > 0 and any(f == "N" for _, f in exact[1])
