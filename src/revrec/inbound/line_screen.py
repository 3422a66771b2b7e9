"""The staging screen: one set-based UPDATE that marks ``N`` the pre-staged lines that certainly pass.

Staging validates every ``P`` line of an upload with :func:`revrec.inbound.line_rules.validate_line`, the
single reference of the rules. Reading 60,000 lines back into Python costs more than the rest of staging,
so, as pre-stage's row pattern does (``revrec.inbound.screen``), a conservative screen runs first: one
``UPDATE`` per upload, in the job's transaction, turns ``P`` into ``N`` for every line whose stored
columns satisfy, for its Type, a condition written from each rule of ``line_rules`` (the comment on each
part names the rule). Whatever the screen cannot decide simply — unknown or refused types (CST, PORD), a
line key repeated in the upload, an amount it cannot prove fits its currency — stays ``P`` and goes
through the exact Python path, which writes the errors. So the screen may only be stricter, never looser:
``tests/integration/test_inbound_line_screen.py`` drives generated lines of every Type and every kind of
fault through both and proves "screen marks N ⇒ validate_line finds no error" on SQLite and PostgreSQL.

It mirrors the staging context of ``revrec.inbound.staging`` (no SO signs, no segment format, customer
number optional): a rule that staging turns on there must get its condition here first.

Storage (``revrec.db.types``): on SQLite amounts are integers of 10**-6, rates of 10**-10 and dates ISO
text (ordered as text); on PostgreSQL NUMERIC and DATE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, text, update

from revrec.db.local_settings import local_settings
from revrec.db.routing import same_client, same_client_sql
from revrec.db.stage_columns import COST_LINE_COLUMNS, LINE_COLUMNS, sql_name
from revrec.db.tables import stage_line, stage_line_hold
from revrec.engine.conventions import UNIT_PRICE_PLACES
from revrec.engine.money import AMOUNT_SCALE, CURRENCY_EXPONENTS, RATE_SCALE
from revrec.inbound.line_rules import (
    BILLING_TYPES,
    CREDIT_RULES,
    CREDIT_TYPES,
    EARLIEST_DATE,
    SUPPORTED_TYPES,
    YES_NO,
    key_column,
    mandatory_columns,
)

SO_TYPES = ("SO", "RORD")
#: PostgreSQL ``work_mem`` of staging's move of held rows (one sort of the upload's rows by row number).
MOVE_WORK_MEM = "128MB"
#: Characters of the line key column (a longer joined key is stored as its SHA-256 digest).
LINE_KEY_LENGTH: int = stage_line.c.line_key.type.length  # type: ignore[attr-defined]
STAGED = ("N", "Y")


def _c(col_name: str) -> str:
    """The staging column of the row being screened."""
    return f"stage_line.{sql_name(col_name)}"


def _in(values: Iterable[str]) -> str:
    words = sorted(values)
    assert all(w.replace("-", "").isalnum() for w in words)  # constants of line_rules, safe as literals
    return "(" + ", ".join(f"'{w}'" for w in words) + ")"


def _all(parts: Iterable[str]) -> str:
    return "(" + " AND ".join(parts) + ")"


def _optional(col_name: str, condition: str) -> str:
    return f"({_c(col_name)} IS NULL OR {condition})"


class _Dialect:
    """Literals of the stored values: scaled integers and ISO text on SQLite, NUMERIC and DATE otherwise."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self.rate_one = str(10**RATE_SCALE) if sqlite else "1"
        day = EARLIEST_DATE.isoformat()
        self.earliest = f"'{day}'" if sqlite else f"DATE '{day}'"

    def whole_units(self, column: str, places: int) -> str:
        """``column`` (an amount) has no more than ``places`` decimals."""
        if self.sqlite:
            return f"{column} % {10 ** (AMOUNT_SCALE - places)} = 0"
        return f"{column} % {1 if places == 0 else '0.' + '0' * (places - 1) + '1'} = 0"


def _currency(d: _Dialect) -> list[str]:
    """line_rules._check_currency: known codes, amounts within CURR's precision, both exchange rates."""
    codes = _in(CURRENCY_EXPONENTS)
    by_places: dict[int, list[str]] = {}
    for code, places in CURRENCY_EXPONENTS.items():
        by_places.setdefault(places, []).append(code)
    groups = sorted(by_places.items(), key=lambda item: -len(item[1]))  # the common 2 decimals first

    def fit(places: int) -> str:
        return _all(_optional(col, d.whole_units(_c(col), places)) for col in ("EXT_LST_PRC", "EXT_SLL_PRC"))

    curr, f_cur, f_rate, g_rate = _c("CURR"), _c("F_CUR"), _c("F_EX_RATE"), _c("G_EX_RATE")
    return [
        # RPRO-00009: a known CURR (mandatory, so never NULL here) whose precision both amounts fit; one
        # look-up of CURR a line (each code is in exactly one group)
        "(" + " OR ".join(f"({curr} IN {_in(group)} AND {fit(places)})" for places, group in groups) + ")",
        f"({f_cur} = {curr} OR {f_cur} IN {codes})",  # a known F_CUR (CURR is known)
        _optional("F_EX_RATE", f"{f_rate} > 0"),  # RPRO-00067
        _optional("G_EX_RATE", f"{g_rate} > 0"),
        # RPRO-00011 (same currency: rate 1 or none) / RPRO-00076 (different: a rate is needed)
        f"(({curr} = {f_cur} AND ({f_rate} IS NULL OR {f_rate} = {d.rate_one})) "
        f"OR ({curr} <> {f_cur} AND {f_rate} IS NOT NULL))",
        # RPRO-00012 / RPRO-00076 against the client's reporting currency
        f"(({f_cur} = :screen_reporting AND ({g_rate} IS NULL OR {g_rate} = {d.rate_one})) "
        f"OR ({f_cur} <> :screen_reporting AND {g_rate} IS NOT NULL))",
        # RREV-00020: unit prices are multiples of the unit-price quantum (bound: a policy of the client)
        *(
            _optional(col, f"{_c(col)} % :screen_unit_quantum = 0")
            for col in ("UNIT_SELL_PRC", "UNIT_LIST_PRC")
        ),
    ]


def _dates_and_flags(d: _Dialect) -> list[str]:
    """line_rules._check_dates_and_flags, the part common to every type."""
    start, end = _c("START_DATE"), _c("END_DATE")
    return [
        f"{start} IS NOT NULL AND {start} >= {d.earliest}",  # RPRO-00014/00018, RPRO-00015
        _optional("END_DATE", f"({end} >= {d.earliest} AND {end} >= {start})"),  # RPRO-00016, RPRO-00013
        *(_optional(col, f"{_c(col)} IN {_in(YES_NO)}")  # RPRO-00002/00049/00052
          for col in ("CV_ELIGIBLE_FLAG", "UNBILL_FLAG", "FV_ELIGIBLE_FLAG")),
        _optional("CREDIT_RULE", f"{_c('CREDIT_RULE')} IN {_in(CREDIT_RULES)}"),  # RPRO-00046
    ]  # fmt: skip


def _type_dates(tran_type: str) -> list[str]:
    """line_rules._check_dates_and_flags for credit memos: RPRO-00047, and RPRO-00063 (rule F)."""
    if tran_type not in CREDIT_TYPES:
        return []
    rule = _c("CREDIT_RULE")
    return [f"({rule} IS NULL OR {_c('ORIG_INV_LINE_ID')} IS NOT NULL)",
            f"({_c('END_DATE')} IS NOT NULL OR {rule} IS NULL OR {rule} <> 'F')"]  # fmt: skip


def _quantities_and_signs(tran_type: str) -> list[str]:
    """line_rules._check_quantities_and_signs (no SO signs in staging's context)."""
    parts = [_optional(col, f"{_c(col)} > 0") for col in ("TERM", "DURATION")]  # RPRO-00050, RPRO-00068
    if tran_type in SO_TYPES:
        parts.append(f"{_c('ORD_QTY')} > 0")  # RPRO-00072 (mandatory)
    if tran_type == "RORD":  # RPRO-00058, RREV-00005 (both mandatory), RREV-00006
        parts += [f"{_c('EXT_SLL_PRC')} <= 0", f"{_c('EXT_LST_PRC')} <= 0",
                  _optional("RETURN_FLAG", f"{_c('RETURN_FLAG')} = 'N'")]  # fmt: skip
    return parts


def _known_so_line(reference: str, held: bool) -> str:
    """RPRO-00600 as repository.unknown_so_references decides it: an SO/RORD line of this upload, or a
    staged or collected one of the client, whose line key is ``reference``. ``held``: the upload's lines
    are still in stage_line_hold (where an SO/RORD line's key is its SO_LINE_ID), not in stage_line."""
    if held:
        return (
            f"({reference} IS NULL OR {reference} IN (SELECT h.so_line_id FROM stage_line_hold h "  # noqa: S608
            "WHERE h.upload_id = :screen_upload AND h.client_id = :screen_client "
            f"AND h.type IN {_in(SO_TYPES)}) "
            f"OR EXISTS (SELECT 1 FROM stage_line so WHERE so.client_id = :screen_client "
            f"AND so.line_key = {reference} AND so.type IN {_in(SO_TYPES)} "
            f"AND so.processed_flag IN {_in(STAGED)}))"
        )
    return (
        f"({reference} IS NULL OR EXISTS (SELECT 1 FROM stage_line so WHERE so.client_id = :screen_client "  # noqa: S608
        f"AND so.line_key = {reference} AND so.type IN {_in(SO_TYPES)} "
        f"AND (so.upload_id = :screen_upload OR so.processed_flag IN {_in(STAGED)})))"
    )


def _unique_line_id(held: bool, sqlite: bool) -> str:
    """line_rules._check_links, RREV-00001: the line id is not repeated in the upload.

    The line id (INV_LINE_ID of billing lines, else SO_LINE_ID) is what pre-stage stores as the line key
    (``revrec.inbound.uploads.line_key``), so the repeated ones are found on that column. The first
    occurrence of a repeated id is valid, later ones are not: the screen takes none of them, so the Python
    path sees every occurrence in id order (stricter than the rule: ignores the id's namespace).
    """
    assert all(
        key_column(t) == ("INV_LINE_ID" if t in BILLING_TYPES else "SO_LINE_ID") for t in SUPPORTED_TYPES
    )
    if held:
        return (
            f"{_c('LINE_KEY')} NOT IN (SELECT d.k FROM (SELECT {held_line_key('h')} AS k "  # noqa: S608
            "FROM stage_line_hold h WHERE h.upload_id = :screen_upload AND h.client_id = :screen_client) d "
            "WHERE d.k IS NOT NULL GROUP BY d.k HAVING count(*) > 1)"
        )
    client = same_client_sql("d.client_id", sqlite)  # by upload, not by client
    return (
        f"{_c('LINE_KEY')} NOT IN (SELECT d.line_key FROM stage_line d "  # noqa: S608
        f"WHERE {client} = :screen_client AND d.upload_id = :screen_upload AND d.line_key IS NOT NULL "
        "GROUP BY d.line_key HAVING count(*) > 1)"
    )


def held_line_key(alias: str) -> str:
    """The line key of a stage_line_hold row (alias ``alias``), as pre-stage computes it for stage_line
    (``revrec.inbound.uploads.line_key``): a cost line's ``CST:`` and its cost line id (a SHA-256 digest
    when longer than the column), a billing line's INV_LINE_ID, else its SO_LINE_ID; NULL when none."""
    cost = f"'CST:' || {alias}.{sql_name('COST_LINE_ID')}"
    return (
        f"CASE WHEN {alias}.type = 'CST' THEN CASE WHEN {alias}.{sql_name('COST_LINE_ID')} IS NULL THEN NULL "
        f"WHEN length({cost}) <= {LINE_KEY_LENGTH} THEN {cost} "
        f"ELSE 'sha256:' || encode(sha256(convert_to({cost}, 'UTF8')), 'hex') END "
        f"WHEN {alias}.type IN {_in(BILLING_TYPES)} THEN {alias}.{sql_name('INV_LINE_ID')} "
        f"ELSE {alias}.{sql_name('SO_LINE_ID')} END"
    )


def _references(tran_type: str, held: bool) -> list[str]:
    """line_rules._check_links, RPRO-00600: billing lines name their SO line (SO-based credits through
    ORIG_SO_LINE_ID), a RORD the SO line it reduces."""
    if tran_type in BILLING_TYPES:
        return [_known_so_line(f"coalesce({_c('SO_LINE_ID')}, {_c('ORIG_SO_LINE_ID')})", held)]
    if tran_type == "RORD":
        return [_known_so_line(_c("ORIG_SO_LINE_ID"), held)]
    return []


@cache
def screen_condition(sqlite: bool, held: bool = False) -> str:
    """The SQL condition (binds ``screen_upload``, ``screen_client``, ``screen_reporting``,
    ``screen_unit_quantum``) true only for lines that validate_line accepts in staging's context.

    ``held``: the upload's lines are read from stage_line_hold (:func:`move_held`), not stage_line."""
    d = _Dialect(sqlite)
    by_type = [
        _all([
            f"{_c('TYPE')} = '{tran_type}'",
            *(f"{_c(col)} IS NOT NULL" for col in mandatory_columns(tran_type)),  # mandatory columns
            *_type_dates(tran_type), *_quantities_and_signs(tran_type), *_references(tran_type, held),
        ])
        for tran_type in SUPPORTED_TYPES
    ]  # fmt: skip
    by_type_sql = "(" + " OR ".join(by_type) + ")"
    return _all([*_currency(d), *_dates_and_flags(d), _unique_line_id(held, sqlite), by_type_sql])


def _bound(sql: str, client_id: int, upload_id: int, reporting: str, places: int, sqlite: bool) -> Any:
    # the unit-price quantum in stored units: 10**(scale − places) integers on SQLite, 10**-places NUMERIC
    quantum = 10 ** (AMOUNT_SCALE - places) if sqlite else Decimal(1).scaleb(-places)
    return text(sql).bindparams(
        bindparam("screen_upload", upload_id),
        bindparam("screen_client", client_id),
        bindparam("screen_reporting", reporting),
        bindparam("screen_unit_quantum", quantum),
    )


def _without_jit(
    conn: Connection, statement: Any, params: dict[str, Any] | None = None, work_mem: str | None = None
) -> int:
    """PostgreSQL: run ``statement`` with JIT off (and ``work_mem`` when given); its rowcount. The planner
    prices the per-row subqueries (which rarely run) so high that it JIT-compiles the statement: about a
    second of compilation for a 60,000-line upload."""
    with local_settings(conn, jit="off", **({"work_mem": work_mem} if work_mem else {})):
        return int(conn.execute(statement, params or {}).rowcount)


def screen_lines(
    conn: Connection,
    *,
    client_id: int,
    upload_id: int,
    reporting_currency: str,
    by: str,
    stamp: datetime,
    unit_price_places: int = UNIT_PRICE_PLACES,
) -> int:
    """Mark ``N`` the upload's pre-staged lines the screen proves valid; the number of lines marked."""
    sqlite = conn.dialect.name == "sqlite"
    condition = _bound(screen_condition(sqlite), client_id, upload_id, reporting_currency, unit_price_places,
                       sqlite)  # fmt: skip
    statement = (
        update(stage_line)
        .where(
            and_(
                same_client(stage_line.c.client_id, client_id),
                stage_line.c.upload_id == upload_id,
                stage_line.c.processed_flag == "P",
                condition,
            )
        )
        .values(processed_flag="N", updt_dt=stamp, updt_by=by)
    )
    if conn.dialect.name != "postgresql":
        return int(conn.execute(statement).rowcount)
    return _without_jit(conn, statement)


def _held_value(col_name: str, kind: str) -> str:
    """A stage_line_hold cell (text of the stored form) as its stage_line column's value."""
    column = f"h.{sql_name(col_name)}"
    if kind in ("N", "R"):
        return f"CAST({column} AS NUMERIC)"
    return f"CAST({column} AS DATE)" if kind == "D" else column


@cache
def _move_sql() -> str:
    names = [sql_name(c) for c, _ in LINE_COLUMNS + COST_LINE_COLUMNS]
    values = [f"{_held_value(c, k)} AS {sql_name(c)}" for c, k in LINE_COLUMNS + COST_LINE_COLUMNS]
    held = (  # the upload's held rows, typed and keyed as stage_line's, under the name the screen reads
        f"(SELECT h.client_id, h.upload_id, h.row_num, {held_line_key('h')} AS line_key, {', '.join(values)} "  # noqa: S608
        "FROM stage_line_hold h WHERE h.upload_id = :screen_upload AND h.client_id = :screen_client) "
        "stage_line"
    )
    return (
        "INSERT INTO stage_line (client_id, upload_id, row_num, processed_flag, line_key, crtd_by, crtd_dt, "  # noqa: S608
        f"updt_by, updt_dt, {', '.join(names)}) "
        "SELECT stage_line.client_id, stage_line.upload_id, stage_line.row_num, "
        f"CASE WHEN {screen_condition(False, held=True)} THEN 'N' ELSE 'P' END, stage_line.line_key, "
        f":move_by, :move_created, :move_by, :move_stamp, {', '.join(f'stage_line.{n}' for n in names)} "
        f"FROM {held} ORDER BY stage_line.row_num"
    )


def move_held(
    conn: Connection,
    *,
    client_id: int,
    upload_id: int,
    reporting_currency: str,
    by: str,
    created: datetime,
    stamp: datetime,
    unit_price_places: int = UNIT_PRICE_PLACES,
) -> int:
    """PostgreSQL: move the upload's rows from stage_line_hold into stage_line, in file order, each written
    once with its flag: ``N`` where the screen proves it valid (the condition of :func:`screen_lines`,
    reading the upload's other lines from the holding table), else ``P``; then delete the held rows. The
    number of rows moved (0 when the upload's rows were stored in stage_line by pre-stage itself)."""
    statement = _bound(_move_sql(), client_id, upload_id, reporting_currency, unit_price_places, False)
    params = {"move_by": by, "move_created": created, "move_stamp": stamp}
    # the upload's rows are sorted by row number in memory (4 MB, the default, spills them to disk)
    moved = _without_jit(conn, statement, params, work_mem=MOVE_WORK_MEM)
    if moved:
        conn.execute(
            delete(stage_line_hold).where(
                stage_line_hold.c.upload_id == upload_id, stage_line_hold.c.client_id == client_id
            )
        )
    return moved
