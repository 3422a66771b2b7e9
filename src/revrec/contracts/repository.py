"""All SQL of the contracts package: reading staged lines for collection, contracts, lines, POBs, bills and
schedules. Every query is scoped by client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from revrec.contracts import staged
from revrec.contracts.bulk_write import converted, insert_rows
from revrec.contracts.revisions import Packed, decode_packed
from revrec.contracts.staged import StagedRow
from revrec.db.id_lists import SQLITE_BATCH, among, batches
from revrec.db.routing import same_client
from revrec.db.tables import (
    book,
    client,
    collection_part_line,
    flagged,
    rc_bill,
    rc_line,
    rc_pob,
    rc_schedule,
    revenue_contract,
    stage_error,
    stage_line,
    waiting,
)

S = stage_line.c


def now() -> datetime:
    return datetime.now(UTC)


def lock_client(conn: Connection, client_id: int) -> None:
    """One collection writer per client at a time (PostgreSQL row lock; SQLite's write lock does it).

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: another transaction's inserts check their ``client_id``
    foreign key with ``FOR KEY SHARE`` on this row; with ``FOR UPDATE`` a journal generation (holding
    ANALYZE's lock) waiting on that check while this holder waits for ANALYZE deadlocked."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(client.c.id).where(client.c.id == client_id).with_for_update(key_share=True))


# --- staged lines --------------------------------------------------------------------------------------


def _so_due(client_id: int, due_end: dt.date, *, by_ref: bool = False) -> Any:
    """Due SO rows. ``by_ref``: for a look-up by SO number, which must use the SO number index (the flag is
    then compared with the term of the waiting lines' indexes, not the flag index's, as in
    :func:`_activity_due`)."""
    flag = waiting(S.processed_flag) if by_ref else flagged(S.processed_flag, "N")
    return and_(S.client_id == client_id, flag, S.type == "SO", S.so_date < due_end)


def _activity_due(client_id: int, due_end: dt.date, *, by_ref: bool = False) -> Any:
    """Due activity rows. ``by_ref``: for a look-up by SO line id, which must use a line-id index: the flag
    is then compared with the term of the waiting lines' indexes (line ids among them), not the partial flag
    index's, so that SQLite (no statistics) does not pick that index and scan every waiting line of the
    client for each look-up (quadratic in the backlog)."""
    day = func.coalesce(S.inv_date, S.so_date)
    return and_(
        S.client_id == client_id,
        waiting(S.processed_flag) if by_ref else flagged(S.processed_flag, "N"),
        S.type != "SO",
        S.type != "CST",  # cost lines are the cost process's (revrec.costs), not collection's
        or_(day.is_(None), day < due_end),
    )


def earliest_so_date(conn: Connection, client_id: int) -> dt.date | None:
    query = select(func.min(S.so_date)).where(
        S.client_id == client_id, flagged(S.processed_flag, "N"), S.type == "SO"
    )
    return conn.execute(query).scalar()


def count_due(conn: Connection, client_id: int, due_end: dt.date) -> int:
    query = select(func.count()).where(or_(_so_due(client_id, due_end), _activity_due(client_id, due_end)))
    return int(conn.execute(query).scalar_one())


def next_so_rows(
    conn: Connection, client_id: int, after: int, due_end: dt.date, limit: int
) -> tuple[list[StagedRow], int]:
    """The next due SO rows after id ``after`` plus the rest of the last one's sales order, and the cursor
    to continue from (0 when there are none)."""
    rows = staged.read(conn, and_(_so_due(client_id, due_end), S.id > after), (S.id,), limit)
    if not rows:
        return rows, 0
    cursor = rows[-1].row_id
    if len(rows) == limit and rows[-1].line.so_num:
        rows.extend(staged.read(conn, so_rest(client_id, due_end, cursor, rows[-1].line.so_num), (S.id,)))
    return rows, cursor


def so_rest(client_id: int, due_end: dt.date, after: int, so_num: str) -> Any:
    """The due SO rows of sales order ``so_num`` after id ``after``. The flag is compared without the flag
    index's term: the look-up must take the SO number index (``ix_stage_line_client_so_num_waiting``),
    not scan every waiting line after ``after`` through the flag index (quadratic in the backlog)."""
    return and_(_so_due(client_id, due_end, by_ref=True), S.so_num == so_num, S.id > after)


def next_activity_rows(
    conn: Connection, client_id: int, after: int, due_end: dt.date, limit: int
) -> list[StagedRow]:
    return staged.read(conn, and_(_activity_due(client_id, due_end), S.id > after), (S.id,), limit)


def activity_for(conn: Connection, client_id: int, refs: Iterable[str], due_end: dt.date) -> list[StagedRow]:
    """Due activity rows (billing, RORD) referencing one of ``refs``."""
    wanted = set(refs)
    found: dict[int, StagedRow] = {}
    for chunk in batches(conn, wanted):
        for column in (S.so_line_id, S.orig_so_line_id):  # one index each (an OR of both scanned the client)
            where = and_(_activity_due(client_id, due_end, by_ref=True), among(conn, column, chunk))
            for row in staged.read(conn, where):
                if row.ref in wanted:
                    found[row.row_id] = row
    return sorted(found.values(), key=lambda r: r.row_id)


def pending_so_refs(conn: Connection, client_id: int, refs: Iterable[str]) -> set[str]:
    """Which of ``refs`` are SO lines still waiting in staging (N)."""
    found: set[str] = set()
    for chunk in batches(conn, refs):
        query = select(S.so_line_id).where(
            S.client_id == client_id,
            waiting(S.processed_flag),  # not flagged(): the look-up must take the SO line index (above)
            S.type == "SO",
            among(conn, S.so_line_id, chunk),
        )
        found.update(conn.execute(query).scalars())
    return found


def mark_collected(conn: Connection, client_id: int, row_ids: Sequence[int], by: str) -> None:
    """Flag collected rows Y (one UPDATE per batch of ids, not one per row)."""
    stamp = now()
    for chunk in batches(conn, row_ids):
        conn.execute(
            update(stage_line)
            .where(same_client(S.client_id, client_id), among(conn, S.id, chunk))
            .values(processed_flag="Y", updt_by=by, updt_dt=stamp)
        )


def mark_errors(conn: Connection, client_id: int, errors: Sequence[tuple[int, str, str]], by: str) -> None:
    """Rows that cannot be collected: flag E with their error (code, message)."""
    if not errors:
        return
    stamp = now()
    conn.execute(
        update(stage_line)
        .where(same_client(S.client_id, client_id), S.id == bindparam("rid"))
        .values(processed_flag="E", updt_by=by, updt_dt=stamp),
        [{"rid": row_id} for row_id, _, _ in errors],
    )
    conn.execute(
        insert(stage_error),
        [
            {
                "client_id": client_id,
                "kind": "transaction",
                "row_id": row_id,
                "code": code,
                "col_name": None,
                "message": message[:500],
            }
            for row_id, code, message in errors
        ],
    )


# --- a collection split by contract (contracts/partitions.py) -------------------------------------------

P = collection_part_line.c
STREAM_BATCH = 20_000  # rows of the plan's links fetched at a time (a server-side cursor on PostgreSQL)


def share_client(conn: Connection, client_id: int, book_id: int) -> None:
    """A partition's chunk: ``FOR SHARE`` on the client and book rows. Chunks of the partitions of one job
    run side by side (they touch disjoint contracts); writers taking :func:`lock_client` (another
    collection's plan or chunk, Event Process, approvals) or the book's lock (Period Close) wait for them,
    and they for those. Foreign-key checks (``FOR KEY SHARE``) are not blocked."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(client.c.id).where(client.c.id == client_id).with_for_update(read=True))
        conn.execute(select(book.c.id).where(book.c.id == book_id).with_for_update(read=True))


def _ref() -> Any:
    """The SO line a staging row belongs to, in SQL (:func:`staged.ref_of`; NULL for none)."""
    so, orig = func.nullif(S.so_line_id, ""), func.nullif(S.orig_so_line_id, "")
    return case(
        (S.type == staged.RORD, orig),
        (S.type.in_(sorted(staged.BILL_TYPES)), func.coalesce(so, orig)),
        else_=so,
    )


def _planned(client_id: int, due_end: dt.date) -> Any:
    """The rows a split collection plans: every due SO row, and every due activity row but those whose SO
    line waits in staging for a later period and not in this one (collected then, first, as the serial
    collection leaves them)."""
    so = stage_line.alias("so")

    def waiting_so(*terms: Any) -> Any:  # with the term of the waiting lines' SO line id index
        return (
            select(so.c.id)
            .where(
                so.c.client_id == client_id,
                waiting(so.c.processed_flag),
                so.c.type == "SO",
                so.c.so_line_id == _ref(),
                *terms,
            )
            .exists()
        )

    later = and_(waiting_so(), ~waiting_so(so.c.so_date < due_end))
    return or_(_so_due(client_id, due_end), and_(_activity_due(client_id, due_end), ~later))


def due_plan_values(
    conn: Connection, client_id: int, after: int, due_end: dt.date, limit: int, names: Iterable[str]
) -> staged.Values:
    """The next planned rows (:func:`_planned`) after staging id ``after``, by staging id, with only the
    staging columns ``names`` (besides id, type and SO line ids): the plan reads them in batches."""
    where = and_(_planned(client_id, due_end), S.id > after)
    return staged.read_values(conn, where, names, (S.id,), limit)


def plan_links(conn: Connection, client_id: int, due_end: dt.date) -> Iterator[tuple[int, int]]:
    """(staging id, staging id of the first planned row of the same SO line) of every planned row that is
    not its SO line's first, streamed: the rows of one SO line (its versions, its bills and returns) link."""
    ref = _ref()
    rows = (
        select(S.id, func.min(S.id).over(partition_by=ref).label("first"))
        .where(_planned(client_id, due_end), ref.is_not(None))
        .subquery()
    )
    query = select(rows.c.id, rows.c.first).where(rows.c.id != rows.c.first)
    for row_id, first in conn.execute(query.execution_options(yield_per=STREAM_BATCH)):
        yield int(row_id), int(first)


def plan_contract_keys(conn: Connection, client_id: int, due_end: dt.date) -> Iterator[tuple[int, str]]:
    """(staging id, contract key) of every planned row whose SO line is already collected: the key of the
    contract the line's current version belongs to, streamed."""
    planned = select(S.id, _ref().label("ref")).where(_planned(client_id, due_end)).subquery()
    current = and_(
        rc_line.c.client_id == client_id, rc_line.c.line_id == planned.c.ref, rc_line.c.current_flag.is_(True)
    )
    joined = planned.join(rc_line, current).join(revenue_contract, revenue_contract.c.id == rc_line.c.rc_id)
    query = select(planned.c.id, revenue_contract.c.rc_key).select_from(joined)
    for row_id, key in conn.execute(query.execution_options(yield_per=STREAM_BATCH)):
        yield int(row_id), key


def plan_rows(
    conn: Connection, client_id: int, job_id: int, part: int, after: int, limit: int
) -> tuple[list[int], int]:
    """Staging ids of a partition's next groups after group ``after`` (whole groups, at least ``limit``
    rows unless the partition ends) and the last group read (0 when none is left)."""
    base = and_(P.client_id == client_id, P.job_id == job_id, P.part == part)
    query = select(P.stage_row_id, P.grp).where(base, P.grp > after).order_by(P.grp, P.stage_row_id)
    rows = list(conn.execute(query.limit(limit)))
    if not rows:
        return [], 0
    last = int(rows[-1].grp)
    ids = [int(r.stage_row_id) for r in rows if r.grp != last]
    ids.extend(
        conn.execute(select(P.stage_row_id).where(base, P.grp == last).order_by(P.stage_row_id)).scalars()
    )
    return ids, last


def still_due(conn: Connection, client_id: int, row_ids: Sequence[int]) -> list[StagedRow]:
    """The rows of ``row_ids`` still waiting (``N``), by staging id."""
    found: list[StagedRow] = []
    for chunk in batches(conn, row_ids):
        where = and_(S.client_id == client_id, flagged(S.processed_flag, "N"), among(conn, S.id, chunk))
        found.extend(staged.read(conn, where))
    return sorted(found, key=lambda r: r.row_id)


def delete_plan(conn: Connection, client_id: int, job_id: int) -> None:
    conn.execute(delete(collection_part_line).where(P.client_id == client_id, P.job_id == job_id))


# --- contracts -----------------------------------------------------------------------------------------


def current_lines(conn: Connection, client_id: int, refs: Iterable[str]) -> dict[str, Any]:
    """Line id → its current rc_line version: ``id``, ``rc_id``, ``line_id``, ``version``, ``stage_row_id``
    (what collection and Event Process compare and retire; not the amounts, which they recompute)."""
    found: dict[str, Any] = {}
    c = rc_line.c
    for chunk in batches(conn, refs):
        query = select(c.id, c.rc_id, c.line_id, c.version, c.stage_row_id).where(
            rc_line.c.client_id == client_id,
            among(conn, rc_line.c.line_id, chunk),
            rc_line.c.current_flag.is_(True),
        )
        found.update({row.line_id: row for row in conn.execute(query)})
    return found


def contracts_by_key(conn: Connection, client_id: int, book_id: int, keys: Iterable[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in batches(conn, keys):
        query = select(revenue_contract).where(
            revenue_contract.c.client_id == client_id,
            revenue_contract.c.book_id == book_id,
            among(conn, revenue_contract.c.rc_key, chunk),
        )
        found.update({row.rc_key: row for row in conn.execute(query)})
    return found


def contracts_by_id(conn: Connection, rc_ids: Iterable[int]) -> list[Any]:
    found: list[Any] = []
    for chunk in batches(conn, rc_ids):
        found.extend(conn.execute(select(revenue_contract).where(among(conn, revenue_contract.c.id, chunk))))
    return found


def history_rows(conn: Connection, rc_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """Staging row ids of the current SO line versions and of the bills of ``rc_ids``."""
    so_ids: list[int] = []
    bill_ids: list[int] = []
    for chunk in batches(conn, rc_ids):
        lines = select(rc_line.c.stage_row_id).where(
            among(conn, rc_line.c.rc_id, chunk), rc_line.c.current_flag.is_(True)
        )
        so_ids.extend(conn.execute(lines).scalars())
        bill_ids.extend(
            conn.execute(select(rc_bill.c.stage_row_id).where(among(conn, rc_bill.c.rc_id, chunk))).scalars()
        )
    return so_ids, bill_ids


def packed_of(row: Any) -> Packed:
    """The packed schedule of an ``rc_schedule`` row."""
    return decode_packed(
        row.first_index, row.n, (row.rev_t, row.rev_f, row.rev_r), (row.cv_t, row.cv_f, row.cv_r)
    )


Current = tuple[int, int, Packed]  # a current schedule: its id, version and packed schedule
# What a revision reads of a current schedule: not the whole row (its times are parsed on SQLite).
_PACKED_COLUMNS = tuple(
    rc_schedule.c[name]
    for name in ("id", "rc_id", "line_id", "version", "first_index", "n")
    + ("rev_t", "rev_f", "rev_r", "cv_t", "cv_f", "cv_r")
)


def _current_packed(conn: Connection, rc_ids: Iterable[int]) -> Iterator[tuple[int, str, Current]]:
    """(contract id, line id, current schedule) of the current schedules of ``rc_ids``."""
    c = rc_schedule.c
    for chunk in batches(conn, rc_ids):
        query = select(*_PACKED_COLUMNS).where(among(conn, c.rc_id, chunk), c.current_flag.is_(True))
        for sid, rc_id, line_id, version, first, n, *texts in conn.execute(query):
            packed = decode_packed(first, n, (texts[0], texts[1], texts[2]), (texts[3], texts[4], texts[5]))
            yield rc_id, line_id, (sid, version, packed)


def current_schedules(conn: Connection, rc_ids: Iterable[int]) -> dict[str, Current]:
    """Line id → (schedule id, version, packed schedule) of the current schedules of ``rc_ids``."""
    return {line_id: found for _, line_id, found in _current_packed(conn, rc_ids)}


def current_line_schedules(conn: Connection, client_id: int, pairs: Iterable[tuple[int, str]]) -> list[Any]:
    """The current ``rc_schedule`` rows of the (contract id, line id) ``pairs``."""
    c = rc_schedule.c
    found: list[Any] = []
    items = sorted(set(pairs))
    for start in range(0, len(items), SQLITE_BATCH):  # an OR of pairs: small batches on every database
        chunk = items[start : start + SQLITE_BATCH]
        wanted = or_(*(and_(c.rc_id == rc_id, c.line_id == line_id) for rc_id, line_id in chunk))
        query = select(rc_schedule).where(c.client_id == client_id, c.current_flag.is_(True), wanted)
        found.extend(conn.execute(query))
    return found


def current_schedules_by_contract(conn: Connection, rc_ids: Iterable[int]) -> dict[int, dict[str, Current]]:
    """Contract id → its :func:`current_schedules` (line id → (schedule id, version, packed schedule))."""
    found: dict[int, dict[str, Current]] = {}
    for rc_id, line_id, schedule in _current_packed(conn, rc_ids):
        found.setdefault(rc_id, {})[line_id] = schedule
    return found


def insert_contracts(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert contracts (dicts with the same columns); their ids by key, ascending in the order of
    ``rows``. Values are converted once, as Core converts them, and go without per-row statements:
    SQLAlchemy's ``INSERT ... RETURNING`` sends one row a statement on SQLite when the ids must follow the
    rows, and on PostgreSQL renders long statement text that psycopg parses again per batch."""
    if not rows:
        return {}
    columns = tuple(rows[0])
    values = [tuple(r[c] for c in columns) for r in rows]
    if conn.dialect.name != "postgresql":
        return _insert_contracts_sqlite(conn, columns, values)
    query = text(  # ids drawn from the column's sequence (concurrent writers get distinct ones), then COPY
        "SELECT nextval(pg_get_serial_sequence('revenue_contract', 'id')) AS id"
        " FROM generate_series(1, :n) ORDER BY id"
    )
    ids = [int(i) for i in conn.execute(query, {"n": len(rows)}).scalars()]
    with_ids = [(i, *v) for i, v in zip(ids, values, strict=True)]
    insert_rows(conn, revenue_contract, ("id", *columns), with_ids, core=True)
    return {r["rc_key"]: i for i, r in zip(ids, rows, strict=True)}


def _insert_contracts_sqlite(
    conn: Connection, columns: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> dict[str, int]:
    """SQLite: one multi-row ``INSERT ... RETURNING id, rc_key`` per batch of rows, at most
    :data:`SQLITE_BATCH` bound values a statement (SQLite numbers the rows of a statement in order; the key
    says which id is whose)."""
    per_statement = max(SQLITE_BATCH // len(columns), 1)
    one = "(" + ", ".join("?" * len(columns)) + ")"
    key = columns.index("rc_key")
    stored = converted(conn, revenue_contract, columns, values, core=True)
    found: dict[str, int] = {}
    for start in range(0, len(stored), per_statement):
        chunk = stored[start : start + per_statement]
        statement = (
            f"INSERT INTO revenue_contract ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))}"  # noqa: S608
            " RETURNING id, rc_key"
        )
        returned = conn.exec_driver_sql(statement, tuple(chain(*chunk)))
        found.update({rc_key: rc_id for rc_id, rc_key in returned})
    return {v[key]: found[v[key]] for v in values}


def insert_contracts_returning(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """``INSERT ... RETURNING``, row by row (the plain statement :func:`insert_contracts` must match)."""
    result = conn.execute(
        insert(revenue_contract).returning(
            revenue_contract.c.id, revenue_contract.c.rc_key, sort_by_parameter_order=True
        ),
        list(rows),
    )
    return {key: rc_id for rc_id, key in result}


def update_contract(conn: Connection, rc_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(revenue_contract).where(revenue_contract.c.id == rc_id).values(**values))


def update_contracts(conn: Connection, values: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """New head values of many contracts ((id, values) pairs, the same columns in each) in one batch."""
    update_by_id(conn, revenue_contract, values)


def update_by_id(conn: Connection, table: Table, values: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """New values of many rows of ``table`` ((id, values) pairs, each id once, the same columns in each);
    see :func:`update_rows`."""
    if not values:
        return
    columns = list(values[0][1])
    update_rows(conn, table, columns, [(rid, *(v[c] for c in columns)) for rid, v in values])


def update_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """New values of many rows of ``table``: ``rows`` of (id, then the values of ``columns``), each id once.

    PostgreSQL: one ``UPDATE ... FROM unnest(...)`` with one array parameter per column (an executemany
    is one statement per row on the server). Elsewhere one executemany of the statement text, values
    converted once as Core converts them (no statement compiled and no parameter dict built per row).
    Values go through the columns' bind processors either way (Money and Rate refuse more decimals than
    their scale)."""
    if not rows:
        return
    names = ["id", *columns]
    assert all(n.isidentifier() for n in names)  # column names of the schema, never input
    if conn.dialect.name != "postgresql":
        converted_rows = converted(conn, table, names, rows, core=True)
        sets = ", ".join(f"{c} = ?" for c in columns)
        conn.exec_driver_sql(
            f"UPDATE {table.name} SET {sets} WHERE id = ?",  # noqa: S608
            [(*row[1:], row[0]) for row in converted_rows],
        )
        return
    converted_rows = converted(conn, table, names, rows)
    arrays = {f"a{i}": list(a) for i, a in enumerate(zip(*converted_rows, strict=True))}
    types = [table.c[n].type.compile(dialect=conn.dialect) for n in names]
    source = ", ".join(f"CAST(:a{i} AS {t}[])" for i, t in enumerate(types))
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    conn.execute(
        text(
            f"UPDATE {table.name} SET {sets} FROM unnest({source}) AS v({', '.join(names)})"  # noqa: S608
            f" WHERE {table.name}.id = v.id"
        ),
        arrays,
    )


def retire(conn: Connection, table_name: str, ids: Sequence[int]) -> None:
    """Clear current_flag of rc_line / rc_schedule rows."""
    table = rc_line if table_name == "rc_line" else rc_schedule
    for chunk in batches(conn, ids):  # one UPDATE per batch of ids, not one per row
        conn.execute(update(table).where(among(conn, table.c.id, chunk)).values(current_flag=False))


def update_lines(conn: Connection, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Reallocation of unchanged line versions: new allocation figures in place (``rows`` of (id, then the
    values of ``columns``))."""
    update_rows(conn, rc_line, columns, rows)


def delete_pobs(conn: Connection, rc_id: int) -> None:
    conn.execute(delete(rc_pob).where(rc_pob.c.rc_id == rc_id))


def delete_pobs_of(conn: Connection, rc_ids: Iterable[int]) -> None:
    """The POBs of the contracts ``rc_ids`` (one DELETE per batch of ids)."""
    for chunk in batches(conn, rc_ids):
        conn.execute(delete(rc_pob).where(among(conn, rc_pob.c.rc_id, chunk)))


def credits_collected_in(conn: Connection, rc_id: int, period_key: int) -> set[int]:
    """Staging row ids of the ``CM`` bills of contract ``rc_id`` collected in period ``period_key``
    (price concessions still to be reflected in that period, contracts/concessions.py)."""
    b = rc_bill.c
    query = select(b.stage_row_id).where(b.rc_id == rc_id, b.type == "CM", b.crtd_prd_id == period_key)
    return {int(i) for i in conn.execute(query).scalars()}


def first_scheduled(conn: Connection, rc_id: int) -> dict[str, int]:
    """Line id → the period key in which the line's first schedule version was written (contract
    ``rc_id``): lines first scheduled in the open period were added by the current modification."""
    s = rc_schedule.c
    query = select(s.line_id, func.min(s.crtd_prd_id)).where(s.rc_id == rc_id).group_by(s.line_id)
    return {line_id: int(key) for line_id, key in conn.execute(query)}
