"""Rights of return and contract costs in the standard reports (docs/outbound.md): the movements of the
refund liability (N), the right-of-return asset (S) and the contract cost asset (G) as SQL pieces of the
``deferred-rollforward`` and ``revenue-waterfall`` selects (revrec.reports.schedules).

* Reserve movements come from ``rc_return_reserve`` (revrec.contracts.returns_reserve): a line's position at
  the end of a period; the movement of a period is the change from the line's previous row, exactly what the
  journal books (revrec.accounting.returns_entries). An increase of the refund liability is revenue deferred
  to N (Cr N), a decrease releases it (Dr N: consumed by an actual return or reassessed down).
* Cost movements come from ``rc_cost_schedule`` (revrec.costs): amounts debited to G (capitalised) and
  credited to G (amortised or impaired); amortisation is the AMORTISE rows (Dr I / Cr G).

Amounts are minor units in T, F and R, as the stored rows carry them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Select, and_, case, func, literal_column, select

from revrec.db.tables import rc_cost, rc_cost_schedule, rc_return_reserve
from revrec.reports.periods import Span

CURRENCIES = ("t", "f", "r")
MEASURES = ("OPENING", "ADDITIONS", "RELEASES", "CLOSING")
#: (account type, column name part, kind prefix in the movement union)
ACCOUNTS = (("N", "REFUND_LIAB", "rn"), ("S", "RETURN_ASSET", "rs"), ("G", "COST_ASSET", "cg"))
#: the movement kinds per account: balance before FROM, additions and releases FROM..TO
ROLLFORWARD_KINDS = tuple(f"{p}{k}" for _, _, p in ACCOUNTS for k in ("0", "add", "rel"))
ROLLFORWARD_COLUMNS = tuple(
    f"{x.upper()}_{name}_{m}" for _, name, _ in ACCOUNTS for x in CURRENCIES for m in MEASURES
)
WATERFALL_COLUMNS = (
    "T_RFND_LIAB_AMT", "F_RFND_LIAB_AMT", "R_RFND_LIAB_AMT",  # + deferred to N, - released from N
    "T_COST_AMORT_AMT", "F_COST_AMORT_AMT", "R_COST_AMORT_AMT",  # cost amortisation (Dr I / Cr G)
)  # fmt: skip


def _zero() -> Any:
    return literal_column("0", BigInteger)


def reserve_deltas(client_id: int, last_key: int) -> Any:
    """Per reserve row through ``last_key``: its line, period, currencies and the change of the refund
    liability (``dn_x``) and of the return asset (``ds_x``) from the line's previous row."""
    r = rc_return_reserve.c

    def change(column: Any) -> Any:
        previous = func.lag(column).over(partition_by=r.line_id, order_by=r.period_key)
        return column - func.coalesce(previous, 0)

    return (
        select(
            r.rc_id,
            r.line_id,
            r.period_key,
            r.curr,
            r.f_cur,
            r.r_cur,
            *(change(r[f"{k}_{x}"]).label(f"d{k}_{x}") for k in ("n", "s") for x in CURRENCIES),
        )  # fmt: skip
        .where(r.client_id == client_id, r.period_key <= last_key)
        .subquery("rsv_delta")
    )


def _g_signed(k: Any, column: Any) -> tuple[Any, Any]:
    """(debit to G, credit to G) of a cost schedule row: ``column`` when G is its debit (credit) side."""
    return (
        case((k.dr_type == "G", column), else_=_zero()),
        case((k.cr_type == "G", column), else_=_zero()),
    )


def rollforward_branches(
    client_id: int, span: Span, columns: Callable[[dict[str, Any]], list[Any]]
) -> list[Select[Any]]:
    """Branches of the roll-forward's movement union, per contract and currencies: ``columns`` turns the
    named sums (``rn0_t``, ``rnadd_t`` ...) into the union's full column list."""
    d = reserve_deltas(client_id, span.last_key)
    before, within = d.c.period_key < span.first_key, d.c.period_key >= span.first_key
    named: dict[str, Any] = {}
    for position, prefix in (("n", "rn"), ("s", "rs")):
        for x in CURRENCIES:
            delta = d.c[f"d{position}_{x}"]
            named[f"{prefix}0_{x}"] = func.sum(case((before, delta), else_=_zero()))
            named[f"{prefix}add_{x}"] = func.sum(case((and_(within, delta > 0), delta), else_=_zero()))
            named[f"{prefix}rel_{x}"] = func.sum(case((and_(within, delta < 0), -delta), else_=_zero()))
    keys = (d.c.rc_id, d.c.curr, d.c.f_cur, d.c.r_cur)
    reserve = select(*keys, *columns(named)).group_by(*keys)
    k, c = rc_cost_schedule.c, rc_cost.c
    before, within = k.period_key < span.first_key, k.period_key >= span.first_key
    named = {}
    for x in CURRENCIES:
        debit, credit = _g_signed(k, k[f"amount_{x}"])
        named[f"cg0_{x}"] = func.sum(case((before, debit - credit), else_=_zero()))
        named[f"cgadd_{x}"] = func.sum(case((within, debit), else_=_zero()))
        named[f"cgrel_{x}"] = func.sum(case((within, credit), else_=_zero()))
    keys = (k.rc_id, c.curr, c.f_cur, c.r_cur)
    costs = (
        select(*keys, *columns(named))
        .select_from(rc_cost_schedule.join(rc_cost, c.id == k.cost_id))
        .where(k.client_id == client_id, k.period_key <= span.last_key)
        .group_by(*keys)
    )
    return [reserve, costs]


def waterfall_moves(client_id: int, last_key: int) -> Any:
    """Per contract, line, period and currencies (minor units): the refund liability's change (``rn_x``,
    credit positive) and the cost amortisation of the line's costs (``am_x``), through ``last_key``."""
    d = reserve_deltas(client_id, last_key)
    reserve = select(
        d.c.rc_id, d.c.line_id, d.c.period_key, d.c.curr, d.c.f_cur, d.c.r_cur,
        *(d.c[f"dn_{x}"].label(f"rn_{x}") for x in CURRENCIES),
        *(_zero().label(f"am_{x}") for x in CURRENCIES),
    )  # fmt: skip
    k, c = rc_cost_schedule.c, rc_cost.c
    costs = (
        select(
            k.rc_id,
            c.line_id,
            k.period_key,
            c.curr,
            c.f_cur,
            c.r_cur,
            *(_zero() for _ in CURRENCIES),
            *(k[f"amount_{x}"] for x in CURRENCIES),
        )  # fmt: skip
        .select_from(rc_cost_schedule.join(rc_cost, c.id == k.cost_id))
        .where(k.client_id == client_id, k.period_key <= last_key, k.entry_kind == "AMORTISE")
    )
    both = reserve.union_all(costs).subquery("wf_move_rows")
    m = both.c
    keys = (m.rc_id, m.line_id, m.period_key, m.curr, m.f_cur, m.r_cur)
    return (
        select(*keys, *(func.sum(m[f"{p}_{x}"]).label(f"{p}_{x}") for p in ("rn", "am") for x in CURRENCIES))
        .group_by(*keys)
        .subquery("wf_moves")
    )
