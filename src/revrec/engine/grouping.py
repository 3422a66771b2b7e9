"""Contract grouping (domain.md §2.5–2.6): which collected lines form one revenue contract.

:func:`group_lines` applies an RC grouping template to SO lines and returns groups keyed by a deterministic
contract key built from the template, the rule and the grouped field values (``"Tmpl|Rule|C1|SO1"``), so
lines collected later compute the same key and join the contract they belong to.  A rule with a duration
window starts a new contract (key suffix ``#2``, ``#3`` …) for a line dated after the window of the
existing one.  Invariants: every line of the input is in exactly one group or reported (filtered out or
no applicable rule); the result does not depend on input order (lines are taken by date, then line id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from .calendar import add_months
from .conditions import all_match
from .errors import EngineError, engine_error
from .lines import FIELD_ATTRIBUTES, TransactionLine, line_field
from .policy_grouping import GroupingRule, RcGroupingTemplate
from .policy_pob import ExpiryUnit

KeyGetter = Callable[[TransactionLine], tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class LineGroup:
    """The SO lines of one revenue contract, sorted by line id."""

    key: str
    template: str
    rule: str
    lines: tuple[TransactionLine, ...]


def _key_getter(rule: GroupingRule) -> KeyGetter:
    if all(name in FIELD_ATTRIBUTES for name in rule.group_by):
        getter = attrgetter(*(FIELD_ATTRIBUTES[name] for name in rule.group_by))
        if len(rule.group_by) == 1:
            return lambda line: (getter(line),)
        return getter
    names = rule.group_by
    return lambda line: tuple(line_field(line, name) for name in names)


def _window_end(rule: GroupingRule, anchor: dt.date) -> dt.date:
    assert rule.duration is not None
    if rule.duration_unit is ExpiryUnit.MONTHS:
        return add_months(anchor, rule.duration)
    return anchor + dt.timedelta(days=rule.duration)


def _line_date(rule: GroupingRule, line: TransactionLine) -> dt.date:
    value = line_field(line, rule.duration_field)
    return value if isinstance(value, dt.date) else dt.date.min


class _Grouper:
    def __init__(self, template: RcGroupingTemplate) -> None:
        self.template = template
        self.rules = template.active_rules
        self.getters = [_key_getter(rule) for rule in self.rules]
        self.groups: dict[str, list[TransactionLine]] = {}
        self.rule_of: dict[str, str] = {}
        self.windows: dict[tuple[str, tuple[object, ...]], list[tuple[dt.date, str]]] = {}

    def place(self, line: TransactionLine) -> bool:
        applicable: list[tuple[GroupingRule, tuple[object, ...]]] = []
        for rule, getter in zip(self.rules, self.getters, strict=True):
            values = getter(line)
            if None in values or "" in values:
                continue
            applicable.append((rule, values))
            existing = self.windows.get((rule.name, values))
            if existing and self._join(rule, line, existing):
                return True
        if not applicable:
            return False
        rule, values = applicable[0]
        contracts = self.windows.setdefault((rule.name, values), [])
        key = "|".join((self.template.name, rule.name, *map(str, values)))
        if contracts:
            key = f"{key}#{len(contracts) + 1}"
        contracts.append((_line_date(rule, line) if rule.duration is not None else dt.date.min, key))
        self.groups[key] = [line]
        self.rule_of[key] = rule.name
        return True

    def _join(self, rule: GroupingRule, line: TransactionLine, contracts: list[tuple[dt.date, str]]) -> bool:
        if rule.duration is None:
            self.groups[contracts[0][1]].append(line)
            return True
        day = _line_date(rule, line)
        for anchor, key in reversed(contracts):
            if anchor <= day <= _window_end(rule, anchor):
                self.groups[key].append(line)
                return True
        return False


def group_lines(
    lines: Iterable[TransactionLine], template: RcGroupingTemplate
) -> tuple[list[LineGroup], list[EngineError], list[TransactionLine]]:
    """Group SO lines into contracts: (groups sorted by key, errors, lines the template's filters skip)."""
    grouper = _Grouper(template)
    if len(grouper.rules) == 1 and grouper.rules[0].duration is None and not template.filters:
        return _group_by_one_rule(lines, template, grouper.rules[0], grouper.getters[0])
    errors: list[EngineError] = []
    skipped: list[TransactionLine] = []
    ordered: Sequence[TransactionLine] = list(lines)
    if len(grouper.rules) > 1 or grouper.rules[0].duration is not None:
        # with several rules or a window, where a line lands depends on the lines before it: fix the order
        dated = grouper.rules[0]
        ordered = sorted(ordered, key=lambda line: (_line_date(dated, line), line.line_id))
    for line in ordered:
        if template.filters and not all_match(template.filters, line):
            skipped.append(line)
        elif not grouper.place(line):
            errors.append(engine_error("REVREC-ENG-007", line_id=line.line_id, template=template.name))
    by_id = attrgetter("line_id")
    groups = [
        LineGroup(key, template.name, grouper.rule_of[key], tuple(sorted(members, key=by_id)))
        for key, members in sorted(grouper.groups.items())
    ]
    return groups, errors, skipped


def _group_by_one_rule(
    lines: Iterable[TransactionLine], template: RcGroupingTemplate, rule: GroupingRule, getter: KeyGetter
) -> tuple[list[LineGroup], list[EngineError], list[TransactionLine]]:
    """The common case (one rule, no window, no filter): a plain dictionary grouping, order-independent."""
    buckets: dict[tuple[object, ...], list[TransactionLine]] = {}
    errors: list[EngineError] = []
    for line in lines:
        values = getter(line)
        if None in values or "" in values:
            errors.append(engine_error("REVREC-ENG-007", line_id=line.line_id, template=template.name))
            continue
        bucket = buckets.get(values)
        if bucket is None:
            buckets[values] = [line]
        else:
            bucket.append(line)
    by_id = attrgetter("line_id")
    prefix = (template.name, rule.name)
    groups = [
        LineGroup(key, template.name, rule.name, tuple(sorted(members, key=by_id)))
        for key, members in sorted(("|".join((*prefix, *map(str, v))), m) for v, m in buckets.items())
    ]
    return groups, errors, []


def grouping_bases(line: TransactionLine, template: RcGroupingTemplate) -> tuple[str, ...]:
    """Every contract key (without its window suffix ``#n``) ``line`` could join under ``template``: one per
    applicable rule; empty when the filters skip it or no rule applies.

    Lines of one contract always share one of these (the contract's rule and grouped values), whatever the
    windows and the order of the lines, so collection can be split by them without splitting a contract."""
    return bases_getter(template)(line)


def bases_getter(template: RcGroupingTemplate) -> Callable[[TransactionLine], tuple[str, ...]]:
    """:func:`grouping_bases` under ``template`` as a function of the line, its rules sorted and their
    field getters made once (the plan of a split collection calls it for every distinct row)."""
    rules = tuple((rule.name, _key_getter(rule)) for rule in template.active_rules)
    filters, name = template.filters, template.name

    def bases(line: TransactionLine) -> tuple[str, ...]:
        if filters and not all_match(filters, line):
            return ()
        found: list[str] = []
        for rule_name, getter in rules:
            values = getter(line)
            if None in values or "" in values:
                continue
            found.append("|".join((name, rule_name, *map(str, values))))
        return tuple(found)

    return bases


def bases_fields(template: RcGroupingTemplate) -> frozenset[str]:
    """The line fields :func:`grouping_bases` reads under ``template`` (its filters' and active rules')."""
    rules = (name for rule in template.active_rules for name in rule.group_by)
    return frozenset((*rules, *(condition.field for condition in template.filters)))


def base_of(key: str) -> str:
    """A contract key without its window suffix (``T|R|C1#2`` → ``T|R|C1``)."""
    head, mark, tail = key.rpartition("#")
    return head if mark and tail.isdigit() else key
