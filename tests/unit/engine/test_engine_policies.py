"""Policies from plain mappings (the setup document): round trips and error messages that say where."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from revrec.engine.errors import PolicyError
from revrec.engine.formula import Formula, FormulaError
from revrec.engine.lines import TransactionLine
from revrec.engine.policies import Policies

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from engine_data import POLICIES_MAPPING  # noqa: E402

FULL = {
    "reporting_currency": "USD",
    "calendar": {"fiscal_year_start_month": 4},
    "rc_grouping_templates": [
        {
            "name": "OTR",
            "rules": [{"seq": 1, "name": "SO", "group_by": ["CUST_NUM", "SO_NUM"], "duration": 30}],
            "filters": [{"field": "TYPE", "operator": "IN", "values": ["SO"]}],
            "ssp_hierarchy": [
                {"seq": 1, "template": "Std", "within": "Sell Price", "below": "M", "above": "High"}
            ],
        }
    ],
    "pob_templates": [
        {"name": "Sub", "release_event": "Upon Booking", "ratable_method": "Contract Ratable"},
        {
            "name": "Milestones",
            "release_event": "Upon Event",
            "ratable_method": "Immediate Using Open Period",
            "event": {"name": "Milestone", "process_type": "By Percent", "cumulative": True},
        },
        {"name": "Expire", "release_event": "Upon Expiry", "expiry": {"number": 30, "unit": "Days"}},
        {
            "name": "Plan",
            "ratable_method": "User Defined Schedules",
            "release_base": "Start Date",
            "schedule": [{"periods": 1, "percent": "40"}, {"periods": 3, "percent": "60"}],
        },
    ],
    "pob_assignment_rules": [
        {"template": "Sub", "kind": "Item", "seq": 1, "item_num": "SUB"},
        {"template": "Milestones", "kind": "Attributes", "seq": 1, "conditions": {"PROD_FMLY": "Services"}},
    ],
    "auto_pob_template": "Sub",
    "ssp_templates": [
        {
            "name": "Std",
            "rules": [
                {
                    "name": "F",
                    "method": "Formula",
                    "formula": "MAX(Ext List Price*0.5, 10)",
                    "low_percent": "80",
                    "high_percent": "120",
                },
                {"name": "R", "method": "Residual", "rssp_min_type": "LIST PRICE", "rssp_min_percent": "10"},
            ],
        }
    ],
    "bundles": [
        {
            "parent_item_num": "101",
            "sell_split_type": "PCT_OF_SP",
            "list_split_type": "PCT_OF_LP",
            "children": [
                {"item_num": "102", "sell_split_value": "60", "list_split_value": "60"},
                {"item_num": "103", "sell_split_value": "40", "list_split_value": "40"},
            ],
        }
    ],
    "rssp_weight_places": 4,
    "multi_currency_allocation": "Reporting Currency",
}


@pytest.mark.parametrize("mapping", [FULL, POLICIES_MAPPING, {}])
def test_policies_round_trip_through_mappings(mapping: dict[str, object]) -> None:
    policies = Policies.from_mapping(mapping)
    assert Policies.from_mapping(policies.to_mapping()) == policies
    assert Policies.from_mapping(policies.to_mapping()).to_mapping() == policies.to_mapping()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reporting_curency": "USD"}, "unknown key(s): reporting_curency"),
        ({"reporting_currency": "XXX"}, "reporting_currency: unknown currency code 'XXX'"),
        (
            {"pob_templates": [{"name": "X", "ratable_method": "Weekly"}]},
            "pob_templates[0].ratable_method: unknown value 'Weekly'",
        ),
        ({"pob_templates": [{"name": "X", "release_event": "Upon Event"}]}, "needs an event"),
        ({"pob_assignment_rules": [{"template": "Nope", "item_num": "A"}]}, "no POB template named 'Nope'"),
        (
            {
                "ssp_templates": [
                    {"name": "S", "rules": [{"name": "r", "method": "Formula", "formula": "2 +* 3"}]}
                ]
            },
            "ssp_templates[0].rules[0].formula",
        ),
        (
            {
                "ssp_templates": [
                    {"name": "S", "rules": [{"name": "r", "method": "Fixed Amount", "amount": 1.5}]}
                ]
            },
            "expected a number",
        ),
        ({"calendar": {"fiscal_year_start_month": 13}}, "between 1 and 12"),
    ],
)
def test_bad_mappings_name_the_bad_key(change: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        Policies.from_mapping(change)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ext List Price*50/100", Decimal("150")),
        ("EXT_SLL_PRC - (NUM1 + 2) * -1", Decimal("125")),
        ("max(ord_qty, 2) * 10", Decimal("30")),
        ("min(EXT_LST_PRC, EXT_SLL_PRC) / 4", Decimal("30")),
    ],
)
def test_formulas_evaluate_exactly(text: str, expected: Decimal) -> None:
    subject = TransactionLine(
        "1", ord_qty=Decimal(3), ext_lst_prc=Decimal(300), ext_sll_prc=Decimal(120), attributes={"NUM1": "3"}
    )
    assert Formula(text).evaluate(subject) == expected


@pytest.mark.parametrize("text", ["", "1 +", "__import__('os')", "a.b", "1 ** 2", "foo(1)", "(1"])
def test_formulas_refuse_anything_else(text: str) -> None:
    with pytest.raises(FormulaError):
        Formula(text)


def test_formula_on_a_blank_field_or_zero_division_is_an_error() -> None:
    with pytest.raises(FormulaError, match="blank"):
        Formula("NUM7 * 2").evaluate(TransactionLine("1"))
    with pytest.raises(FormulaError, match="division by zero"):
        Formula("1 / EXT_SLL_PRC").evaluate(TransactionLine("1"))
