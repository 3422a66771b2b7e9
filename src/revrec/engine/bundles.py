"""Bundle explosion (domain.md §7.2): a bundle line becomes its child lines before grouping.

Invariants: with ``PCT`` splits the children's sell (and list) prices total the parent's exactly — each
child's share is the difference of cumulatively rounded running totals in the parent's currency; child line
ids are ``<parent id>.<n>`` (n = 1.. in configuration order) and carry the parent id in ``bndl_prnt_id``;
a line whose configuration cannot be applied is reported (RPRO-00608) and kept whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Final

from .calendar import add_months
from .conditions import all_match
from .errors import EngineError, engine_error
from .lines import FIELD_ATTRIBUTES, TransactionLine, normalize_field
from .money import MoneyError, quantize
from .policies import Policies
from .policy_bundle import BundleChild, BundleConfig, SplitType

_TEXT_FIELDS = {"item_num", "prod_ctgry", "prod_class", "prod_fmly", "prod_ln", "cust_num", "so_num"}


def find_bundle(line: TransactionLine, policies: Policies) -> BundleConfig | None:
    """The bundle configuration that applies to ``line`` on its SO date, if any."""
    for config in policies.bundles_by_item.get(line.item_num, ()):
        if config.applies_on(line.so_date) and all_match(config.criteria, line):
            return config
    return None


def _split(
    total: Decimal, split: SplitType, values: list[Decimal], quantity: Decimal, currency: str
) -> list[Decimal]:
    if split is SplitType.SAME:
        return [total] * len(values)
    if split is SplitType.FIXED_PRICE:
        return [quantize(value * quantity, currency) for value in values]
    shares, running, previous = [], Decimal(0), Decimal(0)
    for value in values:
        running += value
        current = quantize(total * running / 100, currency)
        shares.append(current - previous)
        previous = current
    return shares


def _child(
    parent: TransactionLine, index: int, child: BundleChild, sell: Decimal, listed: Decimal
) -> TransactionLine:
    changes: dict[str, object] = {
        "line_id": f"{parent.line_id}.{index}",
        "item_num": child.item_num,
        "ext_sll_prc": sell,
        "ext_lst_prc": listed,
        "ord_qty": parent.ord_qty * child.quantity,
        "unit_sell_prc": None,
        "unit_list_prc": None,
        "bndl_prnt_id": parent.line_id,
    }
    if child.duration_months is not None and parent.start_date is not None:
        changes["end_date"] = add_months(parent.start_date, child.duration_months) - dt.timedelta(days=1)
    attributes = dict(parent.attributes)
    for name, value in child.fields.items():
        attribute = FIELD_ATTRIBUTES.get(normalize_field(name))
        if attribute in _TEXT_FIELDS:
            changes[attribute] = value
        else:
            attributes[normalize_field(name)] = value
    changes["attributes"] = attributes
    return dataclasses.replace(parent, **changes)  # type: ignore[arg-type]


def explode(
    line: TransactionLine, config: BundleConfig
) -> tuple[tuple[TransactionLine, ...], EngineError | None]:
    """The child lines of bundle ``line`` (or the line itself and RPRO-00608 when it cannot be split)."""
    if any(c.duration_months is not None for c in config.children) and line.start_date is None:
        return (line,), engine_error("RPRO-00608", line_id=line.line_id)
    try:
        sells = _split(
            line.ext_sll_prc,
            config.sell_split_type,
            [c.sell_split_value for c in config.children],
            line.ord_qty,
            line.curr,
        )
        lists = _split(
            line.ext_lst_prc,
            config.list_split_type,
            [c.list_split_value for c in config.children],
            line.ord_qty,
            line.curr,
        )
    except MoneyError:
        return (line,), engine_error("RPRO-00608", line_id=line.line_id)
    children = tuple(
        _child(line, i + 1, child, sells[i], lists[i]) for i, child in enumerate(config.children)
    )
    return children, None


#: the fields of a line :func:`explode` reads besides its id (a child's other fields are the parent's)
_EXPLODE_FIELDS: Final = frozenset(
    {"ITEM_NUM", "SO_DATE", "START_DATE", "EXT_SLL_PRC", "EXT_LST_PRC", "ORD_QTY", "CURR"}
)


def bundle_fields(policies: Policies) -> frozenset[str]:
    """The line fields :func:`explode_bundles` reads to choose and explode bundles (none when it is off):
    lines equal in these fields and their ids explode alike, their children differing only in the
    parent's other fields."""
    if not policies.bundle_explosion or not policies.bundles_by_item:
        return frozenset()
    criteria = (
        condition.field
        for configs in policies.bundles_by_item.values()
        for config in configs
        for condition in config.criteria
    )
    return _EXPLODE_FIELDS.union(criteria)


def explode_bundles(
    lines: list[TransactionLine], policies: Policies
) -> tuple[list[TransactionLine], list[EngineError]]:
    """All lines with bundle lines replaced by their children (when bundle explosion is enabled)."""
    if not policies.bundle_explosion or not policies.bundles_by_item:
        return lines, []
    result: list[TransactionLine] = []
    errors: list[EngineError] = []
    for line in lines:
        config = find_bundle(line, policies) if line.item_num in policies.bundles_by_item else None
        if config is None:
            result.append(line)
            continue
        children, error = explode(line, config)
        result.extend(children)
        if error is not None:
            errors.append(error)
    return result, errors
