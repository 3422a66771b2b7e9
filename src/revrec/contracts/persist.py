"""Writing computed contracts: new contracts in bulk; existing ones as a new revision.

A revision keeps history: a line whose SO row changed gets a new ``rc_line`` version (the previous one
loses ``current_flag``); a line whose schedule changed gets a new ``rc_schedule`` version built by
:func:`revrec.contracts.revisions.revise` (closed periods unchanged; the client's modification treatment
for the rest); POBs are replaced; bills are added. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from revrec.accounting import settings as accounting_settings
from revrec.contracts import added_lines, concessions, credits, staged
from revrec.contracts import repository as repo
from revrec.contracts.bulk_write import insert_rows
from revrec.contracts.compute import Computed
from revrec.contracts.discounts import discount_values
from revrec.contracts.revisions import PROSPECTIVE, Packed, encode_triple, pack, prospective_new, revise
from revrec.contracts.staged import StagedRow
from revrec.db.tables import rc_bill, rc_line, rc_pob, rc_schedule
from revrec.engine.allocation import Allocation
from revrec.engine.calendar import AccountingCalendar
from revrec.engine.contracts import RevenueContract
from revrec.engine.errors import ERROR
from revrec.engine.money import from_minor, to_minor
from revrec.engine.prospective import Pattern
from revrec.engine.schedules import LineSchedule
from revrec.jobs.queue import Job
from revrec.periods.service import OpenPeriod, Scope

# The columns of a line version :func:`line_values` computes, in its order.
LINE_VALUE_COLUMNS = (
    "line_id",
    "stage_row_id",
    "type",
    "so_num",
    "item_num",
    "pob_key",
    "so_date",
    "start_date",
    "end_date",
    "ord_qty",
    "ext_lst_prc",
    "ext_sll_prc",
    "ssp",
    "allocatable",
    "allocated",
    "carve",
    "curr",
    "f_cur",
    "f_ex_rate",
    "g_ex_rate",
    "def_segments",
    "rev_segments",
    "al_account",
    "ar_account",
    "ca_account",
    "unbill_flag",
    "return_flag",
    "error_code",
    "error_message",
    "disc_amt",
    "disc_pct",
    "disc_rule",
    "cust_num",
    "cstmr_nm",
)
# A new line version: its contract, version and creation, then its values.
LINE_COLUMNS = (
    "client_id",
    "rc_id",
    "version",
    "current_flag",
    "crtd_prd_id",
    "crtd_by",
    "crtd_dt",
    *LINE_VALUE_COLUMNS,
)
# Columns an unchanged line version takes in place when its contract is reallocated.
REALLOCATED_FIELDS = (
    "pob_key",
    "ssp",
    "allocatable",
    "allocated",
    "carve",
    "ord_qty",
    "ext_lst_prc",
    "end_date",
    "return_flag",
    "error_code",
    "error_message",
    "disc_amt",
    "disc_pct",
    "disc_rule",
)
_REALLOCATED_AT = tuple(LINE_VALUE_COLUMNS.index(name) for name in REALLOCATED_FIELDS)
_STAGE_ROW_AT = LINE_VALUE_COLUMNS.index("stage_row_id")
#: the staging columns a line's accounting values come from, as one picker of a StagedRow's ``extra``
_SOURCE_VALUES = staged.extra_picker(
    ("DEF_SEGMENTS", "REV_SEGMENTS", "AL_ACCOUNT", "AR_ACCOUNT", "CA_ACCOUNT", "UNBILL_FLAG")
)
SCHEDULE_COLUMNS = (
    "client_id",
    "rc_id",
    "line_id",
    "version",
    "current_flag",
    "first_period",
    "first_index",
    "n",
    "curr",
    "f_cur",
    "r_cur",
    "rev_t",
    "rev_f",
    "rev_r",
    "cv_t",
    "cv_f",
    "cv_r",
    "crtd_prd_id",
    "crtd_by",
    "crtd_dt",
)
BILL_COLUMNS = (
    "client_id",
    "rc_id",
    "line_id",
    "stage_row_id",
    "type",
    "inv_num",
    "inv_line_id",
    "inv_date",
    "credit_rule",
    "ext_sll_prc",
    "curr",
    "f_cur",
    "r_cur",
    "amount_t",
    "amount_f",
    "amount_r",
    "prd_id",
    "crtd_prd_id",
    "crtd_by",
    "crtd_dt",
)
POB_COLUMNS = ("client_id", "rc_id", "pob_key", "template", "lead_line_id", "start_date", "end_date")


@dataclass
class Context:
    """What writing needs to know about the run."""

    scope: Scope
    calendar: AccountingCalendar
    open: OpenPeriod
    reporting_currency: str
    treatment: str
    policies: Any  # engine Policies, for prospective re-scheduling
    job_id: int | None = None  # the job writing, recorded with the warnings it finds
    created_by: str | None = None  # the user whose job writes the rows (their CRTD_BY)
    created_at: datetime = field(default_factory=repo.now)  # one CRTD_DT per run, not a clock read per row

    def created(self) -> tuple[str | None, datetime]:
        """``crtd_by``, ``crtd_dt`` of a row written in this run."""
        return self.created_by, self.created_at


def job_context(
    conn: Connection, job: Job, client: Any, policies: Any, scope: Scope, opened: OpenPeriod
) -> Context:
    """What a collection or Event Process run writes with: its scope, open period, treatment and job."""
    return Context(
        scope,
        policies.calendar,
        opened,
        client.reporting_currency,
        accounting_settings.load(conn, client.id).modification_treatment,
        policies,
        job_id=job.number,  # the job id users see (warnings are listed by it)
        created_by=job.created_by,
    )


@dataclass
class Rows:
    """Rows to insert in bulk, by table."""

    lines: list[tuple[Any, ...]]
    schedules: list[tuple[Any, ...]]
    bills: list[tuple[Any, ...]]
    pobs: list[tuple[Any, ...]]


def _convert(units: int, rate: Decimal, source: str, target: str) -> int:
    """``units`` minor units of ``source`` at ``rate``, in minor units of ``target`` (rounded half up)."""
    return to_minor(from_minor(units, source) * rate, target) if units else 0


def bill_row(ctx: Context, rc_id: int, row: StagedRow) -> tuple[Any, ...]:
    """A bill in T/F/R minor units, booked in the period of its invoice date (the open period if earlier)."""
    line = row.line
    billed = row.type != "RORD"
    t = to_minor(line.ext_sll_prc, line.curr) if billed else 0
    f = _convert(t, line.f_ex_rate, line.curr, line.f_cur)
    r = _convert(f, line.g_ex_rate, line.f_cur, ctx.reporting_currency)
    day = line.inv_date or line.so_date
    period = ctx.open.key
    if day is not None and day >= ctx.open.end:
        period = ctx.calendar.period_of(day).key
    return (
        ctx.scope.client_id,
        rc_id,
        row.ref,
        row.row_id,
        row.type,
        row.get("INV_NUM"),
        line.inv_line_id or None,
        line.inv_date,
        row.get("CREDIT_RULE"),
        line.ext_sll_prc,
        line.curr,
        line.f_cur,
        ctx.reporting_currency,
        t,
        f,
        r,
        period,
        ctx.open.key,
        *ctx.created(),
    )


def schedule_row(
    ctx: Context, rc_id: int, line_id: str, version: int, packed: Packed, currencies: Sequence[str]
) -> tuple[Any, ...]:
    first_index = packed.first_index
    return (
        ctx.scope.client_id,
        rc_id,
        line_id,
        version,
        True,
        ctx.calendar.keys[first_index],
        first_index,
        packed.n,
        currencies[0],
        currencies[1],
        currencies[2],
        *encode_triple(packed.rev),
        *(encode_triple(packed.cv) if packed.has_carve else _NO_CARVE),
        ctx.open.key,
        *ctx.created(),
    )


_NO_CARVE: tuple[None, None, None] = (None, None, None)


def packed_schedule(ctx: Context, schedule: LineSchedule) -> Packed:
    if not schedule.periods:
        return Packed(ctx.open.index, ([], [], []), ([], [], []))
    return pack(schedule, ctx.calendar.index_of_key(schedule.periods[0]))


def _pob_of(contract: RevenueContract) -> dict[str, str]:
    return {line_id: pob.key for pob in contract.pobs for line_id in pob.line_ids}


def _errors_of(contract: RevenueContract) -> tuple[dict[str, tuple[str, str]], tuple[str, str] | None]:
    per_line: dict[str, tuple[str, str]] = {}
    head: tuple[str, str] | None = None
    for error in contract.errors:
        if error.severity != ERROR:
            continue
        if error.line_id is not None:
            per_line.setdefault(error.line_id, (error.code, error.message[:500]))
        head = head or (error.code, error.message[:500])
    return per_line, head


def line_values(
    computed: Computed,
    index: int,
    alloc: Allocation,
    errors: dict[str, tuple[str, str]],
    pobs: dict[str, str],
) -> tuple[Any, ...]:
    """The values of line ``index`` of a computed contract, in :data:`LINE_VALUE_COLUMNS` order (a tuple,
    not a dict per line). ``pobs``: line id → POB key of the contract (:func:`_pob_of`, once per contract)."""
    contract = computed.contract
    line = contract.lines[index]
    line_id = line.line_id
    source = computed.so_rows.get(line_id) or computed.so_rows[line.bndl_prnt_id]
    code, message = errors.get(line_id, _NO_ERROR)
    return (
        line_id,
        source.row_id,
        "SO",
        line.so_num or None,
        line.item_num or None,
        pobs.get(line_id),
        line.so_date,
        line.start_date,
        line.end_date,
        line.ord_qty,
        line.ext_lst_prc,
        source.line.ext_sll_prc if source.line.line_id == line_id else line.ext_sll_prc,
        alloc.ssp,
        alloc.allocatable,
        alloc.allocated,
        alloc.carve,
        line.curr,
        line.f_cur,
        line.f_ex_rate,
        line.g_ex_rate,
        *_SOURCE_VALUES(source.extra),
        "Y" if line_id in computed.returned else source.get("RETURN_FLAG"),
        code,
        message,
        *discount_values(contract.allocation.discount, line_id),
        line.cust_num or None,
        line.attributes.get("CSTMR_NM") or source.line.attributes.get("CSTMR_NM"),
    )


_NO_ERROR: tuple[None, None] = (None, None)


def head_values(ctx: Context, contract: RevenueContract, stamp: datetime) -> dict[str, Any]:
    """The head columns a computation sets; ``updated_at`` is ``stamp`` (one clock read per batch)."""
    _, head = _errors_of(contract)
    allocation = contract.allocation
    return {
        "template": contract.template,
        "currency": allocation.currency,
        "transaction_price": allocation.transaction_price,
        "alloc_method": allocation.method,
        "error_code": head[0] if head else None,
        "error_message": head[1] if head else None,
        "updt_prd_id": ctx.open.key,
        "updated_at": stamp,
    }


def insert_new(
    conn: Connection,
    ctx: Context,
    computed: Sequence[Computed],
    rows: Rows,
    moved: dict[str, Any] | None = None,
    new_activity: set[int] | None = None,
) -> dict[str, int]:
    """Contracts that did not exist: version 1 of everything but the lines of ``moved`` (line id → current
    ``rc_line`` row in another contract, contracts/moved_lines), whose next version retires that row;
    their ids by key. Of their bills only ``new_activity`` is stored when given (a moved line's bills
    collected before stay with its old contract)."""
    stamp = repo.now()
    heads = [
        {
            "client_id": ctx.scope.client_id,
            "book_id": ctx.scope.book_id,
            "org_id": ctx.scope.org_id,
            "rc_key": c.contract.key,
            "version": 1,
            "crtd_prd_id": ctx.open.key,
            "created_at": stamp,
            "crtd_by": ctx.created_by,
            **head_values(ctx, c.contract, stamp),
        }
        for c in computed
    ]
    ids = repo.insert_contracts(conn, heads)
    retired: list[int] = []
    for item in computed:
        rc_id = ids[item.contract.key]
        retired.extend(_add_lines(ctx, item, rc_id, rows, moved or {})[1])
        _add_schedules(ctx, item, rc_id, rows, {})
        _add_pobs(ctx, item, rc_id, rows)
        rows.bills.extend(
            bill_row(ctx, rc_id, act)
            for act in item.activity
            if new_activity is None or act.row_id in new_activity
        )
    repo.retire(conn, "rc_line", retired)
    return ids


def _add_lines(
    ctx: Context,
    item: Computed,
    rc_id: int,
    rows: Rows,
    current: dict[str, Any],
    allocated: dict[str, int] | None = None,
) -> tuple[list[tuple[Any, ...]], list[int]]:
    """New line versions go to ``rows``; returns in-place reallocations (id, then the
    :data:`REALLOCATED_FIELDS`) and the versions replaced. ``allocated``: line id → allocated amount
    (minor units) replacing the engine's (contracts/added_lines)."""
    errors, _ = _errors_of(item.contract)
    pobs = _pob_of(item.contract)
    updates: list[tuple[Any, ...]] = []
    retired: list[int] = []
    client_id, open_key = ctx.scope.client_id, ctx.open.key
    created_by, created_at = ctx.created()
    for index, alloc in enumerate(item.contract.allocation.lines):
        if allocated and alloc.line_id in allocated:
            alloc = replace(alloc, allocated_minor=allocated[alloc.line_id])
        values = line_values(item, index, alloc, errors, pobs)
        old = current.get(values[0])
        if old is not None and old.stage_row_id == values[_STAGE_ROW_AT] and old.rc_id == rc_id:
            updates.append((old.id, *[values[i] for i in _REALLOCATED_AT]))
            continue
        version = 1 if old is None else old.version + 1
        if old is not None:
            retired.append(old.id)
        rows.lines.append((client_id, rc_id, version, True, open_key, created_by, created_at, *values))
    return updates, retired


def _add_schedules(
    ctx: Context,
    item: Computed,
    rc_id: int,
    rows: Rows,
    old: dict[str, tuple[int, int, Packed]],
    patterns: dict[str, Pattern] | None = None,
    new_activity: set[int] | None = None,
    open_credits: set[int] | None = None,
    added: set[str] | None = None,
) -> list[int]:
    """New schedule versions; returns the ids of the schedules they replace."""
    replaced: list[int] = []
    for schedule in item.contract.schedules:
        new = packed_schedule(ctx, schedule)
        previous = old.get(schedule.line_id)
        if previous is None and added and patterns and schedule.line_id in added:
            new = prospective_new(
                new,
                patterns[schedule.line_id],
                open_index=ctx.open.index,
                rounding=ctx.policies.conventions.schedule_rounding,
            )
        if previous is not None:
            pattern = patterns.get(schedule.line_id) if patterns else None
            # price concessions on event-released lines, prospective (contracts/concessions.py)
            shift = concessions.concession_shift(
                item, schedule.line_id, pattern, ctx.open.index, open_credits or set()
            )
            revised = revise(
                previous[2],
                new,
                pattern,
                open_index=ctx.open.index,
                treatment=ctx.treatment,
                rounding=ctx.policies.conventions.schedule_rounding,
                shift=shift or (0, 0, 0),
            )
            # credit rules (contracts/credits.py): a credited line's change follows its CM's rule
            new = (
                revised
                if shift is not None
                else credits.revise_credited(
                    item.activity,
                    schedule.line_id,
                    new_activity or set(),
                    previous[2],
                    new,
                    revised,
                    calendar=ctx.calendar,
                    open_index=ctx.open.index,
                    prospective=ctx.treatment == PROSPECTIVE,
                    events=_has_releases(item, schedule.line_id),
                )
            )
            if new == previous[2]:
                continue
            replaced.append(previous[0])
        version = 1 if previous is None else previous[1] + 1
        rows.schedules.append(schedule_row(ctx, rc_id, schedule.line_id, version, new, schedule.currencies))
    return replaced


def _has_releases(item: Computed, line_id: str) -> bool:
    found = (item.engine_activity or {}).get(line_id)
    return found is not None and bool(found.events or found.manual)


def _add_pobs(ctx: Context, item: Computed, rc_id: int, rows: Rows) -> None:
    rows.pobs.extend(
        (ctx.scope.client_id, rc_id, pob.key, pob.template, pob.lead_line_id, pob.start_date, pob.end_date)
        for pob in item.contract.pobs
    )


def flush(conn: Connection, rows: Rows) -> None:
    insert_rows(conn, rc_line, LINE_COLUMNS, rows.lines)
    insert_rows(conn, rc_schedule, SCHEDULE_COLUMNS, rows.schedules)
    insert_rows(conn, rc_bill, BILL_COLUMNS, rows.bills)
    insert_rows(conn, rc_pob, POB_COLUMNS, rows.pobs)


def update_existing(
    conn: Connection, ctx: Context, item: Computed, head: Any, new_activity: set[int], rows: Rows
) -> None:
    """A new revision of an existing contract."""
    update_many(conn, ctx, [(item, head)], new_activity, rows)


def update_many(
    conn: Connection,
    ctx: Context,
    revised: Sequence[tuple[Computed, Any]],
    new_activity: set[int],
    rows: Rows,
) -> None:
    """A new revision of each existing contract of ``revised`` ((computed, stored head) pairs, one per
    contract): their heads, current lines and schedules read and their updates written in a few batched
    statements, not a handful per contract (a line belongs to one contract, so no contract's writes
    change what another reads)."""
    if not revised:
        return
    rc_ids = [int(head.id) for _, head in revised]
    stamp = repo.now()
    repo.update_contracts(
        conn,
        [
            (int(head.id), {"version": head.version + 1, **head_values(ctx, item.contract, stamp)})
            for item, head in revised
        ],
    )
    schedules_of = repo.current_schedules_by_contract(conn, rc_ids)
    current = repo.current_lines(
        conn, ctx.scope.client_id, {line.line_id for item, _ in revised for line in item.contract.lines}
    )
    retired_lines: list[int] = []
    line_updates: list[tuple[Any, ...]] = []
    replaced: list[int] = []
    for item, head in revised:
        rc_id = int(head.id)
        mine = [line.line_id for line in item.contract.lines]
        updates, retired, schedules_replaced = _revise(
            conn,
            ctx,
            item,
            rc_id,
            schedules_of.get(rc_id, {}),
            {line_id: current[line_id] for line_id in mine if line_id in current},
            new_activity,
            rows,
        )
        line_updates.extend(updates)
        retired_lines.extend(retired)
        replaced.extend(schedules_replaced)
    repo.retire(conn, "rc_line", retired_lines)
    repo.update_lines(conn, REALLOCATED_FIELDS, line_updates)
    repo.retire(conn, "rc_schedule", replaced)
    repo.delete_pobs_of(conn, rc_ids)
    for item, head in revised:
        _add_pobs(ctx, item, int(head.id), rows)
        rows.bills.extend(
            bill_row(ctx, int(head.id), act) for act in item.activity if act.row_id in new_activity
        )


def _revise(
    conn: Connection,
    ctx: Context,
    item: Computed,
    rc_id: int,
    schedules: dict[str, tuple[int, int, Packed]],
    current: dict[str, Any],
    new_activity: set[int],
    rows: Rows,
) -> tuple[list[tuple[Any, ...]], list[int], list[int]]:
    """One contract's new line and schedule versions (to ``rows``); returns its in-place line
    reallocations, the line versions and the schedule versions they replace."""
    patterns = (
        item.natural_patterns(ctx.policies, open_date=ctx.open.start, fresh=new_activity)
        if ctx.treatment == PROSPECTIVE
        else None
    )
    open_credits = (  # CMs of the open period (price concessions, contracts/concessions.py)
        repo.credits_collected_in(conn, rc_id, ctx.open.key) | new_activity
        if ctx.treatment == PROSPECTIVE and any(a.type == concessions.CONCESSION_TYPE for a in item.activity)
        else None
    )
    added: set[str] = set()
    allocated: dict[str, int] = {}
    if patterns is not None and len(item.contract.schedules) > 1:  # a line added under prospective
        first = repo.first_scheduled(conn, rc_id)
        opened = (ctx.open.key, ctx.open.index)
        patterns, added, allocated = added_lines.reallocated(item, schedules, first, patterns, opened)
    updates, retired = _add_lines(ctx, item, rc_id, rows, current, allocated)
    replaced = _add_schedules(ctx, item, rc_id, rows, schedules, patterns, new_activity, open_credits, added)
    return updates, retired, replaced
