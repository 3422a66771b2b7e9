"""Staging of variable consideration estimates (upload kind ``vc``, template ``Standard VC``).

Each row is one estimate: the SO line (``SO_LINE_ID``, staged or collected), a VC type enabled in the
setup section ``variable_consideration``, the estimate date, and either a most likely amount
(``ML_AMT``) or up to four scenarios (``SCNn_AMT`` with ``SCNn_PCT``, percentages totalling 100). A VC type
with volume tiers takes the expected volume (``EXP_QTY``) instead of an amount. ``ACTUAL_FLAG`` ``Y`` marks
the settled (actual) amount, given as ``ML_AMT``. Valid rows become ``N`` and are the estimates the
reassessment reads; invalid rows ``E``, every problem in ``stage_error`` with its column (codes
RREV-041xx).
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from revrec.db.stage_columns import VC_COLUMNS
from revrec.db.tables import stage_line, vc_estimate
from revrec.inbound import repository as repo
from revrec.inbound.bulk import read_rows
from revrec.inbound.codes import message
from revrec.inbound.problems import LineError
from revrec.jobs.queue import Job
from revrec.vc import repository as vc_repo
from revrec.vc import settings as vc_settings
from revrec.vc.settlement import SETTLING_TYPES

KIND = "vc"
SCENARIOS = range(1, 5)
_SO_TYPES = ("SO", "RORD")
_STAGED = ("N", "Y")
HUNDRED = Decimal(100)


def _err(code: str, column: str | None, **params: object) -> LineError:
    return LineError(code, message(code, **params), column)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_estimate(
    values: Mapping[str, object], setting: vc_settings.VcSettingDoc, known_lines: Container[str]
) -> list[LineError]:
    """Every problem of one estimate row (empty when valid)."""
    errors: list[LineError] = []
    line = values.get("SO_LINE_ID")
    if _blank(line):
        errors.append(_err("RREV-04101", "SO_LINE_ID"))
    elif str(line) not in known_lines:
        errors.append(_err("RREV-04111", "SO_LINE_ID", line=line))
    vc_type_name = "" if _blank(values.get("VC_TYPE")) else str(values["VC_TYPE"]).strip()
    vc_type = setting.type_named(vc_type_name)
    if vc_type is None:
        errors.append(_err("RREV-04102", "VC_TYPE", vc_type=vc_type_name))
    if values.get("EST_DATE") is None:
        errors.append(_err("RREV-04103", "EST_DATE"))
    flag = "" if _blank(values.get("ACTUAL_FLAG")) else str(values["ACTUAL_FLAG"]).strip().upper()
    if flag not in ("", "Y", "N"):
        errors.append(_err("RREV-04108", "ACTUAL_FLAG"))
    given = [
        n for n in SCENARIOS if values.get(f"SCN{n}_AMT") is not None or values.get(f"SCN{n}_PCT") is not None
    ]
    amount = values.get("ML_AMT")
    if vc_type is not None and vc_type.tiers is not None:
        qty = values.get("EXP_QTY")
        if qty is None or Decimal(str(qty)) < 0 or amount is not None or given:
            errors.append(_err("RREV-04109", "EXP_QTY", vc_type=vc_type.name))
        return errors
    if flag == "Y":
        if amount is None or given:
            errors.append(_err("RREV-04110", "ML_AMT"))
        return errors
    if amount is None and not given:
        errors.append(_err("RREV-04104", "ML_AMT"))
    total = Decimal(0)
    for n in given:
        amt, pct = values.get(f"SCN{n}_AMT"), values.get(f"SCN{n}_PCT")
        if amt is None or pct is None:
            missing = f"Scenario {n} Amt" if amt is None else f"Scenario {n} Pct"
            present = f"Scenario {n} Pct" if amt is None else f"Scenario {n} Amt"
            errors.append(_err("RREV-04105", f"SCN{n}_{'AMT' if amt is None else 'PCT'}", n=n, given=present,
                               missing=missing))  # fmt: skip
            continue
        share = Decimal(str(pct))
        if share <= 0 or share > HUNDRED:
            errors.append(_err("RREV-04107", f"SCN{n}_PCT", n=n, pct=share))
        total += share
    if given and total != HUNDRED and not any(e.code in ("RREV-04105", "RREV-04107") for e in errors):
        errors.append(_err("RREV-04106", "SCN1_PCT", total=total))
    return errors


def settlement_errors(conn: Connection, client_id: int, upload_id: int) -> dict[int, list[LineError]]:
    """The upload's INV / CM lines whose settlement attribute (setup ``variable_consideration``) names no
    enabled VC type (RREV-04112), by staging id; none when the attribute is not configured."""
    setting = vc_settings.load(conn, client_id)
    attribute = setting.settlement_attribute
    if attribute is None:
        return {}
    found: dict[int, list[LineError]] = {}
    for row_id, value in vc_repo.settlement_candidates(conn, upload_id, attribute, sorted(SETTLING_TYPES)):
        name = value.strip()
        if name and setting.type_named(name) is None:
            found[row_id] = [_err("RREV-04112", attribute, attribute=attribute, value=name)]
    return found


def stage_vc(conn: Connection, job: Job) -> str:
    """The staging job of a ``vc`` upload (one transaction with the job's completion)."""
    assert job.ref_id is not None
    repo.replace_errored(conn, vc_estimate, KIND, job.client_id, job.ref_id)
    setting = vc_settings.load(conn, job.client_id)
    columns = [c for c, _ in VC_COLUMNS]
    rows = [(row_id, values) for row_id, _, values in read_rows(conn, vc_estimate, job.ref_id, columns)]
    wanted = sorted({str(v["SO_LINE_ID"]) for _, v in rows if not _blank(v["SO_LINE_ID"])})
    known = repo.existing_keys(conn, stage_line, job.client_id, wanted, _STAGED, _SO_TYPES)
    errored = {row_id: errs for row_id, v in rows if (errs := validate_estimate(v, setting, known))}
    error_rows: list[dict[str, Any]] = [
        {"client_id": job.client_id, "kind": KIND, "row_id": row_id, "code": e.code, "col_name": e.column,
         "message": e.message[:500]}
        for row_id, errs in errored.items() for e in errs
    ]  # fmt: skip
    repo.insert_errors(conn, error_rows)
    repo.set_flags(conn, vc_estimate, job.client_id, job.ref_id, sorted(errored), job.created_by)
    repo.update_upload(conn, job.client_id, job.ref_id, status="Staged", message="Data Staged Successfully",
                       error_lines=len(errored))  # fmt: skip
    return "Warning" if errored else "Completed"
