"""The engine's entry points: from collected lines to revenue contracts with allocations and schedules.

The pipeline is the one of Zuora's data collection (domain.md §2.5): split billing lines from SO lines,
explode bundles, group SO lines into contracts, assign POB templates, derive SSPs, allocate, then build
each line's schedule from its releases and ratable method.  It is split in three public steps so a caller
(or the benchmark) can run or time them separately — :func:`collect`, :func:`allocate_contract`,
:func:`schedule_contract` — and two conveniences, :func:`iter_revenue` (streams contracts, bounded memory)
and :func:`compute_revenue`.  Everything is a pure function of its inputs: the same lines, in any order,
give the same contracts, keys, allocations and schedules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from .allocation import ContractAllocation, allocate, allocate_relative
from .bundles import explode_bundles
from .calendar import AccountingCalendar
from .conventions import ScheduleRounding
from .discount_allocation import allocate_with_discount
from .discount_allocation import match as discount_match
from .errors import CalendarError, EngineError, engine_error
from .formula import FormulaError
from .grouping import LineGroup, group_lines
from .lines import BILLING_TYPES, ManualRelease, RevenueEvent, TransactionLine
from .money import MoneyError, exponent, ratio
from .pobs import PerformanceObligation, assign_template, build_pobs
from .policies import Policies
from .policy_pob import PobTemplate, ReleaseEvent
from .ratable import Curve, base_weights, combine, release_curve
from .releases import FULL, NO_ACTIVITY, LineActivity, Release, booking_date, line_releases
from .schedule_rounding import spread_by
from .schedules import (
    LineSchedule,
    PackedCurve,
    new_line_schedule,
    packed_curve,
    rate_scale,
    running_series,
)
from .ssp import SspResult, SspSelector, formula_error, ssp_value

_NOTHING = Fraction(0)
_UPON_BOOKING = ReleaseEvent.UPON_BOOKING


@dataclass(frozen=True, slots=True)
class Collection:
    """Collected lines grouped into contracts, with each line's later activity (bills, events, releases)."""

    groups: tuple[LineGroup, ...]
    activity: Mapping[str, LineActivity]
    errors: tuple[EngineError, ...]
    skipped: tuple[TransactionLine, ...]


@dataclass(frozen=True, slots=True)
class AllocatedContract:
    """A contract after POB assignment and allocation, before schedules."""

    key: str
    template: str
    lines: tuple[TransactionLine, ...]
    pob_templates: tuple[PobTemplate | None, ...]
    pobs: tuple[PerformanceObligation, ...]
    allocation: ContractAllocation
    errors: tuple[EngineError, ...]


@dataclass(frozen=True, slots=True)
class RevenueContract:
    """A revenue contract: its lines, POBs, allocation, one schedule per scheduled line, and its problems."""

    key: str
    template: str
    lines: tuple[TransactionLine, ...]
    pobs: tuple[PerformanceObligation, ...]
    allocation: ContractAllocation
    schedules: tuple[LineSchedule, ...]
    errors: tuple[EngineError, ...]

    def schedule(self, line_id: str) -> LineSchedule:
        for schedule in self.schedules:
            if schedule.line_id == line_id:
                return schedule
        raise KeyError(line_id)


@dataclass(frozen=True, slots=True)
class EngineResult:
    """All contracts of a run, plus the problems not tied to one contract and the lines filtered out."""

    contracts: tuple[RevenueContract, ...]
    errors: tuple[EngineError, ...]
    skipped: tuple[TransactionLine, ...]


def _activity(
    bills: Sequence[TransactionLine], events: Iterable[RevenueEvent], manual: Iterable[ManualRelease]
) -> dict[str, LineActivity]:
    found: dict[str, tuple[list[TransactionLine], list[RevenueEvent], list[ManualRelease]]] = {}
    for bill in bills:
        found.setdefault(bill.line_id, ([], [], []))[0].append(bill)
    for event in events:
        found.setdefault(event.line_id, ([], [], []))[1].append(event)
    for release in manual:
        found.setdefault(release.line_id, ([], [], []))[2].append(release)
    return {k: LineActivity(tuple(b), tuple(e), tuple(m)) for k, (b, e, m) in found.items()}


def collect(
    lines: Iterable[TransactionLine],
    policies: Policies,
    *,
    events: Iterable[RevenueEvent] = (),
    manual_releases: Iterable[ManualRelease] = (),
    template_name: str | None = None,
) -> Collection:
    """Explode bundles, group SO lines into contracts and attach bills, events and manual releases."""
    contract_lines: list[TransactionLine] = []
    bills: list[TransactionLine] = []
    for line in lines:
        (bills if line.type in BILLING_TYPES else contract_lines).append(line)
    exploded, errors = explode_bundles(contract_lines, policies)
    groups, grouping_errors, skipped = group_lines(exploded, policies.grouping_template(template_name))
    errors.extend(grouping_errors)
    activity = _activity(bills, events, manual_releases)
    grouped = {line.line_id for group in groups for line in group.lines} if activity else set()
    for line_id, done in sorted(activity.items()):
        if line_id not in grouped:
            code = "RPRO-00600" if done.bills else "REVREC-ENG-005"
            errors.append(engine_error(code, line_id=line_id, line=line_id))
    return Collection(tuple(groups), activity, tuple(errors), tuple(skipped))


def allocate_contract(group: LineGroup, policies: Policies) -> AllocatedContract:
    """Assign POB templates, derive SSPs and allocate the price of one contract."""
    lines = group.lines
    key = group.key
    errors: list[EngineError] = []
    pob_templates: list[PobTemplate | None]
    auto = policies.auto_template
    if policies.condition_rules or auto is None:
        pob_templates = [assign_template(line, policies) for line in lines]
        for line, assigned in zip(lines, pob_templates, strict=True):
            if assigned is None:
                errors.append(engine_error("REVREC-ENG-001", contract_key=key, line_id=line.line_id))
    else:  # item rules and an auto POB template: one look-up per line, always a template
        by_item = policies.item_templates
        pob_templates = [by_item.get(line.item_num, auto) for line in lines]
    selector = policies.ssp_selectors[group.template]
    configured = bool(selector.hierarchy)
    # fast path: SSP values, rule names and positions only; ``results`` (SspResult per line) is built
    # as soon as one line needs the general allocation (no SSP, RSSP, formula error)
    ssps: list[Decimal] = []
    names: list[str] = []
    positions: list[str | None] = []
    results: list[SspResult | None] | None = None if configured else [None] * len(lines)
    if configured:
        select = selector.select
        for index, line in enumerate(lines):
            outcome: SspResult | None = None
            chosen = select(line)
            if chosen is not None:
                row, rule, template_name, rule_name, residual = chosen
                if residual:
                    outcome = SspResult(None, rule, template_name, None, True)
                else:
                    try:
                        value, position = ssp_value(row, rule, line)
                    except FormulaError as exc:
                        errors.append(formula_error(line, rule_name, exc, key))
                    else:
                        if results is None:
                            ssps.append(value)
                            names.append(rule_name)
                            positions.append(position)
                            continue
                        outcome = SspResult(value, rule, template_name, position)
            if results is None:  # the lines before were all plain SSP lines
                results = _ssp_results(lines[:index], selector)
            results.append(outcome)
    discounted = None
    if policies.discount_allocation.active and configured and policies.allocation_enabled:
        discounted, discount_errors = discount_match(key, lines, pob_templates, policies.discount_allocation)
        errors.extend(discount_errors)
    try:
        allocation = None
        if discounted is not None:
            if results is None:
                results = _ssp_results(lines, selector)
            allocation, allocation_errors = allocate_with_discount(key, lines, results, policies, discounted)
            errors.extend(allocation_errors)
        elif results is None:
            allocation = allocate_relative(lines, ssps, names, positions, policies)
        if allocation is None:
            if results is None:
                results = _ssp_results(lines, selector)
            allocation, allocation_errors = allocate(key, lines, results, policies, configured=configured)
            errors.extend(allocation_errors)
    except (MoneyError, KeyError) as exc:
        errors.append(EngineError("RPRO-00009", f"invalid currency code or rounding: {exc}", key))
        if results is None:
            results = _ssp_results(lines, selector)
        allocation, allocation_errors = allocate(key, lines, results, policies, configured=False)
        errors.extend(allocation_errors)
    pobs = build_pobs(key, lines, pob_templates)
    return AllocatedContract(
        key, group.template, lines, tuple(pob_templates), pobs, allocation, tuple(errors)
    )


def _ssp_results(lines: Sequence[TransactionLine], selector: SspSelector) -> list[SspResult | None]:
    """The SSP results of lines whose rules are all non-residual and evaluate without error."""
    results: list[SspResult | None] = []
    for line in lines:
        chosen = selector.select(line)
        assert chosen is not None
        row, rule, template_name, _, _ = chosen
        value, position = ssp_value(row, rule, line)
        results.append(SspResult(value, rule, template_name, position))
    return results


def _release_index(calendar: AccountingCalendar, day: int, open_index: int | None) -> int:
    index = calendar.index_of_ordinal(day)
    return open_index if open_index is not None and index < open_index else index


_MEMO_LIMIT = 1 << 18
# the Upon Booking memo holds prepared curves (about 3 KB for 36 periods when every line has its own):
# bounded lower, a little above the ~75,000 distinct (template, dates) of the million-line benchmark
_BOOKED_LIMIT = 1 << 17
_PACKED_LIMIT = 1 << 15


def _full_release_curve(
    policies: Policies,
    template: PobTemplate,
    span: tuple[int, int],
    day: int,
    open_index: int | None,
    booked: int,
) -> Curve:
    """The curve of a single 100 % release (the common case: Upon Booking), memoized per Policies."""
    memo = policies.curve_memo
    key = (id(template), span, day, open_index, booked)
    found = memo.get(key)
    if found is not None and found[0] is template:
        return found[1]
    calendar = policies.calendar
    index = _release_index(calendar, day, open_index)
    pattern = policies.conventions.period_pattern
    curve = release_curve(base_weights(calendar, template, span, day, index, booked, pattern), index)
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = (template, curve)
    return curve


def _curve(
    line: TransactionLine,
    template: PobTemplate,
    releases: list[Release],
    policies: Policies,
    open_index: int | None,
) -> Curve:
    calendar = policies.calendar
    start = line.start_date.toordinal()  # type: ignore[union-attr]
    end_date = line.end_date or line.start_date
    span = (start, end_date.toordinal() + 1)  # type: ignore[union-attr]
    booked = booking_date(line).toordinal()
    if len(releases) == 1 and releases[0][1] is FULL:
        day, _, override = releases[0]
        return _full_release_curve(policies, template, override or span, day, open_index, booked)
    parts: list[tuple[Fraction, Curve]] = []
    for day, fraction, override in releases:
        index = _release_index(calendar, day, open_index)
        weights = base_weights(
            calendar, template, override or span, day, index, booked, policies.conventions.period_pattern
        )
        parts.append((fraction, release_curve(weights, index)))
    return combine(parts)


@lru_cache(maxsize=4096)
def _rates(
    currencies: tuple[str, str, str], f_rate: Decimal, g_rate: Decimal
) -> tuple[tuple[int, int], tuple[int, int]]:
    t, f, r = (exponent(code) for code in currencies)
    return rate_scale(ratio(f_rate), t, f), rate_scale(ratio(g_rate), f, r)


def schedule_line(
    line: TransactionLine,
    template: PobTemplate,
    allocated_minor: int,
    allocatable_minor: int,
    activity: LineActivity,
    policies: Policies,
    *,
    pob_key: str,
    contract_key: str | None = None,
    open_period: int | None = None,
) -> tuple[LineSchedule | None, list[EngineError]]:
    """The schedule of one line, or None with the reason when it cannot be scheduled."""
    if line.start_date is None:
        return None, [engine_error("REVREC-ENG-003", contract_key=contract_key, line_id=line.line_id)]
    if line.end_date is not None and line.end_date < line.start_date:
        return None, [engine_error("RPRO-00013", contract_key=contract_key, line_id=line.line_id)]
    releases, errors = line_releases(line, template, activity, contract_key)
    currencies = (line.curr, line.f_cur, policies.reporting_currency)
    if len(releases) == 1:
        released = releases[0][1]
    else:
        released = sum((fraction for _, fraction, _ in releases), _NOTHING)
    if not releases:
        return LineSchedule(
            line.line_id, pob_key, (), currencies, ((), (), ()), ((), (), ()), released
        ), errors
    try:
        open_index = None if open_period is None else policies.calendar.index_of_key(open_period)
        first, cumulative, denominator = _curve(line, template, releases, policies, open_index)
    except CalendarError as exc:
        errors.append(
            engine_error("REVREC-ENG-002", contract_key=contract_key, line_id=line.line_id, date=exc)
        )
        return None, errors
    functional, reporting = _rates(currencies, line.f_ex_rate, line.g_ex_rate)
    allocated, revenue = spread_by(
        policies.conventions.schedule_rounding,
        (allocated_minor, allocatable_minor),
        (cumulative, denominator),
        functional,
        reporting,
        0 if open_index is None else open_index - first,
    )
    periods = policies.calendar.keys[first : first + len(cumulative)]
    return LineSchedule(line.line_id, pob_key, periods, currencies, allocated, revenue, released), errors


def natural_curve(
    line: TransactionLine, template: PobTemplate, activity: LineActivity, policies: Policies
) -> tuple[Curve | None, tuple[tuple[str, str, str], tuple[int, int], tuple[int, int]]]:
    """The exact curve of a line with every release at its own date (no open period: no catch-up moved
    into it), None when the line cannot be scheduled or has no release; with its currencies and rates."""
    rates = _line_rates(line, policies)
    if line.start_date is None or (line.end_date is not None and line.end_date < line.start_date):
        return None, rates
    releases, _ = line_releases(line, template, activity)
    if not releases:
        return None, rates
    try:
        return _curve(line, template, releases, policies, None), rates
    except CalendarError:
        return None, rates


_BookedCurve = tuple[PobTemplate, PackedCurve, tuple[int, ...]]
_Rates = tuple[tuple[str, str, str], tuple[int, int], tuple[int, int]]


def _booked_curve(
    line: TransactionLine, template: PobTemplate, policies: Policies, open_index: int | None
) -> _BookedCurve:
    """The curve of an Upon Booking line and its period keys (raises CalendarError like :func:`_curve`)."""
    calendar = policies.calendar
    start = line.start_date.toordinal()  # type: ignore[union-attr]
    end_date = line.end_date or line.start_date
    span = (start, end_date.toordinal() + 1)  # type: ignore[union-attr]
    booked = booking_date(line).toordinal()
    index = _release_index(calendar, booked, open_index)  # what _curve does for one 100 % release
    first, cumulative, denominator = release_curve(
        base_weights(calendar, template, span, booked, index, booked, policies.conventions.period_pattern),
        index,
    )
    keys = policies.calendar.keys[first : first + len(cumulative)]
    runs = policies.periods_memo  # one tuple per distinct run of periods, shared by the schedules
    periods = runs.get(keys)
    if periods is None:
        if len(runs) >= _PACKED_LIMIT:
            runs.clear()
        periods = runs[keys] = keys
    shared = policies.packed_memo  # few distinct curves (hundreds for a million lines): prepare each once
    curve = shared.get((cumulative, denominator))
    if curve is None:
        if len(shared) >= _PACKED_LIMIT:
            shared.clear()
        curve = shared[cumulative, denominator] = packed_curve(cumulative, denominator)
    return template, curve, periods


def _line_rates(line: TransactionLine, policies: Policies) -> _Rates:
    """Currencies (T, F, R) of a line and its conversion ratios, memoized per Policies."""
    memo = policies.rates_memo
    key = (line.curr, line.f_cur, line.f_ex_rate, line.g_ex_rate)
    found = memo.get(key)
    if found is None:
        currencies = (line.curr, line.f_cur, policies.reporting_currency)
        functional, reporting = _rates(currencies, line.f_ex_rate, line.g_ex_rate)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        found = memo[key] = (currencies, functional, reporting)
    return found


def schedule_contract(
    contract: AllocatedContract,
    policies: Policies,
    activity: Mapping[str, LineActivity] | None = None,
    *,
    open_period: int | None = None,
) -> RevenueContract:
    """Schedules of every line of an allocated contract.

    Upon Booking lines (a single 100 % release; the common case) take a fast path: their curve and period
    keys are memoized per Policies by (template, start, end, SO date, open period), and the running totals
    are computed by :func:`running_series`.  Other lines go through :func:`schedule_line`.  Both give the
    same schedules (``tests/unit/engine/test_engine_golden.py``).
    """
    schedules: list[LineSchedule] = []
    errors = list(contract.errors)
    # the fast path rounds cumulatively; the other schedule_rounding conventions go through schedule_line
    booked_fast = policies.conventions.schedule_rounding is ScheduleRounding.CUMULATIVE
    open_index: int | None = None
    if open_period is not None:
        try:
            open_index = policies.calendar.index_of_key(open_period)
        except CalendarError:
            booked_fast = False  # every line reports it through schedule_line
    memo = policies.booked_memo
    rates_memo = policies.rates_memo
    pob_keys: dict[str, str] = {}
    contract_key = contract.key
    for line, template, allocation in zip(
        contract.lines, contract.pob_templates, contract.allocation.lines, strict=True
    ):
        if template is None:
            continue
        name = template.name
        pob_key = pob_keys.get(name)
        if pob_key is None:
            pob_key = pob_keys[name] = f"{contract_key}/{name}"
        start = line.start_date
        end = line.end_date
        if (
            booked_fast
            and template.release_event is _UPON_BOOKING
            and start is not None
            and (end is None or end >= start)
        ):
            key = (name, start, end, line.so_date, open_index)
            found = memo.get(key)
            if found is None or found[0] is not template:
                try:
                    found = _booked_curve(line, template, policies, open_index)
                except CalendarError:
                    found = None
                else:
                    if len(memo) >= _BOOKED_LIMIT:
                        memo.clear()
                    memo[key] = found
            if found is not None:
                _, curve, periods = found
                rates = rates_memo.get((line.curr, line.f_cur, line.f_ex_rate, line.g_ex_rate))
                if rates is None:
                    rates = _line_rates(line, policies)
                currencies, functional, reporting = rates
                allocated, revenue = running_series(
                    allocation.allocated_minor,
                    allocation.allocatable_minor,
                    curve,
                    functional,
                    reporting,
                )
                schedules.append(
                    new_line_schedule(line.line_id, pob_key, periods, currencies, allocated, revenue, FULL)
                )
                continue
        schedule, line_errors = schedule_line(
            line,
            template,
            allocation.allocated_minor,
            allocation.allocatable_minor,
            activity.get(line.line_id, NO_ACTIVITY) if activity else NO_ACTIVITY,
            policies,
            pob_key=pob_key,
            contract_key=contract_key,
            open_period=open_period,
        )
        errors.extend(line_errors)
        if schedule is not None:
            schedules.append(schedule)
    return RevenueContract(
        contract_key,
        contract.template,
        contract.lines,
        contract.pobs,
        contract.allocation,
        tuple(schedules),
        tuple(errors),
    )


def iter_revenue(
    collection: Collection, policies: Policies, *, open_period: int | None = None
) -> Iterator[RevenueContract]:
    """Allocate and schedule the collected contracts one at a time (memory bounded by one contract)."""
    for group in collection.groups:
        yield schedule_contract(
            allocate_contract(group, policies), policies, collection.activity, open_period=open_period
        )


def compute_revenue(
    lines: Iterable[TransactionLine],
    policies: Policies,
    *,
    events: Iterable[RevenueEvent] = (),
    manual_releases: Iterable[ManualRelease] = (),
    open_period: int | None = None,
    template_name: str | None = None,
) -> EngineResult:
    """Contracts, POBs, allocations and schedules of ``lines`` under ``policies``, all at once."""
    collection = collect(
        lines, policies, events=events, manual_releases=manual_releases, template_name=template_name
    )
    contracts = tuple(iter_revenue(collection, policies, open_period=open_period))
    return EngineResult(contracts, collection.errors, collection.skipped)


def line_curve(
    line: TransactionLine,
    template: PobTemplate,
    activity: LineActivity,
    policies: Policies,
    open_period: int | None,
) -> Curve | None:
    """The curve :func:`schedule_line` spreads a line's amounts along (cumulative numerators over one
    denominator, from the first period's calendar index), for provenance; None when it has none."""
    if line.start_date is None or (line.end_date is not None and line.end_date < line.start_date):
        return None
    releases, _ = line_releases(line, template, activity)
    if not releases:
        return None
    try:
        open_index = None if open_period is None else policies.calendar.index_of_key(open_period)
        return _curve(line, template, releases, policies, open_index)
    except CalendarError:
        return None
