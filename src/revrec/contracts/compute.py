"""From staged rows to computed contracts (no SQL): the effect of later lines on their SO line, then the
engine (grouping, POBs, SSP, allocation, schedules).

Effects of activity lines on the SO line they reference (domain §3), applied in staging order before
allocation, so that every recomputation of a contract starts from its full history:

* ``RORD``: Ext Sell Price and Ext List Price reduced by the (negative) RORD amounts, quantity by the RORD
  quantity, the end date brought forward to the RORD's end date when earlier; a line reduced to zero gets
  the return flag.
* ``CM`` (SO- or invoice-based) and ``CM-R``: the allocatable price (Ext Sell Price as the engine allocates
  it) reduced by the credit; ``CM-R`` also reduces list price and quantity and sets the return flag.
* ``INV``, ``CM-C``, ``CM-RO``: billing only (no change of allocatable price).

INV/CM/CM-C/CM-R rows also go to the engine as the line's bills (they release Upon Billing POBs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from decimal import Decimal

from revrec.contracts.staged import ENGINE_BILLS, RORD, StagedRow
from revrec.engine.contracts import (
    AllocatedContract,
    Collection,
    RevenueContract,
    allocate_contract,
    collect,
    schedule_contract,
)
from revrec.engine.errors import EngineError
from revrec.engine.lines import RevenueEvent, TransactionLine
from revrec.engine.overrides import Overrides
from revrec.engine.overrides import apply as apply_overrides
from revrec.engine.policies import Policies
from revrec.engine.prospective import Pattern, natural_patterns
from revrec.engine.releases import LineActivity

ZERO = Decimal(0)


@dataclass(slots=True)
class Computed:
    """One computed contract with the staged rows behind it."""

    contract: RevenueContract
    so_rows: dict[str, StagedRow]  # line id → the SO row of its current version
    activity: list[StagedRow] = field(default_factory=list)
    returned: set[str] = field(default_factory=set)
    allocated: AllocatedContract | None = None
    engine_activity: Mapping[str, LineActivity] | None = None
    new_events: Set[str] = frozenset()  # event ids processed now (see :meth:`natural_patterns`)

    def natural_patterns(
        self, policies: Policies, *, open_date: dt.date, fresh: Set[int] = frozenset()
    ) -> dict[str, Pattern]:
        """Each line's exact natural pattern (booked at the start of service, releases at their dates), over
        which prospective treatment recognises what remains (``revrec.engine.prospective``).

        Releases that reach revrec only now (the bills of the activity rows ``fresh``, and events not yet
        processed) but are dated in a closed period count as happening in the open period: they were never
        recognised, so they must not count as performance already paid for by what was."""
        assert self.allocated is not None
        lines = tuple(
            replace(line, so_date=line.start_date)
            if line.start_date is not None and line.so_date is not None and line.so_date > line.start_date
            else line
            for line in self.allocated.lines
        )
        new_bills = {id(row.line) for row in self.activity if row.row_id in fresh}
        activity = {
            line_id: _redated(found, open_date, new_bills, self.new_events)
            for line_id, found in (self.engine_activity or {}).items()
        }
        return natural_patterns(replace(self.allocated, lines=lines), policies, activity)


def _redated(found: LineActivity, day: dt.date, bills: Set[int], events: Set[str]) -> LineActivity:
    """``found`` with its new bills and events dated no earlier than ``day``."""
    return LineActivity(
        tuple(
            replace(b, inv_date=day) if id(b) in bills and b.inv_date is not None and b.inv_date < day else b
            for b in found.bills
        ),
        tuple(
            replace(e, event_date=day) if e.event_id in events and e.event_date < day else e
            for e in found.events
        ),
        found.manual,
    )


@dataclass(slots=True)
class Computation:
    contracts: list[Computed]
    orphans: list[tuple[StagedRow, EngineError]]  # rows no contract could take, with the reason
    skipped: set[int]  # row ids the template's filters leave for another template


def effective_line(so: StagedRow, activity: Sequence[StagedRow]) -> tuple[TransactionLine, bool]:
    """The SO line with the effects of its RORD / CM / CM-R rows; True when it is returned."""
    line = so.line
    returned = so.get("RETURN_FLAG") == "Y"
    for row in activity:
        other = row.line
        if row.type == RORD:
            end = line.end_date
            if other.end_date is not None and (end is None or other.end_date < end):
                end = other.end_date
            line = replace(
                line,
                ext_sll_prc=line.ext_sll_prc + other.ext_sll_prc,
                ext_lst_prc=line.ext_lst_prc + other.ext_lst_prc,
                ord_qty=line.ord_qty - abs(other.ord_qty),
                end_date=end,
            )
            returned = returned or line.ext_sll_prc == ZERO
        elif row.type in ("CM", "CM-R"):
            line = replace(line, ext_sll_prc=line.ext_sll_prc + other.ext_sll_prc)
            if row.type == "CM-R":
                quantity = abs(other.inv_qty or other.ord_qty)
                line = replace(
                    line, ext_lst_prc=line.ext_lst_prc + other.ext_lst_prc, ord_qty=line.ord_qty - quantity
                )
                returned = True
    return line, returned


def _engine_input(
    so_rows: Iterable[StagedRow], activity: Iterable[StagedRow]
) -> tuple[list[TransactionLine], dict[str, list[StagedRow]], set[str]]:
    by_ref: dict[str, list[StagedRow]] = {}
    for row in sorted(activity, key=lambda r: r.row_id):
        by_ref.setdefault(row.ref or "", []).append(row)
    lines: list[TransactionLine] = []
    returned: set[str] = set()
    for so in so_rows:
        line, is_returned = effective_line(so, by_ref.get(so.line.line_id, ()))
        lines.append(line)
        if is_returned:
            returned.add(line.line_id)
    for rows in by_ref.values():
        lines.extend(r.line for r in rows if r.type in ENGINE_BILLS)
    return lines, by_ref, returned


def group_keys(so_rows: Sequence[StagedRow], policies: Policies, template: str | None) -> dict[str, str]:
    """Line id → contract key, by grouping alone (to find the existing contracts new lines join)."""
    collection = collect([r.line for r in so_rows], policies, template_name=template)
    return {line.line_id: group.key for group in collection.groups for line in group.lines}


def compute(
    so_rows: Sequence[StagedRow],
    activity: Sequence[StagedRow],
    policies: Policies,
    *,
    template: str | None,
    open_period: int | None,
    events: Sequence[RevenueEvent] = (),
    new_events: Set[str] = frozenset(),
    overrides: Mapping[str, Overrides] | None = None,
) -> Computation:
    """Contracts of ``so_rows`` (one row per line id) with their ``activity`` rows and ``events`` (Upon
    Event releases, see ``contracts.events``; the ids of those processed only now in ``new_events``), and
    the manual ``overrides`` in force by contract key (``revrec.engine.overrides``)."""
    lines, by_ref, returned = _engine_input(so_rows, activity)
    manual = [r for found in (overrides or {}).values() for r in found.releases]
    collection: Collection = collect(
        lines, policies, events=events, manual_releases=manual, template_name=template
    )
    rows_by_line = {r.line.line_id: r for r in so_rows}
    results: list[Computed] = []
    for group in collection.groups:
        allocated = allocate_contract(group, policies)
        if overrides and group.key in overrides:
            allocated, _ = apply_overrides(allocated, overrides[group.key], policies)
        contract = schedule_contract(allocated, policies, collection.activity, open_period=open_period)
        ids = [line.line_id for line in group.lines]
        acts = [a for line_id in ids for a in by_ref.get(line_id, ())]
        results.append(
            Computed(
                contract,
                {i: rows_by_line[i] for i in ids if i in rows_by_line},
                acts,
                returned & set(ids),
                allocated,
                collection.activity,
                new_events,
            )
        )
    grouped = {line_id for c in results for line_id in c.so_rows}
    orphans = _orphans(collection, rows_by_line, by_ref, grouped)
    skipped = {
        rows_by_line[line.line_id].row_id for line in collection.skipped if line.line_id in rows_by_line
    }
    return Computation(results, orphans, skipped)


def _orphans(
    collection: Collection,
    rows_by_line: dict[str, StagedRow],
    by_ref: dict[str, list[StagedRow]],
    grouped: set[str],
) -> list[tuple[StagedRow, EngineError]]:
    orphans: list[tuple[StagedRow, EngineError]] = []
    for error in collection.errors:
        if error.line_id in rows_by_line and error.line_id not in grouped:
            orphans.append((rows_by_line[error.line_id], error))
    message = EngineError(
        "RPRO-00600",
        "The transaction line is not processed as the SO Line ID on the transaction does not match with "
        "any SO in the system",
    )
    for ref, rows in by_ref.items():
        if ref not in grouped:
            orphans.extend((row, replace(message, line_id=ref)) for row in rows)
    return orphans
