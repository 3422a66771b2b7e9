"""Row and line problems as values.

Upload checks never raise on a bad row: they return :class:`RowError` (pre-stage, bundle sets: the
problem has a file row number) or :class:`LineError` (staging validation of one line, whose row identity
the caller already holds).  Both are frozen, so a validator may hand out shared prebuilt instances.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem of one upload row: 1-based file row (header included), column, offending value.

    ``column`` is the template label in pre-stage errors and the staging column in bundle-set errors;
    None when the problem is the row's or the file's as a whole.
    """

    row: int
    column: str | None
    value: str | None
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class LineError:
    """A staging-validation problem of one line; ``column`` is the staging column at fault, if one is."""

    code: str
    message: str
    column: str | None = None

    @property
    def err_msg(self) -> str:
        """The ``err_msg`` text of the stage-error API: code, a space, then the message."""
        return f"{self.code} {self.message}"
