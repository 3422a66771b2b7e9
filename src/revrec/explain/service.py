"""Explain a stored contract: recompute it from its staged history with the same engine calls the data
collection made, ask :func:`revrec.engine.provenance.explain` where each line's amounts come from, and show
the arithmetic next to the stored figures.

Invariant kept (and tested): every figure an explanation derives (allocated price, a period's revenue, the
deferred balance) equals the stored amount to the cent; ``reproduces`` says so per figure, and is False —
never hidden — when a stored amount was changed after computation (a prospective revision re-spreads what
remains; the explanation then shows the computation as of the contract's last revision).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from revrec.contracts import events, staged
from revrec.contracts import repository as contracts_repo
from revrec.contracts.compute import compute
from revrec.engine.contracts import RevenueContract
from revrec.engine.money import from_minor, quantize, to_minor
from revrec.engine.policies import Policies
from revrec.engine.provenance import PeriodWeights, Provenance, explain
from revrec.engine.releases import LineActivity
from revrec.engine.schedules import cumulative_amounts
from revrec.errors import InvalidInput, NotFound
from revrec.explain import repository as repo
from revrec.explain.discount import with_discount
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy


@dataclass(frozen=True)
class Recomputed:
    """A stored contract next to its recomputation."""

    head: Any
    lines: list[Any]
    contract: RevenueContract
    policies: Policies
    uploads: dict[int, int]
    activity: dict[str, LineActivity] = field(default_factory=dict)  # bills and events, by line


def recompute(conn: Connection, *, client_id: int, rc_id: int) -> Recomputed:
    """Contract ``rc_id`` recomputed from its staged history (NotFound for another client's contract)."""
    head = repo.contract_head(conn, client_id, rc_id)
    client = tenancy.get_client(conn, client_id)
    if head is None or client is None:
        raise NotFound(f"No revenue contract with id {rc_id} for this client; check the RC id")
    policies = policies_for(conn, client)
    so_ids, bill_ids = contracts_repo.history_rows(conn, [rc_id])
    so_rows = staged.by_ids(conn, so_ids)
    activity = sorted(staged.by_ids(conn, bill_ids), key=lambda r: r.row_id)
    history = events.processed_events(conn, client_id, {r.ref or "" for r in so_rows})
    computation = compute(
        so_rows, activity, policies, template=head.template, open_period=head.updt_prd_id, events=history
    )
    computed = next((c for c in computation.contracts if c.contract.key == head.rc_key), None)
    if computed is None:
        raise NotFound(f"Revenue contract {head.rc_key} cannot be recomputed from its staged lines")
    return Recomputed(
        head, repo.current_lines(conn, rc_id), computed.contract, policies, repo.source_uploads(conn, so_ids),
        dict(computed.engine_activity or {}),
    )  # fmt: skip


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def allocation_steps(p: Provenance, price: Decimal) -> dict[str, Any]:
    """The allocation arithmetic: price × share, rounded half up, plus the rounding remainder if any."""
    steps: dict[str, Any] = {
        "method": p.allocation_method,
        "currency": p.allocation_currency,
        "transaction_price": str(price),
        "ssp": _text(p.ssp),
        "ssp_rule": p.ssp_rule,
        "ssp_type": p.ssp_type,
        "range_position": p.range_position,
        "share": _text(p.share),
        "allocatable": str(p.allocatable),
        "allocated": str(p.allocated),
        "carve": str(p.carve),
        "remainder_line": p.remainder_line,
    }
    if p.share is None:
        steps["formula"] = "not allocated: allocated = allocatable"
        steps["computed"] = str(p.allocatable)
        return steps
    exact = price * p.share
    rounded = quantize(exact, p.allocation_currency)
    remainder = p.allocated - rounded if p.remainder_line else Decimal(0)
    steps.update(
        exact=str(exact),
        rounded=str(rounded),
        remainder=str(remainder),
        formula=f"{price} × {p.share} = {exact} → rounded half up {rounded}"
        + (f" + remainder {remainder}" if p.remainder_line else ""),
        computed=str(rounded + remainder),
    )
    return steps


def _difference(running: list[int], index: int, currency: str) -> tuple[Decimal, Decimal]:
    """(running total before period ``index``, running total through it)."""
    before = running[index - 1] if index else 0
    return from_minor(before, currency), from_minor(running[index], currency)


def _period_steps(p: Provenance, schedule: Any) -> dict[str, Any]:
    """A period's net revenue by cumulative rounding: the running allocated total through it minus the one
    before; split into the line's own revenue (schedule type R) and the carve (type A)."""
    assert p.period is not None
    index, currency = schedule.periods.index(p.period), schedule.currencies[0]
    before, through = _difference(list(schedule.running_allocated[0]), index, currency)
    rev_before, rev_through = _difference(list(schedule.running_revenue[0]), index, currency)
    revenue = rev_through - rev_before
    return {
        "period": p.period,
        "ratable_method": p.ratable_method,
        "accounting_method": p.accounting_method,
        "released": str(p.released),
        "cumulative_through": str(through),
        "cumulative_before": str(before),
        "fraction_earned_through": str(Fraction(through) / Fraction(p.allocated)) if p.allocated else None,
        "formula": f"{through} − {before} = {through - before}",
        "computed": str(through - before),
        "revenue": str(revenue),
        "carve": str(through - before - revenue),
        "deferred_after": str(p.allocated - through),
        "weights": None if p.weights is None else _weight_steps(p, p.weights, currency, (before, through)),
    }


def _running(total: Decimal, fraction: Fraction, currency: str) -> tuple[str, Decimal]:
    """``= total × fraction`` (exact, or ``≈`` it to 28 digits) and as the schedules round it: the engine's
    own cumulative rounding (half away from zero, in minor units)."""
    exact = Fraction(total) * fraction
    shown = Decimal(exact.numerator) / Decimal(exact.denominator)
    mark = "= " if Fraction(shown) == exact else "≈ "
    minor = cumulative_amounts(to_minor(total, currency), (fraction.numerator,), fraction.denominator)[0]
    return f"{mark}{shown:f}", from_minor(minor, currency)


def _weight_steps(
    p: Provenance, w: PeriodWeights, currency: str, stored: tuple[Decimal, Decimal]
) -> dict[str, Any]:
    """The ratable arithmetic of one period from its weights: the running fraction through the period and
    the one before, each times the allocated amount and rounded; their difference is the period's amount.
    ``agrees`` says whether it gives the running totals the schedule holds (it must, to the cent)."""
    assert p.period is not None
    through_f, before_f = w.fraction_through(p.period), w.fraction_before(p.period)
    through_exact, through = _running(p.allocated, through_f, currency)
    before_exact, before = _running(p.allocated, before_f, currency)
    index = w.periods.index(p.period)
    c_through, c_before = w.cumulative[index], w.cumulative[index - 1] if index else 0
    return {
        "unit": w.unit,
        "denominator": w.denominator,
        "periods": [
            {"period": k, "weight": wt, "cumulative": c}
            for k, wt, c in zip(w.periods, w.weights, w.cumulative, strict=True)
        ],
        "weight": w.weights[index],
        "fraction_through": f"{c_through}/{w.denominator}",
        "fraction_before": f"{c_before}/{w.denominator}",
        "formula": (
            f"{p.allocated} × {c_through}/{w.denominator} {through_exact} → {through}; "
            f"{p.allocated} × {c_before}/{w.denominator} {before_exact} → {before}; "
            f"{through} − {before} = {through - before}"
        ),
        "computed": str(through - before),
        "cumulative_rounding": w.cumulative_rounding,
        "agrees": w.cumulative_rounding and (before, through) == stored,
    }


def _stored_period(packed: Any, index: int, currency: str) -> Decimal:
    """The stored net revenue (revenue plus carve) of calendar period ``index``."""
    minor = sum(packed.through(kind, 0, index) - packed.through(kind, 0, index - 1) for kind in ("R", "A"))
    return from_minor(minor, currency)


def explain_line(
    conn: Connection, *, client_id: int, rc_id: int, line_id: str, period: int | None = None
) -> dict[str, Any]:
    """How line ``line_id`` of contract ``rc_id`` got its allocated price (and ``period``'s revenue)."""
    found = recompute(conn, client_id=client_id, rc_id=rc_id)
    stored = next((row for row in found.lines if row.line_id == line_id), None)
    if stored is None:
        raise NotFound(f"Contract {found.head.rc_key} has no current line {line_id!r}; check the line id")
    schedule = next((s for s in found.contract.schedules if s.line_id == line_id), None)
    if period is not None and (schedule is None or period not in schedule.periods):
        raise InvalidInput(
            f"Line {line_id!r} has no revenue in period {period}; pick a period of its schedule"
        )
    p = explain(
        found.contract, found.policies, line_id, period,
        activity=found.activity.get(line_id), open_period=found.head.updt_prd_id,
    )  # fmt: skip
    allocation = allocation_steps(p, found.contract.allocation.transaction_price)
    with_discount(allocation, found.contract.allocation, line_id, found.policies)
    allocation["stored"] = str(stored.allocated)
    allocation["reproduces"] = Decimal(allocation["computed"]) == stored.allocated
    result: dict[str, Any] = {
        "rc_id": rc_id,
        "rc_key": found.head.rc_key,
        "line_id": line_id,
        "pob": {"key": p.pob_key, "template": p.pob_template, "release_event": p.release_event},
        "allocation": allocation,
        "source": {
            "stage_row_id": int(stored.stage_row_id),
            "upload_id": found.uploads.get(int(stored.stage_row_id)),
            "ext_sell_price": _text(stored.ext_sll_prc),
            "ext_list_price": _text(stored.ext_lst_prc),
            "quantity": _text(stored.ord_qty),
        },
        "revision": {"version": found.head.version, "computed_in_period": found.head.updt_prd_id},
    }
    if period is not None and schedule is not None:
        steps = _period_steps(p, schedule)
        packed = contracts_repo.current_schedules(conn, [rc_id]).get(line_id)
        index = found.policies.calendar.index_of_key(period)
        stored_amount = _stored_period(packed[2], index, schedule.currencies[0]) if packed else None
        steps["stored"] = _text(stored_amount)
        steps["reproduces"] = stored_amount is not None and Decimal(steps["computed"]) == stored_amount
        result["period"] = steps
    return result


def explain_contract(conn: Connection, *, client_id: int, rc_id: int) -> dict[str, Any]:
    """Every line's allocation explanation of contract ``rc_id`` (one recomputation for all lines)."""
    found = recompute(conn, client_id=client_id, rc_id=rc_id)
    price = found.contract.allocation.transaction_price
    lines = []
    for row in found.lines:
        steps = allocation_steps(explain(found.contract, found.policies, row.line_id), price)
        with_discount(steps, found.contract.allocation, row.line_id, found.policies)
        steps.update(line_id=row.line_id, stored=str(row.allocated))
        steps["reproduces"] = Decimal(steps["computed"]) == row.allocated
        lines.append(steps)
    return {"rc_id": rc_id, "rc_key": found.head.rc_key, "transaction_price": str(price), "lines": lines}
