"""Every ratable method and release event, with the worked figures of domain.md §7.

Each case is one 1,200.00 USD line serviced 2025-01-01 .. 2025-12-31 (unless it says otherwise) and its
expected amount per period (``YYYYMM``).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from engine_builders import amounts, day, line, policies

from revrec.engine.contracts import compute_revenue
from revrec.engine.lines import ManualRelease, RevenueEvent, TransactionLine
from revrec.engine.policy_pob import (
    AccountingMethod,
    BillingRelease,
    EventProcessType,
    EventType,
    Expiry,
    ExpiryUnit,
    PobTemplate,
    RatableMethod,
    ReleaseBase,
    ReleaseEvent,
    ScheduleRow,
)
from revrec.engine.schedules import LineSchedule

R = RatableMethod
MONTHS_2025 = [202500 + m for m in range(1, 13)]


def run(
    template: PobTemplate,
    subject: TransactionLine | None = None,
    *,
    bills: tuple[TransactionLine, ...] = (),
    events: tuple[RevenueEvent, ...] = (),
    manual: tuple[ManualRelease, ...] = (),
    open_period: int | None = None,
) -> LineSchedule:
    subject = subject or line("L1", "1200.00", item=template.name)
    result = compute_revenue(
        [subject, *bills], policies(template), events=events, manual_releases=manual, open_period=open_period
    )
    (contract,) = result.contracts
    assert result.errors == () and [e for e in contract.errors if e.severity == "error"] == []
    return contract.schedules[0]


def monthly(value: str, periods: list[int]) -> dict[int, str]:
    return dict.fromkeys(periods, value)


def test_ratable_partial_month_gives_equal_monthly_amounts() -> None:
    """domain §7 Ratable: equal monthly amounts over start → end (1,200 over a year = 100 a month)."""
    schedule = run(PobTemplate("P", ratable_method=R.RATABLE))
    assert amounts(schedule.amounts()) == monthly("100.00", MONTHS_2025)
    assert schedule.total() == Decimal("1200.00") and schedule.released == 1


def test_contract_ratable_amortises_daily_domain_example() -> None:
    """domain §7 Contract Ratable: 1200/365 = 3.287671 a day → Jan 101.92, Feb 92.05 …
    (cumulative rounding)."""
    schedule = run(PobTemplate("P", ratable_method=R.CONTRACT_RATABLE))
    assert amounts(schedule.amounts()) == {
        202501: "101.92",
        202502: "92.05",
        202503: "101.92",
        202504: "98.63",
        202505: "101.92",
        202506: "98.63",
        202507: "101.92",
        202508: "101.91",
        202509: "98.63",
        202510: "101.92",
        202511: "98.63",
        202512: "101.92",
    }
    assert schedule.total() == Decimal("1200.00")


def test_ratable_daily_accounting_method_matches_contract_ratable() -> None:
    schedule = run(PobTemplate("P", ratable_method=R.RATABLE, accounting_method=AccountingMethod.DAILY))
    assert amounts(schedule.amounts())[202502] == "92.05"


def test_ratable_partial_first_and_last_month() -> None:
    """Partial-month method: Jan 15 .. Jan 14 weighs Jan 17/31 and the last Jan 14/31 of a monthly 100."""
    subject = line("L1", "1200.00", item="P", start="2025-01-15", end="2026-01-14")
    schedule = run(PobTemplate("P"), subject)
    got = amounts(schedule.amounts())
    assert (got[202501], got[202506], got[202601]) == ("54.84", "100.00", "45.16")
    assert schedule.total() == Decimal("1200.00")


def test_ratable_manual_half_release_in_february_catches_up() -> None:
    """domain §7 Ratable: 50 % released in Feb of a Jan–Dec 1,200 line → Feb 100, then 50 a month."""
    schedule = run(
        PobTemplate("P", release_event=ReleaseEvent.MANUAL),
        manual=(ManualRelease("L1", day("2025-02-15"), Decimal(50)),),
    )
    assert amounts(schedule.amounts()) == {202502: "100.00", **monthly("50.00", MONTHS_2025[2:])}
    assert schedule.released == Fraction(1, 2) and schedule.total() == Decimal("600.00")


def test_manual_without_release_schedules_nothing() -> None:
    schedule = run(PobTemplate("P", release_event=ReleaseEvent.MANUAL))
    assert schedule.periods == () and schedule.released == 0


def test_upon_booking_booked_late_catches_up_in_booking_period() -> None:
    subject = line("L1", "1200.00", item="P", so_date="2025-03-15")
    schedule = run(PobTemplate("P"), subject)
    assert amounts(schedule.amounts()) == {202503: "300.00", **monthly("100.00", MONTHS_2025[3:])}


def test_release_before_open_period_lands_in_open_period() -> None:
    schedule = run(PobTemplate("P"), open_period=202504)
    assert amounts(schedule.amounts()) == {202504: "400.00", **monthly("100.00", MONTHS_2025[4:])}


def test_mid_month_ratable_half_first_and_half_after_end() -> None:
    """domain §7 Mid Month Ratable: 50 % of a month first, full months, 50 % in the month after (N → N+1)."""
    schedule = run(PobTemplate("P", ratable_method=R.MID_MONTH_RATABLE))
    assert amounts(schedule.amounts()) == {
        202501: "50.00",
        **monthly("100.00", MONTHS_2025[1:]),
        202601: "50.00",
    }


def test_next_month_ratable_starts_next_month_same_duration() -> None:
    schedule = run(PobTemplate("P", ratable_method=R.NEXT_MONTH_RATABLE))
    assert amounts(schedule.amounts()) == monthly("100.00", MONTHS_2025[1:] + [202601])


@pytest.mark.parametrize(("open_period", "expected"), [(None, 202503), (202505, 202505)])
def test_immediate_using_start_date(open_period: int | None, expected: int) -> None:
    """domain §7: all in the period of the start date, or the open period if that has passed."""
    subject = line("L1", "1200.00", item="P", start="2025-03-10", so_date="2025-01-01")
    schedule = run(
        PobTemplate("P", ratable_method=R.IMMEDIATE_USING_START_DATE), subject, open_period=open_period
    )
    assert amounts(schedule.amounts()) == {expected: "1200.00"}


def test_immediate_using_open_period_ignores_dates() -> None:
    schedule = run(PobTemplate("P", ratable_method=R.IMMEDIATE_USING_OPEN_PERIOD), open_period=202507)
    assert amounts(schedule.amounts()) == {202507: "1200.00"}


def test_condense_spreads_from_release_date_without_catch_up() -> None:
    """domain §7 Condense: from the release date to the end date, no catch-up (1,200 over Apr–Dec)."""
    schedule = run(
        PobTemplate("P", release_event=ReleaseEvent.MANUAL, ratable_method=R.CONDENSE),
        manual=(ManualRelease("L1", day("2025-04-01"), Decimal(100)),),
    )
    assert amounts(schedule.amounts()) == {
        202504: "133.33",
        202505: "133.34",
        202506: "133.33",
        202507: "133.33",
        202508: "133.34",
        202509: "133.33",
        202510: "133.33",
        202511: "133.34",
        202512: "133.33",
    }


def test_sliding_shifts_the_end_date_by_the_delay() -> None:
    """domain §7 Sliding: released 90 days after the start → Apr 2025 .. Mar 2026, no catch-up."""
    schedule = run(
        PobTemplate("P", release_event=ReleaseEvent.MANUAL, ratable_method=R.SLIDING),
        manual=(ManualRelease("L1", day("2025-04-01"), Decimal(100)),),
    )
    assert amounts(schedule.amounts()) == monthly("100.00", MONTHS_2025[3:] + [202601, 202602, 202603])


def test_user_defined_schedule_rows_from_release_date() -> None:
    template = PobTemplate(
        "P",
        ratable_method=R.USER_DEFINED,
        release_base=ReleaseBase.RELEASE_DATE,
        schedule=(ScheduleRow(1, Decimal(50)), ScheduleRow(2, Decimal(50))),
    )
    schedule = run(template, line("L1", "1200.00", item="P", so_date="2025-02-10"))
    assert amounts(schedule.amounts()) == {202502: "600.00", 202503: "300.00", 202504: "300.00"}


def bill(
    bill_id: str, amount: str, on: str, start: str | None = None, end: str | None = None
) -> TransactionLine:
    return TransactionLine(
        "L1",
        type="INV",
        inv_line_id=bill_id,
        inv_date=day(on),
        ext_sll_prc=Decimal(amount),
        start_date=day(start) if start else None,
        end_date=day(end) if end else None,
    )


def test_upon_billing_billed_release_catches_up_in_bill_period() -> None:
    """Billed Release: 25 % billed in Jan (25 a month), 75 % in Apr → Apr catch-up 325, then 100."""
    template = PobTemplate("P", release_event=ReleaseEvent.UPON_BILLING)
    schedule = run(template, bills=(bill("I1", "300.00", "2025-01-01"), bill("I2", "900.00", "2025-04-10")))
    assert amounts(schedule.amounts()) == {
        **monthly("25.00", MONTHS_2025[:3]),
        202504: "325.00",
        **monthly("100.00", MONTHS_2025[4:]),
    }


def test_upon_billing_full_booking_release_on_first_bill() -> None:
    template = PobTemplate(
        "P", release_event=ReleaseEvent.UPON_BILLING, billing_release=BillingRelease.FULL_BOOKING
    )
    schedule = run(template, bills=(bill("I1", "100.00", "2025-03-05"),))
    assert amounts(schedule.amounts()) == {202503: "300.00", **monthly("100.00", MONTHS_2025[3:])}


def test_invoice_ratable_spreads_each_bill_over_its_own_dates() -> None:
    template = PobTemplate("P", release_event=ReleaseEvent.UPON_BILLING, ratable_method=R.INVOICE_RATABLE)
    schedule = run(
        template,
        bills=(
            bill("I1", "600.00", "2025-01-01", "2025-01-01", "2025-06-30"),
            bill("I2", "600.00", "2025-07-01", "2025-07-01", "2025-12-31"),
        ),
    )
    got = dict(schedule.amounts())
    assert got[202501] == Decimal("102.76")  # 600 × 31 / 181 days
    assert sum(got[p] for p in MONTHS_2025[:6]) == Decimal("600.00")
    assert schedule.total() == Decimal("1200.00")


def event(value: str, on: str, kind: str = "percent", action: str = "REC", name: str = "Go") -> RevenueEvent:
    return RevenueEvent("L1", name, day(on), action=action, **{kind: Decimal(value)})  # type: ignore[arg-type]


def test_upon_event_percent_events_add_up() -> None:
    template = PobTemplate("P", release_event=ReleaseEvent.UPON_EVENT, event=EventType("Go"))
    schedule = run(template, events=(event("25", "2025-01-15"), event("25", "2025-07-01")))
    assert amounts(schedule.amounts()) == {
        **monthly("25.00", MONTHS_2025[:6]),
        202507: "200.00",
        **monthly("50.00", MONTHS_2025[7:]),
    }


def test_cumulative_events_give_the_level_reached() -> None:
    """domain §7.1: cumulative releases 25 % then 30 % ⇒ 30 % total."""
    template = PobTemplate(
        "P",
        release_event=ReleaseEvent.UPON_EVENT,
        event=EventType("Go", cumulative=True),
        ratable_method=R.IMMEDIATE_USING_OPEN_PERIOD,
    )
    schedule = run(template, events=(event("25", "2025-01-15"), event("30", "2025-02-15")))
    assert amounts(schedule.amounts()) == {202501: "300.00", 202502: "60.00"}
    assert schedule.released == Fraction(3, 10)


@pytest.mark.parametrize(
    ("process", "kind", "value", "released"),
    [
        (EventProcessType.QUANTITY, "quantity", "4", Fraction(2, 5)),
        (EventProcessType.AMOUNT, "amount", "600.00", Fraction(1, 2)),
    ],
)
def test_quantity_and_amount_events(
    process: EventProcessType, kind: str, value: str, released: Fraction
) -> None:
    template = PobTemplate(
        "P",
        release_event=ReleaseEvent.UPON_EVENT,
        event=EventType("Go", process),
        ratable_method=R.IMMEDIATE_USING_OPEN_PERIOD,
    )
    schedule = run(
        template, line("L1", "1200.00", item="P", qty="10"), events=(event(value, "2025-03-01", kind),)
    )
    assert (
        schedule.released == released
        and schedule.total() == Decimal("1200.00") * Decimal(released.numerator) / released.denominator
    )


def test_defer_event_and_over_release_are_partially_consumed() -> None:
    template = PobTemplate(
        "P",
        release_event=ReleaseEvent.UPON_EVENT,
        event=EventType("Go"),
        ratable_method=R.IMMEDIATE_USING_OPEN_PERIOD,
    )
    result = compute_revenue(
        [line("L1", "1200.00", item="P")],
        policies(template),
        events=(
            event("80", "2025-01-10"),
            event("50", "2025-02-10"),
            event("30", "2025-03-10", action="DEF"),
        ),
    )
    schedule = result.contracts[0].schedules[0]
    assert amounts(schedule.amounts()) == {202501: "960.00", 202502: "240.00", 202503: "-360.00"}
    assert [e.code for e in result.contracts[0].errors] == ["REVREC-ENG-006"]


@pytest.mark.parametrize(
    ("process", "code"),
    [
        (EventProcessType.PERCENT, "INVALID_PERCENT_EVENT"),
        (EventProcessType.QUANTITY, "INVALID_QUANTITY_EVENT"),
    ],
)
def test_event_with_the_wrong_measure_is_an_error_value(process: EventProcessType, code: str) -> None:
    template = PobTemplate("P", release_event=ReleaseEvent.UPON_EVENT, event=EventType("Go", process))
    kind = "amount" if process is EventProcessType.PERCENT else "percent"
    result = compute_revenue(
        [line("L1", "1200.00", item="P")], policies(template), events=(event("10", "2025-01-10", kind),)
    )
    assert [e.code for e in result.contracts[0].errors] == [code]
    assert result.contracts[0].schedules[0].released == 0


def test_upon_expiry_releases_what_is_deferred_on_the_expiry_date() -> None:
    template = PobTemplate("P", release_event=ReleaseEvent.UPON_EXPIRY, expiry=Expiry(60, ExpiryUnit.DAYS))
    schedule = run(template)  # booked 2025-01-01 → expires 2025-03-02
    assert amounts(schedule.amounts()) == {202503: "300.00", **monthly("100.00", MONTHS_2025[3:])}


def test_upon_expiry_after_a_partial_manual_release() -> None:
    template = PobTemplate(
        "P",
        release_event=ReleaseEvent.UPON_EXPIRY,
        expiry=Expiry(3, ExpiryUnit.MONTHS),
        ratable_method=R.IMMEDIATE_USING_OPEN_PERIOD,
    )
    schedule = run(template, manual=(ManualRelease("L1", day("2025-02-01"), Decimal(25)),))
    assert amounts(schedule.amounts()) == {202502: "300.00", 202503: "0.00", 202504: "900.00"}


def test_functional_and_reporting_amounts_are_exact_in_their_currencies() -> None:
    subject = line("L1", "1200.00", item="P", curr="EUR", f_cur="EUR", g_rate="1.0834")
    schedule = run(PobTemplate("P", ratable_method=R.CONTRACT_RATABLE), subject)
    assert schedule.currencies == ("EUR", "EUR", "USD")
    assert (schedule.total(0), schedule.total(1), schedule.total(2)) == (
        Decimal("1200.00"),
        Decimal("1200.00"),
        Decimal("1300.08"),
    )
    assert amounts(schedule.amounts(2))[202501] == "110.42"  # round(101.92 × 1.0834)


def test_zero_decimal_currency_uses_cumulative_rounding() -> None:
    subject = line("L1", "100000", item="P", curr="JPY", f_cur="USD", f_rate="0.0066812")
    schedule = run(PobTemplate("P"), subject)
    assert amounts(schedule.amounts())[202501] == "8333" and amounts(schedule.amounts())[202502] == "8334"
    assert schedule.total(0) == Decimal(100000) and schedule.total(1) == Decimal("668.12")
