"""Pre-stage: the all-or-nothing check of a whole upload against its template, streamed row by row.

The upload is read once, in order, with bounded memory: :class:`PrestageChecker` keeps the template's
column plan, a few counters and the errors found, never the rows themselves.  Valid rows are handed to the
caller in chunks as they are checked (:meth:`PrestageChecker.chunks`; :meth:`PrestageChecker.rows` one by
one) so it can store them and keep them only if :meth:`PrestageChecker.result` is ok at the end.

Each row is first screened whole by one compiled pattern (:mod:`revrec.inbound.screen`, the fast path);
only a row the screen refuses is checked cell by cell (:meth:`PrestageChecker.check_row`, the reference
that names every problem), so the outcome is the reference's either way.

Invariants:

* every problem is a :class:`~revrec.inbound.problems.RowError` with the 1-based physical line on which
  its record starts (header included), the column label and the offending value; none is raised;
* once any error is found no further row is yielded (the upload is lost anyway) but checking goes on, so
  the result lists every bad row (up to ``max_errors``, after which only a count is kept; a kept error's
  value is clipped to :data:`SHOWN_CHARACTERS`);
* memory is bounded whatever the body: reading stops at the first data row beyond ``max_data_lines``, at a
  record (a line, or a quoted cell's lines) longer than ``max_line`` characters and at a header with more
  columns than the template has fields (one file-level error names the limit each time);
* blank lines are ignored wherever they are; an upload without a data row is refused (RREV-03016);
* cell values are stripped; empty → None; Number → ``Decimal``; Date → ``datetime.date``; Character → str.
  Cells are checked for CSV injection before their type (see :mod:`revrec.inbound.cells`); with
  ``number_limits`` a Number that its staging column cannot store exactly is refused (RREV-03011), with
  ``text_limits`` a Character cell longer than its column (RREV-03012); a control character in a Character
  cell is always refused (RREV-03013).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Final, Literal, NamedTuple, cast

from revrec.inbound.cells import (
    FORMULA_START,
    MAX_DIGITS,
    NOT_A_NUMBER,
    control_character,
    date_parser,
    is_formula,
    parse_number,
    sanitize,
    storable,
)
from revrec.inbound.codes import message
from revrec.inbound.problems import RowError
from revrec.inbound.reading import Feed, RecordTooLong, StopReading
from revrec.inbound.screen import MISS, cell_pattern, date_cache, row_screen, simple_line
from revrec.inbound.templates_std import FieldMapping, UploadTemplateDef, label_key

InjectionPolicy = Literal["BLOCK", "SANITIZE", "RAW"]
INJECTION_POLICIES: Final = ("BLOCK", "SANITIZE", "RAW")
DEFAULT_MAX_DATA_LINES: Final = 60_000
DEFAULT_MAX_ERRORS: Final = 1_000
#: Longest record (characters) read when no limit is given: REVREC_MAX_LINE_BYTES' default.
DEFAULT_MAX_LINE: Final = 1 << 20
#: Characters of an offending value (or label) kept in an error; the rest is summarised.
SHOWN_CHARACTERS: Final = 100

_CHARACTER, _NUMBER, _DATE = 0, 1, 2
_TYPE_CODES: Final = {"Character": _CHARACTER, "Number": _NUMBER, "Date": _DATE}


class StagedRow(NamedTuple):
    """A valid data row: its file row number and its values keyed by staging column name."""

    row: int
    values: dict[str, object]


@dataclass(frozen=True, slots=True)
class PrestageResult:
    """Outcome of a whole upload: ok only when no error at all was found."""

    data_lines: int
    errors: tuple[RowError, ...]
    error_count: int

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class _Column(NamedTuple):
    label: str
    col_name: str
    kind: int
    #: Number: (integer digits, decimals) that staging stores exactly; None when not checked here.
    limits: tuple[int, int] | None
    #: Character: the characters its staging column holds; None when not checked here.
    length: int | None


def _seq(field: FieldMapping) -> int:
    return field.seq


NumberLimits = Callable[[str], "tuple[int, int] | None"]
TextLimits = Callable[[str], "int | None"]


def shown(text: str) -> str:
    """``text`` as an error shows it: at most :data:`SHOWN_CHARACTERS` characters and the length."""
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[:SHOWN_CHARACTERS]}… ({len(text)} characters)"


def _clipped(error: RowError) -> RowError:
    """The error as it is kept: its value and column shown (a cell may be as long as a line)."""
    value, column = error.value, error.column
    if len(value or "") <= SHOWN_CHARACTERS and len(column or "") <= SHOWN_CHARACTERS:
        return error
    return replace(error, value=value and shown(value), column=column and shown(column))


class PrestageChecker:
    """Checks one upload against ``template``: feed it :meth:`chunks` or :meth:`rows`.

    ``number_limits`` maps a staging column to the (integer digits, decimals) it stores exactly; a Number
    cell beyond them is refused (RREV-03011), never rounded. ``text_limits`` maps it to the characters it
    holds; a longer Character cell is refused (RREV-03012), never cut.
    """

    def __init__(
        self,
        template: UploadTemplateDef,
        *,
        injection_policy: InjectionPolicy = "BLOCK",
        max_data_lines: int = DEFAULT_MAX_DATA_LINES,
        max_errors: int | None = DEFAULT_MAX_ERRORS,
        number_limits: NumberLimits | None = None,
        text_limits: TextLimits | None = None,
        max_line: int = DEFAULT_MAX_LINE,
    ) -> None:
        if injection_policy not in INJECTION_POLICIES:
            raise ValueError(f"injection policy {injection_policy!r} is not one of {INJECTION_POLICIES}")
        self.template = template
        self.policy = injection_policy
        self.max_data_lines = max_data_lines
        self.max_errors = max_errors
        self.number_limits = number_limits
        self.text_limits = text_limits
        self.max_line = max_line
        self.data_lines = 0
        self.error_count = 0
        self._errors: list[RowError] = []
        self._parse_date = date_parser(template.date_format)
        self._dates = date_cache(self._parse_date)
        self.columns: tuple[_Column | None, ...] = ()
        self._date_positions: tuple[int, ...] = ()
        self._screen = row_screen((), template.field_separator)
        self._width = 0
        if not template.has_header:
            in_order: list[FieldMapping] = sorted(template.fields, key=_seq)
            self._plan(in_order)

    @property
    def failed(self) -> bool:
        return self.error_count > 0

    def _add(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.error_count += 1
            if self.max_errors is None or len(self._errors) < self.max_errors:
                self._errors.append(_clipped(error))

    def _plan(self, fields: Sequence[FieldMapping | None] | Sequence[FieldMapping]) -> None:
        """The column of each file position, and the row screen of the fast path."""
        self._width = len(fields)
        limits = self.number_limits or (lambda _: None)
        lengths = self.text_limits or (lambda _: None)
        self.columns = tuple(
            None
            if f is None
            else _Column(f.label, f.col_name, _TYPE_CODES[f.data_type],
                         limits(f.col_name) if f.data_type == "Number" else None,
                         lengths(f.col_name) if f.data_type == "Character" else None)
            for f in fields
        )  # fmt: skip
        raw, sep = self.policy == "RAW", self.template.field_separator
        self._screen = row_screen(
            [
                cell_pattern(None if f is None else f.data_type, sep, raw=raw, limits=c and c.limits,
                             length=c and c.length)
                for f, c in zip(fields, self.columns, strict=True)
            ],
            sep,
        )  # fmt: skip
        self._date_positions = tuple(
            i for i, c in enumerate(self.columns) if c is not None and c.kind == _DATE
        )

    def header(self, cells: Sequence[str], row: int = 1) -> list[RowError]:
        """Map the header's labels to the template; returns (and records) the header's errors.

        A header with more columns than the template has fields is refused at once, as one error.
        """
        by_label = self.template.field_by_label()
        name = self.template.name
        if len(cells) > len(self.template.fields):
            limit = len(self.template.fields)
            text = message("RREV-03014", found=len(cells), template=name, limit=limit)
            self._add((error := RowError(row, None, None, "RREV-03014", text),))
            return [error]
        seen: set[str] = set()
        plan: list[FieldMapping | None] = []
        errors: list[RowError] = []
        for i, cell in enumerate(cells):
            label = cell.lstrip("\ufeff").strip() if i == 0 else cell.strip()
            key = label_key(label)
            field = by_label.get(key)
            if field is None:
                text = message("RREV-03003", label=shown(label), template=name)
                errors.append(RowError(row, label, label, "RREV-03003", text))
            elif key in seen:
                text = message("RREV-03005", label=shown(label))
                errors.append(RowError(row, label, label, "RREV-03005", text))
            plan.append(field if field is not None and key not in seen else None)
            seen.add(key)
        for field in self.template.fields:
            if field.required and label_key(field.label) not in seen:
                errors.append(
                    RowError(
                        row,
                        field.label,
                        None,
                        "RREV-03004",
                        message("RREV-03004", label=field.label, template=name),
                    )
                )
        self._plan(plan)
        self._add(errors)
        return errors

    def check_row(self, row: int, cells: Sequence[str]) -> tuple[dict[str, object] | None, list[RowError]]:
        """Check and convert one row cell by cell (the reference): its values (None when bad) and errors."""
        if len(cells) != self._width:
            error = RowError(
                row, None, None, "RREV-03006", message("RREV-03006", found=len(cells), expected=self._width)
            )
            self._add((error,))
            return None, [error]
        values: dict[str, object] = {c.col_name: None for c in self.columns if c is not None}
        errors: list[RowError] = []
        screen = self.policy != "RAW"
        for cell, column in zip(cells, self.columns, strict=True):
            if not cell or column is None:
                continue
            text = cell.strip()
            if not text:
                continue
            if screen and text[0] in FORMULA_START and is_formula(text):
                defused = self._defuse(row, column.label, text, errors)
                if defused is None:
                    continue
                text = defused
            values[column.col_name] = (
                self._text(row, column, text, errors)
                if column.kind == _CHARACTER
                else self._convert(row, column, text, errors)
            )
        if errors:
            self._add(errors)
            return None, errors
        return values, errors

    def _defuse(self, row: int, label: str, text: str, errors: list[RowError]) -> str | None:
        """A formula cell under BLOCK (an error, None) or SANITIZE (the stripped text, None when empty)."""
        if self.policy == "BLOCK":
            errors.append(RowError(row, label, text, "RPRO-00603", message("RPRO-00603")))
            return None
        return sanitize(text) or None

    def _text(self, row: int, column: _Column, text: str, errors: list[RowError]) -> str:
        """A Character cell: refused when its column cannot hold it or it has a control character."""
        if column.length is not None and len(text) > column.length:
            reason = message("RREV-03012", length=len(text), label=column.label, limit=column.length)
            errors.append(RowError(row, column.label, text, "RREV-03012", reason))
        char = control_character(text)
        if char is not None:
            errors.append(RowError(row, column.label, text, "RREV-03013", message("RREV-03013", char=char)))
        return text

    def _convert(self, row: int, column: _Column, text: str, errors: list[RowError]) -> object:
        label = column.label
        if column.kind == _NUMBER:
            number = parse_number(text)
            if isinstance(number, str):
                code = "RREV-03007" if number == NOT_A_NUMBER else "RREV-03011"
                errors.append(RowError(row, label, text, code, message(code, limit=MAX_DIGITS)))
            elif column.limits is not None and not storable(number, *column.limits):
                digits, places = column.limits
                reason = (f"{label} must have at most {places} decimals and be smaller than {10**digits} "
                          "in absolute value")  # fmt: skip
                errors.append(RowError(row, label, text, "RREV-03011", reason))
            return number
        parsed = self._parse_date(text)
        if parsed is None:
            date_format = self.template.date_format
            errors.append(
                RowError(row, label, text, "RREV-03008", message("RREV-03008", date_format=date_format))
            )
        return parsed

    def _reference(self, row: int, cells: list[str]) -> list[object] | None:
        """A row the screen refused, checked cell by cell: its stored form, or None when bad."""
        values, _ = self.check_row(row, cells)
        if values is None:
            return None
        return [*(_stored(values[c.col_name]) if c is not None else "" for c in self.columns), row]

    def chunks(self, lines: Iterable[str] | str, size: int) -> Iterator[list[Sequence[object]]]:
        """Read the whole upload; yield its valid rows, ``size`` at a time, while nothing has failed.

        A chunk is given by columns: one sequence per file position, then the row numbers. A value is
        ``''`` for a blank or unmapped cell, stripped text for Character, for Number the plain text (exact
        value ``Decimal(text)``) or a ``Decimal``, for Date the ISO date text.
        """
        cells: list[list[str]] = []
        texts: list[str] = []
        rows: list[int] = []
        refused = False
        screen = None
        for row, row_cells, text in self._data_rows(lines):
            if screen is not self._screen:  # the plan is known once the header is read
                screen = self._screen
            # A row with another field count never matches (its separators do not line up).
            if not screen(text):
                refused = True
            cells.append(row_cells)
            texts.append(text)
            rows.append(row)
            if len(rows) >= size:
                chunk = self._chunk(cells, texts, rows, refused)
                if chunk is not None:
                    yield chunk
                cells, texts, rows, refused = [], [], [], False
        if rows:
            chunk = self._chunk(cells, texts, rows, refused)
            if chunk is not None:
                yield chunk

    def _chunk(
        self, cells: list[list[str]], texts: list[str], rows: list[int], refused: bool
    ) -> list[Sequence[object]] | None:
        """The columns of a chunk's rows, or None once the upload has failed.

        When the screen took every row, dates are read column by column; a chunk with a refused row or a
        date the memo misses is done row by row, the refused ones through the reference check, in order.
        """
        if not refused:
            columns: list[Sequence[object]] = list(zip(*cells, strict=True))
            for i in self._date_positions:
                days = list(map(self._dates.__getitem__, columns[i]))
                if MISS in days:
                    break
                columns[i] = days
            else:
                columns.append(rows)
                return None if self.error_count else columns
        out_rows: list[Sequence[object]] = []
        for row, row_cells, text in zip(rows, cells, texts, strict=True):
            out = self._row(row, row_cells, text)
            if out is not None:
                out_rows.append(out)
        if self.error_count:
            return None
        return list(zip(*out_rows, strict=True))

    def _row(self, row: int, cells: list[str], text: str) -> list[object] | None:
        """One row in the form of :meth:`chunks` (None when bad): the fast path when it applies."""
        positions, dates = self._date_positions, self._dates.__getitem__
        days = list(map(dates, map(cells.__getitem__, positions))) if self._screen(text) else [MISS]
        if MISS in days:
            return self._reference(row, cells)
        out = cast(list[object], cells)
        for i, day in zip(positions, days, strict=True):
            out[i] = day
        out.append(row)
        return out

    def records(self, lines: Iterable[str] | str, lead: str) -> Iterator[str]:
        """Read the whole upload; yield each valid row as one CSV record, while nothing has failed.

        A record is ``lead`` (text ending with the field separator), the row number, then every cell in
        its stored form, as :meth:`chunks` gives it (numbers plain, dates ISO, blank empty), separated by
        the template's field separator. A row the screen takes is its own line with its dates replaced (it
        has no quote, line break or separator inside a cell); any other is written by ``csv.writer``.
        Pre-stage of transaction uploads on PostgreSQL ``COPY``-es these into ``stage_line_hold``.
        """
        sep = self.template.field_separator
        out = io.StringIO()
        writer = csv.writer(out, delimiter=sep, lineterminator="\n")
        dates = self._dates.__getitem__
        for row, cells, text in self._data_rows(lines):
            positions = self._date_positions
            # a cell with a quote or line break must be quoted in CSV: such rows go through csv.writer
            if self._screen(text) and '"' not in text and "\n" not in text and "\r" not in text:
                days = [dates(cells[i]) for i in positions]
                if MISS not in days:
                    for i, day in zip(positions, days, strict=True):
                        cells[i] = day
                    if not self.error_count:
                        yield f"{lead}{row}{sep}{sep.join(cells)}\n"
                    continue
            stored = self._reference(row, cells)
            if stored is not None and not self.error_count:
                writer.writerow([row, *stored[:-1]])
                yield lead + out.getvalue()
                out.seek(0)
                out.truncate()

    def rows(self, lines: Iterable[str] | str) -> Iterator[StagedRow]:
        """Valid rows one by one as values (Decimal, date, str or None), while nothing has failed."""
        for chunk in self.chunks(lines, 1):
            for out in zip(*chunk, strict=True):
                yield StagedRow(out[-1], self.values(out))

    def values(self, out: Sequence[object]) -> dict[str, object]:
        """A row of :meth:`chunks` as values keyed by staging column."""
        return {
            c.col_name: _value(c.kind, v) for c, v in zip(self.columns, out, strict=False) if c is not None
        }

    def _data_rows(self, lines: Iterable[str] | str) -> Iterator[tuple[int, list[str], str]]:
        """The data records with their row numbers and text, after the header; file errors are recorded."""
        source = io.StringIO(lines, newline="") if isinstance(lines, str) else lines
        header_row = self.template.start_row - 1 if self.template.has_header else 0
        need_header = self.template.has_header
        for row, cells, text in self._records(iter(source)):
            if row < header_row:
                continue
            if need_header:
                need_header = False
                if any(e.code == "RREV-03014" for e in self.header(cells, row)):
                    return
                continue
            self.data_lines += 1
            if self.data_lines > self.max_data_lines:
                self.data_lines -= 1
                limit = message("RREV-03009", limit=self.max_data_lines)
                self._add((RowError(row, None, None, "RREV-03009", limit),))
                return
            yield row, cells, text
        if self.failed:  # (an undecodable or over-long first line is already reported)
            return
        if need_header:
            self._add((RowError(max(header_row, 1), None, None, "RREV-03002", message("RREV-03002")),))
        elif self.data_lines == 0:
            self._add((RowError(max(header_row, 1), None, None, "RREV-03016", message("RREV-03016")),))

    def _records(self, lines: Iterator[str]) -> Iterator[tuple[int, list[str], str]]:
        """Non-blank records with the line they start on and their cells joined by the field separator.

        A line without quotes is split as it is (:func:`~revrec.inbound.screen.simple_line`); any other goes
        through ``csv.reader``, which may read more lines for a quoted cell. CSV and UTF-8 problems become
        errors; a record longer than ``max_line`` characters (the feed counts them) stops reading.
        """
        sep = self.template.field_separator
        feed = Feed(lines, self.max_line)
        reader = csv.reader(feed, delimiter=sep, strict=True)
        done = 0  # lines read so far
        try:
            for line in feed:
                start = done + 1
                text = simple_line(line)
                if text is not None:
                    done, cells = start, text.split(sep)
                else:
                    feed.again = line
                    read = reader.line_num
                    try:
                        cells = next(reader)
                    except csv.Error as exc:  # the reader goes on with the next line
                        feed.used = 0
                        done += reader.line_num - read
                        detail = message("RREV-03010", detail=str(exc))
                        self._add((RowError(start, None, None, "RREV-03010", detail),))
                        continue
                    done += reader.line_num - read
                    text = sep.join(cells)
                feed.used = 0  # the next line starts a record
                if cells and (len(cells) > 1 or cells[0].strip()):
                    yield start, cells, text
        except RecordTooLong:
            limit = message("RREV-03015", limit=self.max_line)
            self._add((RowError(done + 1, None, None, "RREV-03015", limit),))
        except StopReading as exc:
            self._add((exc.error,))

    def result(self) -> PrestageResult:
        """The outcome so far (call after :meth:`rows` is exhausted)."""
        return PrestageResult(self.data_lines, tuple(self._errors), self.error_count)


def _stored(value: object) -> object:
    """A checked value in the form :meth:`PrestageChecker.chunks` gives it."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def _value(kind: int, cell: object) -> object:
    if cell == "":
        return None
    if isinstance(cell, str) and kind != _CHARACTER:
        return Decimal(cell) if kind == _NUMBER else date.fromisoformat(cell)
    return cell


def check_upload(
    lines: Iterable[str] | str,
    template: UploadTemplateDef,
    *,
    injection_policy: InjectionPolicy = "BLOCK",
    max_data_lines: int = DEFAULT_MAX_DATA_LINES,
    max_errors: int | None = DEFAULT_MAX_ERRORS,
    text_limits: TextLimits | None = None,
    max_line: int = DEFAULT_MAX_LINE,
) -> PrestageResult:
    """Check a whole upload, discarding its rows (use :class:`PrestageChecker` to keep them)."""
    checker = PrestageChecker(
        template,
        injection_policy=injection_policy,
        max_data_lines=max_data_lines,
        max_errors=max_errors,
        text_limits=text_limits,
        max_line=max_line,
    )
    for _ in checker.rows(lines):
        pass
    return checker.result()
