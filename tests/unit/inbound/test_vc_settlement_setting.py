"""The setup key ``variable_consideration.settlement_attribute`` (revrec.vc.settings) and which staged
rows it makes settlement bills (revrec.vc.settlement.settled_type)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from revrec.contracts.staged import StagedRow, to_staged
from revrec.vc.settings import VcSettingDoc
from revrec.vc.settlement import settled_type


def test_attribute_is_a_free_text_attribute_column() -> None:
    assert VcSettingDoc.model_validate({"settlement_attribute": " atr5 "}).settlement_attribute == "ATR5"
    assert VcSettingDoc.model_validate({}).settlement_attribute is None
    for bad in ("ATR1", "SO_NUM", "ATR61", ""):
        with pytest.raises(ValidationError, match="is not an attribute column"):
            VcSettingDoc.model_validate({"settlement_attribute": bad})


def test_only_inv_and_cm_naming_a_type_settle() -> None:
    setting = VcSettingDoc.model_validate({"settlement_attribute": "ATR5", "types": [{"name": "bonus"}]})
    unset = VcSettingDoc.model_validate({"types": [{"name": "bonus"}]})

    def row(kind: str, value: str | None) -> StagedRow:
        return to_staged({"ID": 1, "TYPE": kind, "SO_LINE_ID": "L1", "ATR5": value})

    assert settled_type(row("INV", "bonus"), setting) == "bonus"
    assert settled_type(row("CM", " bonus "), setting) == "bonus"
    assert settled_type(row("INV", "  "), setting) is None
    assert settled_type(row("CM-R", "bonus"), setting) is None
    assert settled_type(row("SO", "bonus"), setting) is None
    assert settled_type(row("INV", "bonus"), unset) is None
