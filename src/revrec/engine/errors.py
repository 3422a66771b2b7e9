"""Problems the engine finds, as values.

The engine never raises for a problem in the data: it returns an :class:`EngineError` next to whatever it
could still compute, so one collection run reports every problem at once.  Codes that Zuora publishes keep
their published code and message (``RPRO-006xx``, the ``INVALID_*_EVENT`` names); problems Zuora does not
name get a ``REVREC-ENG-xxx`` code.  Invalid *policies* are a different thing: they are configuration
errors raised as :class:`PolicyError` when a policy is built, before any line is processed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

ERROR: Final = "error"
WARNING: Final = "warning"

#: code → published (or revrec) message.  Messages are templates filled with ``str.format`` fields.
MESSAGES: Final[dict[str, str]] = {
    "RPRO-00013": (
        "The transaction line is not processed as the revenue end date is before the revenue start date"
    ),
    "RPRO-00600": (
        "The transaction line is not processed as the SO Line ID on the transaction does not match with "
        "any SO in the system"
    ),
    "RPRO-00604": "Total SSP for the RC is $0",
    "RPRO-00607": "SSP allocation is not performed as unable to derive SSP.",
    "RPRO-00608": "The transaction is not processed due to other errors in the bundle",
    "INVALID_PERCENT_EVENT": "Release amount or release quantity is uploaded for percent based event",
    "INVALID_AMOUNT_EVENT": "Release percent or release quantity is uploaded for amount based event",
    "INVALID_QUANTITY_EVENT": "Release percent or release amount is uploaded for quantity based event",
    "REVREC-ENG-001": "No POB assignment rule matches the line and no auto POB template is configured",
    "REVREC-ENG-002": "The date {date} is outside the accounting calendar",
    "REVREC-ENG-003": "The line has no start date",
    "REVREC-ENG-004": "The event {event} is not the release event of the line's POB template {template}",
    "REVREC-ENG-005": "The event references line {line} which is not in any revenue contract",
    "REVREC-ENG-006": "Event not processed: {reason}",
    "REVREC-ENG-007": "The line is not collected: no enabled grouping rule of template {template} applies",
    "REVREC-ENG-008": "The line has no amount basis for a {basis} release (its {field} is zero)",
    "REVREC-ENG-009": "Residual allocation failed (remaining price {remaining} < RSSP minimum {minimum}); "
    "RSSP lines use their alternative SSP",
    "REVREC-ENG-010": "The SSP formula of rule {rule} cannot be evaluated: {reason}",
    "REVREC-ENG-020": "The discount rule {rule} applies but its discount cannot be allocated: {reason}; "
    "the contract is allocated by relative SSP",
    "REVREC-ENG-021": "The residual approach failed, so the discount rule {rule} is not applied: the "
    "contract is allocated by relative SSP over every line (IFRS 15 IE Example 34 Case C)",
    "REVREC-ENG-030": "Manual override not applied: {reason}",
    "REVREC-ENG-031": "SSP override of line {line} not applied: {reason}",
    "REVREC-ENG-032": "Allocation override not applied: the allocated amounts total {total}, "
    "the transaction price is {price}",
    "REVREC-ENG-033": "Manual release of line {line} not applied: its POB template {template} releases "
    "on booking",
    "REVREC-ENG-040": "Actual returns exceed the expected returns of the line: its refund liability is used "
    "up (reassess the return terms)",
}


@dataclass(frozen=True, slots=True)
class EngineError:
    """One problem found while computing revenue: a code, its message and where it was found."""

    code: str
    message: str
    contract_key: str | None = None
    line_id: str | None = None
    severity: str = ERROR
    #: the values the message was filled with, as text (stored with warnings; not part of equality)
    values: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)


def engine_error(
    code: str,
    *,
    contract_key: str | None = None,
    line_id: str | None = None,
    severity: str = ERROR,
    **fields: object,
) -> EngineError:
    """Build an :class:`EngineError` with the registered message for ``code``."""
    values = tuple((name, str(value)) for name, value in fields.items())
    return EngineError(code, MESSAGES[code].format(**fields), contract_key, line_id, severity, values)


class PolicyError(ValueError):
    """A policy mapping that cannot become a policy; ``path`` says where (e.g. ``pob_templates[2].name``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


class CalendarError(ValueError):
    """A date or period key the accounting calendar does not cover (converted to REVREC-ENG-002)."""
