"""Manual journal entries uploaded with a ``Standard MJE`` template (kind ``mje``, staging table
``stage_mje``): one row per line; the rows sharing a ``Mje Num`` are one entry and repeat its head columns.

* **Pre-stage** (all or nothing, with the upload): besides the row checks every template gets, every entry
  must balance (Σ Dr Amount = Σ Cr Amount) and its rows must agree on the head columns. One entry failing
  refuses the whole upload (nothing stored), naming the row, column and reason (:func:`check_entries`,
  set-based: one grouped query over the upload's rows).
* **Staging** (the ``stage_upload`` job, :func:`stage_mje`): each entry is checked as a keyed one
  (revrec.mje.service); a valid entry is created and submitted at once (posted, or pending approval) and
  its rows become ``Y``; an entry with a problem is not created and all its rows become ``E`` with their
  errors (stage errors API). Re-sending the entry (same ``Mje Num``) in a new upload replaces them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, literal, select, update

from revrec.auth.service import Principal
from revrec.db.routing import same_client
from revrec.db.stage_columns import MJE_COLUMNS
from revrec.db.tables import stage_mje as table
from revrec.engine import manual_entries as rules
from revrec.engine.manual_entries import LineIn, Problem
from revrec.errors import RevrecError
from revrec.inbound import repository as inbound_repo
from revrec.inbound.bulk import read_rows
from revrec.inbound.prestage import PrestageResult
from revrec.inbound.problems import RowError
from revrec.inbound.templates_std import UploadTemplateDef
from revrec.jobs.queue import Job
from revrec.mje import service
from revrec.mje.service import EntryIn
from revrec.tenancy import repository as tenancy

KIND = "mje"
HEAD_COLUMNS = (
    "MJE_DESC", "MJE_PERIOD", "CURR", "F_CUR", "R_CUR", "F_EX_RATE", "G_EX_RATE", "RC_ID", "REVERSE_FLAG",
)  # fmt: skip
#: the staging column of each field a problem names
FIELD_COLUMNS = {
    "acctg_type": "ACCTG_TYPE", "acctg_seg": "ACCTG_SEG", "debit/credit": "DR_AMOUNT", "lines": "DR_AMOUNT",
    "currency": "CURR", "f_cur": "F_CUR", "r_cur": "R_CUR", "ex_rate": "F_EX_RATE", "g_ex_rate": "G_EX_RATE",
    "period": "MJE_PERIOD", "rc_id": "RC_ID", "mje_num": "MJE_NUM", "reverse_flag": "REVERSE_FLAG",
}  # fmt: skip
OTHER_ROWS = "RREV-04014"


def check_entries(
    conn: Connection, client_id: int, upload_id: int, template: UploadTemplateDef, result: PrestageResult
) -> PrestageResult:
    """Pre-stage: the upload's entries balance and agree on their head; else the result with the problems."""
    m = table.c
    zero = Decimal(0)
    labels = {f.col_name: f.label for f in template.fields}
    spreads = [
        func.count(
            func.distinct(func.coalesce(func.cast(m[c.lower()], table.c.mje_num.type), literal("")))
        ).label(c.lower())
        for c in HEAD_COLUMNS
        if c in labels
    ]
    query = (
        select(
            m.mje_num,
            func.min(m.row_num).label("first"),
            func.max(m.row_num).label("last"),
            func.sum(func.coalesce(m.dr_amount, zero)).label("dr"),
            func.sum(func.coalesce(m.cr_amount, zero)).label("cr"),
            *spreads,
        )
        .where(and_(m.client_id == client_id, m.upload_id == upload_id))
        .group_by(m.mje_num)
        .order_by(func.min(m.row_num))
    )
    problems: list[RowError] = []
    for row in conn.execute(query):
        number = row.mje_num or ""
        if row.dr != row.cr:
            problems.append(
                RowError(row.last, labels.get("DR_AMOUNT"), str(row.dr), rules.UNBALANCED,
                         f"entry {number!r} (rows {row.first}-{row.last}) does not balance: debits {row.dr} "
                         f"!= credits {row.cr}")
            )  # fmt: skip
        for column in HEAD_COLUMNS:
            if column in labels and getattr(row, column.lower()) > 1:
                problems.append(
                    RowError(row.last, labels[column], None, rules.MIXED_HEADER,
                             f"the rows of entry {number!r} (rows {row.first}-{row.last}) must have the same "
                             f"{labels[column]}")
                )  # fmt: skip
    if not problems:
        return result
    return PrestageResult(result.data_lines, tuple(problems[:1000]), len(problems))


def _decimal(value: object, default: Decimal) -> Decimal:
    return default if value is None or value == "" else Decimal(str(value))


def _entry(number: str, rows: Sequence[dict[str, object]], upload_id: int) -> tuple[EntryIn, list[Problem]]:
    head = rows[0]
    flag = str(head["REVERSE_FLAG"] or "N").strip().upper()
    found = []
    if flag not in ("Y", "N"):
        found.append(Problem(rules.BAD_VALUE, None, "reverse_flag", f"{flag!r} must be Y or N"))
    period, rc_id = head["MJE_PERIOD"], head["RC_ID"]
    lines = [
        LineIn(str(r["ACCTG_TYPE"] or "").strip().upper(), str(r["ACCTG_SEG"] or ""),
               _decimal(r["DR_AMOUNT"], Decimal(0)), _decimal(r["CR_AMOUNT"], Decimal(0)),
               str(r["LINE_DESC"]) if r["LINE_DESC"] else None)
        for r in rows
    ]  # fmt: skip
    entry = EntryIn(
        lines=lines, currency=str(head["CURR"] or ""), mje_num=number,
        description=str(head["MJE_DESC"]) if head["MJE_DESC"] else None,
        period=int(Decimal(str(period))) if period not in (None, "") else None,
        f_cur=str(head["F_CUR"]) if head["F_CUR"] else None,
        r_cur=str(head["R_CUR"]) if head["R_CUR"] else None,
        ex_rate=_decimal(head["F_EX_RATE"], Decimal(1)), g_ex_rate=_decimal(head["G_EX_RATE"], Decimal(1)),
        rc_id=int(Decimal(str(rc_id))) if rc_id not in (None, "") else None, auto_reverse=flag == "Y",
        source="UPLOAD", upload_id=upload_id,
    )  # fmt: skip
    return entry, found


def _errors(client_id: int, ids: Sequence[int], problems: Sequence[Problem]) -> list[dict[str, Any]]:
    """Stage errors of an entry's rows: a line's problems on its row, the entry's on every row."""
    found = []
    for n, row_id in enumerate(ids, start=1):
        mine = [p for p in problems if p.line in (None, n)]
        if not mine:
            others = sorted({p.line for p in problems if p.line is not None})
            mine = [
                Problem(OTHER_ROWS, n, "lines", f"the entry is not taken: its line(s) {others} have problems")
            ]
        found += [
            {"client_id": client_id, "kind": KIND, "row_id": row_id, "code": p.code,
             "col_name": FIELD_COLUMNS.get(p.field), "message": p.sentence()[:500]}
            for p in mine
        ]  # fmt: skip
    return found


def stage_mje(conn: Connection, job: Job) -> str:
    """The staging job of an MJE upload: each valid entry created and submitted; the others errored."""
    assert job.ref_id is not None
    client = tenancy.get_client(conn, job.client_id)
    assert client is not None
    inbound_repo.replace_errored(conn, table, KIND, job.client_id, job.ref_id)
    by = job.created_by
    caller = Principal(client.id, client.name, 0, by, 0, "upload", frozenset(), client.reporting_currency)
    entries: dict[str, list[tuple[int, dict[str, object]]]] = {}
    for row_id, _, values in read_rows(conn, table, job.ref_id, [c for c, _ in MJE_COLUMNS]):
        entries.setdefault(str(values["MJE_NUM"]), []).append((row_id, values))
    try:
        _, current = service.open_period(conn, job.client_id, None)
        open_key: int | None = current.key
        frozen = service.frozen_problem(current)
        if frozen is not None:  # Soft Close: nothing is posted, so no entry is taken
            open_key, closed = None, Problem(rules.NOT_OPEN_PERIOD, None, "period", frozen)
    except RevrecError as exc:
        open_key, closed = None, Problem(rules.NOT_OPEN_PERIOD, None, "period", exc.message)
    errors: list[dict[str, Any]] = []
    errored: list[int] = []
    for number, rows in entries.items():
        ids = [row_id for row_id, _ in rows]
        entry, problems = _entry(number, [v for _, v in rows], job.ref_id)
        if open_key is None:
            problems.append(closed)
        else:
            problems += service.problems_of(conn, caller, entry, open_key)
        if problems:
            errors += _errors(job.client_id, ids, problems)
            errored += ids
            continue
        stored = service.create(conn, caller, entry)
        service.submit(conn, caller, stored["id"], f"upload {job.ref_id}")
    inbound_repo.insert_errors(conn, errors)
    inbound_repo.set_flags(conn, table, job.client_id, job.ref_id, errored, by)
    m = table.c
    conn.execute(
        update(table)
        .where(same_client(m.client_id, job.client_id), m.upload_id == job.ref_id, m.processed_flag == "N")
        .values(processed_flag="Y")
    )
    inbound_repo.update_upload(conn, job.client_id, job.ref_id, status="Staged",
                               message="Data Staged Successfully", error_lines=len(errored))  # fmt: skip
    return "Warning" if errored else "Completed"
