"""Staging validation of event rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revrec.inbound.event_rules import EventContext, EventTypeDef, parse_process_type, validate_event

D = Decimal
SETUP = {
    "Shipment": EventTypeDef("Shipment", "QUANTITY"),
    "Milestone": EventTypeDef("Milestone", "PERCENT", cumulative=True),
    "Acceptance": EventTypeDef("Acceptance", "AMOUNT"),
    "Credit Hold": EventTypeDef("Credit Hold", None),
}


def event(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "SO_LINE_ID": "SL1",
        "EVENT_TYPE": "Milestone",
        "ACTION": "REC",
        "RELEASE_PCT": D(25),
        "EVENT_DATE": date(2025, 3, 31),
    }
    base.update(overrides)
    return base


def run(values: dict[str, object], *, setup: bool = True) -> list[tuple[str, str | None]]:
    ctx = EventContext(known_line_ids={"SL1"}, event_types=SETUP if setup else None)
    return [(e.code, e.column) for e in validate_event(values, context=ctx)]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        ({"SO_LINE_ID": None}, [("RREV-01001", "SO_LINE_ID")]),
        ({"SO_LINE_ID": "SL9"}, [("RREV-01002", "SO_LINE_ID")]),
        ({"EVENT_TYPE": None, "RELEASE_PCT": D(1)}, [("RREV-01003", "EVENT_TYPE")]),
        ({"EVENT_TYPE": "Delivery"}, [("RREV-01004", "EVENT_TYPE")]),
        ({"ACTION": "REL"}, [("RREV-01005", "ACTION")]),
        ({"ACTION": None}, [("RREV-01005", "ACTION")]),
        ({"ACTION": "DEF"}, []),
        ({"EVENT_DATE": None}, [("RREV-01006", "EVENT_DATE")]),
        ({"CUMULATIVE_FLAG": "Yes"}, [("RREV-01012", "CUMULATIVE_FLAG")]),
        ({"CUMULATIVE_FLAG": "N"}, []),
        ({"RELEASE_PCT": D(0)}, []),
        ({"RELEASE_PCT": D(100)}, []),
        ({"RELEASE_PCT": D("100.01")}, [("RREV-01009", "RELEASE_PCT")]),
        ({"RELEASE_PCT": D(-1)}, [("RREV-01009", "RELEASE_PCT")]),
        ({"RELEASE_PCT": None}, [("RREV-01008", "RELEASE_PCT")]),
        ({"RELEASE_AMT": D(10)}, [("INVALID_PERCENT_EVENT", "RELEASE_PCT")]),
        ({"RELEASE_QTY": D(1)}, [("INVALID_PERCENT_EVENT", "RELEASE_PCT")]),
        ({"EVENT_TYPE": "Shipment", "RELEASE_PCT": None, "RELEASE_QTY": D(3)}, []),
        ({"EVENT_TYPE": "Shipment", "RELEASE_QTY": D(3)}, [("INVALID_QUANTITY_EVENT", "RELEASE_QTY")]),
        (
            {"EVENT_TYPE": "Shipment", "RELEASE_PCT": None, "RELEASE_QTY": D(-3)},
            [("RREV-01011", "RELEASE_QTY")],
        ),
        ({"EVENT_TYPE": "Acceptance", "RELEASE_PCT": None, "RELEASE_AMT": D("500.00")}, []),
        ({"EVENT_TYPE": "Acceptance", "RELEASE_AMT": D(5)}, [("INVALID_AMOUNT_EVENT", "RELEASE_AMT")]),
        (
            {"EVENT_TYPE": "Acceptance"},
            [("INVALID_AMOUNT_EVENT", "RELEASE_AMT"), ("RREV-01008", "RELEASE_AMT")],
        ),
        ({"EVENT_TYPE": "Credit Hold", "RELEASE_PCT": None}, []),
        ({"PROCESS_TYPE": "By Percent"}, []),
        ({"PROCESS_TYPE": "AMOUNT"}, [("RREV-01013", "PROCESS_TYPE")]),
        ({"PROCESS_TYPE": "weekly"}, [("RREV-01007", "PROCESS_TYPE")]),
    ],
)
def test_event_rules_with_event_setup(overrides: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert run(event(**overrides)) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"EVENT_TYPE": "Anything"}, []),
        ({"RELEASE_PCT": None}, [("RREV-01008", None)]),
        ({"RELEASE_AMT": D(5)}, [("RREV-01010", None)]),
        ({"PROCESS_TYPE": "qty", "RELEASE_PCT": None, "RELEASE_QTY": D(2)}, []),
        (
            {"PROCESS_TYPE": "Quantity"},
            [("INVALID_QUANTITY_EVENT", "RELEASE_QTY"), ("RREV-01008", "RELEASE_QTY")],
        ),
    ],
)
def test_event_rules_without_event_setup(
    overrides: dict[str, object], expected: list[tuple[str, str | None]]
) -> None:
    assert run(event(**overrides), setup=False) == expected


def test_zuora_event_messages_are_verbatim() -> None:
    ctx = EventContext(known_line_ids={"SL1"}, event_types=SETUP)
    messages = {
        e.code: e.message
        for overrides in (
            {"RELEASE_AMT": D(1)},
            {"EVENT_TYPE": "Shipment", "RELEASE_PCT": D(1)},
            {"EVENT_TYPE": "Acceptance", "RELEASE_QTY": D(1)},
        )
        for e in validate_event(event(**overrides), context=ctx)
    }
    assert (
        messages["INVALID_PERCENT_EVENT"]
        == "Release amount or release quantity is uploaded for percent based event"
    )
    assert (
        messages["INVALID_QUANTITY_EVENT"]
        == "Release percent or release amount is uploaded for quantity based event"
    )
    assert (
        messages["INVALID_AMOUNT_EVENT"]
        == "Release percent or release quantity is uploaded for amount based event"
    )


def test_unknown_event_type_message_names_it() -> None:
    ctx = EventContext(known_line_ids={"SL1"}, event_types=SETUP)
    [error] = validate_event(event(EVENT_TYPE="Delivery"), context=ctx)
    assert error.message == "The event is not processed as the Event Type Delivery is not set up"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("PERCENT", "PERCENT"),
        ("by percent", "PERCENT"),
        ("Pct", "PERCENT"),
        ("By Amount", "AMOUNT"),
        ("amt", "AMOUNT"),
        ("QUANTITY", "QUANTITY"),
        ("By  Quantity", "QUANTITY"),
        ("rate", None),
    ],
)
def test_parse_process_type(text: str, kind: str | None) -> None:
    assert parse_process_type(text) == kind
