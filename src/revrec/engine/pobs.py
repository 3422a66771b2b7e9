"""Performance obligations (domain.md §7): which POB template each line gets, and the contract's POBs.

Assignment follows the published identification order: advanced rules, then rules by attributes, then
rules by item number (each kind by ``seq``), and the auto POB template when none matches.  The lines of one
contract with the same template form one :class:`PerformanceObligation` (key ``<contract key>/<template>``,
lead line = smallest line id, dates = earliest start and latest end of its lines).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .conditions import all_match
from .lines import TransactionLine
from .policies import Policies
from .policy_pob import PobTemplate


@dataclass(frozen=True, slots=True)
class PerformanceObligation:
    """One POB of a revenue contract."""

    key: str
    template: str
    lead_line_id: str
    line_ids: tuple[str, ...]
    start_date: dt.date | None
    end_date: dt.date | None


def assign_template(line: TransactionLine, policies: Policies) -> PobTemplate | None:
    """The POB template of ``line``, or None when no rule matches and no auto POB is configured."""
    for rule in policies.condition_rules:
        if all_match(rule.conditions, line):
            return policies.pob_by_name[rule.template]
    name = policies.item_rules.get(line.item_num, policies.auto_pob_template)
    return None if name is None else policies.pob_by_name[name]


def build_pobs(
    contract_key: str, lines: Sequence[TransactionLine], templates: Sequence[PobTemplate | None]
) -> tuple[PerformanceObligation, ...]:
    """The POBs of a contract from its lines (sorted by id) and their templates (None = unassigned)."""
    members: dict[str, list[TransactionLine]] = {}
    for line, template in zip(lines, templates, strict=True):
        if template is not None:
            found = members.get(template.name)
            if found is None:
                members[template.name] = [line]
            else:
                found.append(line)
    return tuple(_pob(contract_key, name, members[name]) for name in sorted(members))


def _pob(contract_key: str, name: str, group: list[TransactionLine]) -> PerformanceObligation:
    start = end = None
    for line in group:
        if line.start_date is not None and (start is None or line.start_date < start):
            start = line.start_date
        if line.end_date is not None and (end is None or line.end_date > end):
            end = line.end_date
    return PerformanceObligation(
        f"{contract_key}/{name}", name, group[0].line_id, tuple(line.line_id for line in group), start, end
    )
