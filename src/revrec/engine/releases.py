"""Release events (domain.md §7, §7.1): when, and how much of, a line's value becomes available.

A line's releases are ``(ordinal date, fraction of the line, optional day span)`` triples, in date order.
Upon Booking releases 100 % on the SO date; Upon Billing releases the billed percentage of each bill (or
100 % at the first bill with Full Booking Release); Upon Event applies the line's events (percent, quantity
or amount; cumulative events give the level reached, others add or, with ``DEF``, subtract); Manual applies
manual releases (which Upon Billing and Upon Event lines also apply, after their bills or events); Upon
Expiry applies manual releases dated before the expiry and then releases whatever is still deferred on the
expiry date.  Invariant: the released level stays within [0, 1] — a release beyond
100 % or a deferral below 0 % is consumed partially and reported as a warning, as Zuora does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .calendar import add_months
from .errors import WARNING, EngineError, engine_error
from .lines import ManualRelease, RevenueEvent, TransactionLine, line_field
from .policy_pob import BillingRelease, EventProcessType, ExpiryUnit, PobTemplate, ReleaseEvent

FULL = Fraction(1)
Release = tuple[int, Fraction, tuple[int, int] | None]


@dataclass(frozen=True, slots=True)
class LineActivity:
    """What happened to one line after booking: its bills, events and manual releases."""

    bills: tuple[TransactionLine, ...] = ()
    events: tuple[RevenueEvent, ...] = ()
    manual: tuple[ManualRelease, ...] = field(default=())


NO_ACTIVITY = LineActivity()


def booking_date(line: TransactionLine) -> dt.date:
    """SO book date, falling back to the start date."""
    return line.so_date or line.start_date or dt.date.min


class _Level:
    """The released level of a line while its releases are applied in order."""

    def __init__(self, line: TransactionLine, key: str | None) -> None:
        self.value = Fraction(0)
        self.releases: list[Release] = []
        self.errors: list[EngineError] = []
        self.line, self.key = line, key

    def move(self, day: dt.date, delta: Fraction, span: tuple[int, int] | None = None) -> None:
        target = min(max(self.value + delta, Fraction(0)), FULL)
        if target != self.value + delta:
            reason = "no more revenue to be released" if delta > 0 else "no more revenue to be deferred"
            self.errors.append(
                engine_error(
                    "REVREC-ENG-006",
                    contract_key=self.key,
                    line_id=self.line.line_id,
                    severity=WARNING,
                    reason=reason,
                    date=day.isoformat(),
                    level=_percent(self.value),
                    requested=_percent(delta),
                    applied=_percent(target - self.value),
                )
            )
        if target != self.value:
            self.releases.append((day.toordinal(), target - self.value, span))
            self.value = target


def _percent(fraction: Fraction) -> str:
    """``fraction`` as a percentage with up to 4 decimals (for warning values; exact when it fits)."""
    value = Decimal(fraction.numerator) * 100 / Decimal(fraction.denominator)
    return f"{value.quantize(Decimal('0.0001')).normalize():f}"


def line_releases(
    line: TransactionLine, template: PobTemplate, activity: LineActivity, contract_key: str | None = None
) -> tuple[list[Release], list[EngineError]]:
    """The releases of ``line`` under ``template``'s release event, with any problems found."""
    event = template.release_event
    if event is ReleaseEvent.UPON_BOOKING:
        return [(booking_date(line).toordinal(), FULL, None)], []
    level = _Level(line, contract_key)
    if event is ReleaseEvent.UPON_BILLING:
        _billing(level, template, activity.bills)
        _manual(level, activity.manual, None)  # manual releases (revrec.engine.overrides) come on top
    elif event is ReleaseEvent.UPON_EVENT:
        _events(level, template, activity.events)
        _manual(level, activity.manual, None)
    elif event is ReleaseEvent.MANUAL:
        _manual(level, activity.manual, None)
    else:
        _expiry(level, template, activity.manual)
    return level.releases, level.errors


def _ratio(numerator: Decimal, denominator: Decimal) -> Fraction:
    return Fraction(numerator) / Fraction(denominator)


def _billing(level: _Level, template: PobTemplate, bills: Sequence[TransactionLine]) -> None:
    line = level.line
    ordered = sorted(bills, key=lambda b: (b.inv_date or booking_date(b), b.inv_line_id))
    for bill in ordered:
        day = bill.inv_date or booking_date(bill)
        if template.billing_release is BillingRelease.FULL_BOOKING:
            if bill.ext_sll_prc > 0 or (bill.ext_sll_prc == 0 and line.ext_sll_prc == 0):
                level.move(day, FULL - level.value)
            continue
        span = None
        if bill.start_date is not None and bill.end_date is not None:
            span = (bill.start_date.toordinal(), bill.end_date.toordinal() + 1)
        if line.ext_sll_prc != 0:
            level.move(day, _ratio(bill.ext_sll_prc, line.ext_sll_prc), span)
        elif bill.inv_qty is not None and line.ord_qty != 0:
            level.move(day, _ratio(bill.inv_qty, line.ord_qty), span)
        else:
            level.errors.append(
                engine_error(
                    "REVREC-ENG-008",
                    contract_key=level.key,
                    line_id=line.line_id,
                    basis="billed",
                    field="EXT_SLL_PRC",
                )
            )


_MEASURES = {
    EventProcessType.PERCENT: ("percent", "INVALID_PERCENT_EVENT"),
    EventProcessType.QUANTITY: ("quantity", "INVALID_QUANTITY_EVENT"),
    EventProcessType.AMOUNT: ("amount", "INVALID_AMOUNT_EVENT"),
}


def _event_fraction(level: _Level, event: RevenueEvent, process: EventProcessType) -> Fraction | None:
    measure, code = _MEASURES[process]
    given = {name for name in ("percent", "quantity", "amount") if getattr(event, name) is not None}
    if given != {measure}:
        level.errors.append(engine_error(code, contract_key=level.key, line_id=event.line_id))
        return None
    value: Decimal = getattr(event, measure)
    if process is EventProcessType.PERCENT:
        return _ratio(value, Decimal(100))
    basis = level.line.ord_qty if process is EventProcessType.QUANTITY else level.line.ext_sll_prc
    if basis == 0:
        level.errors.append(
            engine_error(
                "REVREC-ENG-008",
                contract_key=level.key,
                line_id=event.line_id,
                basis=process.value,
                field=measure,
            )
        )
        return None
    return _ratio(value, basis)


def _events(level: _Level, template: PobTemplate, events: Sequence[RevenueEvent]) -> None:
    event_type = template.event
    assert event_type is not None  # guaranteed by PobTemplate
    for event in sorted(events, key=lambda e: (e.event_date, e.event_id)):
        if event.event_name != event_type.name:
            level.errors.append(
                engine_error(
                    "REVREC-ENG-004",
                    contract_key=level.key,
                    line_id=event.line_id,
                    event=event.event_name,
                    template=template.name,
                )
            )
            continue
        fraction = _event_fraction(level, event, event_type.process_type)
        if fraction is None:
            continue
        if event_type.cumulative:
            level.move(event.event_date, fraction - level.value)
        else:
            level.move(event.event_date, -fraction if event.action == "DEF" else fraction)


def _manual(level: _Level, manual: Sequence[ManualRelease], before: dt.date | None) -> None:
    for release in sorted(manual, key=lambda m: m.release_date):
        if before is not None and release.release_date >= before:
            continue
        fraction = release.fraction if release.fraction is not None else _ratio(release.percent, Decimal(100))
        level.move(release.release_date, -fraction if release.action == "DEF" else fraction)


def expiry_date(line: TransactionLine, template: PobTemplate) -> dt.date:
    """The date an Upon Expiry line releases what is still deferred."""
    expiry = template.expiry
    assert expiry is not None  # guaranteed by PobTemplate
    value = line_field(line, expiry.field)
    base = value if isinstance(value, dt.date) else booking_date(line)
    if expiry.unit is ExpiryUnit.MONTHS:
        return add_months(base, expiry.number)
    return base + dt.timedelta(days=expiry.number)


def _expiry(level: _Level, template: PobTemplate, manual: Sequence[ManualRelease]) -> None:
    expires = expiry_date(level.line, template)
    _manual(level, manual, expires)
    if level.value < FULL:
        level.move(expires, FULL - level.value)
