"""A tiny, safe arithmetic language for SSP formulas such as ``Ext List Price*50/100``.

No ``eval``: a recursive-descent parser turns the text into a small tree of tuples once, when the policy is
built, and :meth:`Formula.evaluate` walks it with Decimals.  The language has numbers, field names (staging
names or labels, spaces allowed: ``EXT_LST_PRC``, ``Ext List Price``, ``NUM3``), ``+ - * /``, unary minus,
parentheses and ``MIN(a, b, …)`` / ``MAX(a, b, …)``.  Anything else is a syntax error at policy load time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Final

from .lines import FIELD_ATTRIBUTES, TransactionLine, normalize_field, numeric_field

_TOKEN: Final = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_ ]*)|(.))")
_FUNCTIONS: Final[dict[str, Callable[..., Decimal]]] = {"MIN": min, "MAX": max}

Node = tuple[object, ...]


class FormulaError(ValueError):
    """A formula that does not parse, or cannot be evaluated on a line (blank field, division by zero)."""


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for number, name, other in _TOKEN.findall(text):
        if number:
            tokens.append(("num", number))
        elif name:
            tokens.append(("name", name.strip()))
        elif other.strip():
            if other not in "+-*/(),":
                raise FormulaError(f"unexpected character {other!r}")
            tokens.append(("op", other))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise FormulaError(f"expected {value or 'a value'} at token {self.pos + 1}")
        self.pos += 1
        return token

    def expression(self) -> Node:
        node = self.term()
        while (token := self.peek()) is not None and token[1] in ("+", "-"):
            self.pos += 1
            node = (token[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while (token := self.peek()) is not None and token[1] in ("*", "/"):
            self.pos += 1
            node = (token[1], node, self.factor())
        return node

    def factor(self) -> Node:
        kind, value = self.take()
        if value in ("+", "-") and kind == "op":
            operand = self.factor()
            return ("neg", operand) if value == "-" else operand
        if kind == "num":
            return ("num", Decimal(value))
        if kind == "name":
            name = normalize_field(value)
            if (token := self.peek()) is not None and token[1] == "(":
                return self.call(name)
            return ("field", name)
        if value == "(":
            node = self.expression()
            self.take(")")
            return node
        raise FormulaError(f"unexpected {value!r}")

    def call(self, name: str) -> Node:
        if name not in _FUNCTIONS:
            raise FormulaError(f"unknown function {name}")
        self.take("(")
        arguments = [self.expression()]
        while (token := self.peek()) is not None and token[1] == ",":
            self.pos += 1
            arguments.append(self.expression())
        self.take(")")
        return ("call", name, tuple(arguments))


@dataclass(frozen=True)
class Formula:
    """A parsed formula; ``text`` is kept for provenance and ``to_mapping``."""

    text: str
    tree: Node = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parser = _Parser(self.text)
        if not parser.tokens:
            raise FormulaError("empty formula")
        tree = parser.expression()
        if parser.peek() is not None:
            raise FormulaError(f"unexpected {parser.peek()[1]!r} after the end of the formula")  # type: ignore[index]
        object.__setattr__(self, "tree", tree)

    @property
    def fields(self) -> frozenset[str]:
        """Field names the formula reads."""
        found: set[str] = set()
        _collect_fields(self.tree, found)
        return frozenset(found)

    def evaluate(self, line: TransactionLine) -> Decimal:
        """The formula's value on ``line``; FormulaError on a blank field or a division by zero."""
        try:
            return _evaluate(self.tree, line)
        except (DivisionByZero, InvalidOperation, ZeroDivisionError):
            raise FormulaError("division by zero") from None


def _collect_fields(node: Node, found: set[str]) -> None:
    if node[0] == "field":
        found.add(str(node[1]))
    for child in node[1:]:
        if isinstance(child, tuple):
            if child and isinstance(child[0], tuple):
                for argument in child:
                    _collect_fields(argument, found)
            else:
                _collect_fields(child, found)


def _evaluate(node: Node, line: TransactionLine) -> Decimal:
    kind = node[0]
    if kind == "num":
        return node[1]  # type: ignore[return-value]
    if kind == "field":
        value = numeric_field(line, str(node[1]))
        if value is None:
            known = node[1] in FIELD_ATTRIBUTES
            raise FormulaError(f"field {node[1]} is {'blank' if known else 'blank or not numeric'}")
        return value
    if kind == "neg":
        return -_evaluate(node[1], line)  # type: ignore[arg-type]
    if kind == "call":
        arguments = [_evaluate(argument, line) for argument in node[2]]  # type: ignore[attr-defined]
        return _FUNCTIONS[str(node[1])](*arguments)
    left, right = _evaluate(node[1], line), _evaluate(node[2], line)  # type: ignore[arg-type]
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    if right == 0:
        raise FormulaError("division by zero")
    return left / right
