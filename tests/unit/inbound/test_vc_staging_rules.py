"""The staging rules of variable consideration estimates (revrec.vc.staging.validate_estimate)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from revrec.vc.settings import VcSettingDoc
from revrec.vc.staging import validate_estimate

SETTING = VcSettingDoc.model_validate(
    {
        "types": [
            {"name": "rebate"},
            {"name": "volume", "tiers": [{"from_units": "0", "unit_price": "10"}]},
            {"name": "old", "enabled": False},
        ]
    }
)
BASE: dict[str, object] = {"SO_LINE_ID": "L1", "VC_TYPE": "rebate", "EST_DATE": dt.date(2026, 1, 5)}


def _codes(**values: object) -> list[tuple[str, str | None]]:
    return [(e.code, e.column) for e in validate_estimate({**BASE, **values}, SETTING, {"L1"})]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"ML_AMT": Decimal("-10")}, []),
        ({"SCN1_AMT": Decimal(5), "SCN1_PCT": Decimal(100)}, []),
        ({"SCN1_AMT": Decimal(5)}, [("RREV-04105", "SCN1_PCT")]),
        ({"SCN2_PCT": Decimal(100)}, [("RREV-04105", "SCN2_AMT")]),
        ({"SCN1_AMT": Decimal(5), "SCN1_PCT": Decimal(0), "SCN2_AMT": Decimal(1), "SCN2_PCT": Decimal(100)},
         [("RREV-04107", "SCN1_PCT")]),
        ({"SCN1_AMT": Decimal(5), "SCN1_PCT": Decimal(60), "SCN2_AMT": Decimal(1), "SCN2_PCT": Decimal(30)},
         [("RREV-04106", "SCN1_PCT")]),
        ({"ML_AMT": Decimal(5), "ACTUAL_FLAG": "Y"}, []),
        ({"ACTUAL_FLAG": "Y", "SCN1_AMT": Decimal(5), "SCN1_PCT": Decimal(100)}, [("RREV-04110", "ML_AMT")]),
        ({"VC_TYPE": "old", "ML_AMT": Decimal(1)}, [("RREV-04102", "VC_TYPE")]),
        ({"VC_TYPE": "volume", "EXP_QTY": Decimal(1200)}, []),
        ({"VC_TYPE": "volume", "EXP_QTY": Decimal(-1)}, [("RREV-04109", "EXP_QTY")]),
        ({"EST_DATE": None, "SO_LINE_ID": "L2", "ML_AMT": Decimal(1)},
         [("RREV-04111", "SO_LINE_ID"), ("RREV-04103", "EST_DATE")]),
    ],
)  # fmt: skip
def test_rules(values: dict[str, object], expected: list[tuple[str, str | None]]) -> None:
    assert _codes(**values) == expected
