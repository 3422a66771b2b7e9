# ruff: noqa: S608 - statements are assembled from constant fragments; values are bound parameters
"""All SQL of the accounting package: set-based journal generation, journal and balance queries.

Journal entries of period ``p`` (calendar index ``i``) are computed in ONE statement from the current
packed schedules (running totals: the amount of ``p`` is ``run(i) − run(i − 1)``, see
revrec.contracts.revisions) and the bills, as legs (account type, account string, signed amount in T/F/R;
debit positive), summarised per (contract, account type, account string, currencies). Legs, per line:

* revenue ``r``: Dr L (Def Segments) / Cr R (Rev Segments);
* carve ``a``: Dr Y (Al Account, else Def Segments) / Cr X (Ar Account, else Rev Segments);
* bill ``b`` booked in ``p``: Dr C (book default) / Cr L;
* right to bill (Unbill Flag Y): the unbilled balance ``max(0, revenue to date − billed to date)`` moves
  Dr U (book default) / Cr L by its change in ``p``;

and per contract and currency, netting: when ``L + Y`` (credit positive) is a debit ``n`` at the end of
``p``, Dr A (Ca Account, else Def Segments) / Cr L for ``n``, and the reversal of the previous period's.
Each leg pair balances, so every period balances in each currency. Rights of return add their legs
(revrec.accounting.returns_entries: R/N, S/O/Q) to the same statement.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text, update
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean

from revrec.accounting import returns_entries
from revrec.accounting.cost_entries import COST_ACCOUNT_TYPES
from revrec.db.bounded import delete_where
from revrec.db.local_settings import local_settings
from revrec.db.tables import (
    journal_entry,
    journal_state,
    rc_bill,
    rc_line,
    rc_return_reserve,
    rc_schedule,
    revenue_contract,
)

DEFAULT_UNBILLED = "UNBILLED-AR"
DEFAULT_CLEARING = "BILLING-CLEARING"


def _run(dialect: str, column: str, k: str) -> str:
    """SQL for the running total of packed series ``column`` through calendar index ``:k``."""
    offset = f"{'LEAST' if dialect == 'postgresql' else 'MIN'}(:{k} - s.first_index, s.n - 1)"
    if dialect == "postgresql":
        # the series is ``[1,2,3]`` (revisions.encode: integers, no spaces), so the element is the text
        # between two commas, less a bracket at either end: no JSON parse of the whole series (json_in
        # validates all of it before ->> reads up to the element), about a tenth of the CPU a look-up
        element = f"btrim(split_part({column}, ',', ({offset}) + 1), '[]')::bigint"
    else:
        element = f"json_extract({column}, '$[' || ({offset}) || ']')"
    return f"CASE WHEN s.n = 0 OR :{k} < s.first_index OR {column} IS NULL THEN NULL ELSE {element} END"


def _sched_sql(dialect: str) -> str:
    cols = []
    for name, column in (("r", "rev"), ("a", "cv")):
        for cur in ("t", "f", "r"):
            for tag, k in (("1", "i"), ("0", "i0")):
                cols.append(f"{_run(dialect, f's.{column}_{cur}', k)} AS {name}{cur}{tag}_raw")
    return f"""
    raw AS MATERIALIZED (
      SELECT s.rc_id, s.line_id, s.curr, s.f_cur, s.r_cur, {", ".join(cols)},
        COALESCE(l.def_segments, '') AS l_seg, COALESCE(l.rev_segments, '') AS r_seg,
        COALESCE(l.al_account, l.def_segments, '') AS y_seg,
        COALESCE(l.ar_account, l.rev_segments, '') AS x_seg,
        COALESCE(l.ca_account, l.def_segments, '') AS a_seg, COALESCE(l.unbill_flag, 'N') AS unbill
      FROM rc_schedule s JOIN revenue_contract c ON c.id = s.rc_id
      JOIN rc_line l ON l.client_id = s.client_id AND l.line_id = s.line_id AND l.current_flag = :yes
      WHERE s.client_id = :client AND s.current_flag = :yes AND c.book_id = :book
        AND c.org_id = :org{{only_s}}
    ),
    sched AS (
      -- read once, by ub: PostgreSQL and SQLite inline it there instead of storing every line's row again
      SELECT rc_id, line_id, curr, f_cur, r_cur, l_seg, r_seg, y_seg, x_seg, a_seg, unbill,
        COALESCE(rt1_raw, 0) AS rt1, COALESCE(rt0_raw, 0) AS rt0,
        COALESCE(rf1_raw, rt1_raw, 0) AS rf1, COALESCE(rf0_raw, rt0_raw, 0) AS rf0,
        COALESCE(rr1_raw, rf1_raw, rt1_raw, 0) AS rr1, COALESCE(rr0_raw, rf0_raw, rt0_raw, 0) AS rr0,
        COALESCE(at1_raw, 0) AS at1, COALESCE(at0_raw, 0) AS at0,
        COALESCE(af1_raw, at1_raw, 0) AS af1, COALESCE(af0_raw, at0_raw, 0) AS af0,
        COALESCE(ar1_raw, af1_raw, at1_raw, 0) AS ar1, COALESCE(ar0_raw, af0_raw, at0_raw, 0) AS ar0
      FROM raw
    )"""


def _unbilled(dialect: str) -> str:
    """The unbilled balances of a right-to-bill line (Unbill Flag Y), ``max(0, revenue to date − billed to
    date)`` at the end of ``p`` (``u?1``) and of ``p − 1`` (``u?0``), in T, F and R; zero for other lines.
    Billed to date comes from an index look-up of the line's bills, each written once (a look-up named twice
    in a select list that PostgreSQL inlines is run twice)."""
    larger = "GREATEST" if dialect == "postgresql" else "MAX"
    parts = []
    for cur, amount in (("t", "amount_t"), ("f", "amount_f"), ("r", "amount_r")):
        for tag, upto in (("1", "<="), ("0", "<")):
            billed = (
                f"(SELECT CAST(COALESCE(SUM(b.{amount}), 0) AS BIGINT) FROM rc_bill b "
                f"WHERE b.rc_id = s.rc_id AND b.line_id = s.line_id AND b.prd_id {upto} :p)"
            )
            unbilled = f"{larger}(s.r{cur}{tag} - {billed}, 0)"
            parts.append(f"CASE WHEN s.unbill = 'Y' THEN {unbilled} ELSE 0 END AS u{cur}{tag}")
    return ",\n        ".join(parts)


_BILLS = """
    bl AS MATERIALIZED (
      SELECT b.rc_id, b.line_id, b.curr, b.f_cur, b.r_cur,
        CAST(SUM(CASE WHEN b.prd_id = :p THEN b.amount_t ELSE 0 END) AS BIGINT) AS bt,
        CAST(SUM(CASE WHEN b.prd_id = :p THEN b.amount_f ELSE 0 END) AS BIGINT) AS bf,
        CAST(SUM(CASE WHEN b.prd_id = :p THEN b.amount_r ELSE 0 END) AS BIGINT) AS br,
        CAST(SUM(b.amount_t) AS BIGINT) AS bt1, CAST(SUM(b.amount_f) AS BIGINT) AS bf1,
        CAST(SUM(b.amount_r) AS BIGINT) AS br1,
        CAST(SUM(CASE WHEN b.prd_id < :p THEN b.amount_t ELSE 0 END) AS BIGINT) AS bt0,
        CAST(SUM(CASE WHEN b.prd_id < :p THEN b.amount_f ELSE 0 END) AS BIGINT) AS bf0,
        CAST(SUM(CASE WHEN b.prd_id < :p THEN b.amount_r ELSE 0 END) AS BIGINT) AS br0
      FROM rc_bill b JOIN revenue_contract c ON c.id = b.rc_id
      WHERE b.client_id = :client AND b.prd_id <= :p AND c.book_id = :book AND c.org_id = :org{only_b}
      GROUP BY b.rc_id, b.line_id, b.curr, b.f_cur, b.r_cur
    ),
    ub AS MATERIALIZED (
      -- only what the legs and the netting read; the unbilled balance of a right-to-bill line from its bills
      -- to date (an index look-up per such line and figure, each written once: see _unbilled)
      SELECT rc_id, curr, f_cur, r_cur, l_seg, r_seg, y_seg, x_seg, a_seg,
        rt1, rt0, rf1, rf0, rr1, rr0, at1, at0, af1, af0, ar1, ar0,
        {unbilled}
      FROM sched s
    ),
    net AS MATERIALIZED (
      -- per contract and currencies: L + Y + U - billed (debit positive) at the end of p (1) and p - 1 (0),
      -- kept when a debit; each line and each bill row adds its own part
      SELECT rc_id, curr, f_cur, r_cur, COALESCE(MIN(a_seg), '') AS a_seg, COALESCE(MIN(l_seg), '') AS l_seg,
        {net}
      FROM (
        SELECT rc_id, curr, f_cur, r_cur, a_seg, l_seg, rt1 + at1 - ut1 AS nt1, rt0 + at0 - ut0 AS nt0,
          rf1 + af1 - uf1 AS nf1, rf0 + af0 - uf0 AS nf0, rr1 + ar1 - ur1 AS nr1, rr0 + ar0 - ur0 AS nr0
        FROM ub
        UNION ALL
        SELECT rc_id, curr, f_cur, r_cur, NULL, NULL, -bt1, -bt0, -bf1, -bf0, -br1, -br0
        FROM bl
      ) x
      GROUP BY rc_id, curr, f_cur, r_cur
    ),
    billacct AS MATERIALIZED (
      SELECT b.rc_id, b.curr, b.f_cur, b.r_cur, b.bt, b.bf, b.br, COALESCE(l.def_segments, '') AS l_seg
      FROM bl b LEFT JOIN rc_line l
        ON l.client_id = :client AND l.line_id = b.line_id AND l.current_flag = :yes
      WHERE b.bt <> 0 OR b.bf <> 0 OR b.br <> 0
    ),""".replace(
    "{net}",
    ", ".join(
        f"CASE WHEN SUM(x.{v}) > 0 THEN CAST(SUM(x.{v}) AS BIGINT) ELSE 0 END AS {v}"
        for v in ("nt1", "nt0", "nf1", "nf0", "nr1", "nr0")
    ),
)


def _bills_sql(dialect: str) -> str:
    return _BILLS.replace("{unbilled}", _unbilled(dialect))


# (type, account column, T/F/R amount expressions, source); positive = debit
_LEGS = (
    ("L", "l_seg", ("rt1 - rt0", "rf1 - rf0", "rr1 - rr0"), "ub"),
    ("R", "r_seg", ("rt0 - rt1", "rf0 - rf1", "rr0 - rr1"), "ub"),
    ("Y", "y_seg", ("at1 - at0", "af1 - af0", "ar1 - ar0"), "ub"),
    ("X", "x_seg", ("at0 - at1", "af0 - af1", "ar0 - ar1"), "ub"),
    ("U", "CAST(:u_acct AS VARCHAR(300))", ("ut1 - ut0", "uf1 - uf0", "ur1 - ur0"), "ub"),
    ("L", "l_seg", ("ut0 - ut1", "uf0 - uf1", "ur0 - ur1"), "ub"),
    ("C", "CAST(:c_acct AS VARCHAR(300))", ("bt", "bf", "br"), "billacct"),
    ("L", "l_seg", ("-bt", "-bf", "-br"), "billacct"),
)


def _nonzero(t: str, f: str, r: str) -> str:
    """The WHERE of a leg: a leg of zero in T, F and R adds nothing to its entry's sums, and an entry with
    only such legs is not written, so they are left out before the grouping (about half of all legs: no
    carve, no right to bill, a line without revenue in the period) instead of sorted and dropped after it."""
    return f"WHERE {t} <> 0 OR {f} <> 0 OR {r} <> 0"


def _legs_sql() -> str:
    parts = []
    for kind, account, (t, f, r), source in _LEGS:
        parts.append(
            f"SELECT rc_id, '{kind}' AS acctg_type, {account} AS acctg_seg, curr, f_cur, r_cur, "
            f"{t} AS vt, {f} AS vf, {r} AS vr FROM {source} {_nonzero(t, f, r)}"
        )
    # netting: this period's Dr A / Cr L, and the reversal of the previous period's (kept gross)
    for kind, account, sign, undo in (("A", "a_seg", "", "-"), ("L", "l_seg", "-", "")):
        for tag, flip in (("1", sign), ("0", undo)):
            where = _nonzero(f"nt{tag}", f"nf{tag}", f"nr{tag}")
            parts.append(
                f"SELECT rc_id, '{kind}', {account}, curr, f_cur, r_cur, "
                f"{flip}nt{tag}, {flip}nf{tag}, {flip}nr{tag} FROM net {where}"
            )
    return " UNION ALL ".join(parts)


def _only(dialect: str, column: str) -> str:
    """The condition keeping the contracts of the ``:only`` parameter (:func:`only_param`)."""
    if dialect == "postgresql":
        return f" AND {column} = ANY(CAST(:only AS INTEGER[]))"
    return f" AND {column} IN (SELECT value FROM json_each(:only))"


def only_param(dialect: str, rc_ids: Iterable[int]) -> Any:
    """Contract ids as the ``:only`` parameter: an array on PostgreSQL, a JSON array on SQLite."""
    ids = sorted(rc_ids)
    return ids if dialect == "postgresql" else json.dumps(ids)


def journal_select(dialect: str, *, only: bool = False) -> str:
    """The SELECT of one period's summarised journal entries (see the module docstring); ``only``: of the
    contracts of the ``:only`` parameter alone (a contract's entries depend only on its own schedules,
    bills and reserve rows, so they are the same as in the statement over every contract).

    Every leg is non-zero in T, F or R (:func:`_nonzero`), so every group is an entry to write."""
    pos = "CASE WHEN {v} > 0 THEN {v} ELSE 0 END"
    neg = "CASE WHEN {v} < 0 THEN -{v} ELSE 0 END"
    sums = ", ".join(
        f"SUM({pos.format(v=v)}) AS dr_{c}, SUM({neg.format(v=v)}) AS cr_{c}"
        for c, v in (("t", "vt"), ("f", "vf"), ("r", "vr"))
    )
    sql = f"""
    WITH {_sched_sql(dialect)},{_bills_sql(dialect)}{returns_entries.RESERVE_CTE}
    legs AS ({_legs_sql()} UNION ALL {returns_entries.legs_sql(_nonzero)})
    SELECT rc_id, acctg_type, acctg_seg, curr, f_cur, r_cur, {sums}
    FROM legs
    GROUP BY rc_id, acctg_type, acctg_seg, curr, f_cur, r_cur
    """
    # the reserve rows are filtered after their window (a line's previous row is found among all of them)
    for token, column in (("{only_s}", "s.rc_id"), ("{only_b}", "b.rc_id"), ("{only_v}", "x.rc_id")):
        sql = sql.replace(token, _only(dialect, column) if only else "")
    return sql


def _params(scope: Any, index: int, key: int, accounts: tuple[str, str]) -> dict[str, Any]:
    return {
        "client": scope.client_id,
        "book": scope.book_id,
        "org": scope.org_id,
        "i": index,
        "i0": index - 1,
        "p": key,
        "yes": True,
        "u_acct": accounts[0],
        "c_acct": accounts[1],
    }


#: PostgreSQL ``work_mem`` of the journal statement: its sorts and hash aggregates of the period's schedule
#: and entry rows stay in memory at 100,000 lines (4 MB, the default, spilled them to disk in 9-41 batches)
JOURNAL_WORK_MEM = "64MB"


def _statement_settings(conn: Connection, **more: str) -> AbstractContextManager[None]:
    """PostgreSQL's settings for the journal statement (restored after it): JIT off, since its many
    expressions and the planner's high cost estimate (the per-line bill look-ups) made the JIT compile for
    about 3 s per generation, most of the statement's time at 20,000 lines (docs/performance.md); and
    :data:`JOURNAL_WORK_MEM`; with ``more`` settings of the caller's."""
    return local_settings(conn, jit="off", work_mem=JOURNAL_WORK_MEM, **more)


def compute_entries(
    conn: Connection, scope: Any, index: int, key: int, accounts: tuple[str, str]
) -> list[Any]:
    """The summarised entries of period ``key`` computed now (not stored)."""
    sql = text(journal_select(conn.dialect.name) + " ORDER BY rc_id, acctg_type, acctg_seg, curr")
    with _statement_settings(conn):
        return list(
            conn.execute(
                sql.bindparams(bindparam("yes", type_=Boolean)), _params(scope, index, key, accounts)
            )
        )


_COLUMNS = "rc_id, acctg_type, acctg_seg, curr, f_cur, r_cur, dr_t, cr_t, dr_f, cr_f, dr_r, cr_r"


def _unposted_of_period(e: str) -> str:
    """The unposted rows of the scope's period ``:p`` (``e``: the table or its alias)."""
    return (
        f"{e}.client_id = :client AND {e}.book_id = :book AND {e}.org_id = :org AND {e}.period_key = :p "
        f"AND {e}.posted_flag = :no"
    )


def _written_by_the_statement(e: str) -> str:
    """Rows the journal statement writes: not a manual entry's, not the VC journal's (``origin`` V), not a
    contract cost's (revrec.accounting.cost_entries, which replaces its own)."""
    costs = ", ".join(f"'{t}'" for t in COST_ACCOUNT_TYPES)
    return f"{e}.origin IS NULL AND {e}.mje_id IS NULL AND {e}.acctg_type NOT IN ({costs})"


def _revenue_rows(e: str = "journal_entry") -> str:
    """The period's unposted rows that the journal statement writes (``e``: the table or its alias)."""
    return f"{_unposted_of_period(e)} AND {_written_by_the_statement(e)}"


_REVENUE_ROWS = _revenue_rows()


def replace_unposted(
    conn: Connection,
    scope: Any,
    index: int,
    key: int,
    accounts: tuple[str, str],
    *,
    posted: bool = False,
    only: Iterable[int] | None = None,
) -> int:
    """Regenerate the unposted entries of period ``key``; returns how many revenue entries were written,
    or, where only the difference is written (:func:`_rewrite_difference`), how many the period holds.

    ``posted``: write them posted, for a Period Close that posts the period in the same transaction (an
    UPDATE of every entry afterwards makes PostgreSQL write each row and its index entries again).
    ``only``: regenerate the revenue entries of these contracts alone (the other contracts' rows, and the
    cost and VC rows, stay); without it every unposted row of the period is deleted first, except on
    PostgreSQL, where a generation of every contract writes only what differs from the stored rows."""
    c = journal_entry.c
    dialect = conn.dialect.name
    params = {**_params(scope, index, key, accounts), "posted": posted, "no": False}
    if only is None and not posted and dialect == "postgresql" and _holds_revenue_entries(conn, params):
        return _rewrite_difference(conn, scope, key, params)
    if only is None:  # in bounded batches on SQLite (revrec.db.bounded): millions of rows at scale
        delete_where(
            conn,
            journal_entry,
            c.client_id == scope.client_id,
            c.book_id == scope.book_id,
            c.org_id == scope.org_id,
            c.period_key == key,
            c.posted_flag.is_(False),
        )
    else:
        params["only"] = only_param(dialect, only)
        if params["only"] in ([], "[]"):
            return 0
        conn.execute(
            text(f"DELETE FROM journal_entry WHERE {_REVENUE_ROWS}{_only(dialect, 'rc_id')}").bindparams(
                bindparam("no", type_=Boolean)
            ),
            params,
        )
    sql = text(
        f"INSERT INTO journal_entry (client_id, book_id, org_id, period_key, posted_flag, {_COLUMNS}) "  # noqa: S608
        f"SELECT :client, :book, :org, :p, :posted, {_COLUMNS} "
        f"FROM ({journal_select(dialect, only=only is not None)}) j"
    ).bindparams(bindparam("yes", type_=Boolean), bindparam("posted", type_=Boolean))
    with _statement_settings(conn):
        result = conn.execute(sql, params)
    return int(result.rowcount)


#: the settings of the statement that writes only the difference, beside :func:`_statement_settings`'s:
#: no nested loops (see :func:`_rewrite_difference`)
DIFFERENCE_SETTINGS = {"enable_nestloop": "off"}
#: a stored entry ``e`` equal in every written column to a computed one ``c``
_SAME_ENTRY = " AND ".join(f"c.{name} = e.{name}" for name in _COLUMNS.split(", "))
#: the unposted rows of the period that are not revenue rows (contract cost and VC entries, which their own
#: steps write after the revenue entries)
_OTHER_UNPOSTED = (
    f"{_unposted_of_period('journal_entry')} AND NOT ({_written_by_the_statement('journal_entry')})"
)


def _holds_revenue_entries(conn: Connection, params: dict[str, Any]) -> bool:
    """Whether the period holds unposted revenue entries. Where it holds none (its first generation: the
    first collection's, the next period's in a Period Close) the plain ``INSERT ... SELECT`` writes every
    entry without materialising them and comparing with nothing first, which cost about a tenth more."""
    sql = text(f"SELECT 1 FROM journal_entry WHERE {_REVENUE_ROWS} LIMIT 1").bindparams(  # noqa: S608
        bindparam("no", type_=Boolean)
    )
    return conn.execute(sql, params).first() is not None


def _rewrite_difference(conn: Connection, scope: Any, key: int, params: dict[str, Any]) -> int:
    """PostgreSQL, a generation of every contract, unposted: the rows left are those of deleting every
    unposted row of the period and inserting the computed entries, but an entry stored equal in every
    column to a computed one stays (with its id) instead of being deleted and written again. One statement
    computes the entries once, deletes the stored revenue entries no computed one equals and inserts the
    computed entries no stored one equals (both parts see the rows as they were before it). A regeneration
    that changed little (the one after a Period Close stamped every contract, or one asked for in full)
    then writes little: no new row versions, index entries or foreign-key checks for the unchanged
    entries. Returns how many revenue entries the period holds."""
    conn.execute(
        text(f"DELETE FROM journal_entry WHERE {_OTHER_UNPOSTED}").bindparams(bindparam("no", type_=Boolean)),
        params,
    )
    sql = text(
        f"WITH computed AS MATERIALIZED ({journal_select('postgresql')}), "  # noqa: S608
        f"stale AS (DELETE FROM journal_entry e WHERE {_revenue_rows('e')} "
        f"AND NOT EXISTS (SELECT 1 FROM computed c WHERE {_SAME_ENTRY})) "
        f"INSERT INTO journal_entry (client_id, book_id, org_id, period_key, posted_flag, {_COLUMNS}) "
        f"SELECT :client, :book, :org, :p, :posted, {_COLUMNS} FROM computed c "
        f"WHERE NOT EXISTS (SELECT 1 FROM journal_entry e WHERE {_revenue_rows('e')} AND {_SAME_ENTRY})"
    ).bindparams(
        bindparam("yes", type_=Boolean), bindparam("posted", type_=Boolean), bindparam("no", type_=Boolean)
    )
    # no nested loops: where journal_entry has no statistics yet (a table that grew by a whole first
    # collection since its last analysis), the planner takes the period's stored rows for one and joins
    # them to the computed entries by a nested loop, a scan of the computed entries a stored row (stopped
    # after 8 minutes at 1,000,000 lines). A hash anti join is linear whatever the estimates.
    with _statement_settings(conn, **DIFFERENCE_SETTINGS):
        conn.execute(sql, params)
    return count_revenue_entries(conn, scope, key)


def stored_revenue_entries(conn: Connection, scope: Any, key: int) -> list[tuple[Any, ...]]:
    """The unposted revenue entries of period ``key`` as stored (the rows :func:`replace_unposted` writes),
    as tuples in the order of :func:`compute_entries`' columns, sorted."""
    sql = text(f"SELECT {_COLUMNS} FROM journal_entry WHERE {_REVENUE_ROWS}").bindparams(  # noqa: S608
        bindparam("no", type_=Boolean)
    )
    params = {"client": scope.client_id, "book": scope.book_id, "org": scope.org_id, "p": key, "no": False}
    return sorted(_entry_tuple(row) for row in conn.execute(sql, params))


def count_revenue_entries(conn: Connection, scope: Any, key: int) -> int:
    """How many unposted revenue entries period ``key`` holds."""
    sql = text(f"SELECT count(*) FROM journal_entry WHERE {_REVENUE_ROWS}").bindparams(  # noqa: S608
        bindparam("no", type_=Boolean)
    )
    params = {"client": scope.client_id, "book": scope.book_id, "org": scope.org_id, "p": key, "no": False}
    return int(conn.execute(sql, params).scalar_one())


def _entry_tuple(row: Any) -> tuple[Any, ...]:
    return (
        int(row.rc_id), row.acctg_type, row.acctg_seg, row.curr, row.f_cur, row.r_cur,
        *(int(getattr(row, c)) for c in ("dr_t", "cr_t", "dr_f", "cr_f", "dr_r", "cr_r")),
    )  # fmt: skip


def computed_revenue_entries(
    conn: Connection, scope: Any, index: int, key: int, accounts: tuple[str, str]
) -> list[tuple[Any, ...]]:
    """The revenue entries of period ``key`` computed now over every contract, shaped as
    :func:`stored_revenue_entries`."""
    return sorted(_entry_tuple(row) for row in compute_entries(conn, scope, index, key, accounts))


# --- what the last generation of the open period was made with (incremental regeneration) ------------------


def journal_state_of(conn: Connection, scope: Any) -> Any | None:
    s = journal_state.c
    query = select(journal_state).where(
        s.client_id == scope.client_id, s.book_id == scope.book_id, s.org_id == scope.org_id
    )
    return conn.execute(query).first()


def save_journal_state(conn: Connection, scope: Any, values: dict[str, Any]) -> None:
    """Record what the generation just written was made with (``values``: the state's other columns)."""
    s = journal_state.c
    mine = (s.client_id == scope.client_id, s.book_id == scope.book_id, s.org_id == scope.org_id)
    if conn.execute(update(journal_state).where(*mine).values(**values)).rowcount:
        return
    conn.execute(
        insert(journal_state).values(
            client_id=scope.client_id, book_id=scope.book_id, org_id=scope.org_id, **values
        )
    )


def contracts_changed_since(conn: Connection, scope: Any, since: dt.datetime) -> set[int]:
    """The scope's contracts stamped changed (``updated_at``) at or after ``since``."""
    c = revenue_contract.c
    query = select(c.id).where(
        c.client_id == scope.client_id,
        c.book_id == scope.book_id,
        c.org_id == scope.org_id,
        c.updated_at >= since,
    )
    return {int(i) for i in conn.execute(query).scalars()}


def count_contracts(conn: Connection, scope: Any) -> int:
    c = revenue_contract.c
    query = select(func.count()).where(
        c.client_id == scope.client_id, c.book_id == scope.book_id, c.org_id == scope.org_id
    )
    return int(conn.execute(query).scalar_one())


def contracts_with_reserve_rows(conn: Connection, client_id: int, key: int) -> set[int]:
    """Contracts with a return reserve row of period ``key`` (the rows its reserve legs come from)."""
    v = rc_return_reserve.c
    query = select(v.rc_id).where(v.client_id == client_id, v.period_key == key).distinct()
    return {int(i) for i in conn.execute(query).scalars()}


def _stamp_contracts(conn: Connection, client_id: int, *entries: ColumnElement[bool]) -> int:
    """Stamp ``updated_at`` (the BI views' ``INCR_UPDT_DT``) of the contracts having a journal entry that
    matches ``entries``."""
    j = journal_entry.c
    holding = select(j.rc_id).where(j.client_id == client_id, *entries).distinct()
    result = conn.execute(
        update(revenue_contract)
        .where(revenue_contract.c.client_id == client_id, revenue_contract.c.id.in_(holding))
        .values(updated_at=dt.datetime.now(dt.UTC))
    )
    return int(result.rowcount)


def stamp_contracts_of_periods(conn: Connection, scope: Any, keys: tuple[int, ...]) -> int:
    """Contracts with entries in periods ``keys``: posting them, or moving the open period onto them,
    changes their BI view rows (figures to date, posted activity)."""
    j = journal_entry.c
    return _stamp_contracts(
        conn, scope.client_id, j.book_id == scope.book_id, j.org_id == scope.org_id, j.period_key.in_(keys)
    )


def stamp_contracts_of_batch(conn: Connection, client_id: int, batch_id: int) -> int:
    """Contracts whose entries GL transfer batch ``batch_id`` took (BI3_RC_SCHD shows the batch)."""
    return _stamp_contracts(conn, client_id, journal_entry.c.post_batch_id == batch_id)


def post_period(conn: Connection, scope: Any, key: int) -> int:
    c = journal_entry.c
    result = conn.execute(
        update(journal_entry)
        .where(
            c.client_id == scope.client_id,
            c.book_id == scope.book_id,
            c.org_id == scope.org_id,
            c.period_key == key,
            c.posted_flag.is_(False),
        )
        .values(posted_flag=True)
    )
    return int(result.rowcount)


def entries(conn: Connection, scope: Any, key: int | None = None) -> list[Any]:
    """The system entries (manual journal entries' rows, ``mje_id`` set, are left out: revrec.mje)."""
    c = journal_entry.c
    query = select(journal_entry).where(
        c.client_id == scope.client_id,
        c.book_id == scope.book_id,
        c.org_id == scope.org_id,
        c.mje_id.is_(None),
    )
    if key is not None:
        query = query.where(c.period_key == key)
    return list(conn.execute(query.order_by(c.period_key, c.rc_id, c.acctg_type, c.acctg_seg)))


def unbalanced(conn: Connection, client_id: int) -> list[Any]:
    """(book, org, period, currency set) whose debits and credits differ in any of T/F/R."""
    c = journal_entry.c
    query = (
        select(
            c.book_id,
            c.org_id,
            c.period_key,
            c.curr,
            c.f_cur,
            c.r_cur,
            func.sum(c.dr_t - c.cr_t).label("dt"),
            func.sum(c.dr_f - c.cr_f).label("df"),
            func.sum(c.dr_r - c.cr_r).label("dr"),
        )
        .where(c.client_id == client_id)
        .group_by(c.book_id, c.org_id, c.period_key, c.curr, c.f_cur, c.r_cur)
    )
    return [row for row in conn.execute(query) if row.dt or row.df or row.dr]


def schedules_of(conn: Connection, client_id: int) -> list[Any]:
    c = rc_schedule.c
    return list(conn.execute(select(rc_schedule).where(c.client_id == client_id, c.current_flag.is_(True))))


def bills_of(conn: Connection, client_id: int) -> list[Any]:
    return list(conn.execute(select(rc_bill).where(rc_bill.c.client_id == client_id)))


def current_lines(conn: Connection, client_id: int) -> list[Any]:
    c = rc_line.c
    query = select(c.rc_id, c.line_id, c.curr, c.allocated, c.allocatable).where(
        c.client_id == client_id, c.current_flag.is_(True)
    )
    return list(conn.execute(query))
