"""The programs a client can run through the Revenue Jobs API, with their parameters.

A program maps to a job kind of the queue; its parameters (``parameter_id`` → value) become the job's
parameters. Other packages add theirs with :func:`register` (e.g. the Outbound issue's transfer programs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Parameter:
    id: int
    name: str
    sequence: int
    key: str  # the job parameter it fills
    type: str = "VARCHAR2"
    mandatory: bool = False


@dataclass(frozen=True, slots=True)
class Program:
    program_id: int
    name: str
    job_kind: str
    parameters: tuple[Parameter, ...] = ()
    #: checks the parameters before the job is queued (raises a RevrecError)
    check: Callable[[Any, int, Mapping[str, str]], None] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "program_name": self.name,
            "program_id": self.program_id,
            "parameters": [
                {
                    "id": p.id,
                    "mandatory": "Y" if p.mandatory else "N",
                    "sequence": p.sequence,
                    "name": p.name,
                    "type": p.type,
                }
                for p in self.parameters
            ],
        }


_programs: dict[int, Program] = {}


def register(program: Program) -> None:
    _programs[program.program_id] = program


def programs() -> list[Program]:
    return [_programs[k] for k in sorted(_programs)]


def find(program_id: int) -> Program | None:
    return _programs.get(program_id)


def by_kind(kind: str) -> Program | None:
    return next((p for p in _programs.values() if p.job_kind == kind), None)
