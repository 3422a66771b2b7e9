"""Cost use cases: record staged cost lines (the Cost Process) and test capitalised costs for impairment.

Recording a cost line (ASC 340-40): its related revenue line must be in a contract (until it is, the cost
line waits in staging); its cost type decides expense or capitalise-and-amortise (revrec.engine.costs);
what falls before the open period is booked in the open period, so closed periods never move. The plan is
computed in transaction currency; the functional and reporting amounts are the converted total spread along
the same plan (cumulative rounding), so each currency's schedule sums exactly to the cost in that currency.

Services never commit: the caller's transaction is the unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from revrec.contracts import returns_settings
from revrec.contracts.returns_reserve import GOODS_COST
from revrec.costs import repository as repo
from revrec.costs.settings import CostSettingsDoc
from revrec.engine import costs as engine
from revrec.engine.calendar import AccountingCalendar
from revrec.engine.money import from_minor, round_div, to_minor
from revrec.errors import InvalidInput, NotFound
from revrec.inbound.codes import message
from revrec.periods.service import OpenPeriod, Scope

CHUNK = 1000


@dataclass(slots=True)
class CostTally:
    recorded: int = 0
    capitalised: int = 0
    errored: int = 0
    waiting: int = 0
    warnings: list[engine.CostWarning] = field(default_factory=list)


def _revenue(row: Any) -> tuple[int | None, list[int]]:
    """The related line's net revenue (R + A) per period from its schedule's first index."""
    if row.first_index is None:
        return None, []
    rev, cv = repo.decode(row.rev_t), repo.decode(row.cv_t)
    running = [r + (cv[i] if i < len(cv) else 0) for i, r in enumerate(rev)]
    return int(row.first_index), [b - a for a, b in zip([0, *running], running, strict=False)]


def _amounts(row: Any, reporting_currency: str) -> tuple[int, int, int]:
    amount: Decimal = row.cost_amt
    f_rate: Decimal = row.f_ex_rate if row.f_ex_rate is not None else Decimal(1)
    g_rate: Decimal = row.g_ex_rate if row.g_ex_rate is not None else Decimal(1)
    functional = amount * f_rate
    return (
        to_minor(amount, row.curr),
        to_minor(functional, row.f_cur),
        to_minor(functional * g_rate, reporting_currency),
    )


def _schedule_rows(
    plan: engine.CostPlan, totals: tuple[int, int, int], calendar: AccountingCalendar, open_key: int
) -> list[dict[str, Any]]:
    """One row per entry of ``plan``; F and R amounts spread along the T amounts (exact in each currency)."""
    booked = engine.entries(plan)
    weights = [e.amount for e in booked if e.kind == "AMORTISE"]
    f_parts = iter(engine.spread(totals[1], weights)) if weights else iter(())
    r_parts = iter(engine.spread(totals[2], weights)) if weights else iter(())
    rows = []
    for e in booked:
        if e.kind == "AMORTISE":
            f, r = next(f_parts), next(r_parts)
        else:
            f, r = totals[1], totals[2]
        rows.append({
            "period_key": calendar.periods[e.index].key, "entry_kind": e.kind, "dr_type": e.debit,
            "cr_type": e.credit, "amount_t": e.amount, "amount_f": f, "amount_r": r, "crtd_prd_id": open_key,
        })  # fmt: skip
    return rows


def record_costs(
    conn: Connection,
    *,
    scope: Scope,
    open_period: OpenPeriod,
    calendar: AccountingCalendar,
    settings: CostSettingsDoc,
    reporting_currency: str,
    by: str,
) -> CostTally:
    """Record every staged cost line whose related line is in a contract of the scope's book."""
    tally, after = CostTally(), 0
    types = settings.types()
    return_terms = returns_settings.matcher(returns_settings.load(conn, scope.client_id))
    while rows := repo.staged_costs(conn, scope.client_id, after, CHUNK):
        after = rows[-1].id
        related = repo.related_lines(conn, scope.client_id, (r.so_line_id for r in rows), scope.book_id)
        recorded = repo.recorded_cost_ids(conn, scope.client_id, (r.cost_line_id for r in rows))
        done, errors = [], []
        for row in rows:
            line = related.get(row.so_line_id)
            if line is None or line.org_id != scope.org_id:
                tally.waiting += 1
                continue
            problem = _problem(row, types, recorded)
            if problem is not None:
                errors.append((row.id, *problem))
                continue
            recorded.add(row.cost_line_id)
            if _goods_cost(types[row.cost_type], line, return_terms):
                _record_goods_cost(
                    conn,
                    row,
                    line,
                    types[row.cost_type],
                    settings,
                    scope=scope,
                    open_period=open_period,
                    reporting_currency=reporting_currency,
                    by=by,
                )
                tally.recorded += 1
                done.append(row.id)
                continue
            plan = _record(
                conn, row, line, types[row.cost_type], settings, scope=scope, open_period=open_period,
                calendar=calendar, reporting_currency=reporting_currency, by=by,
            )  # fmt: skip
            tally.recorded += 1
            tally.capitalised += plan.capitalised
            tally.warnings.extend(plan.warnings)
            done.append(row.id)
        repo.mark_rows(conn, scope.client_id, done, "Y", by)
        repo.mark_rows(conn, scope.client_id, [e[0] for e in errors], "E", by)
        repo.insert_errors(conn, scope.client_id, errors)
        tally.errored += len(errors)
    return tally


def _problem(row: Any, types: dict[str, engine.CostType], recorded: set[str]) -> tuple[str, str, str] | None:
    if row.cost_line_id in recorded:
        code = "RREV-04306"
        return code, "COST_LINE_ID", message(code, cost_line_id=row.cost_line_id)
    if row.cost_type not in types:
        code = "RREV-04307"
        return code, "COST_TYPE", message(code, cost_type=row.cost_type)
    return None


def _goods_cost(cost_type: engine.CostType, line: Any, return_terms: dict[Any, Any]) -> bool:
    """A fulfilment cost of a line sold with a right of return (setup section ``returns``) is the cost of
    its goods: the return reserve books it (inventory Q, cost of sales O, asset S), the Cost Process not."""
    if cost_type.kind != "FULFIL":
        return False
    return returns_settings.terms_for(return_terms, line.item_num, line.prod_fmly) is not None


def _record_goods_cost(
    conn: Connection,
    row: Any,
    line: Any,
    cost_type: engine.CostType,
    settings: CostSettingsDoc,
    *,
    scope: Scope,
    open_period: OpenPeriod,
    reporting_currency: str,
    by: str,
) -> None:
    """Record the cost line (treatment ``RETURN_RESERVE``, not capitalised) without schedule rows."""
    totals = _amounts(row, reporting_currency)
    repo.insert_cost(
        conn,
        _cost_values(
            row,
            line,
            cost_type,
            settings,
            scope,
            open_period,
            reporting_currency,
            by,
            totals,
            GOODS_COST,
            capitalised=False,
        ),
    )


def _cost_values(
    row: Any,
    line: Any,
    cost_type: engine.CostType,
    settings: CostSettingsDoc,
    scope: Scope,
    open_period: OpenPeriod,
    reporting_currency: str,
    by: str,
    totals: tuple[int, int, int],
    treatment: str,
    *,
    capitalised: bool,
) -> dict[str, Any]:
    return {
        "client_id": scope.client_id, "book_id": scope.book_id, "org_id": scope.org_id, "rc_id": line.rc_id,
        "cost_line_id": row.cost_line_id, "line_id": row.so_line_id, "stage_row_id": row.id,
        "cost_type": cost_type.name, "cost_kind": cost_type.kind, "treatment": treatment,
        "capitalised_flag": capitalised, "item_num": row.item_num, "incurred_date": row.start_date,
        "curr": row.curr, "f_cur": row.f_cur, "r_cur": reporting_currency,
        "f_ex_rate": row.f_ex_rate if row.f_ex_rate is not None else Decimal(1),
        "g_ex_rate": row.g_ex_rate if row.g_ex_rate is not None else Decimal(1),
        "amount_t": totals[0], "amount_f": totals[1], "amount_r": totals[2],
        "asset_segments": row.cost_def_segments, "expense_segments": row.cost_rev_segments,
        "payable_segments": settings.payable_account, "impairment_segments": settings.impairment_account,
        "crtd_prd_id": open_period.key, "crtd_by": by, "crtd_dt": repo.now(),
    }  # fmt: skip


def _record(
    conn: Connection,
    row: Any,
    line: Any,
    cost_type: engine.CostType,
    settings: CostSettingsDoc,
    *,
    scope: Scope,
    open_period: OpenPeriod,
    calendar: AccountingCalendar,
    reporting_currency: str,
    by: str,
) -> engine.CostPlan:
    totals = _amounts(row, reporting_currency)
    first, revenue = _revenue(line)
    incurred = calendar.index_of(row.start_date)
    plan = engine.plan_cost(
        cost=row.cost_line_id, amount=totals[0], cost_type=cost_type, incurred_index=incurred,
        related_line=row.so_line_id, revenue_first_index=first, revenue=revenue,
    )  # fmt: skip
    if incurred < open_period.index:
        period = calendar.periods[incurred].key
        late = engine.warning("REVREC-ENG-063", cost=row.cost_line_id, period=period)
        plan = engine.in_open_period(plan, open_period.index)
        plan = engine.CostPlan(plan.capitalised, plan.amount, plan.booked_index, plan.first_index,
                               plan.amortisation, (*plan.warnings, late))  # fmt: skip
    cost_id = repo.insert_cost(conn, _cost_values(
        row, line, cost_type, settings, scope, open_period, reporting_currency, by, totals,
        cost_type.treatment, capitalised=plan.capitalised,
    ))  # fmt: skip
    rows = _schedule_rows(plan, totals, calendar, open_period.key)
    repo.insert_schedule(
        conn, [{**r, "client_id": scope.client_id, "cost_id": cost_id, "rc_id": line.rc_id} for r in rows]
    )
    return plan


# --- impairment ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImpairmentResult:
    cost_line_id: str
    period: int
    carrying: Decimal
    remaining_consideration: Decimal
    costs_to_provide: Decimal
    loss: Decimal
    warnings: tuple[engine.CostWarning, ...]


def run_impairment_test(
    conn: Connection,
    *,
    scope: Scope,
    open_period: OpenPeriod,
    calendar: AccountingCalendar,
    cost_line_id: str,
    costs_to_provide: Decimal,
    remaining_consideration: Decimal | None = None,
) -> ImpairmentResult:
    """The impairment test of ASC 340-40-35-3 at the end of the open period; a loss is booked Dr H / Cr G
    in the open period and the rest of the asset amortised over the remaining periods. Never reversed."""
    cost = repo.cost_by_line_id(conn, scope.client_id, cost_line_id)
    if cost is None or cost.book_id != scope.book_id or cost.org_id != scope.org_id:
        raise NotFound(f"cost line {cost_line_id!r} is not recorded")
    if not cost.capitalised_flag:
        raise InvalidInput(f"cost line {cost_line_id!r} was expensed: there is no asset to test")
    if costs_to_provide < 0:
        raise InvalidInput("costsToProvide must not be negative")
    rows = repo.schedule_of(conn, scope.client_id, cost.id)
    carrying = _carrying(rows, open_period.key, cost.amount_t)
    remaining = (
        to_minor(remaining_consideration, cost.curr)
        if remaining_consideration is not None
        else _remaining_consideration(conn, scope, cost.line_id, open_period.index)
    )
    to_provide = to_minor(costs_to_provide, cost.curr)
    loss = engine.impairment_loss(
        carrying=carrying, remaining_consideration=remaining, costs_to_provide=to_provide
    )
    warnings: tuple[engine.CostWarning, ...] = ()
    if loss:
        _book_impairment(conn, scope, cost, rows, open_period, calendar, loss)
        shown = f"{from_minor(loss, cost.curr)} {cost.curr}"
        warnings = (engine.warning("REVREC-ENG-062", cost=cost_line_id, loss=shown, period=open_period.key),)
    return ImpairmentResult(
        cost_line_id, open_period.key, from_minor(carrying, cost.curr), from_minor(remaining, cost.curr),
        from_minor(to_provide, cost.curr), from_minor(loss, cost.curr), warnings,
    )  # fmt: skip


def _carrying(rows: Sequence[Any], through_key: int, amount: int, column: str = "amount_t") -> int:
    """Capitalised less amortisation and impairment booked through period ``through_key``."""
    released = sum(
        int(getattr(r, column)) for r in rows if r.cr_type == engine.ASSET and r.period_key <= through_key
    )
    return int(amount) - released


def _remaining_consideration(conn: Connection, scope: Scope, line_id: str, open_index: int) -> int:
    """The related line's allocated amount not yet recognised as revenue at the end of the open period."""
    line = repo.related_lines(conn, scope.client_id, (line_id,), scope.book_id).get(line_id)
    if line is None:
        return 0
    first, revenue = _revenue(line)
    recognised = 0 if first is None else sum(revenue[: max(open_index - first + 1, 0)])
    return to_minor(line.allocated, line.curr) - recognised


def _book_impairment(
    conn: Connection,
    scope: Scope,
    cost: Any,
    rows: Sequence[Any],
    open_period: OpenPeriod,
    calendar: AccountingCalendar,
    loss: int,
) -> None:
    """IMPAIR row in the open period; the AMORTISE rows after it shrunk (engine.impair), in T, F and R."""
    later = [r for r in rows if r.entry_kind == "AMORTISE" and r.period_key > open_period.key]
    index_of = {r.period_key: calendar.index_of_key(r.period_key) for r in later}
    first = open_period.index + 1
    last = max(index_of.values(), default=open_period.index)
    dense = [0] * (last - open_period.index)
    for r in later:
        dense[index_of[r.period_key] - first] += r.amount_t
    carry_t = _carrying(rows, open_period.key, cost.amount_t)
    carry_f = _carrying(rows, open_period.key, cost.amount_f, "amount_f")
    carry_r = _carrying(rows, open_period.key, cost.amount_r, "amount_r")
    loss_f, loss_r = round_div(loss * carry_f, carry_t), round_div(loss * carry_r, carry_t)
    new_t = engine.impair(dense, first, open_period.index, loss) if dense else ()
    base = {
        "client_id": scope.client_id,
        "cost_id": cost.id,
        "rc_id": cost.rc_id,
        "crtd_prd_id": open_period.key,
    }
    impair_row = {
        **base, "period_key": open_period.key, "entry_kind": "IMPAIR", "dr_type": engine.IMPAIRMENT,
        "cr_type": engine.ASSET, "amount_t": loss, "amount_f": loss_f, "amount_r": loss_r,
    }  # fmt: skip
    new_rows = []
    if any(new_t):
        f_parts = engine.spread(carry_f - loss_f, new_t)
        r_parts = engine.spread(carry_r - loss_r, new_t)
        for offset, t in enumerate(new_t):
            if t or f_parts[offset] or r_parts[offset]:
                key = calendar.periods[first + offset].key
                new_rows.append({
                    **base, "period_key": key, "entry_kind": "AMORTISE", "dr_type": engine.EXPENSE_ACCOUNT,
                    "cr_type": engine.ASSET, "amount_t": t, "amount_f": f_parts[offset],
                    "amount_r": r_parts[offset],
                })  # fmt: skip
    repo.replace_amortisation_after(conn, scope.client_id, cost.id, open_period.key, [impair_row, *new_rows])
