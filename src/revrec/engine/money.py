"""Exact money: the one place where amounts are parsed and rounded.

Every amount in revrec is a ``Decimal`` built from ``str``/``int`` through :func:`to_decimal`; floats are
refused.  Rounding happens only through :func:`quantize` (ROUND_HALF_UP, the convention of invoicing and
ledger systems) with the exponent of the currency's minor unit from :data:`CURRENCY_EXPONENTS` (ISO 4217).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ROUNDING = ROUND_HALF_UP

# ISO 4217 active codes and their minor-unit exponents (number of decimals).
_ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "UYI",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}
_THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
_FOUR_DECIMAL = {"CLF", "UYW"}
_TWO_DECIMAL = {
    "AED",
    "AFN",
    "ALL",
    "AMD",
    "ANG",
    "AOA",
    "ARS",
    "AUD",
    "AWG",
    "AZN",
    "BAM",
    "BBD",
    "BDT",
    "BGN",
    "BMD",
    "BND",
    "BOB",
    "BOV",
    "BRL",
    "BSD",
    "BTN",
    "BWP",
    "BYN",
    "BZD",
    "CAD",
    "CDF",
    "CHE",
    "CHF",
    "CHW",
    "CNY",
    "COP",
    "COU",
    "CRC",
    "CUP",
    "CVE",
    "CZK",
    "DKK",
    "DOP",
    "DZD",
    "EGP",
    "ERN",
    "ETB",
    "EUR",
    "FJD",
    "FKP",
    "GBP",
    "GEL",
    "GHS",
    "GIP",
    "GMD",
    "GTQ",
    "GYD",
    "HKD",
    "HNL",
    "HTG",
    "HUF",
    "IDR",
    "ILS",
    "INR",
    "IRR",
    "JMD",
    "KES",
    "KGS",
    "KHR",
    "KPW",
    "KYD",
    "KZT",
    "LAK",
    "LBP",
    "LKR",
    "LRD",
    "LSL",
    "MAD",
    "MDL",
    "MGA",
    "MKD",
    "MMK",
    "MNT",
    "MOP",
    "MRU",
    "MUR",
    "MVR",
    "MWK",
    "MXN",
    "MXV",
    "MYR",
    "MZN",
    "NAD",
    "NGN",
    "NIO",
    "NOK",
    "NPR",
    "NZD",
    "PAB",
    "PEN",
    "PGK",
    "PHP",
    "PKR",
    "PLN",
    "QAR",
    "RON",
    "RSD",
    "RUB",
    "SAR",
    "SBD",
    "SCR",
    "SDG",
    "SEK",
    "SGD",
    "SHP",
    "SLE",
    "SOS",
    "SRD",
    "SSP",
    "STN",
    "SVC",
    "SYP",
    "SZL",
    "THB",
    "TJS",
    "TMT",
    "TOP",
    "TRY",
    "TTD",
    "TWD",
    "TZS",
    "UAH",
    "USD",
    "USN",
    "UYU",
    "UZS",
    "VED",
    "VES",
    "WST",
    "XCD",
    "XCG",
    "YER",
    "ZAR",
    "ZMW",
    "ZWG",
}

CURRENCY_EXPONENTS: dict[str, int] = {
    **{c: 0 for c in _ZERO_DECIMAL},
    **{c: 2 for c in _TWO_DECIMAL},
    **{c: 3 for c in _THREE_DECIMAL},
    **{c: 4 for c in _FOUR_DECIMAL},
}

#: Storage scale of amount and rate columns (see revrec.db.types): amounts keep 6 decimals, rates 10.
AMOUNT_SCALE = 6
RATE_SCALE = 10


class MoneyError(ValueError):
    """A value that cannot be an exact amount (float, non-numeric text, unknown currency)."""


def is_currency(code: str) -> bool:
    """True when ``code`` is an active ISO 4217 currency code."""
    return code in CURRENCY_EXPONENTS


def exponent(currency: str) -> int:
    """Number of decimals of ``currency``'s minor unit."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency code {currency!r}") from None


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Build an exact Decimal from text, int or Decimal; floats are a bug and are refused."""
    if isinstance(value, bool | float):
        raise MoneyError(f"refusing inexact value {value!r}: amounts must be str, int or Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite number")
    return result


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to ``currency``'s minor unit, half up."""
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUNDING)


def quantize_places(amount: Decimal, places: int) -> Decimal:
    """Round ``amount`` to ``places`` decimals, half up (for rates and storage scales)."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)


def fits_currency(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` has no more decimals than ``currency`` allows."""
    return quantize(amount, currency) == amount


# --- Integer minor units -------------------------------------------------------------------------------
# The engine's hot loops (allocation, cumulative schedules) work on integer counts of a currency's minor
# unit.  These helpers are the integer twins of :func:`quantize`: the same ROUND_HALF_UP rule (half away
# from zero), so an amount computed either way is identical.


def to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` in minor units of ``currency`` (rounded half up if it has more decimals)."""
    return int(quantize(amount, currency).scaleb(exponent(currency)))


def from_minor(units: int, currency: str) -> Decimal:
    """The Decimal amount of ``units`` minor units of ``currency`` (exact, no rounding)."""
    return Decimal(units).scaleb(-exponent(currency))


def round_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero (ROUND_HALF_UP); ``denominator`` > 0."""
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((-2 * numerator + denominator) // (2 * denominator))


def ratio(value: Decimal) -> tuple[int, int]:
    """Exact ``(numerator, denominator)`` of a finite Decimal, denominator > 0 (for integer arithmetic)."""
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator
