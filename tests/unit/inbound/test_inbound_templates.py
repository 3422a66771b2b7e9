"""Standard upload templates and the setup-document form of templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from revrec.inbound.templates_std import (
    STANDARD_BUNDLE,
    STANDARD_EVENT,
    STANDARD_TEMPLATES,
    STANDARD_TRANSACTION,
    FieldMapping,
    TemplateError,
    UploadTemplateDef,
    template_from_mapping,
    template_to_mapping,
)

# api-contract §5.1, copied verbatim from the Create upload curl sample.
SAMPLE_HEADER = (
    '"Batch Id", "Process Flag", "Created By", "Creation Date", "Type", "Business Unit", "Atr48", "Atr8", '
    '"Atr60", "Ct Line Num", "Doc Num", "Doc Line Num", "Doc Line Id", "Doc Date", "Start Date", "End Date", '
    '"Date1", "Ct Mod Date", "Cust Num", "Cstmr Nm", "Atr45", "Curr", "F Cur", "F Ex Rate", "G Ex Rate", '
    '"Item Num", "Prod Ctgry", "Inv Num", "Inv Line Num", "Inv Line Id", "Orig Inv Line Id", '
    '"Orig So Line Id", '
    '"Inv Date", "Atr58", "Ord Qty", "Unit List Prc", "Ext Lst Prc", "Unit Sell Prc", "Ext Sll Prc", "Atr9", '
    '"Inv Qty", "Return Flag", "Ret Qty", "Def Segments", "Rev Segments", "Al Account", "Ar Account", '
    '"Ca Account", "Cv Eligible Flag", "Atr50", "Atr51", "Atr52", "Atr53", "Atr54", "Atr55", "Atr56", '
    '"Atr46", "Prod Class", "Prod Fmly", "Prod Ln", "Atr49", "Atr14", "Atr15", "Atr12", "Atr13", "Atr47", '
    '"Sob Id", "Credit Rule", "Num1", "Num2", "Date2", "Date3", "Atr10", "Atr11", "Atr57", "Atr5", "Atr6"'
)


def test_standard_transaction_labels_are_the_77_sample_columns_in_order() -> None:
    expected = [label.strip().strip('"') for label in SAMPLE_HEADER.split(",")]
    assert len(expected) == 77
    assert [f.label for f in STANDARD_TRANSACTION.fields] == expected
    assert [f.seq for f in STANDARD_TRANSACTION.fields] == list(range(1, 78))


@pytest.mark.parametrize(
    ("label", "col_name", "data_type"),
    [
        ("Ext Sll Prc", "EXT_SLL_PRC", "Number"),
        ("Ext Lst Prc", "EXT_LST_PRC", "Number"),
        ("Doc Num", "SO_NUM", "Character"),
        ("Doc Line Num", "SO_LINE_NUM", "Character"),
        ("Doc Line Id", "SO_LINE_ID", "Character"),
        ("Doc Date", "SO_DATE", "Date"),
        ("Process Flag", "PROCESSED_FLAG", "Character"),
        ("Creation Date", "CRTD_DT", "Date"),
        ("Cstmr Nm", "CSTMR_NM", "Character"),
        ("Atr48", "ATR48", "Character"),
        ("Num1", "NUM1", "Number"),
        ("Date1", "DATE1", "Date"),
        ("F Ex Rate", "F_EX_RATE", "Number"),
        ("Orig So Line Id", "ORIG_SO_LINE_ID", "Character"),
        ("Cv Eligible Flag", "CV_ELIGIBLE_FLAG", "Character"),
        ("Sob Id", "SOB_ID", "Character"),
    ],
)
def test_standard_transaction_mapping(label: str, col_name: str, data_type: str) -> None:
    field = STANDARD_TRANSACTION.field_by_label()[label.casefold()]
    assert (field.col_name, field.data_type) == (col_name, data_type)


def test_standard_templates_defaults_and_required_labels() -> None:
    assert [t.name for t in STANDARD_TEMPLATES] == [
        "Standard Transaction",
        "Standard Event",
        "Standard Bundle",
        "Standard MJE",
        "Standard VC",
    ]
    assert [t.kind for t in STANDARD_TEMPLATES] == ["transaction", "event", "bundle", "mje", "vc"]
    for t in STANDARD_TEMPLATES:
        assert (t.date_format, t.field_separator, t.start_row, t.enabled) == ("DD-MON-YYYY", ",", 2, True)
    assert [f.label for f in STANDARD_TRANSACTION.fields if f.required] == ["Type"]
    assert [f.label for f in STANDARD_EVENT.fields if f.required] == [
        "Doc Line Id",
        "Event Type",
        "Action",
        "Event Date",
    ]
    assert [f.label for f in STANDARD_BUNDLE.fields if f.required] == ["Bndl Cfg Item Num"]
    assert [f.label for f in STANDARD_TEMPLATES[3].fields if f.required] == [
        "Mje Num",
        "Curr",
        "Acctg Type",
        "Acctg Seg",
        "Dr Amount",
        "Cr Amount",
    ]


@pytest.mark.parametrize("template", STANDARD_TEMPLATES, ids=lambda t: t.name)
def test_setup_document_round_trip(template: UploadTemplateDef) -> None:
    assert template_from_mapping(template_to_mapping(template)) == template


def test_setup_document_defaults() -> None:
    t = template_from_mapping({"name": "Mini", "kind": "event", "fields": [{"label": "A", "col_name": "A"}]})
    assert t.fields == (FieldMapping(1, "A", "A", "Character", False),)
    assert (t.date_format, t.field_separator, t.start_row, t.enabled) == ("DD-MON-YYYY", ",", 2, True)


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"kind": "event", "fields": []}, "template: missing key 'name'"),
        ({"name": "x", "kind": "event", "fields": [], "colour": 1}, "unknown key 'colour'"),
        ({"name": "x", "kind": "event", "fields": [], "start_row": True}, "start_row must be int, not bool"),
        ({"name": "x", "kind": "event", "fields": "A"}, "fields must be list, not str"),
        ({"name": "x", "kind": "event", "fields": ["A"]}, "fields[1] must be a mapping, not str"),
        ({"name": "x", "kind": "event", "fields": [{"label": "A"}]}, "fields[1]: missing key 'col_name'"),
        (
            {"name": "x", "kind": "event", "fields": [{"label": "A", "col_name": "A", "lbl": 1}]},
            "unknown key 'lbl'",
        ),
        (
            {"name": "x", "kind": "cost", "fields": [{"label": "A", "col_name": "A"}]},
            "kind 'cost' is not one of",
        ),
        (
            {
                "name": "x",
                "kind": "event",
                "date_format": "DD.MM.YYYY",
                "fields": [{"label": "A", "col_name": "A"}],
            },
            "date_format 'DD.MM.YYYY' is not one of",
        ),
        ({"name": "x", "kind": "event", "fields": []}, "at least one field mapping"),
        (
            {"name": "x", "kind": "event", "fields": [{"label": "A", "col_name": "A", "data_type": "Float"}]},
            "data_type 'Float' is not one of",
        ),
        (
            {
                "name": "x",
                "kind": "event",
                "fields": [{"label": "A", "col_name": "A"}, {"label": " a ", "col_name": "B"}],
            },
            "duplicated label: a",
        ),
        (
            {
                "name": "x",
                "kind": "event",
                "fields": [{"label": "A", "col_name": "C"}, {"label": "B", "col_name": "C"}],
            },
            "duplicated col_name: C",
        ),
        (
            {"name": "x", "kind": "transaction", "fields": [{"label": "Price", "col_name": "EXT_SLL_PRC"}]},
            "staging column EXT_SLL_PRC must have data_type Number",
        ),
        (
            {
                "name": "x",
                "kind": "event",
                "field_separator": ";;",
                "fields": [{"label": "A", "col_name": "A"}],
            },
            "field_separator ';;' must be one character",
        ),
        (
            {"name": "x", "kind": "event", "start_row": 0, "fields": [{"label": "A", "col_name": "A"}]},
            "start_row 0",
        ),
    ],
)
def test_setup_document_errors_name_the_problem(doc: dict[str, object], fragment: str) -> None:
    with pytest.raises(TemplateError) as caught:
        template_from_mapping(doc)
    assert fragment in caught.value.message


def test_setup_document_lists_every_problem_at_once() -> None:
    with pytest.raises(TemplateError) as caught:
        template_from_mapping({"kind": "event", "fields": [{"label": 1, "col_name": "A"}], "x": 1})
    text = caught.value.message
    assert "unknown key 'x'" in text and "missing key 'name'" in text and "label must be str" in text


@pytest.mark.parametrize("template", STANDARD_TEMPLATES, ids=lambda t: t.name)
def test_documented_mapping_matches_the_code(template: UploadTemplateDef) -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "inbound-templates.md").read_text()
    for f in template.fields:
        row = f"| {f.seq} | {f.label} | `{f.col_name}` | {f.data_type} | {'yes' if f.required else ''} |"
        assert row in doc, row
