"""Staging validation of transaction lines, rule by rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revrec.inbound.codes import MESSAGES
from revrec.inbound.line_rules import LineContext, fits_precision, sales_order_line_id, validate_line
from revrec.inbound.problems import LineError

D = Decimal


def line(tran_type: str, **overrides: object) -> dict[str, object]:
    """A valid ``tran_type`` line in USD (reporting USD) with ``overrides`` (None blanks a column)."""
    base: dict[str, object] = {
        "TYPE": tran_type,
        "CSTMR_NM": "Acme",
        "CUST_NUM": "C1",
        "ITEM_NUM": "SKU1",
        "CURR": "USD",
        "F_CUR": "USD",
        "F_EX_RATE": D(1),
        "G_EX_RATE": D(1),
        "EXT_LST_PRC": D("120.00"),
        "EXT_SLL_PRC": D("100.00"),
        "START_DATE": date(2025, 1, 1),
        "END_DATE": date(2025, 12, 31),
        "DEF_SEGMENTS": "100-2000-30",
        "REV_SEGMENTS": "100-4000-30",
        "CV_ELIGIBLE_FLAG": "Y",
        "SO_NUM": "SO1",
        "SO_LINE_ID": "SL1",
        "SO_DATE": date(2025, 1, 1),
        "ORD_QTY": D(2),
    }
    if tran_type in ("INV", "CM", "CM-C", "CM-R", "CM-RO"):
        base.update(INV_NUM="I1", INV_LINE_ID="IL1", INV_DATE=date(2025, 1, 5), INV_QTY=D(2))
    if tran_type in ("CM", "CM-C", "CM-R", "CM-RO"):
        base.update(EXT_LST_PRC=D("-120.00"), EXT_SLL_PRC=D("-100.00"), ORIG_INV_LINE_ID="IL0")
    if tran_type == "RORD":
        base.update(SO_LINE_ID="SL2", ORIG_SO_LINE_ID="SL1", EXT_LST_PRC=D("-60.00"), EXT_SLL_PRC=D("-50.00"))
    base.update(overrides)
    return base


def run(
    values: dict[str, object], *, reporting: str = "USD", **context: object
) -> list[tuple[str, str | None]]:
    ctx = LineContext(known_so_line_ids=context.pop("known", {"SL1"}), **context)  # type: ignore[arg-type]
    return [(e.code, e.column) for e in validate_line(values, reporting_currency=reporting, context=ctx)]


@pytest.mark.parametrize("tran_type", ["SO", "INV", "CM", "CM-C", "CM-R", "CM-RO", "RORD"])
def test_valid_lines_of_every_type(tran_type: str) -> None:
    assert run(line(tran_type)) == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"TYPE": "XX"}, [("RPRO-00001", "TYPE")]),
        ({"TYPE": None}, [("RPRO-00001", "TYPE")]),
        ({"TYPE": "so"}, [("RPRO-00001", "TYPE")]),
        ({"TYPE": "PORD"}, [("RREV-00003", "TYPE")]),
    ],
)
def test_type(values: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert run(values) == expected


def test_type_messages() -> None:
    ctx = LineContext()
    assert validate_line({"TYPE": "XX"}, reporting_currency="USD", context=ctx) == [
        LineError(
            "RPRO-00001",
            'The transaction line is not processed as the "Tran Type" value is not valid',
            "TYPE",
        )
    ]
    [pord] = validate_line({"TYPE": "PORD"}, reporting_currency="USD", context=ctx)
    assert (
        pord.err_msg
        == "RREV-00003 The PORD line is not processed as price change orders are no longer supported"
    )


MANDATORY = {
    "SO": [
        ("EXT_LST_PRC", "RREV-00004"),
        ("EXT_SLL_PRC", "RPRO-00059"),
        ("ORD_QTY", "RPRO-00072"),
        ("CURR", "RPRO-00009"),
        ("F_CUR", "RPRO-00009"),
        ("SO_LINE_ID", "RREV-00004"),
        ("SO_DATE", "RREV-00004"),
    ],
    "INV": [
        ("EXT_LST_PRC", "RREV-00004"),
        ("EXT_SLL_PRC", "RPRO-00059"),
        ("INV_QTY", "RPRO-00007"),
        ("ORD_QTY", "RREV-00004"),
        ("INV_LINE_ID", "RPRO-00036"),
        ("INV_DATE", "RREV-00004"),
        ("INV_NUM", "RPRO-00035"),
    ],
    "CM": [
        ("EXT_SLL_PRC", "RPRO-00059"),
        ("INV_QTY", "RPRO-00007"),
        ("INV_LINE_ID", "RPRO-00036"),
        ("INV_DATE", "RREV-00004"),
        ("INV_NUM", "RPRO-00035"),
    ],
    "CM-C": [("EXT_SLL_PRC", "RPRO-00059"), ("INV_QTY", "RPRO-00007"), ("INV_NUM", "RPRO-00035")],
    "CM-R": [("EXT_LST_PRC", "RREV-00004"), ("INV_QTY", "RPRO-00007")],
    "CM-RO": [("SO_LINE_ID", "RREV-00004"), ("INV_LINE_ID", "RPRO-00036"), ("INV_QTY", "RPRO-00007")],
    "RORD": [
        ("EXT_LST_PRC", "RREV-00004"),
        ("ORD_QTY", "RPRO-00072"),
        ("SO_LINE_ID", "RREV-00004"),
        ("SO_DATE", "RREV-00004"),
        ("ORIG_SO_LINE_ID", "RPRO-00030"),
    ],
}
COMMON = [
    ("CSTMR_NM", "RPRO-00003"),
    ("ITEM_NUM", "RPRO-00006"),
    ("DEF_SEGMENTS", "RPRO-00021"),
    ("REV_SEGMENTS", "RPRO-00023"),
    ("START_DATE", "RPRO-00018"),
]


@pytest.mark.parametrize(
    ("tran_type", "column", "code"),
    [(t, c, code) for t, pairs in MANDATORY.items() for c, code in pairs]
    + [(t, c, code) for t in MANDATORY for c, code in COMMON],
)
def test_mandatory_columns(tran_type: str, column: str, code: str) -> None:
    values = line(tran_type, **{column: None})
    if column in ("CURR", "F_CUR"):
        values.update(F_EX_RATE=None, G_EX_RATE=None)  # a blank currency makes no rate rule applicable
    assert run(values) == [(code, column)]
    absent = {k: v for k, v in values.items() if k != column}
    assert run(absent) == [(code, column)]


def test_mandatory_message_names_the_column() -> None:
    [error] = validate_line(line("SO", SO_DATE=None), reporting_currency="USD", context=LineContext())
    assert error.message == "The transaction line is not processed due to missing mandatory field SO_DATE"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"CURR": "XXX", "F_EX_RATE": D("1.1")}, [("RPRO-00009", "CURR")]),
        ({"F_CUR": "usd", "G_EX_RATE": D("0.9"), "F_EX_RATE": D("1.2")}, [("RPRO-00009", "F_CUR")]),
        ({"EXT_SLL_PRC": D("100.001")}, [("RPRO-00009", "EXT_SLL_PRC")]),
        (
            {
                "EXT_LST_PRC": D("0.5"),
                "CURR": "JPY",
                "EXT_SLL_PRC": D("1"),
                "F_CUR": "JPY",
                "G_EX_RATE": D("0.0067"),
            },
            [("RPRO-00009", "EXT_LST_PRC")],
        ),
        ({"EXT_SLL_PRC": D("100.000000")}, []),
        (
            {
                "CURR": "KWD",
                "F_CUR": "KWD",
                "EXT_SLL_PRC": D("1.125"),
                "EXT_LST_PRC": D("2"),
                "G_EX_RATE": D("3.25"),
            },
            [],
        ),
        ({"EXT_SLL_PRC": D("1" * 30 + ".001")}, [("RPRO-00009", "EXT_SLL_PRC")]),
        ({"F_EX_RATE": D("1.1")}, [("RPRO-00011", "F_EX_RATE")]),
        ({"F_EX_RATE": None}, []),
        ({"CURR": "EUR", "F_EX_RATE": None}, [("RPRO-00076", "F_EX_RATE")]),
        ({"CURR": "EUR", "F_EX_RATE": D("1.08")}, []),
        ({"CURR": "EUR", "F_EX_RATE": D("-1.08")}, [("RPRO-00067", "F_EX_RATE")]),
        ({"F_EX_RATE": D("0")}, [("RPRO-00067", "F_EX_RATE")]),
        ({"G_EX_RATE": D("0.9")}, [("RPRO-00012", "G_EX_RATE")]),
        ({"G_EX_RATE": D("-1")}, [("RPRO-00067", "G_EX_RATE")]),
    ],
)
def test_currency_and_rates(overrides: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert run(line("SO", **overrides)) == expected


def test_global_rate_against_the_reporting_currency() -> None:
    assert run(line("SO", G_EX_RATE=None), reporting="EUR") == [("RPRO-00076", "G_EX_RATE")]
    assert run(line("SO", G_EX_RATE=D("0.92")), reporting="EUR") == []
    assert run(line("SO", F_CUR="EUR", CURR="EUR", G_EX_RATE=D("0.92")), reporting="EUR") == [
        ("RPRO-00012", "G_EX_RATE")
    ]


def test_fits_precision() -> None:
    assert (
        fits_precision(D("1.10"), "USD")
        and fits_precision(D("1.1000"), "USD")
        and fits_precision(D("5E+3"), "JPY")
    )
    assert not fits_precision(D("1.105"), "USD") and not fits_precision(D("0.1"), "JPY")


@pytest.mark.parametrize(
    ("tran_type", "overrides", "expected"),
    [
        ("SO", {"END_DATE": date(2024, 12, 31)}, [("RPRO-00013", "END_DATE")]),
        ("SO", {"END_DATE": date(2025, 1, 1)}, []),
        ("SO", {"END_DATE": None}, []),
        ("SO", {"START_DATE": date(1946, 12, 31)}, [("RPRO-00015", "START_DATE")]),
        ("SO", {"START_DATE": date(1947, 1, 1)}, []),
        ("SO", {"END_DATE": date(1946, 1, 1)}, [("RPRO-00016", "END_DATE"), ("RPRO-00013", "END_DATE")]),
        ("CM", {"CREDIT_RULE": "F", "START_DATE": None}, [("RPRO-00014", "START_DATE")]),
        ("CM", {"CREDIT_RULE": "F", "END_DATE": None}, [("RPRO-00063", "END_DATE")]),
        ("CM", {"CREDIT_RULE": "P"}, []),
        ("CM", {"CREDIT_RULE": "L"}, []),
        ("CM", {"CREDIT_RULE": "X"}, [("RPRO-00046", "CREDIT_RULE")]),
        ("SO", {"CREDIT_RULE": "fifo"}, [("RPRO-00046", "CREDIT_RULE")]),
        ("CM", {"CREDIT_RULE": "P", "ORIG_INV_LINE_ID": None}, [("RPRO-00047", "CREDIT_RULE")]),
        ("CM", {"CREDIT_RULE": None, "ORIG_INV_LINE_ID": None}, []),
        ("SO", {"CV_ELIGIBLE_FLAG": "X"}, [("RPRO-00002", "CV_ELIGIBLE_FLAG")]),
        ("SO", {"CV_ELIGIBLE_FLAG": "y"}, [("RPRO-00002", "CV_ELIGIBLE_FLAG")]),
        ("SO", {"CV_ELIGIBLE_FLAG": "N"}, []),
        ("SO", {"CV_ELIGIBLE_FLAG": None}, []),
        ("SO", {"UNBILL_FLAG": "Yes"}, [("RPRO-00049", "UNBILL_FLAG")]),
        ("SO", {"FV_ELIGIBLE_FLAG": "1"}, [("RPRO-00052", "FV_ELIGIBLE_FLAG")]),
        ("SO", {"TERM": D(0)}, [("RPRO-00050", "TERM")]),
        ("SO", {"DURATION": D(-1)}, [("RPRO-00068", "DURATION")]),
        ("SO", {"DURATION": D(12), "TERM": D(1)}, []),
    ],
)
def test_dates_credit_rules_and_flags(
    tran_type: str, overrides: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    assert run(line(tran_type, **overrides)) == expected


@pytest.mark.parametrize(
    ("tran_type", "overrides", "expected"),
    [
        ("SO", {"ORD_QTY": D(0)}, [("RPRO-00072", "ORD_QTY")]),
        ("SO", {"ORD_QTY": D(-1)}, [("RPRO-00072", "ORD_QTY")]),
        ("RORD", {"ORD_QTY": D(-1)}, [("RPRO-00072", "ORD_QTY")]),
        ("RORD", {"EXT_SLL_PRC": D("50.00")}, [("RPRO-00058", "EXT_SLL_PRC")]),
        ("RORD", {"EXT_SLL_PRC": D("0")}, []),
        ("RORD", {"EXT_LST_PRC": D("60.00")}, [("RREV-00005", "EXT_LST_PRC")]),
        ("RORD", {"RETURN_FLAG": "Y"}, [("RREV-00006", "RETURN_FLAG")]),
        ("RORD", {"CANCEL_FLAG": "Y", "RETURN_FLAG": "N"}, [("RREV-00006", "CANCEL_FLAG")]),
        ("INV", {"ORD_QTY": D(0)}, []),
    ],
)
def test_quantities_and_signs(
    tran_type: str, overrides: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    assert run(line(tran_type, **overrides)) == expected


def test_invoice_sign_must_match_its_sales_order() -> None:
    assert run(line("INV", EXT_SLL_PRC=D("-100.00")), so_signs={"SL1": 1}) == [("RPRO-00078", "EXT_SLL_PRC")]
    assert run(line("INV", EXT_SLL_PRC=D("-100.00")), so_signs={"SL1": -1}) == []
    assert run(line("INV"), so_signs={"SL1": -1}) == [("RPRO-00078", "EXT_SLL_PRC")]
    assert run(line("INV", EXT_SLL_PRC=D("0.00")), so_signs={"SL1": -1}) == []
    assert run(line("INV", EXT_SLL_PRC=D("-100.00"))) == []  # SO sign unknown: nothing to compare


@pytest.mark.parametrize(
    ("tran_type", "overrides", "expected"),
    [
        ("INV", {"SO_LINE_ID": "SL9"}, [("RPRO-00600", "SO_LINE_ID")]),
        ("INV", {"SO_LINE_ID": None}, []),  # standalone billing line
        ("CM", {"SO_LINE_ID": None, "ORIG_SO_LINE_ID": "SL9"}, [("RPRO-00600", "ORIG_SO_LINE_ID")]),
        ("CM", {"SO_LINE_ID": None, "ORIG_SO_LINE_ID": "SL1"}, []),
        ("CM-R", {"SO_LINE_ID": "SL9"}, [("RPRO-00600", "SO_LINE_ID")]),
        ("CM-RO", {"SO_LINE_ID": "SL9"}, [("RPRO-00600", "SO_LINE_ID")]),
        ("RORD", {"ORIG_SO_LINE_ID": "SL9"}, [("RPRO-00600", "ORIG_SO_LINE_ID")]),
        ("SO", {"SO_LINE_ID": "SL9"}, []),
    ],
)
def test_unknown_sales_order_line(
    tran_type: str, overrides: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    assert run(line(tran_type, **overrides)) == expected


def test_known_so_line_ids_may_be_any_container() -> None:
    class Lookup:
        def __contains__(self, item: object) -> bool:
            return item == "SL1"

    assert run(line("INV"), known=Lookup()) == []
    assert run(line("INV", SO_LINE_ID="SL2"), known=Lookup()) == [("RPRO-00600", "SO_LINE_ID")]


def test_duplicate_line_ids_within_an_upload() -> None:
    ctx = LineContext(known_so_line_ids={"SL1"})

    def codes(values: dict[str, object]) -> list[LineError]:
        return validate_line(values, reporting_currency="USD", context=ctx)

    assert codes(line("SO")) == []
    assert codes(line("INV")) == []  # INV_LINE_ID lives in another namespace than SO_LINE_ID
    [dup] = codes(line("SO", TYPE="SO"))
    assert dup == LineError(
        "RREV-00001",
        "The transaction line is not processed as its line id SL1 appears more than once in the upload",
        "SO_LINE_ID",
    )
    assert [e.code for e in codes(line("CM"))] == ["RREV-00001"]  # CM reusing INV line id IL1
    assert [e.code for e in codes(line("RORD", SO_LINE_ID="SL1"))] == ["RREV-00001"]
    assert codes(line("INV", INV_LINE_ID="IL2")) == []


def test_account_segments_format_when_configured() -> None:
    def segments(values: dict[str, object]) -> list[tuple[str, str | None]]:
        return run(values, segment_delimiter="-", segment_count=3)

    assert segments(line("SO")) == []
    assert segments(line("SO", DEF_SEGMENTS="100-2000")) == [("RPRO-00020", "DEF_SEGMENTS")]
    assert segments(line("SO", REV_SEGMENTS="100--30")) == [("RPRO-00022", "REV_SEGMENTS")]
    assert run(line("SO", DEF_SEGMENTS="100.2000.30")) == []  # no configuration: presence only


def test_customer_number_when_required() -> None:
    assert run(line("SO", CUST_NUM=None)) == []
    assert run(line("SO", CUST_NUM=None), require_customer_number=True) == [("RPRO-00051", "CUST_NUM")]


def test_every_error_of_a_line_is_reported() -> None:
    values = line(
        "SO", CSTMR_NM=None, ITEM_NUM=None, CV_ELIGIBLE_FLAG="Q", END_DATE=date(2020, 1, 1), ORD_QTY=D(0)
    )
    assert run(values) == [
        ("RPRO-00003", "CSTMR_NM"),
        ("RPRO-00006", "ITEM_NUM"),
        ("RPRO-00013", "END_DATE"),
        ("RPRO-00002", "CV_ELIGIBLE_FLAG"),
        ("RPRO-00072", "ORD_QTY"),
    ]


def test_messages_come_from_the_code_table() -> None:
    errors = validate_line(line("SO", CSTMR_NM=None), reporting_currency="USD", context=LineContext())
    assert (
        errors[0].message
        == MESSAGES["RPRO-00003"]
        == ("The transaction line is not processed due to missing Customer Name")
    )


def test_sales_order_line_id_feeds_the_known_set() -> None:
    assert sales_order_line_id(line("SO")) == "SL1"
    assert sales_order_line_id(line("RORD")) == "SL2"
    assert sales_order_line_id(line("INV")) is None
