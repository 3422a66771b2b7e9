"""The GL interface mapping: setup-document section ``gl_interface`` (docs/setup.md, docs/outbound.md).

It says which output columns a transfer batch has, in order, and where each value comes from: a constant
(ledger name, journal source, category), a segment of the account string (split by
``segment_delimiter``, numbered from 1), the natural account (per account type from ``natural_accounts``,
else segment ``natural_segment``, else the whole account string), or a field of the summary line (book,
period, account string and type, currencies, the six amounts, line number, entry ids).

A client that never applied one gets :data:`STANDARD`, which is exactly the column list transfer batches
always had, so one code path serves both. The mapping in force when a batch is built is frozen on the batch
(``transfer_batch.layout``): lines are summarised per output key at creation and never change, even when the
mapping changes later. Invariants: column names are unique (case-insensitively: JSON keys are the names in
lower case); every mapped account type is one the journal produces; segment numbers are 1 to
``MAX_SEGMENTS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from sqlalchemy import Connection, delete, insert, select, update

from revrec.db.tables import gl_interface_setting
from revrec.errors import InvalidInput
from revrec.setup.schemas import Strict
from revrec.tenancy.repository import ClientRow

MAX_SEGMENTS = 10  # Zuora's accounting setup allows up to 10 segments (domain §9)

#: the account types of the journal (accounting/repository.py legs and netting)
ACCOUNT_TYPES = {
    "A": "Contract Asset",
    "C": "Billing Clearing",
    "L": "Contract Liability",
    "R": "Revenue",
    "U": "Unbilled Receivables",
    "X": "Adjustment Revenue",
    "Y": "Adjustment Liability",
    "V": "VC Liability",  # variable consideration (revrec.vc, docs/judgment.md)
    "W": "VC Revenue",
    "K": "VC Clearing",
}

#: line fields summed per output key (minor units of curr / f_cur / r_cur)
AMOUNT_FIELDS = ("t_dr_amt", "t_cr_amt", "f_dr_amt", "f_cr_amt", "r_dr_amt", "r_cr_amt")
#: line fields that describe the summary line itself rather than its key
LINE_FIELDS = ("batch_id", "line_num", "entry_count", "entry_ids")
FieldName = Literal[
    "batch_id", "line_num", "book_name", "period_id", "period_name", "account_string", "account_type",
    "account_type_name", "natural_account", "curr", "f_cur", "r_cur", "t_dr_amt", "t_cr_amt", "f_dr_amt",
    "f_cr_amt", "r_dr_amt", "r_cr_amt", "entry_count", "entry_ids",
]  # fmt: skip


class GlColumnDoc(Strict):
    """One output column: its name and exactly one source."""

    name: str = Field(min_length=1, max_length=100)
    field: FieldName | None = None
    segment: int | None = Field(default=None, ge=1, le=MAX_SEGMENTS)
    constant: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _one_source(self) -> GlColumnDoc:
        given = [k for k in ("field", "segment", "constant") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"column {self.name!r}: give exactly one of field, segment, constant (got {given or 'none'})"
            )
        if not self.name.strip():
            raise ValueError("a column name cannot be blank")
        return self

    @property
    def is_key(self) -> bool:
        """Whether the column's value is part of the output key (else it is an amount or line field)."""
        return self.field not in AMOUNT_FIELDS and self.field not in LINE_FIELDS


class GlInterfaceDoc(Strict):
    segment_delimiter: str = Field(default="-", min_length=1, max_length=5)
    natural_segment: int | None = Field(default=None, ge=1, le=MAX_SEGMENTS)
    natural_accounts: dict[str, str] = Field(default_factory=dict)
    columns: list[GlColumnDoc] = Field(min_length=1)

    @field_validator("natural_accounts")
    @classmethod
    def _known_types(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(k for k in value if k not in ACCOUNT_TYPES)
        if unknown:
            known = ", ".join(f"{k} ({v})" for k, v in ACCOUNT_TYPES.items())
            raise ValueError(f"unknown account type(s) {', '.join(map(repr, unknown))}: use {known}")
        blank = sorted(k for k, v in value.items() if not v.strip())
        if blank:
            raise ValueError(f"empty natural account for account type(s) {', '.join(blank)}")
        return value

    @field_validator("columns")
    @classmethod
    def _distinct(cls, value: list[GlColumnDoc]) -> list[GlColumnDoc]:
        seen: dict[str, int] = {}
        for index, column in enumerate(value):
            key = column.name.strip().lower()
            if key in seen:
                raise ValueError(
                    f"duplicate column name {column.name!r} (columns {seen[key]} and {index}; "
                    "names are compared without case)"
                )
            seen[key] = index
        if not any(c.field in AMOUNT_FIELDS for c in value):
            raise ValueError(
                f"at least one amount column is needed (a field among {', '.join(AMOUNT_FIELDS)})"
            )
        return value


def _standard() -> GlInterfaceDoc:
    fields: Sequence[str] = (
        "batch_id", "line_num", "book_name", "period_id", "period_name", "account_string", "account_type",
        "curr", "f_cur", "r_cur", *AMOUNT_FIELDS, "entry_count", "entry_ids",
    )  # fmt: skip
    return GlInterfaceDoc(columns=[GlColumnDoc(name=f.upper(), field=f) for f in fields])  # type: ignore[arg-type]


#: the layout of a client without a mapping: the columns transfer batches always had
STANDARD = _standard()


def canonical(doc: GlInterfaceDoc) -> str:
    """The stored (and frozen) form of a mapping."""
    return json.dumps(doc.model_dump(mode="json", exclude_none=True), sort_keys=True)


def parse(text: str | None) -> GlInterfaceDoc:
    """A stored mapping (a batch's ``layout`` or the client's document); None is the standard layout."""
    return STANDARD if text is None else GlInterfaceDoc.model_validate(json.loads(text))


def _stored(conn: Connection, client_id: int) -> str | None:
    c = gl_interface_setting.c
    found: str | None = conn.execute(select(c.document).where(c.client_id == client_id)).scalar()
    return found


def mapping_for(conn: Connection, client_id: int) -> GlInterfaceDoc:
    """The client's mapping in force (the standard layout when it never applied one)."""
    return parse(_stored(conn, client_id))


# --- setup section ------------------------------------------------------------------------------------


def export_gl_interface(conn: Connection, client: ClientRow) -> dict[str, Any]:
    exported: dict[str, Any] = json.loads(canonical(mapping_for(conn, client.id)))
    return exported


def apply_gl_interface(
    conn: Connection, client: ClientRow, doc: GlInterfaceDoc | None, changes: list[str]
) -> None:
    """Store the mapping (``null`` goes back to the standard layout); batches already built keep theirs."""
    current = _stored(conn, client.id)
    wanted = None if doc is None or canonical(doc) == canonical(STANDARD) else canonical(doc)
    if wanted == current:
        return
    c = gl_interface_setting.c
    stamp = datetime.now(UTC)
    if wanted is None:
        conn.execute(delete(gl_interface_setting).where(c.client_id == client.id))
        changes.append("gl_interface: back to the standard columns")
        return
    if current is None:
        conn.execute(
            insert(gl_interface_setting).values(client_id=client.id, document=wanted, updated_at=stamp)
        )
    else:
        conn.execute(
            update(gl_interface_setting)
            .where(c.client_id == client.id)
            .values(document=wanted, updated_at=stamp)
        )
    before = json.loads(current if current is not None else canonical(STANDARD))
    after: dict[str, Any] = json.loads(wanted)
    changes.append("gl_interface: " + ", ".join(k for k in sorted(after) if after[k] != before.get(k)))


# --- applying a mapping to summary lines --------------------------------------------------------------

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def period_name(key: int) -> str:
    return f"{MONTHS[key % 100 - 1]}-{key // 100}"


@dataclass(frozen=True, slots=True)
class Source:
    """What a line's key columns are computed from: one journal entry (every entry of a summary line
    gives the same values, by construction) and its book's name."""

    book_name: str
    period_key: int
    acctg_seg: str
    acctg_type: str
    curr: str
    f_cur: str
    r_cur: str


def _segment(doc: GlInterfaceDoc, src: Source, number: int, column: str) -> str:
    parts = src.acctg_seg.split(doc.segment_delimiter)
    if number > len(parts):
        raise InvalidInput(
            f"gl_interface: {column} takes segment {number} of account string {src.acctg_seg!r} "
            f"(account type {src.acctg_type}), which has {len(parts)} segment(s) split by "
            f"{doc.segment_delimiter!r}; fix the account string or the mapping"
        )
    return parts[number - 1]


def _natural_account(doc: GlInterfaceDoc, src: Source) -> str:
    mapped = doc.natural_accounts.get(src.acctg_type)
    if mapped is not None:
        return mapped
    if doc.natural_segment is None:
        return src.acctg_seg
    return _segment(doc, src, doc.natural_segment, "natural_segment")


_SOURCE_FIELDS: dict[str, Callable[[Source], Any]] = {
    "book_name": lambda s: s.book_name,
    "period_id": lambda s: s.period_key,
    "period_name": lambda s: period_name(s.period_key),
    "account_string": lambda s: s.acctg_seg,
    "account_type": lambda s: s.acctg_type,
    "account_type_name": lambda s: ACCOUNT_TYPES.get(s.acctg_type, s.acctg_type),
    "curr": lambda s: s.curr,
    "f_cur": lambda s: s.f_cur,
    "r_cur": lambda s: s.r_cur,
}


def _key_getter(doc: GlInterfaceDoc, column: GlColumnDoc) -> Callable[[Source], Any]:
    """How a key column's value is computed from an entry."""
    if column.constant is not None:
        constant = column.constant
        return lambda _s: constant
    if column.segment is not None:
        number, label = column.segment, f"column {column.name!r}"
        return lambda s: _segment(doc, s, number, label)
    if column.field == "natural_account":
        return lambda s: _natural_account(doc, s)
    return _SOURCE_FIELDS[str(column.field)]


def _line_getter(field: str) -> Callable[[Source, Mapping[str, Any]], Any]:
    return lambda _s, line: line[field]


def _as_line_getter(getter: Callable[[Source], Any]) -> Callable[[Source, Mapping[str, Any]], Any]:
    return lambda s, _line: getter(s)


@dataclass(frozen=True)
class Layout:
    """A mapping compiled once per batch read or build: per column, a function computing its value."""

    names: tuple[str, ...]  # CSV header
    keys: tuple[str, ...]  # JSON keys: the names in lower case
    key_getters: tuple[Callable[[Source], Any], ...]
    getters: tuple[Callable[[Source, Mapping[str, Any]], Any], ...]

    def key_of(self, src: Source) -> tuple[Any, ...]:
        """The output key of an entry: its key columns' values (InvalidInput when a segment is missing)."""
        return tuple(get(src) for get in self.key_getters)

    def values(self, src: Source, line: Mapping[str, Any]) -> list[Any]:
        """A summary line's values in column order; ``line`` holds the line fields and rendered amounts."""
        return [get(src, line) for get in self.getters]


def compile_layout(doc: GlInterfaceDoc) -> Layout:
    key_getters = {id(c): _key_getter(doc, c) for c in doc.columns if c.is_key}
    return Layout(
        names=tuple(c.name for c in doc.columns),
        keys=tuple(c.name.lower() for c in doc.columns),
        key_getters=tuple(key_getters.values()),
        getters=tuple(
            _as_line_getter(key_getters[id(c)]) if c.is_key else _line_getter(str(c.field))
            for c in doc.columns
        ),
    )
