"""Price concessions on event-released lines under the Prospective treatment (Data Collection / Event
Process side of :mod:`revrec.engine.concessions`; ASC 606-10-55-114 to 55-116, Example 5 Case B).

A ``CM`` (not ``CM-R``, a return) against a line released by events (``Upon Event`` POB template, or a line
with event or manual releases) and collected in the open period is a price concession: its part relating
to the units delivered before the open period is booked in the open period, the rest reduces the remaining
consideration (:func:`revrec.contracts.revisions.revise` with ``shift``). Such a line's credit follows this
rule instead of its ``CREDIT_RULE`` (which distributes over the line's schedule periods, meaningless for
units). Credits collected in an earlier, now closed, period are already in what was recognised.

Every recomputation in the open period (a later event, bill or SO update) applies the same credits again
from the same closed base, so the result does not depend on how many times the contract is recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from decimal import Decimal

from revrec.contracts.compute import Computed
from revrec.contracts.staged import StagedRow
from revrec.engine.concessions import Concession, delivered_part
from revrec.engine.money import to_minor
from revrec.engine.policy_pob import ReleaseEvent
from revrec.engine.prospective import Pattern

CONCESSION_TYPE = "CM"


def open_credits(activity: Iterable[StagedRow], line_id: str, open_ids: Set[int]) -> list[StagedRow]:
    """The ``CM`` rows of line ``line_id`` collected in the open period (``open_ids``: their row ids)."""
    return [a for a in activity if a.ref == line_id and a.type == CONCESSION_TYPE and a.row_id in open_ids]


def released_by_events(item: Computed, line_id: str) -> bool:
    """True when the line's POB template releases it Upon Event or the line has event or manual releases."""
    found = (item.engine_activity or {}).get(line_id)
    if found is not None and (found.events or found.manual):
        return True
    if item.allocated is None:
        return False
    for line, template in zip(item.allocated.lines, item.allocated.pob_templates, strict=True):
        if line.line_id == line_id:
            return template is not None and template.release_event is ReleaseEvent.UPON_EVENT
    return False


def concession_shift(
    item: Computed, line_id: str, pattern: Pattern | None, open_index: int, open_ids: Set[int]
) -> tuple[int, int, int] | None:
    """The delivered part (T/F/R minor units) of the line's open-period concessions, or None when the
    concession rule does not apply (no such credit, not an event-released line, no pattern)."""
    if pattern is None:
        return None
    credits = open_credits(item.activity, line_id, open_ids)
    if not credits or not released_by_events(item, line_id):
        return None
    lines = item.allocated.lines if item.allocated is not None else ()
    ordered = next((line.ord_qty for line in lines if line.line_id == line_id), Decimal(0))
    concessions = [
        Concession(to_minor(row.line.ext_sll_prc, row.line.curr), row.line.inv_qty) for row in credits
    ]
    return delivered_part(concessions, pattern, open_index, ordered)
