"""The programs a client can run through the Revenue Jobs API, with their parameters.

A program maps to a job kind of the queue; its parameters (``parameter_id`` → value) become the job's
parameters. Every parameter declares its type (``VARCHAR2`` text or ``NUMBER`` integer), whether it is
mandatory, its allowed values or bounds, so that a bad value is refused when the job is submitted (400
naming the parameter) instead of failing the job later. Other packages add their programs with
:func:`register` (e.g. the Outbound issue's transfer programs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from revrec.errors import InvalidInput

TEXT = "VARCHAR2"
NUMBER = "NUMBER"
MAX_TEXT = 240  # Oracle VARCHAR2 parameters of Zuora's programs are at most 240 characters


@dataclass(frozen=True, slots=True)
class Parameter:
    id: int
    name: str
    sequence: int
    key: str  # the job parameter it fills
    type: str = TEXT
    mandatory: bool = False
    #: allowed values (compared case-insensitively, stored as spelled here); empty: any text
    choices: tuple[str, ...] = ()
    #: bounds of a NUMBER parameter (inclusive)
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = MAX_TEXT

    def label(self) -> str:
        return f"parameter {self.id} ({self.name})"

    def parse(self, raw: str) -> str:
        """The value to store for ``raw`` (already stripped and non-empty); InvalidInput naming the
        parameter and what it accepts otherwise."""
        if any(ord(ch) < 32 for ch in raw):
            raise InvalidInput(f"{self.label()} must not contain control characters")
        if len(raw) > self.max_length:
            raise InvalidInput(f"{self.label()} is longer than {self.max_length} characters")
        if self.choices:
            found = {c.lower(): c for c in self.choices}.get(raw.lower())
            if found is None:
                raise InvalidInput(f"{self.label()} must be one of {', '.join(self.choices)}, not {raw!r}")
            return found
        if self.type == NUMBER:
            return str(self._number(raw))
        return raw

    def _number(self, raw: str) -> int:
        if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 18:
            raise InvalidInput(f"{self.label()} must be a whole number, not {raw!r}")
        value = int(raw)
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            low = "" if self.minimum is None else f" from {self.minimum}"
            high = "" if self.maximum is None else f" to {self.maximum}"
            raise InvalidInput(f"{self.label()} must be a number{low}{high}, not {value}")
        return value

    def describe(self) -> str:
        """What the parameter accepts, for humans (``revrec job list-programs``, docs)."""
        if self.choices:
            kind = " | ".join(self.choices)
        elif self.type == NUMBER:
            kind = f"number {self.minimum if self.minimum is not None else ''}..{self.maximum or ''}"
        else:
            kind = f"text ≤ {self.max_length}"
        return f"{self.key}={kind}{' (mandatory)' if self.mandatory else ''}"


@dataclass(frozen=True, slots=True)
class Program:
    program_id: int
    name: str
    job_kind: str
    parameters: tuple[Parameter, ...] = ()
    #: checks the parameters before the job is queued (raises a RevrecError)
    check: Callable[[Any, int, Mapping[str, str]], None] | None = None

    def as_dict(self) -> dict[str, Any]:
        """GET_ProgramDetails' shape; ``program_id`` and ``sequence`` are strings as in the 2025-08-06
        reference (docs/api.md)."""
        return {
            "program_name": self.name,
            "program_id": str(self.program_id),
            "parameters": [
                {
                    "id": p.id,
                    "mandatory": "Y" if p.mandatory else "N",
                    "sequence": str(p.sequence),
                    "name": p.name,
                    "type": p.type,
                }
                for p in self.parameters
            ],
        }

    def parse(self, values: Mapping[int, str]) -> dict[str, str]:
        """The job's parameters from ``parameter_id → value``; InvalidInput naming the first bad one."""
        known = {p.id for p in self.parameters}
        unknown = sorted(set(values) - known)
        if unknown:
            ids = ", ".join(str(p.id) for p in self.parameters) or "none"
            raise InvalidInput(
                f"unknown parameter_id(s) {unknown} for program {self.program_id} (its parameters: {ids})"
            )
        params: dict[str, str] = {}
        for parameter in self.parameters:
            value = (values.get(parameter.id) or "").strip()
            if not value:
                if parameter.mandatory:
                    raise InvalidInput(f"{parameter.label()} is mandatory")
                continue
            params[parameter.key] = parameter.parse(value)
        return params


_programs: dict[int, Program] = {}


def register(program: Program) -> None:
    _programs[program.program_id] = program


def programs() -> list[Program]:
    return [_programs[k] for k in sorted(_programs)]


def find(program_id: int) -> Program | None:
    return _programs.get(program_id)


def by_kind(kind: str) -> Program | None:
    return next((p for p in _programs.values() if p.job_kind == kind), None)
