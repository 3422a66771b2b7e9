"""Exact decimal column types that behave the same on SQLite and PostgreSQL.

SQLAlchemy's ``Numeric`` goes through float on SQLite, so :class:`Money` and :class:`Rate` store integers
scaled by 10**scale there (SQLite's integer SUM is exact and raises on overflow instead of losing precision)
and ``NUMERIC(p, s)`` on PostgreSQL. The domain always sees ``Decimal``. A value with more decimals than the
column's scale is refused, never silently rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from revrec.engine.money import AMOUNT_SCALE, RATE_SCALE, to_decimal

MAX_INTEGER = 2_147_483_647  # the largest value of an INTEGER column on PostgreSQL (ids, org ids)


class _ScaledDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True
    scale: int = AMOUNT_SCALE
    precision: int = 28

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        # a finite Decimal, what the domain writes, is used as it is (to_decimal checks the rest)
        number = value if type(value) is Decimal and value.is_finite() else to_decimal(value)
        scaled = number.scaleb(self.scale)
        integral = int(scaled)
        if integral != scaled:
            raise ValueError(f"{number} has more than {self.scale} decimals")
        if dialect.name == "sqlite":
            return integral
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value)


class Money(_ScaledDecimal):
    """An amount: up to 22 integer digits and 6 decimals (SQLite: |x| < 9.2e12 per value and per SUM)."""

    cache_ok = True
    scale = AMOUNT_SCALE
    precision = 28


class Rate(_ScaledDecimal):
    """An exchange rate or percentage: 10 decimals."""

    cache_ok = True
    scale = RATE_SCALE
    precision = 24
