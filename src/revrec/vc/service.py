"""Reassessment of variable consideration, run with every journalize of the open period (data collection,
event processing, period close, holds, approvals) — ASC 606-10-32-14, IFRS 15.59.

For each (SO line, VC type) the estimate in force is the last valid one dated before the end of the open
period (an actual, ``ACTUAL_FLAG`` Y, wins over estimates and is never constrained; without one, the sum
of the line's settlement bills of the type is its actual, revrec.vc.settlement). Its amount is measured
(expected value or most likely amount, or the volume-tier price), constrained, and allocated in minor units
over the lines the type's ``allocation`` names (the contract by SSP, the line itself, or the contract's
lines of some items). Each target line then has a cumulative VC allocated and a cumulative VC recognised
(allocated x the share of the line's own allocated price recognised to date). The VC schedule row of the
open period carries the difference from what the closed periods hold — the cumulative catch-up — and the
closed periods' rows are never changed. The open period's V/W/K entries are rebuilt from its rows
(accounting/vc_entries.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from revrec.accounting import vc_entries
from revrec.accounting.repository import DEFAULT_CLEARING
from revrec.contracts.revisions import decode_triple, run_at
from revrec.db.watermarks import watermark
from revrec.engine import vc as engine
from revrec.engine.money import from_minor, quantize, to_minor
from revrec.periods import repository as periods_repo
from revrec.periods.service import OpenPeriod, Scope
from revrec.tenancy import repository as tenancy
from revrec.vc import repository as repo
from revrec.vc import settings as vc_settings

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Target:
    """A line's cumulative VC of one type, in minor units of the transaction currency."""

    rc_id: int
    line_id: str
    vc_type: str
    allocated: int
    recognised: int
    estimate_id: int | None
    actual: bool
    line: Any  # the current rc_line row (currencies and rates)


def _in_force(rows: Sequence[Any]) -> dict[tuple[str, str], Any]:
    """The estimate in force per (line, type): the last actual, else the last estimate (rows are in
    (line, type, date, id) order)."""
    found: dict[tuple[str, str], Any] = {}
    for row in rows:
        key = (row.so_line_id, row.vc_type)
        current = found.get(key)
        if current is not None and current.actual_flag == "Y" and row.actual_flag != "Y":
            continue
        found[key] = row
    return found


@dataclass(frozen=True, slots=True)
class Settled:
    """The actual a line's settlement bills of a type give (revrec.vc.settlement): their sum, in minor units
    of the line's currency; it stands in the place of an estimate row."""

    so_line_id: str
    vc_type: str
    units: int
    id: None = None
    actual_flag: str = "Y"


def _settle(in_force: dict[tuple[str, str], Any], settled: Sequence[Any]) -> None:
    """Put the settlement bills' sum in force for each (line, type) they settle, over every estimate; an
    ``Actual Flag Y`` row (the amount agreed) stays in force, and the bills settle it."""
    for row in settled:
        key = (row.line_id, row.vc_type)
        current = in_force.get(key)
        if current is None or current.actual_flag != "Y":
            in_force[key] = Settled(row.line_id, row.vc_type, int(row.amount_t))


def measure(row: Any, vc_type: vc_settings.VcTypeDoc, line: Any) -> Decimal:
    """The amount of VC an estimate row gives (before allocation), in the line's currency."""
    if isinstance(row, Settled):
        return from_minor(row.units, line.curr)  # an actual: never constrained, whatever the type's tiers
    if vc_type.tiers is not None:
        qty = line.ord_qty or ZERO
        price = engine.volume_unit_price(vc_type.volume_tiers(), row.exp_qty)
        return price * qty - (line.ext_sll_prc or ZERO)
    if row.actual_flag == "Y":
        return Decimal(row.ml_amt)
    scenarios = [
        engine.Scenario(Decimal(amt), Decimal(pct) / HUNDRED)
        for n in range(1, 5)
        if (amt := getattr(row, f"scn{n}_amt")) is not None
        and (pct := getattr(row, f"scn{n}_pct")) is not None
    ]
    if not scenarios:
        scenarios = [engine.Scenario(Decimal(row.ml_amt), Decimal(1))]
    return engine.constrain(engine.estimate(vc_type.vc_method, scenarios), vc_type.constraint.constraint())


def _targets(vc_type: vc_settings.VcTypeDoc, line: Any, members: Sequence[Any]) -> list[str]:
    allocation = vc_type.allocation
    if allocation.to == "line":
        return [line.line_id]
    if allocation.to == "items":
        chosen = [m.line_id for m in members if m.item_num in set(allocation.items or ())]
        return chosen or [line.line_id]
    return [m.line_id for m in members]


def _satisfied(line: Any, schedule: Any, index: int) -> Decimal:
    """The share of the line's allocated price recognised through calendar index ``index`` (0..1)."""
    allocated = to_minor(line.allocated, line.curr)
    if schedule is None or allocated == 0:
        return ZERO
    rev = decode_triple(schedule.rev_t, None, None)[0]
    cv = decode_triple(schedule.cv_t, None, None)[0] if schedule.cv_t else []
    done = run_at(schedule.first_index, rev, index) + run_at(schedule.first_index, cv, index)
    share = Decimal(done) / Decimal(allocated)
    return min(max(share, ZERO), Decimal(1))


def targets(
    conn: Connection, scope: Scope, open_period: OpenPeriod, rc_ids: set[int] | None = None
) -> list[Target]:
    """Every line's cumulative VC as of the open period (see the module docstring); of the lines of
    contracts ``rc_ids`` only, when given."""
    setting = vc_settings.load(conn, scope.client_id)
    if not setting.types or rc_ids == set():
        return []
    if rc_ids is None:
        estimates = _in_force(repo.valid_estimates(conn, scope.client_id, open_period.end))
        settled = repo.settled_totals(conn, scope, open_period.key)
        wanted = {line for line, _ in estimates} | {row.line_id for row in settled}
        lines = repo.contract_lines(conn, scope, sorted(wanted)) if wanted else []
    else:
        lines = repo.lines_of_contracts(conn, scope, sorted(rc_ids))
        held = [r.line_id for r in lines]
        estimates = _in_force(repo.valid_estimates_of(conn, scope.client_id, open_period.end, held))
        settled = repo.settled_totals(conn, scope, open_period.key, held) if held else []
    _settle(estimates, settled)
    if not estimates:
        return []
    by_line = {r.line_id: r for r in lines}
    members: dict[int, list[Any]] = defaultdict(list)
    for r in lines:
        members[r.rc_id].append(r)
    scheds = {s.line_id: s for s in repo.schedules(conn, scope.client_id, list(members))}
    allocated: dict[tuple[str, str], int] = defaultdict(int)
    sources: dict[tuple[str, str], list[Any]] = defaultdict(list)
    enabled = {t.name: t for t in setting.types if t.enabled}
    for (line_id, type_name), row in estimates.items():
        vc_type, line = enabled.get(type_name), by_line.get(line_id)
        if vc_type is None or line is None:
            continue  # type disabled since, or line not collected yet (or in another book/org)
        amount = to_minor(measure(row, vc_type, line), line.curr)
        group = members[line.rc_id]
        chosen = _targets(vc_type, line, group)
        weights = {m.line_id: (m.ssp if m.ssp is not None else m.allocated) for m in group}
        for target, share in engine.allocate(amount, weights, chosen).items():
            allocated[(target, type_name)] += share
            sources[(target, type_name)].append(row)
    found = []
    for (line_id, type_name), amount in sorted(allocated.items()):
        line = by_line[line_id]
        satisfied = _satisfied(line, scheds.get(line_id), open_period.index)
        rows = sources[(line_id, type_name)]
        found.append(
            Target(line.rc_id, line_id, type_name, amount, engine.recognised_to_date(amount, satisfied),
                   rows[0].id if len(rows) == 1 else None, any(r.actual_flag == "Y" for r in rows), line)
        )  # fmt: skip
    return found


def _convert(units: int, rate: Decimal, source: str, target: str) -> int:
    if rate == 1 and source == target:
        return units
    return to_minor(quantize(from_minor(units, source) * rate, target), target)


#: contracts reassessed (and journalized) together: bounds the lines, schedules, estimates and VC rows held
#: in memory at once, whatever the number of contracts with VC
CHUNK_CONTRACTS = 2000


def reassess(conn: Connection, scope: Scope, open_period: OpenPeriod) -> int:
    """Rebuild the open period's VC schedule rows and V/W/K entries; returns how many entries. Contracts are
    reassessed in chunks of :data:`CHUNK_CONTRACTS` (by contract id): a contract's VC depends only on its
    own lines, schedules, estimates and settlement bills, so the result is the same as in one pass."""
    client = tenancy.get_client(conn, scope.client_id)
    assert client is not None
    started = dt.datetime.now(dt.UTC)
    # the contracts with VC (estimates, settlement bills, or open-period VC rows), changed since the last
    # reassessment when there is one to go from: a contract without any has no VC rows to write or remove
    since = _changed_since(conn, scope, open_period)
    contracts = repo.vc_contracts(conn, scope, open_period.key, open_period.end, since)
    stamp = dt.datetime.now(dt.UTC)
    changed: set[int] = set()
    for start in range(0, len(contracts), CHUNK_CONTRACTS):
        chunk = set(contracts[start : start + CHUNK_CONTRACTS])
        found = targets(conn, scope, open_period, chunk)
        rows = _open_rows(conn, scope, open_period, client, found, stamp)
        changed |= repo.sync_open(conn, scope, open_period.key, rows, chunk)
    # their BI3_RC_SCHD V rows and VC_AMT changed: stamped just before this reassessment's start, a time of
    # this transaction that the next reassessment does not take for a change made since
    repo.stamp_contracts(conn, scope.client_id, changed, started - dt.timedelta(microseconds=1))
    repo.mark_reassessed(conn, scope, open_period.key, watermark(conn, started))
    return journalize(conn, scope, open_period.key)


def _open_rows(
    conn: Connection,
    scope: Scope,
    open_period: OpenPeriod,
    client: Any,
    found: list[Target],
    stamp: dt.datetime,
) -> list[dict[str, Any]]:
    """The open period's VC schedule rows of ``found``: each target's cumulative figures less what the
    closed periods hold (rows whose changes are all zero are left out)."""
    lines = sorted({t.line_id for t in found})
    closed = {(r.line_id, r.vc_type): r for r in repo.closed_totals(conn, scope, open_period.key, lines)}
    rows: list[dict[str, Any]] = []
    for t in found:
        line = t.line
        before = closed.get((t.line_id, t.vc_type))
        cur = (line.curr, line.f_cur, client.reporting_currency)
        cumulative = {}
        for name, total in (("alloc", t.allocated), ("rev", t.recognised)):
            f = _convert(total, line.f_ex_rate, cur[0], cur[1])
            cumulative[name] = (total, f, _convert(f, line.g_ex_rate, cur[1], cur[2]))
        delta = {
            f"{name}_{c}": cumulative[name][i] - (int(getattr(before, f"{name}_{c}")) if before else 0)
            for name in ("alloc", "rev") for i, c in enumerate("tfr")
        }  # fmt: skip
        if not any(delta.values()):
            continue
        rows.append(
            {"client_id": scope.client_id, "book_id": scope.book_id, "org_id": scope.org_id, "rc_id": t.rc_id,
             "line_id": t.line_id, "vc_type": t.vc_type, "period_key": open_period.key,
             "estimate_id": t.estimate_id, "actual_flag": "Y" if t.actual else "N", "curr": cur[0],
             "f_cur": cur[1], "r_cur": cur[2], "crtd_dt": stamp, **delta}
        )  # fmt: skip
    return rows


def _changed_since(conn: Connection, scope: Scope, open_period: OpenPeriod) -> dt.datetime | None:
    """When the contracts to reassess changed from: None (take all of them) when the open period or the VC
    setup changed since the last reassessment, or there was none; else the start of the last one (a
    revision, hold, approval or transfer stamps the contract; estimates staged since name their lines). The
    others' VC is a function of what did not change, so their rows stay as they are."""
    last = repo.last_reassessment(conn, scope)
    if last is None or int(last.period_key) != open_period.key:
        return None
    since = _aware(last.reassessed_at)
    setting_at = repo.setting_changed_at(conn, scope.client_id)
    if setting_at is not None and _aware(setting_at) >= since:
        return None
    return since


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _delta(row: Any) -> vc_entries.VcDelta:
    alloc = (int(row.alloc_t), int(row.alloc_f), int(row.alloc_r))
    rev = (int(row.rev_t), int(row.rev_f), int(row.rev_r))
    return vc_entries.VcDelta(int(row.rc_id), (row.curr, row.f_cur, row.r_cur), alloc, rev)


def _settled(row: Any) -> vc_entries.VcSettled:
    amount = (int(row.amount_t), int(row.amount_f), int(row.amount_r))
    return vc_entries.VcSettled(int(row.rc_id), (row.curr, row.f_cur, row.r_cur), amount)


def accounts(conn: Connection, client_id: int) -> dict[str, str]:
    """The account strings of the VC journal, and the book's billing clearing (C) for settlement bills."""
    doc = vc_settings.load(conn, client_id).accounts
    book = periods_repo.primary_book(conn, client_id)
    clearing = (book.default_billing_clearing_account if book is not None else None) or DEFAULT_CLEARING
    return {
        vc_entries.VC_LIABILITY: doc.liability,
        vc_entries.VC_REVENUE: doc.revenue,
        vc_entries.VC_CLEARING: doc.clearing,
        vc_entries.BILLING_CLEARING: clearing,
    }


def journalize(conn: Connection, scope: Scope, key: int) -> int:
    """Rebuild the unposted V/W/K entries of period ``key`` from its VC schedule rows, and the C/K legs of
    its settlement bills (every row it writes has ``origin`` V, so it replaces exactly its own)."""
    repo.delete_entries(conn, scope, key)
    accts = accounts(conn, scope.client_id)
    contracts = repo.contracts_of_period(conn, scope, key)
    count = 0
    for start in range(0, len(contracts), CHUNK_CONTRACTS):  # entries are per contract: chunks are exact
        chunk = contracts[start : start + CHUNK_CONTRACTS]
        deltas = [_delta(r) for r in repo.open_rows(conn, scope, key, chunk)]
        settled = [_settled(r) for r in repo.settlements(conn, scope, key, chunk)]
        count += repo.insert_entries(conn, scope, key, vc_entries.entries(deltas, accts, settled))
    return count


def settlement_legs(conn: Connection, scope: Scope, key: int) -> list[vc_entries.VcEntry]:
    """The billing clearing (C) legs of period ``key``'s settlement bills, as the VC journal books them (the
    accounting checks compare posted C entries with them)."""
    settled = [_settled(r) for r in repo.settlements(conn, scope, key)]
    if not settled:
        return []
    found = vc_entries.entries([], accounts(conn, scope.client_id), settled)
    return [e for e in found if e.acctg_type == vc_entries.BILLING_CLEARING]


def settled_by_contract(conn: Connection, scope: Scope) -> dict[tuple[int, str], int]:
    """Per (contract, currency): the settlement bills' total (T, minor units), all periods."""
    found: dict[tuple[int, str], int] = defaultdict(int)
    for row in repo.settlements(conn, scope):
        found[(int(row.rc_id), row.curr)] += int(row.amount_t)
    return found


def verify(conn: Connection, scope: Scope) -> list[str]:
    """VC invariants: per contract and currency the VC journal equals the VC schedules and settlement bills
    (K = -allocated + settled, W = recognised, V = allocated - recognised, over all periods, net credit),
    and posted V/W/K entries of every period equal what that period's VC schedule rows and settlement bills
    give."""
    problems: list[str] = []
    expected: dict[tuple[int, str, str], int] = defaultdict(int)
    by_period: dict[int, list[vc_entries.VcDelta]] = defaultdict(list)
    settled_in: dict[int, list[vc_entries.VcSettled]] = defaultdict(list)
    for row in repo.settlements(conn, scope):
        settled_in[int(row.period_key)].append(_settled(row))
        expected[(int(row.rc_id), row.curr, vc_entries.VC_CLEARING)] += int(row.amount_t)
    for row in repo.all_rows(conn, scope):
        d = _delta(row)
        by_period[int(row.period_key)].append(d)
        expected[(d.rc_id, row.curr, vc_entries.VC_CLEARING)] -= d.alloc[0]
        expected[(d.rc_id, row.curr, vc_entries.VC_LIABILITY)] += d.alloc[0] - d.rev[0]
        expected[(d.rc_id, row.curr, vc_entries.VC_REVENUE)] += d.rev[0]
    journal: dict[tuple[int, str, str], int] = defaultdict(int)
    posted: dict[int, dict[tuple[int, str], tuple[int, int]]] = defaultdict(dict)
    for e in repo.vc_journal(conn, scope):
        journal[(int(e.rc_id), e.curr, e.acctg_type)] += int(e.cr_t) - int(e.dr_t)
        if e.posted_flag:
            posted[int(e.period_key)][(int(e.rc_id), e.acctg_type)] = (int(e.dr_t), int(e.cr_t))
    for key in sorted(set(expected) | set(journal)):
        if expected.get(key, 0) != journal.get(key, 0):
            problems.append(
                f"contract {key[0]} {key[1]}: VC journal {key[2]} net credit {journal.get(key, 0)} != VC "
                f"schedules {expected.get(key, 0)}"
            )
    accts = accounts(conn, scope.client_id)
    for period, entries in sorted(posted.items()):
        now = {
            (e.rc_id, e.acctg_type): (e.debit[0], e.credit[0])
            for e in vc_entries.entries(by_period[period], accts, settled_in[period])
            if e.acctg_type in vc_entries.VC_ACCOUNT_TYPES  # C: checked with the billing (accounting)
        }
        if now != entries:
            problems.append(f"period {period}: posted VC entries differ from the VC schedules")
    return problems
