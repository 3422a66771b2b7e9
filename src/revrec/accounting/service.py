"""Accounting use cases: journal entries of a period, posting at close, and the invariants ``verify`` checks.

Entries of the open period are regenerated set-based whenever data collection or a period close runs
(:func:`journalize`); closing a period posts them (``posted_flag``), after which they are never touched:
later changes reach the journal only through the open period (schedules keep closed periods unchanged,
see revrec.contracts.revisions). Amounts are stored in minor units and returned as Decimal.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection

from revrec.accounting import repository as repo
from revrec.accounting.cost_entries import cost_entry_rows, journalize_costs
from revrec.accounting.vc_entries import VC_ACCOUNT_TYPES
from revrec.contracts import returns_reserve
from revrec.contracts.revisions import decode_triple, run_at
from revrec.controls.holds_freeze import before_journal
from revrec.db import statistics
from revrec.db.watermarks import watermark
from revrec.engine.calendar import AccountingCalendar
from revrec.engine.money import from_minor
from revrec.periods import repository as periods_repo
from revrec.periods.service import OpenPeriod, Scope, current_open
from revrec.vc import service as vc_service


@dataclass(frozen=True, slots=True)
class JournalLine:
    period: int
    rc_id: int
    acctg_type: str
    acctg_seg: str
    currencies: tuple[str, str, str]
    debit: tuple[Decimal, Decimal, Decimal]
    credit: tuple[Decimal, Decimal, Decimal]
    posted: bool


def book_accounts(conn: Connection, scope: Scope) -> tuple[str, str]:
    """The book's default unbilled receivable (U) and billing clearing (C) account strings."""
    book = periods_repo.primary_book(conn, scope.client_id)
    unbilled = (book.default_unbilled_ar_account if book is not None else None) or repo.DEFAULT_UNBILLED
    clearing = (book.default_billing_clearing_account if book is not None else None) or repo.DEFAULT_CLEARING
    return unbilled, clearing


def journalize(conn: Connection, scope: Scope, open_period: OpenPeriod, *, full: bool = False) -> int:
    """(Re)generate the unposted entries of the open period; returns how many summary rows it then holds.

    Only the contracts changed since the last generation are regenerated when that generation was of the
    same period, accounts and statement (:func:`_changed`); ``full`` regenerates every contract (on
    PostgreSQL writing only the entries that differ from the stored ones: docs/accounting.md). Takes the
    book's lock first (PostgreSQL), so two jobs regenerating at once never both insert."""
    revenue, others = _journalize(conn, scope, open_period, posted=False, full=full)
    return revenue + others


def journalize_and_post(conn: Connection, scope: Scope, open_period: OpenPeriod) -> int:
    """Period Close: regenerate the open period's entries and post (freeze) them all; how many were posted.

    Always a full generation: what a period closes with is computed afresh from every contract. The
    revenue entries (all but a few) are written posted; the contract cost and VC entries, written
    unposted by their own steps, are posted by an UPDATE. The rows are those of :func:`journalize` then
    :func:`post`, without rewriting every entry to set its flag (docs/performance.md)."""
    revenue, _ = _journalize(conn, scope, open_period, posted=True, full=True)
    return revenue + post(conn, scope, open_period.key)


def _journalize(
    conn: Connection, scope: Scope, open_period: OpenPeriod, *, posted: bool, full: bool
) -> tuple[int, int]:
    """The steps of :func:`journalize`: (revenue entries the period holds, cost and VC entries written)."""
    periods_repo.lock_scope(conn, scope.client_id, scope.book_id, scope.org_id)
    # taken before anything is read: a change stamped from here on is seen by the next generation
    generated_at = watermark(conn, dt.datetime.now(dt.UTC))
    before_journal(conn, scope, open_period)  # hold rules; revenue holds stay in force
    # only the tables changed much since their last analysis: a journal regenerated with nothing new
    # (the Period Close after a collection, the next period's) pays no ANALYZE
    statistics.refresh_stale(conn, ("rc_schedule", "rc_line", "revenue_contract", "rc_bill"))
    accounts = book_accounts(conn, scope)
    state = _state(open_period, accounts, generated_at)
    only = None if full else _changed(conn, scope, state)
    key = open_period.key
    if only is not None:  # the contracts whose reserve rows refresh() replaces: before and after
        only |= repo.contracts_with_reserve_rows(conn, scope.client_id, key)
    returns_reserve.refresh(conn, scope, open_period)  # rights of return: the open period's positions
    if only is not None:
        only |= repo.contracts_with_reserve_rows(conn, scope.client_id, key)
    revenue = repo.replace_unposted(conn, scope, open_period.index, key, accounts, posted=posted, only=only)
    repo.save_journal_state(conn, scope, state)
    if only is not None:
        revenue = repo.count_revenue_entries(conn, scope, key)
    if checking() and not posted:  # incremental, or only the difference written (PostgreSQL)
        check_incremental(conn, scope, open_period, accounts, changed=None if only is None else len(only))
    others = journalize_costs(conn, scope, key)  # contract costs (G/I/P/H)
    return revenue, others + vc_service.reassess(conn, scope, open_period)  # variable consideration (V/W/K)


#: the journal statement's version (revrec.accounting.repository.journal_select): raise it with every change
#: to what the statement writes, so that the first generation after an upgrade is a full one
STATEMENT_VERSION = 1


def _state(open_period: OpenPeriod, accounts: tuple[str, str], generated_at: dt.datetime) -> dict[str, Any]:
    return {
        "period_key": open_period.key,
        "period_index": open_period.index,
        "unbilled_account": accounts[0],
        "clearing_account": accounts[1],
        "statement_version": STATEMENT_VERSION,
        "generated_at": generated_at,
    }


def _changed(conn: Connection, scope: Scope, state: dict[str, Any]) -> set[int] | None:
    """The contracts to regenerate: None (all of them) when there was no generation yet, or it was of
    another period, calendar index, default accounts or statement version; else those stamped changed
    (``updated_at``: a revision, hold, approval, manual action, VC change, transfer or close) since the last
    generation's watermark. The others' entries are a function of what did not change, so they stay."""
    last = repo.journal_state_of(conn, scope)
    if last is None or any(getattr(last, name) != state[name] for name in _SAME):
        return None
    since = last.generated_at
    changed = repo.contracts_changed_since(
        conn, scope, since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    )
    if len(changed) > FULL_ABOVE and len(changed) * 2 > repo.count_contracts(conn, scope):
        return None  # most contracts (a Period Close stamps them all): a full generation is cheaper
    return changed


_SAME = ("period_key", "period_index", "unbilled_account", "clearing_account", "statement_version")
#: above this many changed contracts, and when they are more than half of the scope's, generate in full
FULL_ABOVE = 1000


class JournalCheckError(RuntimeError):
    """An incremental journal generation left rows other than a full generation computes."""


def checking() -> bool:
    """``REVREC_JOURNAL_CHECK=1``: every incremental generation is compared with a full computation."""
    return os.environ.get("REVREC_JOURNAL_CHECK", "").strip() == "1"


def check_incremental(
    conn: Connection,
    scope: Scope,
    open_period: OpenPeriod,
    accounts: tuple[str, str],
    *,
    changed: int | None,
) -> None:
    """Raise :class:`JournalCheckError` when the open period's stored revenue entries differ from those a
    full generation computes now (a change that reached a contract without stamping it; ``changed``: how
    many contracts were regenerated, None for all of them)."""
    stored = repo.stored_revenue_entries(conn, scope, open_period.key)
    computed = repo.computed_revenue_entries(conn, scope, open_period.index, open_period.key, accounts)
    if stored == computed:
        return
    extra = sorted(set(stored) - set(computed))[:5]
    missing = sorted(set(computed) - set(stored))[:5]
    raise JournalCheckError(
        f"the journal of period {open_period.key} "
        f"({'every' if changed is None else changed} contract(s) regenerated) differs "
        f"from a full generation: {len(stored)} row(s) stored, {len(computed)} computed; "
        f"stored but not computed {extra}; computed but not stored {missing}"
    )


def stamp_period_change(conn: Connection, scope: Scope, keys: tuple[int, ...]) -> int:
    """After a Period Close: stamp the contracts with entries in the closed or the new open period (their
    entries were posted, or their figures to date moved with the open period; docs/outbound.md)."""
    return repo.stamp_contracts_of_periods(conn, scope, keys)


def _line(row: Any, period: int, posted: bool) -> JournalLine:
    t, f, r = row.curr, row.f_cur, row.r_cur
    debit = (from_minor(int(row.dr_t), t), from_minor(int(row.dr_f), f), from_minor(int(row.dr_r), r))
    credit = (from_minor(int(row.cr_t), t), from_minor(int(row.cr_f), f), from_minor(int(row.cr_r), r))
    return JournalLine(
        period, int(row.rc_id), row.acctg_type, row.acctg_seg, (t, f, r), debit, credit, posted
    )


def stored_entries(conn: Connection, scope: Scope, period: int | None = None) -> list[JournalLine]:
    return [_line(r, int(r.period_key), bool(r.posted_flag)) for r in repo.entries(conn, scope, period)]


def preview_entries(
    conn: Connection, scope: Scope, calendar: AccountingCalendar, period: int
) -> list[JournalLine]:
    """The entries of ``period`` as the current schedules and bills give them (computed, not stored)."""
    rows = repo.compute_entries(
        conn, scope, calendar.index_of_key(period), period, book_accounts(conn, scope)
    )
    costs = [SimpleNamespace(**values) for values in cost_entry_rows(conn, scope, period)]  # G/I/P/H
    return [_line(r, period, False) for r in (*rows, *costs)]


# --- invariants ------------------------------------------------------------------------------------------


def _journal_positions(conn: Connection, scope: Scope) -> dict[tuple[int, str], dict[str, int]]:
    """Per (contract, currency): net credit per account type over all stored entries (T, minor units)."""
    found: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in repo.entries(conn, scope):
        found[(int(row.rc_id), row.curr)][row.acctg_type] += int(row.cr_t) - int(row.dr_t)
    return found


def _recognised(conn: Connection, client_id: int, index: int) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = defaultdict(int)
    for row in repo.schedules_of(conn, client_id):
        rev = decode_triple(row.rev_t, None, None)[0]
        cv = decode_triple(row.cv_t, None, None)[0] if row.cv_t else []
        found[(int(row.rc_id), row.curr)] += run_at(row.first_index, rev, index) + run_at(
            row.first_index, cv, index
        )
    return found


def _billed(conn: Connection, client_id: int, period: int) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = defaultdict(int)
    for row in repo.bills_of(conn, client_id):
        if row.prd_id <= period:
            found[(int(row.rc_id), row.curr)] += int(row.amount_t)
    return found


def verify(conn: Connection, scope: Scope, calendar: AccountingCalendar) -> list[str]:
    """Every broken invariant, as a sentence (empty when the books are consistent)."""
    problems = [
        f"period {r.period_key} book {r.book_id} org {r.org_id} {r.curr}/{r.f_cur}/{r.r_cur}: "
        "debits - credits = "
        f"{r.dt}/{r.df}/{r.dr} (T/F/R minor units)"
        for r in repo.unbalanced(conn, scope.client_id)
    ]
    open_period = current_open(conn, scope, calendar)
    if open_period is None:
        return problems
    positions = _journal_positions(conn, scope)
    recognised = _recognised(conn, scope.client_id, open_period.index)
    billed = _billed(conn, scope.client_id, open_period.key)
    settled = vc_service.settled_by_contract(conn, scope)  # VC settlement bills: C against K, not L
    for key in sorted(set(positions) | set(recognised) | set(billed)):
        account = positions.get(key, {})
        # a right-of-return reserve moves revenue into the refund liability (N): R + X + N = schedules
        net_recognised = account.get("R", 0) + account.get("X", 0) + account.get("N", 0)
        deferred = account.get("L", 0) + account.get("Y", 0) + account.get("U", 0) + account.get("A", 0)
        if net_recognised != recognised.get(key, 0):
            problems.append(
                f"contract {key[0]} {key[1]}: journal recognised {net_recognised} != schedules "
                f"{recognised.get(key, 0)} through {open_period.key}"
            )
        if -account.get("C", 0) != billed.get(key, 0) + settled.get(key, 0):
            problems.append(
                f"contract {key[0]} {key[1]}: journal billed {-account.get('C', 0)} "
                f"!= bills {billed.get(key, 0)} + VC settlement bills {settled.get(key, 0)}"
            )
        if deferred != billed.get(key, 0) - recognised.get(key, 0):
            problems.append(
                f"contract {key[0]} {key[1]}: deferred {deferred} != billed - recognised "
                f"{billed.get(key, 0) - recognised.get(key, 0)}"
            )
    problems.extend(_allocation_problems(conn, scope.client_id))
    problems.extend(_closed_period_problems(conn, scope, calendar))
    problems.extend(vc_service.verify(conn, scope))  # V/W/K against the VC schedules
    problems.extend(_reserve_problems(conn, scope, positions, open_period.key))
    return problems


def _reserve_problems(
    conn: Connection, scope: Scope, positions: dict[tuple[int, str], dict[str, int]], key: int
) -> list[str]:
    """Rights of return: the journal's N, S, O and Q balances = the lines' latest reserve positions."""
    problems = []
    reserve = returns_reserve.latest_positions(conn, scope, key)
    kinds = ("N", "S", "O", "Q")
    booked = {k for k, account in positions.items() if any(account.get(kind, 0) for kind in kinds)}
    for rc_id, curr in sorted(booked | set(reserve)):
        account, expected = positions.get((rc_id, curr), {}), reserve.get((rc_id, curr), {})
        for kind in kinds:
            if account.get(kind, 0) != expected.get(kind, 0):
                problems.append(
                    f"contract {rc_id} {curr}: journal {kind} {account.get(kind, 0)} != reserve "
                    f"{expected.get(kind, 0)} (net credit, minor units) through {key}"
                )
    return problems


def _allocation_problems(conn: Connection, client_id: int) -> list[str]:
    """Recognised + deferred = allocated: allocations add up per contract, no schedule exceeds its line's
    allocated price (what is not recognised yet is deferred)."""
    lines = {row.line_id: row for row in repo.current_lines(conn, client_id)}
    by_contract: dict[int, list[Any]] = defaultdict(list)
    for line in lines.values():
        by_contract[int(line.rc_id)].append(line)
    problems = []
    for rc_id, members in sorted(by_contract.items()):
        total = sum((m.allocated for m in members), Decimal(0))
        price = sum((m.allocatable for m in members), Decimal(0))
        if len({m.curr for m in members}) == 1 and total != price:
            problems.append(f"contract {rc_id}: allocated {total} != allocatable {price}")
    for row in repo.schedules_of(conn, client_id):
        rev = decode_triple(row.rev_t, None, None)[0]
        cv = decode_triple(row.cv_t, None, None)[0] if row.cv_t else [0]
        total = from_minor((rev[-1] if rev else 0) + (cv[-1] if cv else 0), row.curr)
        line = lines.get(row.line_id)
        if line is not None and abs(total) > abs(line.allocated):
            problems.append(f"line {row.line_id}: scheduled {total} exceeds allocated {line.allocated}")
    return problems


def _closed_period_problems(conn: Connection, scope: Scope, calendar: AccountingCalendar) -> list[str]:
    """Posted entries equal what the current schedules give for their period (closed periods unchanged)."""
    problems = []
    posted: dict[int, list[JournalLine]] = defaultdict(list)
    for line in stored_entries(conn, scope):
        if line.posted:
            posted[line.period].append(line)
    for period, lines in sorted(posted.items()):
        # VC settlement bills' C legs are entries of their own (vc_service.journalize): summed per key
        settlement = [_line_of(e, period) for e in vc_service.settlement_legs(conn, scope, period)]
        now = _summed([*preview_entries(conn, scope, calendar, period), *settlement])
        # V/W/K are checked against the VC schedules (vc_service.verify)
        then = _summed([e for e in lines if e.acctg_type not in VC_ACCOUNT_TYPES])
        if now != then:
            problems.append(f"period {period}: posted entries differ from the current schedules")
    return problems


def _line_of(entry: Any, period: int) -> JournalLine:
    t, f, r = entry.currencies
    debit = (from_minor(entry.debit[0], t), from_minor(entry.debit[1], f), from_minor(entry.debit[2], r))
    credit = (from_minor(entry.credit[0], t), from_minor(entry.credit[1], f), from_minor(entry.credit[2], r))
    kind, seg = entry.acctg_type, entry.acctg_seg
    return JournalLine(period, entry.rc_id, kind, seg, entry.currencies, debit, credit, False)


_Sides = tuple[tuple[Decimal, ...], tuple[Decimal, ...]]


def _summed(lines: list[JournalLine]) -> dict[tuple[Any, ...], _Sides]:
    """Debits and credits per (contract, account type, account, currencies)."""
    found: dict[tuple[Any, ...], _Sides] = {}
    for e in lines:
        key = (e.rc_id, e.acctg_type, e.acctg_seg, e.currencies)
        debit, credit = found.get(key, ((Decimal(0),) * 3, (Decimal(0),) * 3))
        found[key] = (
            tuple(a + b for a, b in zip(debit, e.debit, strict=True)),
            tuple(a + b for a, b in zip(credit, e.credit, strict=True)),
        )
    return found


def post(conn: Connection, scope: Scope, period: int) -> int:
    """Post (freeze) the entries of ``period``."""
    return repo.post_period(conn, scope, period)
