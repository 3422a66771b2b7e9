"""Conventions: the rounding and period choices a finance team brings from its previous system.

Each convention is a key of the setup document's ``policies`` section (see docs/setup.md); the defaults are
revrec's behaviour before these keys existed, so a book that sets none keeps its numbers.  The conventions
change *where* a rounding remainder lands or *how* a span of service is weighed over periods, never the
totals: allocations still sum exactly to the transaction price and a line's schedule to its allocated
amount, in every currency (docs/engine.md "Conventions" has the published source of each choice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from .errors import PolicyError
from .mapping import Raw, get_enum, get_int
from .money import AMOUNT_SCALE


class ScheduleRounding(Enum):
    """``schedule_rounding``: where the rounding remainder of a line's schedule goes."""

    CUMULATIVE = "Cumulative"  # running totals rounded; each period is the difference (default)
    LAST_PERIOD = "Last Period"  # each period rounded on its own, the remainder in the last period
    FIRST_PERIOD = "First Period"  # each period rounded on its own, the remainder in the first open period


class AllocationRemainder(Enum):
    """``allocation_remainder``: which line absorbs the rounding remainder of an allocation."""

    LARGEST_LINE = "Largest Line"  # the line with the largest allocated amount, ties to the first (default)
    FIRST_LINE = "First Line"  # the first eligible line in line-id order
    LAST_LINE = "Last Line"  # the last eligible line in line-id order


class PeriodPattern(Enum):
    """``period_pattern``: how a monthly (Partial Month) ratable span is weighed over the periods."""

    CALENDAR_MONTHS = "Calendar Months"  # full periods weigh 1, partial ones the fraction covered (default)
    ANNIVERSARY_MONTHS = "Anniversary Months"  # months counted from the start date, each in its first period
    HALF_MONTH = "Half Month"  # a partial first or last period weighs half a full one


#: The policy keys this module reads (flat keys of the ``policies`` section).
KEYS: Final = (
    "schedule_rounding",
    "allocation_remainder",
    "allocation_percent_places",
    "period_pattern",
    "unit_price_places",
)
#: Decimals a unit price may carry by default: the storage scale of amounts (every storable price).
UNIT_PRICE_PLACES: Final = AMOUNT_SCALE


@dataclass(frozen=True, slots=True)
class Conventions:
    """The conventions of one book; the defaults reproduce revrec's behaviour before they were settings.

    ``allocation_percent_places`` None keeps each line's share exact; a number rounds each share (as a
    percentage) to that many decimals before it is applied.  ``unit_price_places`` bounds the decimals of
    ``UNIT_SELL_PRC`` and ``UNIT_LIST_PRC`` in uploads.
    """

    schedule_rounding: ScheduleRounding = ScheduleRounding.CUMULATIVE
    allocation_remainder: AllocationRemainder = AllocationRemainder.LARGEST_LINE
    allocation_percent_places: int | None = None
    period_pattern: PeriodPattern = PeriodPattern.CALENDAR_MONTHS
    unit_price_places: int = UNIT_PRICE_PLACES

    def __post_init__(self) -> None:
        places = self.allocation_percent_places
        if places is not None and not 0 <= places <= 8:
            raise PolicyError("allocation_percent_places", "must be between 0 and 8 (or null: exact shares)")
        if not 0 <= self.unit_price_places <= AMOUNT_SCALE:
            raise PolicyError(
                "unit_price_places", f"must be between 0 and {AMOUNT_SCALE} (the storage scale)"
            )

    @property
    def default_allocation(self) -> bool:
        """True when allocations round as revrec always did (the engine's fast path applies)."""
        return (
            self.allocation_remainder is AllocationRemainder.LARGEST_LINE
            and self.allocation_percent_places is None
        )

    @classmethod
    def from_mapping(cls, data: Raw) -> Conventions:
        """The conventions among the ``policies`` keys (missing keys keep their defaults)."""
        places = data.get("allocation_percent_places")
        return cls(
            schedule_rounding=get_enum(
                data, "schedule_rounding", "", ScheduleRounding, ScheduleRounding.CUMULATIVE
            ),
            allocation_remainder=get_enum(
                data, "allocation_remainder", "", AllocationRemainder, AllocationRemainder.LARGEST_LINE
            ),
            allocation_percent_places=None
            if places is None
            else get_int(data, "allocation_percent_places", ""),
            period_pattern=get_enum(data, "period_pattern", "", PeriodPattern, PeriodPattern.CALENDAR_MONTHS),
            unit_price_places=get_int(data, "unit_price_places", "", UNIT_PRICE_PLACES),
        )

    def to_mapping(self) -> Mapping[str, object]:
        """The keys :meth:`from_mapping` reads back to equal conventions."""
        return {
            "schedule_rounding": self.schedule_rounding.value,
            "allocation_remainder": self.allocation_remainder.value,
            "allocation_percent_places": self.allocation_percent_places,
            "period_pattern": self.period_pattern.value,
            "unit_price_places": self.unit_price_places,
        }


DEFAULT: Final = Conventions()
