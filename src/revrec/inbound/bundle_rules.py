"""Validation of bundle configuration uploads (domain §7.2, bundle explosion).

A row whose Sell/List/Cost Price Split Type is filled is a *parent* (the bundle SKU); the other rows are
its *children*.  A child names its parent by ``PARENT_ITEM_NUM``; a child without one belongs to the
nearest parent above it (Zuora's "parent followed by its children" option).  When several parents share
an item number (successive validity windows), a child joins the nearest such parent above it, else the
first one.

Split types per price: sell ``PCT_OF_SP``, list ``PCT_OF_LP``, cost ``PCT_OF_CP`` (percent of the
parent's price), or ``FIXED_PRICE``, or ``SAME`` (the child keeps the parent's price; no split value).
Invariants checked: for a percent split the children's values are all given and total exactly 100; for
a fixed price they are all given; for ``SAME`` or no split type none is given; split values are not
negative; quantity and duration are > 0 when given; Valid From ≤ Valid Until; a parent has Valid From,
a sell split type, no Parent Item Num, at least one child, no child twice, and its windows do not overlap
those of another parent row of the same item.

Bundle files are configuration (a few hundred rows), so the set check holds the rows in memory.
Errors are :class:`~revrec.inbound.problems.RowError` whose ``column`` is the staging column name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from revrec.inbound.codes import message
from revrec.inbound.problems import LineError, RowError


@dataclass(frozen=True, slots=True)
class _Price:
    name: str  # "sell price", as used in messages
    type_column: str
    value_column: str
    value_label: str
    types: tuple[str, ...]
    percent_type: str


PRICES: Final = tuple(
    _Price(f"{p.lower()} price", f"{p.upper()}_PRICE_SPLIT_TYPE", f"{p.upper()}_PRICE_SPLIT_VAL",
           f"{p} Price Split Val", (f"PCT_OF_{code}", "FIXED_PRICE", "SAME"), f"PCT_OF_{code}")
    for p, code in (("Sell", "SP"), ("List", "LP"), ("Cost", "CP"))
)  # fmt: skip
_ZERO: Final = Decimal(0)
_HUNDRED: Final = Decimal(100)


@dataclass(frozen=True, slots=True)
class BundleChild:
    row: int
    item: str
    values: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class BundleParent:
    """A bundle SKU with its window, split types and children, as read from one upload."""

    row: int
    item: str
    valid_from: date | None
    valid_until: date | None
    values: Mapping[str, object]
    children: tuple[BundleChild, ...]


def _e(code: str, column: str | None, **params: object) -> LineError:
    return LineError(code, message(code, **params), column)


def is_parent(row: Mapping[str, object]) -> bool:
    """A row carrying any split type is a bundle parent."""
    return any(row.get(p.type_column) is not None for p in PRICES)


def validate_bundle_row(row: Mapping[str, object]) -> list[LineError]:
    """Problems of one bundle row taken alone (the set rules are in :func:`check_bundles`)."""
    get = row.get
    errors: list[LineError] = []
    item = get("BNDL_CFG_ITEM_NUM")
    if item is None:
        errors.append(_e("RREV-02001", "BNDL_CFG_ITEM_NUM"))
    for price in PRICES:
        split_type = get(price.type_column)
        if split_type is not None and split_type not in price.types:
            label = price.type_column.replace("_", " ").title()
            errors.append(_e("RREV-02002", price.type_column, label=label, valid=", ".join(price.types)))
        value = get(price.value_column)
        if isinstance(value, Decimal) and value < _ZERO:
            errors.append(_e("RREV-02009", price.value_column, label=price.value_label))
    if is_parent(row):
        if get("BNDL_CFG_VALID_FROM") is None:
            errors.append(_e("RREV-02003", "BNDL_CFG_VALID_FROM", item=item))
        if get("PARENT_ITEM_NUM") is not None:
            errors.append(_e("RREV-02005", "PARENT_ITEM_NUM", item=item))
        if get("SELL_PRICE_SPLIT_TYPE") is None:
            errors.append(_e("RREV-02006", "SELL_PRICE_SPLIT_TYPE", item=item))
    start, end = get("BNDL_CFG_VALID_FROM"), get("BNDL_CFG_VALID_UNTIL")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors.append(_e("RREV-02004", "BNDL_CFG_VALID_UNTIL"))
    for column, code in (("BNDL_CFG_QUANTITY", "RREV-02007"), ("BNDL_CFG_DURATION", "RREV-02008")):
        number = get(column)
        if isinstance(number, Decimal) and number <= _ZERO:
            errors.append(_e(code, column))
    return errors


@dataclass(frozen=True, slots=True)
class BundleCheck:
    """The configurations read from a bundle upload, and every problem found (ok when none)."""

    parents: tuple[BundleParent, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_bundles(rows: Iterable[tuple[int, Mapping[str, object]]]) -> BundleCheck:
    """Validate a whole bundle upload: each ``(row number, staged values)`` and the parent/child sets."""
    errors: list[RowError] = []
    parents: list[tuple[int, Mapping[str, object]]] = []
    children: list[tuple[int, Mapping[str, object]]] = []
    for number, row in rows:
        errors.extend(_row_error(number, row, e) for e in validate_bundle_row(row))
        if row.get("BNDL_CFG_ITEM_NUM") is not None:
            (parents if is_parent(row) else children).append((number, row))
    groups: dict[int, list[BundleChild]] = {number: [] for number, _ in parents}
    _attach(parents, children, groups, errors)
    built = tuple(_parent(number, row, tuple(groups[number])) for number, row in parents)
    for parent in built:
        _check_group(parent, errors)
    _check_windows(built, errors)
    errors.sort(key=lambda e: e.row)
    return BundleCheck(built, tuple(errors))


def _row_error(number: int, row: Mapping[str, object], error: LineError) -> RowError:
    value = row.get(error.column) if error.column else None
    return RowError(number, error.column, None if value is None else str(value), error.code, error.message)


def _parent(number: int, row: Mapping[str, object], children: tuple[BundleChild, ...]) -> BundleParent:
    start, end = row.get("BNDL_CFG_VALID_FROM"), row.get("BNDL_CFG_VALID_UNTIL")
    return BundleParent(
        number, str(row["BNDL_CFG_ITEM_NUM"]), start if isinstance(start, date) else None,
        end if isinstance(end, date) else None, row, children,
    )  # fmt: skip


def _set_error(row: int, code: str, column: str | None, value: object = None, **params: object) -> RowError:
    return RowError(row, column, None if value is None else str(value), code, message(code, **params))


def _attach(
    parents: list[tuple[int, Mapping[str, object]]],
    children: list[tuple[int, Mapping[str, object]]],
    groups: dict[int, list[BundleChild]],
    errors: list[RowError],
) -> None:
    """Give each child its parent row: the named (or, unnamed, the nearest) parent above it."""
    by_item: dict[object, list[int]] = {}
    for number, row in parents:
        by_item.setdefault(row["BNDL_CFG_ITEM_NUM"], []).append(number)
    for number, row in children:
        item, named = str(row["BNDL_CFG_ITEM_NUM"]), row.get("PARENT_ITEM_NUM")
        candidates = by_item.get(named, []) if named is not None else [n for n, _ in parents]
        above = [n for n in candidates if n < number]
        chosen = above[-1] if above else (candidates[0] if candidates and named is not None else None)
        if chosen is not None:
            groups[chosen].append(BundleChild(number, item, row))
            continue
        parent = named if named is not None else "(none above)"
        errors.append(_set_error(number, "RREV-02010", "PARENT_ITEM_NUM", named, item=item, parent=parent))


def _check_group(parent: BundleParent, errors: list[RowError]) -> None:
    if not parent.children:
        errors.append(_set_error(parent.row, "RREV-02011", None, item=parent.item))
    seen: set[str] = set()
    for child in parent.children:
        if child.item in seen:
            errors.append(
                _set_error(
                    child.row,
                    "RREV-02015",
                    "BNDL_CFG_ITEM_NUM",
                    child.item,
                    parent=parent.item,
                    item=child.item,
                )
            )
        seen.add(child.item)
    for price in PRICES:
        _check_split(parent, price, errors)


def _check_split(parent: BundleParent, price: _Price, errors: list[RowError]) -> None:
    """The children's split values of one price against the parent's split type."""
    split = parent.values.get(price.type_column)
    if split not in price.types:  # blank, or invalid (already reported): no split of this price
        split = None
    total = _ZERO
    for child in parent.children:
        value = child.values.get(price.value_column)
        names = {"item": child.item, "label": price.value_label, "parent": parent.item}
        if split is None or split == "SAME":
            if value is not None:
                errors.append(
                    _set_error(child.row, "RREV-02014", price.value_column, value, price=price.name, **names)
                )
        elif value is None:
            errors.append(_set_error(child.row, "RREV-02013", price.value_column, split=split, **names))
        elif isinstance(value, Decimal):
            total += value
    if split == price.percent_type and parent.children and total != _HUNDRED:
        errors.append(
            _set_error(parent.row, "RREV-02012", price.type_column, split, price=price.name, item=parent.item,
                       total=f"{total:f}")
        )  # fmt: skip


def _check_windows(parents: tuple[BundleParent, ...], errors: list[RowError]) -> None:
    """Parent rows of one item must not have overlapping validity windows (open end = forever)."""
    by_item: dict[str, list[tuple[date, BundleParent]]] = {}
    for parent in parents:
        if parent.valid_from is not None:
            by_item.setdefault(parent.item, []).append((parent.valid_from, parent))
    for same_item in by_item.values():
        ordered = sorted(same_item, key=lambda pair: (pair[0], pair[1].row))
        for (_, earlier), (start, later) in zip(ordered, ordered[1:], strict=False):
            if earlier.valid_until is None or start <= earlier.valid_until:
                errors.append(
                    _set_error(later.row, "RREV-02016", "BNDL_CFG_VALID_FROM", start, item=later.item)
                )
