"""Display of amounts: to the currency's decimals when that loses nothing, else every stored digit (the
console never rounds an amount for show)."""

from __future__ import annotations

from decimal import Decimal

from revrec.engine.money import fits_currency, from_minor, is_currency, quantize


def money(value: Decimal | str | None, currency: str) -> str:
    """An amount to its currency's decimals when nothing is lost; other numbers without trailing zeros."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    if is_currency(currency) and fits_currency(amount, currency):
        return str(quantize(amount, currency))
    return format(amount.normalize(), "f")


def minor(units: int | None, currency: str) -> str:
    """Minor units (journal entries, bills) as an amount of ``currency``."""
    return "" if units is None else str(from_minor(int(units), currency))


def capped(count: int, cap: int = 10_000) -> str:
    """A checklist count (the repository stops counting at ``cap`` + 1)."""
    return f"{cap}+" if count > cap else str(count)
