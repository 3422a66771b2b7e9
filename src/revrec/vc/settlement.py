"""Variable consideration settled against actual billing (docs/judgment.md, "Settlement by billing").

With ``variable_consideration.settlement_attribute`` set (e.g. ``ATR5``), an ``INV`` or ``CM`` transaction
line whose attribute names an enabled VC type is a *settlement bill* of its SO line and that type: the
bonus invoiced, the rebate credited. Staging validates it as any bill and refuses it (RREV-04112) when the
attribute names no enabled VC type. The Data Collection keeps it out of the contract computation (it is not
a price change, a concession nor a credit) and out of ``rc_bill``: it is stored in ``vc_settlement`` in the
open period (a bill is due once its invoice date is before the open period's end), and its staging line
becomes ``Y``.

The sum of a line's settlement bills of a type is then the actual of that line and type in the
reassessment (revrec.vc.service): it wins over estimates and is never constrained (an ``Actual Flag Y``
row of the ``Standard VC`` upload, the amount agreed, still wins over it: the bills then settle it in part
or in full). Each settlement bill books, in its period, Dr billing clearing ``C`` / Cr VC clearing ``K``
(an invoice) or the reverse (a credit memo's negative amount), so ``K`` nets to zero once the VC allocated
is fully settled: ``K`` = −allocated + settled (net credit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Connection

from revrec.contracts import repository as contracts_repo
from revrec.contracts.persist import Context
from revrec.contracts.staged import StagedRow
from revrec.engine.money import from_minor, to_minor
from revrec.inbound.codes import message
from revrec.vc import repository as repo
from revrec.vc import settings as vc_settings

#: the transaction line types that can settle variable consideration
SETTLING_TYPES: Final = frozenset({"INV", "CM"})
#: the contract computation's code for a billing line whose SO line is in no contract
NO_CONTRACT: Final = "RPRO-00600"


def settled_type(row: StagedRow, setting: vc_settings.VcSettingDoc) -> str | None:
    """The VC type an ``INV`` / ``CM`` row settles, or None (an ordinary bill, or not a bill)."""
    attribute = setting.settlement_attribute
    if attribute is None or row.type not in SETTLING_TYPES:
        return None
    value = (row.line.attributes.get(attribute) or "").strip()
    return value or None


def split(
    conn: Connection, ctx: Context, activity: Sequence[StagedRow]
) -> tuple[list[StagedRow], list[tuple[StagedRow, str]]]:
    """The chunk's activity rows without its settlement bills, and the settlement bills with their type."""
    if not any(row.type in SETTLING_TYPES for row in activity):
        return list(activity), []
    setting = vc_settings.load(conn, ctx.scope.client_id)
    if setting.settlement_attribute is None:
        return list(activity), []
    ordinary: list[StagedRow] = []
    settling: list[tuple[StagedRow, str]] = []
    for row in activity:
        name = settled_type(row, setting)
        if name is None:
            ordinary.append(row)
        else:
            settling.append((row, name))
    return ordinary, settling


def collect(
    conn: Connection, ctx: Context, settling: Sequence[tuple[StagedRow, str]], by: str
) -> tuple[list[int], list[tuple[int, str, str]]]:
    """Store the settlement bills whose SO line is now in a contract of the scope (after the chunk's
    contracts were written); returns the staging ids collected and the errors (id, code, message). A bill
    whose SO line is still waiting in staging stays ``N``; one whose line is in no contract, or whose
    currency is not its line's, is an error."""
    if not settling:
        return [], []
    client_id = ctx.scope.client_id
    refs = {row.ref or "" for row, _ in settling}
    lines = repo.scope_lines(conn, ctx.scope, refs)
    waiting = contracts_repo.pending_so_refs(conn, client_id, refs - set(lines))
    rows: list[dict[str, Any]] = []
    collected: list[int] = []
    errors: list[tuple[int, str, str]] = []
    for row, vc_type in settling:
        line = lines.get(row.ref or "")
        if line is None:
            if row.ref not in waiting:
                errors.append((row.row_id, NO_CONTRACT, message(NO_CONTRACT)))
            continue
        if row.line.curr != line.curr or row.line.f_cur != line.f_cur:
            code = "RREV-04113"
            errors.append((row.row_id, code, message(code, curr=line.curr, f_cur=line.f_cur)))
            continue
        amount_t, amount_f, amount_r = amounts(row, ctx.reporting_currency)
        rows.append(
            {"client_id": client_id, "book_id": ctx.scope.book_id, "org_id": ctx.scope.org_id,
             "rc_id": int(line.rc_id), "line_id": line.line_id, "vc_type": vc_type,
             "period_key": ctx.open.key,
             "type": row.type, "inv_num": row.get("INV_NUM"), "inv_line_id": row.line.inv_line_id or None,
             "inv_date": row.line.inv_date, "curr": line.curr, "f_cur": line.f_cur,
             "r_cur": ctx.reporting_currency, "amount_t": amount_t, "amount_f": amount_f,
             "amount_r": amount_r, "stage_row_id": row.row_id, "crtd_by": by, "crtd_dt": ctx.created_at}
        )  # fmt: skip
        collected.append(row.row_id)
    repo.insert_settlements(conn, rows)
    # the contracts' VC changed: the next reassessment of the open period recomputes them
    repo.stamp_contracts(conn, client_id, {int(r["rc_id"]) for r in rows}, ctx.created_at)
    return collected, errors


def amounts(row: StagedRow, reporting_currency: str) -> tuple[int, int, int]:
    """The bill's amount in T/F/R minor units: Ext Sll Prc (negative for a credit memo), then x F Ex Rate and
    x G Ex Rate, each rounded once to its currency (as ordinary bills, revrec.contracts.persist)."""
    line = row.line
    t = to_minor(line.ext_sll_prc, line.curr)
    f = to_minor(from_minor(t, line.curr) * line.f_ex_rate, line.f_cur) if t else 0
    r = to_minor(from_minor(f, line.f_cur) * line.g_ex_rate, reporting_currency) if f else 0
    return t, f, r
