"""All SQL of the console's own lists: the close checklist counts, uploads, contract search, jobs.

Every query is filtered by client and paged and sorted in the database (LIMIT/OFFSET on an indexed order),
so a page costs the same with ten rows behind it or a million.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, and_, func, literal_column, select, type_coerce

from revrec.db.tables import (
    accounting_period,
    flagged,
    journal_entry,
    mje_head,
    rc_approval,
    rc_bill,
    rc_hold,
    rc_line,
    rc_pob,
    revenue_contract,
    stage_error,
    stage_event,
    stage_line,
    stage_mje,
    transfer_batch,
    upload,
)
from revrec.errors import InvalidInput
from revrec.inbound.service import ERROR_TABLES
from revrec.mje import repository as mje_repo

PAGE = 50


@dataclass(frozen=True)
class ContractQuery:
    """Contract search criteria (all optional) and the page wanted."""

    rc_key: str = ""
    so_num: str = ""
    item_num: str = ""
    booked_from: dt.date | None = None
    booked_to: dt.date | None = None
    page: int = 1
    cust_num: str = ""
    cust_name: str = ""

    def link(self, page: int) -> str:
        """The query string of this search at ``page`` (every criterion kept)."""
        params = {
            "rc_key": self.rc_key, "so_num": self.so_num, "item_num": self.item_num,
            "cust_num": self.cust_num, "cust_name": self.cust_name,
            "booked_from": self.booked_from.isoformat() if self.booked_from else "",
            "booked_to": self.booked_to.isoformat() if self.booked_to else "",
        }  # fmt: skip
        return urlencode({**{k: v for k, v in params.items() if v}, "page": page})


def open_periods(conn: Connection, client_id: int) -> list[Any]:
    p = accounting_period.c
    query = (
        select(p.book_id, p.org_id, p.period_key, p.start_date, p.end_date, p.status)
        .where(p.client_id == client_id, p.status != "Closed")
        .order_by(p.book_id, p.org_id)
    )
    return list(conn.execute(query))


#: Checklist counts stop here (shown as "10000+"): a count costs the same with a million rows behind it.
COUNT_CAP = 10_000


def _count(conn: Connection, table: Any, *where: Any) -> int:
    """Rows of ``table`` matching ``where``, counted up to COUNT_CAP + 1 (an index range scan, bounded)."""
    capped = select(table.c.id).where(*where).limit(COUNT_CAP + 1).subquery()
    return int(conn.execute(select(func.count()).select_from(capped)).scalar_one())


def checklist(conn: Connection, client_id: int) -> dict[str, int]:
    """What stands between the open period and its close, counted (up to COUNT_CAP + 1)."""
    s, e, rc, j = stage_line.c, stage_event.c, revenue_contract.c, journal_entry.c
    return {
        "stage_errors": _count(conn, stage_line, s.client_id == client_id, flagged(s.processed_flag, "E")),
        "pending_lines": _count(conn, stage_line, s.client_id == client_id, flagged(s.processed_flag, "N")),
        "pending_events": _count(conn, stage_event, e.client_id == client_id, flagged(e.processed_flag, "N")),
        "contracts_in_error": _count(
            conn, revenue_contract, rc.client_id == client_id, rc.error_code.is_not(None)
        ),
        "untransferred_entries": _count(
            conn, journal_entry, j.client_id == client_id, j.post_batch_id.is_(None)
        ),
    }


def uploads(conn: Connection, client_id: int, page: int) -> list[Any]:
    u = upload.c
    query = (
        select(u.id, u.file_name, u.kind, u.status, u.message, u.data_lines, u.error_lines, u.created_at)
        .where(u.client_id == client_id)
        .order_by(u.id.desc())
        .limit(PAGE + 1)
        .offset((page - 1) * PAGE)
    )
    return list(conn.execute(query))


def transfer_batches(conn: Connection, client_id: int) -> list[Any]:
    b = transfer_batch.c
    query = (
        select(b.id, b.name, b.status, b.line_count, b.entry_count, b.created_at)
        .where(b.client_id == client_id)
        .order_by(b.id.desc())
        .limit(PAGE)
    )
    return list(conn.execute(query))


def prefix(column: Any, value: str, dialect: str) -> Any:
    """``column`` starts with ``value`` (case-sensitive), as an index range scan: on PostgreSQL ``LIKE`` reads
    the ``varchar_pattern_ops`` index; SQLite's ``LIKE`` is case-insensitive and reads no index, so there the
    prefix is also bounded as a binary range (U+10FFFF sorts after every character of a valid key)."""
    like = column.startswith(value, autoescape=True)
    if dialect != "sqlite":
        return like
    return and_(column >= value, column < value + "\U0010ffff", like)


def _unindexed(column: Any) -> Any:
    """``column``'s value through an expression no index serves (SQLite: ``column || ''``), so that the
    planner reads the table in another index's order."""
    return type_coerce(column.op("||")(literal_column("''")), column.type)


def _as_is(column: Any) -> Any:
    return column


def _line_terms(q: ContractQuery, dialect: str, *, indexed: bool = True) -> list[Any]:
    ln = rc_line.c
    col: Callable[[Any], Any] = _as_is if indexed else _unindexed
    terms = []
    if q.cust_num:
        terms.append(prefix(col(ln.cust_num), q.cust_num, dialect))
    if q.cust_name:
        terms.append(prefix(col(ln.cstmr_nm), q.cust_name, dialect))
    if q.so_num:
        terms.append(col(ln.so_num) == q.so_num)
    if q.item_num:
        terms.append(col(ln.item_num) == q.item_num)
    if q.booked_from:
        terms.append(col(ln.so_date) >= q.booked_from)
    if q.booked_to:
        terms.append(col(ln.so_date) <= q.booked_to)
    return terms


#: A range term (customer prefix, booking dates) matching more current lines than this is read in contract
#: order (newest first, filtered) rather than through its own index (every match read, then sorted).
BROAD = 5_000


def _ranged(q: ContractQuery) -> bool:
    return bool(q.cust_num or q.cust_name or q.booked_from or q.booked_to)


def _broad(conn: Connection, where: tuple[Any, ...]) -> bool:
    """Whether the search matches more than BROAD current lines (counted through the terms' index, bounded).

    A range term's index returns lines in key order, not contract order: a term matching most of a million
    lines would be read whole and sorted for every page.  Past BROAD matches, at least one line in
    (lines / BROAD) matches, so reading lines newest contract first and filtering fills a page quickly.
    (PostgreSQL makes this choice itself from its statistics; SQLite without ANALYZE does not.)"""
    capped = select(rc_line.c.id).where(*where).limit(BROAD + 1).subquery()
    return int(conn.execute(select(func.count()).select_from(capped)).scalar_one()) > BROAD


def search_contracts(conn: Connection, client_id: int, q: ContractQuery) -> list[Any]:
    """One page (plus one row, to tell whether another page follows) of the client's contracts, newest
    first. Searched by line (SO number, item, customer, dates) alone, the page of contract ids is read
    from rc_line: in rc_id order through the (client_id, so_num | item_num, rc_id) indexes, so a late page
    of a term that matches every contract costs what the first page does; through the customer and date
    indexes when the range matches few lines, else in contract order (see ``_broad``)."""
    rc, ln = revenue_contract.c, rc_line.c

    offset = (q.page - 1) * PAGE
    dialect = conn.dialect.name
    terms = _line_terms(q, dialect)
    if terms and not q.rc_key:
        where = (ln.client_id == client_id, ln.current_flag.is_(True), *terms)
        if _ranged(q) and dialect == "sqlite" and _broad(conn, where):  # read in contract order
            plain = _line_terms(q, dialect, indexed=False)
            where = (ln.client_id + 0 == client_id, ln.current_flag.is_(True), *plain)
        ids = select(ln.rc_id).where(*where).distinct().order_by(ln.rc_id.desc())
    else:
        ids = select(rc.id).where(rc.client_id == client_id).order_by(rc.id.desc())
        if q.rc_key:
            ids = ids.where(prefix(rc.rc_key, q.rc_key, dialect))
        if terms:
            matching = select(ln.rc_id).where(ln.client_id == client_id, ln.current_flag.is_(True), *terms)
            ids = ids.where(rc.id.in_(matching))
    page = ids.limit(PAGE + 1).offset(offset).scalar_subquery()

    def first_line(column: Any) -> Any:  # the customer shown: its first current line's (one index probe)
        found = select(column).where(ln.rc_id == rc.id, ln.current_flag.is_(True)).order_by(ln.id).limit(1)
        return found.scalar_subquery().label(column.name)

    # the page's ids first (an index range, LIMIT applied), then their columns: the per-row customer look-ups
    # run for the page's rows only, never for every row sorted
    query = select(
        rc.id, rc.rc_key, rc.version, rc.currency, rc.transaction_price, rc.error_code, rc.updt_prd_id,
        first_line(ln.cust_num), first_line(ln.cstmr_nm),
    ).where(rc.client_id == client_id, rc.id.in_(page))  # fmt: skip
    return list(conn.execute(query.order_by(rc.id.desc())))


def _rows_of(conn: Connection, table: Any, rc_id: int, *order: Any) -> list[Any]:
    return list(conn.execute(select(table).where(table.c.rc_id == rc_id).order_by(*order)))


def events_of(conn: Connection, client_id: int, line_ids: list[str]) -> list[Any]:
    """The staged events (any status) of a contract's lines, in staging order."""
    e = stage_event.c
    query = select(
        e.id, e.so_line_id, e.event_type, e.process_type, e.action, e.release_pct, e.release_qty,
        e.release_amt, e.event_date, e.processed_flag,
    ).where(e.client_id == client_id, e.so_line_id.in_(line_ids or [""]))  # fmt: skip
    return list(conn.execute(query.order_by(e.id).limit(PAGE * 10)))


def line_versions(conn: Connection, rc_id: int) -> list[Any]:
    """Every version of every line of contract ``rc_id`` (the revision history), oldest first per line."""
    ln = rc_line.c
    query = select(
        ln.line_id, ln.version, ln.current_flag, ln.crtd_prd_id, ln.ord_qty, ln.ext_sll_prc, ln.end_date,
        ln.allocated, ln.curr, ln.return_flag,
    ).where(ln.rc_id == rc_id)  # fmt: skip
    return list(conn.execute(query.order_by(ln.line_id, ln.version)))


def contract_parts(conn: Connection, rc_id: int) -> dict[str, list[Any]]:
    """A contract's POBs, bills and journal entries (its lines and schedules come from their packages)."""
    return {
        "pobs": _rows_of(conn, rc_pob, rc_id, rc_pob.c.pob_key),
        "bills": _rows_of(conn, rc_bill, rc_id, rc_bill.c.id),
        "entries": _rows_of(conn, journal_entry, rc_id, journal_entry.c.period_key, journal_entry.c.id),
    }


@dataclass(frozen=True)
class ErrorQuery:
    """Stage error filters: the staging table's kind, and optionally upload, error code and column."""

    kind: str = "transaction"
    upload_id: int | None = None
    code: str = ""
    column: str = ""
    page: int = 1


def stage_error_select(client_id: int, q: ErrorQuery) -> Any:
    """Errors of errored staging rows, one row per error, oldest first (the CSV streams the same query)."""
    if q.kind not in ERROR_TABLES:
        raise InvalidInput(f"Invalid error type {q.kind!r}: use {', '.join(ERROR_TABLES)}")
    table, e = ERROR_TABLES[q.kind], stage_error.c
    query = (
        select(table.c.upload_id, e.row_id, e.code, e.col_name, e.message)
        .select_from(stage_error.join(table, table.c.id == e.row_id))
        .where(e.client_id == client_id, e.kind == q.kind, table.c.client_id == client_id)
    )
    if q.upload_id is not None:
        query = query.where(table.c.upload_id == q.upload_id)
    if q.code:
        query = query.where(e.code == q.code)
    if q.column:
        query = query.where(e.col_name == q.column)
    return query.order_by(e.row_id, e.id)


def stage_errors(conn: Connection, client_id: int, q: ErrorQuery) -> list[Any]:
    query = stage_error_select(client_id, q).limit(PAGE + 1).offset((q.page - 1) * PAGE)
    return list(conn.execute(query))


# --- Controls on the console: holds and pending approvals (checklist counts, lists, a contract's) ---

PENDING_APPROVAL = "Pending"


def control_counts(conn: Connection, client_id: int) -> dict[str, int]:
    """Active holds and contracts awaiting approval, counted up to COUNT_CAP + 1 (the checklist's rows)."""
    h, a = rc_hold.c, rc_approval.c
    waiting = (
        select(a.rc_id)
        .where(a.client_id == client_id, a.status == PENDING_APPROVAL)
        .distinct()
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    return {
        "active_holds": _count(conn, rc_hold, h.client_id == client_id, h.released_flag.is_(False)),
        "pending_approvals": int(conn.execute(select(func.count()).select_from(waiting)).scalar_one()),
    }


def holds(conn: Connection, client_id: int, *, active: bool | None, page: int) -> list[Any]:
    """One page (plus one row) of the client's holds with their contract's key, newest first."""
    h, rc = rc_hold.c, revenue_contract.c
    query = (
        select(rc_hold, rc.rc_key)
        .join(revenue_contract, rc.id == h.rc_id)
        .where(h.client_id == client_id)
        .order_by(h.id.desc())
        .limit(PAGE + 1)
        .offset((page - 1) * PAGE)
    )
    if active is not None:
        query = query.where(h.released_flag.is_(not active))
    return list(conn.execute(query))


def pending_approvals(conn: Connection, client_id: int, page: int) -> list[Any]:
    """One page (plus one row) of pending approval steps with their contract's key, by contract (newest
    first) then approver sequence."""
    a, rc = rc_approval.c, revenue_contract.c
    query = (
        select(rc_approval, rc.rc_key)
        .join(revenue_contract, rc.id == a.rc_id)
        .where(a.client_id == client_id, a.status == PENDING_APPROVAL)
        .order_by(a.rc_id.desc(), a.approver_sequence, a.id)
        .limit(PAGE + 1)
        .offset((page - 1) * PAGE)
    )
    return list(conn.execute(query))


def contract_controls(conn: Connection, client_id: int, rc_id: int) -> dict[str, list[Any]]:
    """A contract's holds (newest first) and approval steps (in order), of the client only."""
    h, a = rc_hold.c, rc_approval.c
    found_holds = select(rc_hold).where(h.client_id == client_id, h.rc_id == rc_id).order_by(h.id.desc())
    steps = (
        select(rc_approval)
        .where(a.client_id == client_id, a.rc_id == rc_id)
        .order_by(a.id.desc())
        .limit(PAGE)
    )
    return {"holds": list(conn.execute(found_holds)), "approvals": list(conn.execute(steps))}


def contracts_with(conn: Connection, client_id: int, **equal: str) -> set[int]:
    """Ids of the client's contracts having a current line whose columns equal ``equal`` (e.g. item_num,
    so_num, cust_num: each read through its (client_id, column, rc_id) index)."""
    ln = rc_line.c
    terms = [ln[name] == value for name, value in equal.items()]
    query = select(ln.rc_id).where(ln.client_id == client_id, ln.current_flag.is_(True), *terms).distinct()
    return {int(r) for r in conn.execute(query).scalars()}


# --- manual journal entries (the dashboard's counts, the entries page, the contract page) ----------------

MJE_STATUSES = (mje_repo.DRAFT, mje_repo.PENDING, mje_repo.POSTED, mje_repo.REJECTED)
#: The entries page's sort keys: query value -> mje_head column (each ordered with id as tie-breaker).
MJE_SORTS = {"id": "id", "number": "mje_num", "period": "period_key", "total": "total_dr", "status": "status"}


def mje_counts(conn: Connection, client_id: int) -> dict[str, int]:
    """Entries awaiting approval and errored ``Standard MJE`` staging rows, counted up to COUNT_CAP + 1."""
    h, m = mje_head.c, stage_mje.c
    return {
        "pending_mjes": _count(conn, mje_head, h.client_id == client_id, h.status == mje_repo.PENDING),
        "mje_staging_errors": _count(
            conn, stage_mje, m.client_id == client_id, flagged(m.processed_flag, "E")
        ),
    }


@dataclass(frozen=True)
class MjeQuery:
    """The entries page's filter (status), sort (a MJE_SORTS key, descending or not) and page."""

    status: str = ""
    sort: str = "id"
    desc: bool = True
    page: int = 1

    def __post_init__(self) -> None:
        if self.status and self.status not in MJE_STATUSES:
            raise InvalidInput(f"An entry's status is one of {', '.join(MJE_STATUSES)}; not {self.status!r}")
        if self.sort not in MJE_SORTS:
            raise InvalidInput(f"Entries sort by {', '.join(MJE_SORTS)}; not {self.sort!r}")

    def link(self, **changed: Any) -> str:
        """The query string of this list with ``changed`` values (the status filter kept)."""
        values = {"status": self.status, "sort": self.sort, "desc": int(self.desc), "page": self.page}
        values.update(changed)
        return urlencode({k: v for k, v in values.items() if v != ""})


def mje_heads(conn: Connection, client_id: int, q: MjeQuery) -> list[Any]:
    """One page (plus one row) of the client's entry heads, filtered and sorted in the database."""
    h = mje_head.c
    column = h[MJE_SORTS[q.sort]]
    order = [column.desc(), h.id.desc()] if q.desc else [column, h.id]
    query = select(mje_head).where(h.client_id == client_id)
    if q.status:
        query = query.where(h.status == q.status)
    query = query.order_by(*order).limit(PAGE + 1).offset((max(q.page, 1) - 1) * PAGE)
    return list(conn.execute(query))


def contract_mjes(conn: Connection, client_id: int, rc_id: int) -> list[Any]:
    """The latest PAGE entries tied to the contract (``mje_head.rc_id``), newest first."""
    h = mje_head.c
    query = (
        select(h.id, h.mje_num, h.description, h.status, h.period_key, h.curr, h.total_dr, h.created_by)
        .where(h.client_id == client_id, h.rc_id == rc_id)
        .order_by(h.id.desc())
        .limit(PAGE)
    )
    return list(conn.execute(query))
