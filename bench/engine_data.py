"""Generated data for the engine benchmark: contracts of ratable and point-in-time lines in three currencies.

Deterministic (seeded): the same ``lines`` and ``seed`` always give the same data.  Each contract has five
lines on average (1,000,000 lines → 200,000 contracts), in USD, EUR or JPY (EUR books in EUR and reports in
USD; JPY books in USD), with 12-, 24- and 36-month subscriptions and support (ratable, partial-month or
daily) and hardware / services (point in time), start dates spread over 2025–2026 on any day of the month.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

from revrec.engine.calendar import add_months
from revrec.engine.lines import TransactionLine
from revrec.engine.policies import Policies

POLICIES_MAPPING: dict[str, object] = {
    "reporting_currency": "USD",
    "rc_grouping_templates": [
        {
            "name": "Customer and SO",
            "rules": [{"seq": 1, "name": "SO", "group_by": ["CUST_NUM", "SO_NUM"]}],
            "ssp_hierarchy": [
                {
                    "seq": 1,
                    "template": "Standard",
                    "within": "Sell Price",
                    "below": "Nearest Limit",
                    "above": "Nearest Limit",
                }
            ],
        }
    ],
    "pob_templates": [
        {
            "name": "Subscription",
            "release_event": "Upon Booking",
            "ratable_method": "Ratable",
            "accounting_method": "Partial Month",
        },
        {"name": "Support", "release_event": "Upon Booking", "ratable_method": "Contract Ratable"},
        {"name": "Hardware", "release_event": "Upon Booking", "ratable_method": "Immediate Using Start Date"},
    ],
    "pob_assignment_rules": [
        {"template": "Subscription", "kind": "Item", "seq": 1, "item_num": "SUB-12"},
        {"template": "Subscription", "kind": "Item", "seq": 2, "item_num": "SUB-24"},
        {"template": "Subscription", "kind": "Item", "seq": 3, "item_num": "SUB-36"},
        {"template": "Support", "kind": "Item", "seq": 4, "item_num": "SUPPORT"},
        {"template": "Hardware", "kind": "Item", "seq": 5, "item_num": "HW"},
        {"template": "Hardware", "kind": "Item", "seq": 6, "item_num": "SERVICES"},
    ],
    "ssp_templates": [
        {
            "name": "Standard",
            "rules": [
                {
                    "name": "Hardware",
                    "method": "Percent Of List Price",
                    "percent": "90",
                    "low_percent": "85",
                    "high_percent": "115",
                    "conditions": [{"field": "ITEM_NUM", "value": "HW"}],
                },
                {
                    "name": "Everything else",
                    "method": "Percent Of List Price",
                    "percent": "80",
                    "low_percent": "80",
                    "high_percent": "120",
                },
            ],
        }
    ],
}

ITEMS = (("SUB-12", 12), ("SUB-24", 24), ("SUB-36", 36), ("SUPPORT", 12), ("HW", 0), ("SERVICES", 0))
CURRENCIES = (
    ("USD", "USD", Decimal(1), Decimal(1), 2),
    ("EUR", "EUR", Decimal(1), Decimal("1.0834"), 2),
    ("JPY", "USD", Decimal("0.0066812"), Decimal(1), 0),
)


def policies() -> Policies:
    return Policies.from_mapping(POLICIES_MAPPING)


def _line(rng: random.Random, contract: int, number: int, so_date: dt.date, currency: int) -> TransactionLine:
    item, months = ITEMS[rng.randrange(len(ITEMS))]
    curr, f_cur, f_rate, g_rate, places = CURRENCIES[currency]
    start = so_date + dt.timedelta(days=rng.randrange(0, 20))
    end = add_months(start, months) - dt.timedelta(days=1) if months else start
    quantity = rng.randrange(1, 20)
    unit = rng.randrange(50, 5000) * (150 if curr == "JPY" else 1)
    listed = Decimal(unit * quantity)
    sold = (listed * Decimal(rng.randrange(60, 101)) / 100).quantize(Decimal(1).scaleb(-places))
    return TransactionLine(
        line_id=f"L{contract:07d}-{number}",
        so_num=f"SO{contract:07d}",
        cust_num=f"C{contract % 50_000:05d}",
        item_num=item,
        so_date=so_date,
        start_date=start,
        end_date=end,
        ord_qty=Decimal(quantity),
        ext_lst_prc=listed,
        ext_sll_prc=sold,
        curr=curr,
        f_cur=f_cur,
        f_ex_rate=f_rate,
        g_ex_rate=g_rate,
    )


def generate(lines: int, seed: int = 606) -> Iterator[TransactionLine]:
    """``lines`` lines, five per contract on average (between 1 and 9)."""
    rng = random.Random(seed)
    made = contract = 0
    while made < lines:
        size = min(rng.randrange(1, 10), lines - made)
        so_date = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 730))
        currency = rng.randrange(len(CURRENCIES))
        for number in range(size):
            yield _line(rng, contract, number, so_date, currency)
        made += size
        contract += 1
