"""Upload templates as plain data, and the three standard templates seeded for every client.

A template maps the column labels of an upload file to staging columns: ``(seq, label → col_name,
data_type, required)``, the shape of ``GET /upload/mapping`` (api-contract §2.2).  Invariants kept by
:class:`UploadTemplateDef` (checked at construction, so a template that exists is usable):

* ``seq`` values, labels (compared case-insensitively, blanks trimmed) and ``col_name`` values are unique;
* ``data_type`` is ``Character``, ``Number`` or ``Date``; ``date_format`` is one of :data:`DATE_FORMATS`;
* the field separator is one character and ``start_row`` ≥ 1 (the header is the row before it);
* staging columns the validators compute on (:data:`TYPED_COLUMNS`) have their one data type, so a
  validator can rely on ``Decimal``/``date`` values there whatever template loaded them.

``required`` means "the label must be in the header".  Per-type mandatory fields of transaction lines
are a staging rule (``line_rules``), so the standard transaction template requires only ``Type``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, cast

from revrec.errors import InvalidInput

TemplateKind = Literal["transaction", "event", "bundle", "mje", "vc"]
DataType = Literal["Character", "Number", "Date"]

KINDS: Final = ("transaction", "event", "bundle", "mje", "vc")
DATA_TYPES: Final = ("Character", "Number", "Date")
#: Date formats a template may declare (upper case; matching is case-insensitive).
DATE_FORMATS: Final = ("DD-MON-YYYY", "YYYY-MM-DD", "MM/DD/YYYY", "DD/MM/YYYY")
DEFAULT_DATE_FORMAT: Final = "DD-MON-YYYY"


#: Staging columns the validators compute on, and the data type every template must give them.
TYPED_COLUMNS: Final[dict[str, DataType]] = {
    **dict.fromkeys(
        (
            "F_EX_RATE", "G_EX_RATE", "ORD_QTY", "UNIT_LIST_PRC", "EXT_LST_PRC", "UNIT_SELL_PRC",
            "EXT_SLL_PRC", "INV_QTY", "RET_QTY", "TERM", "DURATION", "RELEASE_PCT", "RELEASE_QTY",
            "RELEASE_AMT", "SELL_PRICE_SPLIT_VAL", "LIST_PRICE_SPLIT_VAL", "COST_PRICE_SPLIT_VAL",
            "BNDL_CFG_QUANTITY", "BNDL_CFG_DURATION", "MJE_PERIOD", "RC_ID", "DR_AMOUNT", "CR_AMOUNT",
            "COST_AMT",
        ),
        "Number",
    ),
    **dict.fromkeys(
        (
            "SO_DATE", "START_DATE", "END_DATE", "INV_DATE", "CT_MOD_DATE", "FV_DATE", "EVENT_DATE",
            "BNDL_CFG_VALID_FROM", "BNDL_CFG_VALID_UNTIL",
        ),
        "Date",
    ),
}  # fmt: skip
# Variable consideration estimates (kind ``vc``, revrec.vc.staging computes on these).
_VC_NUMBERS: Final = ("ML_AMT", "EXP_QTY", *(f"SCN{n}_{p}" for n in range(1, 5) for p in ("AMT", "PCT")))
TYPED_COLUMNS.update({name: "Number" for name in _VC_NUMBERS})
TYPED_COLUMNS["EST_DATE"] = "Date"


class TemplateError(InvalidInput):
    """A template definition (setup document or API input) is malformed; the message lists every problem."""


def label_key(label: str) -> str:
    """How labels are compared: blanks trimmed, case ignored."""
    return label.strip().casefold()


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """One mapping row: the ``seq``-th column, labelled ``label`` in the file, lands in ``col_name``."""

    seq: int
    label: str
    col_name: str
    data_type: DataType = "Character"
    required: bool = False


@dataclass(frozen=True, slots=True)
class UploadTemplateDef:
    """An upload template: its name is the ``templatename`` header of the upload APIs."""

    name: str
    kind: TemplateKind
    date_format: str = DEFAULT_DATE_FORMAT
    field_separator: str = ","
    start_row: int = 2
    enabled: bool = True
    fields: tuple[FieldMapping, ...] = ()

    def __post_init__(self) -> None:
        problems = _template_problems(self)
        if problems:
            raise TemplateError(f"template {self.name!r}: " + "; ".join(problems))

    @property
    def has_header(self) -> bool:
        """True when the row before ``start_row`` is a header of labels (``start_row`` ≥ 2)."""
        return self.start_row >= 2

    def field_by_label(self) -> dict[str, FieldMapping]:
        """Mapping rows keyed by :func:`label_key` of their label."""
        return {label_key(f.label): f for f in self.fields}


def _duplicates(values: list[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _template_problems(t: UploadTemplateDef) -> list[str]:
    problems: list[str] = []
    if not t.name.strip():
        problems.append("name must not be blank")
    if t.kind not in KINDS:
        problems.append(f"kind {t.kind!r} is not one of {', '.join(KINDS)}")
    if t.date_format.upper() not in DATE_FORMATS:
        problems.append(f"date_format {t.date_format!r} is not one of {', '.join(DATE_FORMATS)}")
    if len(t.field_separator) != 1 or t.field_separator in '"\r\n':
        problems.append(
            f"field_separator {t.field_separator!r} must be one character other than a quote/newline"
        )
    if t.start_row < 1:
        problems.append(f"start_row {t.start_row} must be at least 1")
    if not t.fields:
        problems.append("a template needs at least one field mapping")
    for f in t.fields:
        if f.data_type not in DATA_TYPES:
            problems.append(
                f"field {f.label!r}: data_type {f.data_type!r} is not one of {', '.join(DATA_TYPES)}"
            )
        expected = TYPED_COLUMNS.get(f.col_name)
        if expected is not None and f.data_type != expected:
            problems.append(f"field {f.label!r}: staging column {f.col_name} must have data_type {expected}")
        if not f.label.strip() or not f.col_name.strip():
            problems.append(f"field seq {f.seq}: label and col_name must not be blank")
    for what, values in (
        ("seq", [str(f.seq) for f in t.fields]),
        ("label", [label_key(f.label) for f in t.fields]),
        ("col_name", [f.col_name for f in t.fields]),
    ):
        dups = _duplicates(values)
        if dups:
            problems.append(f"duplicated {what}: {', '.join(dups)}")
    return problems


def _col(label: str) -> str:
    return label.upper().replace(" ", "_")


# The 77 columns of the sample transaction header (api-contract §5.1), in order, with their staging column
# when it is not simply the label upper-cased with underscores, and their data type.
# fmt: off
_DOC_COLS: Final = {
    "Process Flag": "PROCESSED_FLAG", "Created By": "CRTD_BY", "Creation Date": "CRTD_DT",
    "Doc Num": "SO_NUM", "Doc Line Num": "SO_LINE_NUM", "Doc Line Id": "SO_LINE_ID", "Doc Date": "SO_DATE",
}
_DATES: Final = frozenset({
    "Creation Date", "Doc Date", "Start Date", "End Date", "Date1", "Ct Mod Date", "Inv Date", "Date2",
    "Date3",
})
_NUMBERS: Final = frozenset({
    "F Ex Rate", "G Ex Rate", "Ord Qty", "Unit List Prc", "Ext Lst Prc", "Unit Sell Prc", "Ext Sll Prc",
    "Inv Qty", "Ret Qty", "Num1", "Num2",
})
TRANSACTION_LABELS: Final = (
    "Batch Id", "Process Flag", "Created By", "Creation Date", "Type", "Business Unit", "Atr48", "Atr8",
    "Atr60", "Ct Line Num", "Doc Num", "Doc Line Num", "Doc Line Id", "Doc Date", "Start Date", "End Date",
    "Date1", "Ct Mod Date", "Cust Num", "Cstmr Nm", "Atr45", "Curr", "F Cur", "F Ex Rate", "G Ex Rate",
    "Item Num", "Prod Ctgry", "Inv Num", "Inv Line Num", "Inv Line Id", "Orig Inv Line Id", "Orig So Line Id",
    "Inv Date", "Atr58", "Ord Qty", "Unit List Prc", "Ext Lst Prc", "Unit Sell Prc", "Ext Sll Prc", "Atr9",
    "Inv Qty", "Return Flag", "Ret Qty", "Def Segments", "Rev Segments", "Al Account", "Ar Account",
    "Ca Account", "Cv Eligible Flag", "Atr50", "Atr51", "Atr52", "Atr53", "Atr54", "Atr55", "Atr56",
    "Atr46", "Prod Class", "Prod Fmly", "Prod Ln", "Atr49", "Atr14", "Atr15", "Atr12", "Atr13", "Atr47",
    "Sob Id", "Credit Rule", "Num1", "Num2", "Date2", "Date3", "Atr10", "Atr11", "Atr57", "Atr5", "Atr6",
)
# fmt: on


def _data_type(label: str, dates: frozenset[str], numbers: frozenset[str]) -> DataType:
    if label in dates:
        return "Date"
    return "Number" if label in numbers else "Character"


def _fields(
    labels: tuple[str, ...],
    cols: Mapping[str, str],
    dates: frozenset[str],
    numbers: frozenset[str],
    required: frozenset[str],
) -> tuple[FieldMapping, ...]:
    return tuple(
        FieldMapping(
            seq, label, cols.get(label, _col(label)), _data_type(label, dates, numbers), label in required
        )
        for seq, label in enumerate(labels, start=1)
    )


STANDARD_TRANSACTION: Final = UploadTemplateDef(
    name="Standard Transaction",
    kind="transaction",
    fields=_fields(TRANSACTION_LABELS, _DOC_COLS, _DATES, _NUMBERS, frozenset({"Type"})),
)

# fmt: off
# Event uploads (domain §7.1): which line, which event type, release or defer, by how much, when.
EVENT_LABELS: Final = (
    "Doc Num", "Doc Line Id", "Event Type", "Process Type", "Action", "Release Pct", "Release Qty",
    "Release Amt", "Event Date", "Cumulative Flag", "Comments",
)
STANDARD_EVENT: Final = UploadTemplateDef(
    name="Standard Event",
    kind="event",
    fields=_fields(
        EVENT_LABELS, {"Doc Num": "SO_NUM", "Doc Line Id": "SO_LINE_ID"}, frozenset({"Event Date"}),
        frozenset({"Release Pct", "Release Qty", "Release Amt"}),
        frozenset({"Doc Line Id", "Event Type", "Action", "Event Date"}),
    ),
)

# Bundle configurations (domain §7.2): a row with a split type is a parent, the others its children.
BUNDLE_LABELS: Final = (
    "Bndl Cfg Item Num", "Parent Item Num", "Sell Price Split Type", "Sell Price Split Val",
    "List Price Split Type", "List Price Split Val", "Cost Price Split Type", "Cost Price Split Val",
    "Bndl Cfg Quantity", "Bndl Cfg Duration", "Bndl Cfg Valid From", "Bndl Cfg Valid Until", "Prod Ctgry",
)
STANDARD_BUNDLE: Final = UploadTemplateDef(
    name="Standard Bundle",
    kind="bundle",
    fields=_fields(
        BUNDLE_LABELS, {}, frozenset({"Bndl Cfg Valid From", "Bndl Cfg Valid Until"}),
        frozenset({
            "Sell Price Split Val", "List Price Split Val", "Cost Price Split Val", "Bndl Cfg Quantity",
            "Bndl Cfg Duration",
        }),
        frozenset({"Bndl Cfg Item Num"}),
    ),
)
# Manual journal entries (docs/controls.md): one row per line; rows sharing a Mje Num are one entry.
MJE_LABELS: Final = (
    "Mje Num", "Mje Desc", "Mje Period", "Curr", "F Cur", "R Cur", "F Ex Rate", "G Ex Rate", "Rc Id",
    "Reverse Flag", "Acctg Type", "Acctg Seg", "Dr Amount", "Cr Amount", "Line Desc",
)
STANDARD_MJE: Final = UploadTemplateDef(
    name="Standard MJE",
    kind="mje",
    fields=_fields(
        MJE_LABELS, {}, frozenset(),
        frozenset({"Mje Period", "F Ex Rate", "G Ex Rate", "Rc Id", "Dr Amount", "Cr Amount"}),
        frozenset({"Mje Num", "Curr", "Acctg Type", "Acctg Seg", "Dr Amount", "Cr Amount"}),
    ),
)

# Variable consideration estimates (docs/judgment.md): one row per SO line, VC type and estimate date.
VC_LABELS: Final = (
    "Doc Line Id", "VC Type", "Estimate Date", "Most Likely Amt",
    *(f"Scenario {n} {part}" for n in range(1, 5) for part in ("Amt", "Pct")),
    "Expected Qty", "Actual Flag", "Comments",
)
STANDARD_VC: Final = UploadTemplateDef(
    name="Standard VC",
    kind="vc",
    fields=_fields(
        VC_LABELS,
        {"Doc Line Id": "SO_LINE_ID", "Estimate Date": "EST_DATE", "Most Likely Amt": "ML_AMT",
         "Expected Qty": "EXP_QTY"}
        | {f"Scenario {n} {part}": f"SCN{n}_{part.upper()}" for n in range(1, 5) for part in ("Amt", "Pct")},
        frozenset({"Estimate Date"}),
        frozenset({"Most Likely Amt", "Expected Qty"}
                  | {f"Scenario {n} {part}" for n in range(1, 5) for part in ("Amt", "Pct")}),
        frozenset({"Doc Line Id", "VC Type", "Estimate Date"}),
    ),
)
# fmt: on

STANDARD_TEMPLATES: Final = (STANDARD_TRANSACTION, STANDARD_EVENT, STANDARD_BUNDLE, STANDARD_MJE, STANDARD_VC)


# --- setup documents (YAML/JSON) ------------------------------------------------------------------------

_TEMPLATE_KEYS: Final = {
    "name": str, "kind": str, "date_format": str, "field_separator": str, "start_row": int, "enabled": bool,
    "fields": list,
}  # fmt: skip
_FIELD_KEYS: Final = {"seq": int, "label": str, "col_name": str, "data_type": str, "required": bool}
_REQUIRED_TEMPLATE_KEYS: Final = ("name", "kind", "fields")
_REQUIRED_FIELD_KEYS: Final = ("label", "col_name")


def _typed_problems(where: str, doc: object, keys: Mapping[str, type], required: Sequence[str]) -> list[str]:
    if not isinstance(doc, Mapping):
        return [f"{where} must be a mapping, not {type(doc).__name__}"]
    problems = [f"{where}: unknown key {k!r} (allowed: {', '.join(keys)})" for k in doc if k not in keys]
    problems += [f"{where}: missing key {k!r}" for k in required if k not in doc]
    for k, expected in keys.items():
        v = doc.get(k)
        if k in doc and (not isinstance(v, expected) or (expected is int and isinstance(v, bool))):
            problems.append(f"{where}: {k} must be {expected.__name__}, not {type(v).__name__} {v!r}")
    return problems


def template_from_mapping(doc: Mapping[str, object]) -> UploadTemplateDef:
    """Build a template from a setup-document mapping; raises :class:`TemplateError` listing every problem."""
    problems = _typed_problems("template", doc, _TEMPLATE_KEYS, _REQUIRED_TEMPLATE_KEYS)
    raw_fields = doc.get("fields") if isinstance(doc, Mapping) else None
    fields: list[FieldMapping] = []
    if isinstance(raw_fields, list):
        for i, raw in enumerate(raw_fields, start=1):
            where = f"fields[{i}]"
            field_problems = _typed_problems(where, raw, _FIELD_KEYS, _REQUIRED_FIELD_KEYS)
            problems += field_problems
            if not field_problems:
                fields.append(_field_from_mapping(raw, i))
    if problems:
        raise TemplateError("; ".join(problems))
    return UploadTemplateDef(
        name=cast(str, doc["name"]),
        kind=cast(TemplateKind, doc["kind"]),
        date_format=cast(str, doc.get("date_format", DEFAULT_DATE_FORMAT)),
        field_separator=cast(str, doc.get("field_separator", ",")),
        start_row=cast(int, doc.get("start_row", 2)),
        enabled=cast(bool, doc.get("enabled", True)),
        fields=tuple(fields),
    )


def _field_from_mapping(raw: Mapping[str, object], position: int) -> FieldMapping:
    return FieldMapping(
        seq=cast(int, raw.get("seq", position)),
        label=cast(str, raw["label"]),
        col_name=cast(str, raw["col_name"]),
        data_type=cast(DataType, raw.get("data_type", "Character")),
        required=cast(bool, raw.get("required", False)),
    )


def template_to_mapping(template: UploadTemplateDef) -> dict[str, object]:
    """The setup-document form of ``template`` (inverse of :func:`template_from_mapping`)."""
    return {
        "name": template.name,
        "kind": template.kind,
        "date_format": template.date_format,
        "field_separator": template.field_separator,
        "start_row": template.start_row,
        "enabled": template.enabled,
        "fields": [
            {
                "seq": f.seq,
                "label": f.label,
                "col_name": f.col_name,
                "data_type": f.data_type,
                "required": f.required,
            }
            for f in template.fields
        ],
    }
