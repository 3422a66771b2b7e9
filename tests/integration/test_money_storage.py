"""Exact money and rate columns on both databases: round trip and SQL SUM, never through float."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, func, insert, select

from revrec.db.types import Money, Rate

AMOUNT = Decimal("12345678901.123456")
RATE = Decimal("1.2345678901")

_meta = MetaData()
sample = Table(
    "test_money_sample",
    _meta,
    Column("id", Integer, primary_key=True),
    Column("amount", Money),
    Column("rate", Rate),
)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        _meta.create_all(connection)
        yield connection
        transaction.rollback()


def test_amount_and_rate_round_trip_exactly(conn: Connection) -> None:
    conn.execute(insert(sample).values(id=1, amount=AMOUNT, rate=RATE))
    amount, rate = conn.execute(select(sample.c.amount, sample.c.rate)).one()
    assert (amount, rate) == (AMOUNT, RATE)
    assert isinstance(amount, Decimal) and str(amount) == "12345678901.123456"
    assert isinstance(rate, Decimal) and str(rate) == "1.2345678901"


def test_negative_and_small_values_round_trip(conn: Connection) -> None:
    values = [Decimal("-0.000001"), Decimal("-9999999.99"), Decimal("0"), Decimal("0.1")]
    conn.execute(insert(sample), [{"id": i, "amount": v, "rate": v} for i, v in enumerate(values)])
    assert [r.amount for r in conn.execute(select(sample.c.amount).order_by(sample.c.id))] == values


def test_sql_sum_is_exact(conn: Connection) -> None:
    count = 700
    conn.execute(insert(sample), [{"id": i, "amount": AMOUNT, "rate": RATE} for i in range(count)])
    total_amount, total_rate = conn.execute(select(func.sum(sample.c.amount), func.sum(sample.c.rate))).one()
    assert total_amount == AMOUNT * count == Decimal("8641975230786.419200")
    assert total_rate == RATE * count
    # float arithmetic would have lost the last digits
    assert Decimal(repr(float(AMOUNT) * count)) != AMOUNT * count


def test_too_many_decimals_are_refused_not_rounded(conn: Connection) -> None:
    with pytest.raises(Exception, match="more than 6 decimals"):
        conn.execute(insert(sample).values(id=1, amount=Decimal("0.0000001")))


def test_floats_are_refused(conn: Connection) -> None:
    with pytest.raises(Exception, match="inexact"):
        conn.execute(insert(sample).values(id=1, amount=0.1))
