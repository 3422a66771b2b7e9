"""grouping_bases: the keys a line could join, used to split Data Collection by contract. Lines that
group_lines puts into one contract always share one of them, whatever the windows and the line order."""

from __future__ import annotations

import itertools

from engine_builders import line

from revrec.engine.conditions import Condition
from revrec.engine.grouping import base_of, group_lines, grouping_bases
from revrec.engine.policy_grouping import GroupingRule, RcGroupingTemplate

TEMPLATE = RcGroupingTemplate(
    "T",
    (GroupingRule(1, "By SO", ("SO_NUM",), duration=30), GroupingRule(2, "By customer", ("CUST_NUM",))),
    filters=(Condition("ITEM_NUM", "!=", ("SKIP",)),),
)


def test_one_base_per_applicable_rule_none_when_filtered_or_no_rule_applies() -> None:
    assert grouping_bases(line("1", so_num="S1"), TEMPLATE) == ("T|By SO|S1", "T|By customer|C1")
    assert grouping_bases(line("2", so_num=""), TEMPLATE) == ("T|By customer|C1",)
    assert grouping_bases(line("3", item="SKIP"), TEMPLATE) == ()
    assert grouping_bases(line("4", so_num="", cust=""), TEMPLATE) == ()


def test_base_of_drops_only_a_window_suffix() -> None:
    assert base_of("T|By SO|S1#2") == "T|By SO|S1"
    assert base_of("T|By SO|S1") == "T|By SO|S1"
    assert base_of("T|By SO|A#B") == "T|By SO|A#B"


def test_every_contract_shares_a_base_in_any_line_order() -> None:
    lines = [
        line("1", so_num="S1", so_date="2025-01-01"),
        line("2", so_num="S1", so_date="2025-03-01"),  # outside the window: a second S1 contract
        line("3", so_num="", so_date="2025-01-05"),  # no SO: the customer rule
        line("4", so_num="S2", so_date="2025-01-02"),
    ]
    for order in itertools.permutations(lines):
        groups, _, _ = group_lines(order, TEMPLATE)
        for group in groups:
            shared = set.intersection(*(set(grouping_bases(x, TEMPLATE)) for x in group.lines))
            assert base_of(group.key) in shared, group.key
