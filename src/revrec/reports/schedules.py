"""The SQL of the reports built on the packed schedules: waterfall, deferred revenue roll-forward and
contract detail. Each is ONE select streamed by the caller: no Python object per line or period.

The schedules are expanded with the BI views' own pieces (revrec.biviews.contracts): ``PackedElement``
reads element *i* of a packed running-total array, ``_amount`` is ``run(i) − run(i − 1)``, ``_period_key``
/ ``_period_name`` name the period, ``decimal_amount`` turns minor units into exact currency decimals. What
is recognised through calendar position *k* is one element, ``run(min(k − first_index, n − 1))`` (0 before
the schedule starts), exactly what the journal SQL (revrec.accounting.repository) books.

Amounts are in transaction (``T``), functional (``F``) and reporting (``R``) currency; an F (R) array that
is NULL equals the T (F) one. Net revenue is revenue (schedule type R) plus carve (type A).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from revrec.biviews.contracts import (
    PackedArray,
    _amount,
    _period_key,
    _period_name,
    decimal_amount,
    index_series,
    run_at,
)
from revrec.db.tables import rc_bill, rc_line, rc_pob, rc_schedule, revenue_contract, vc_schedule
from revrec.reports import reserve_cost_moves
from revrec.reports.periods import Span

CURRENCIES = ("t", "f", "r")
s = rc_schedule
rc = revenue_contract


def _zero() -> Any:
    return literal_column("0", BigInteger)


def _arrays(schedule: Any, prefix: str) -> dict[str, Any]:
    """The T, F and R running-total arrays of schedule type ``prefix`` (``rev`` or ``cv``)."""
    t, f, r = (schedule.c[f"{prefix}_{x}"] for x in CURRENCIES)
    return {"t": t, "f": func.coalesce(f, t), "r": func.coalesce(r, f, t)}


def _currency(schedule: Any, x: str) -> Any:
    return {"t": schedule.c.curr, "f": schedule.c.f_cur, "r": schedule.c.r_cur}[x]


def _run_through(array: Any, k: int) -> Any:
    """Running total of ``array`` through calendar position ``k`` (minor units; 0 before the start)."""
    return run_at(array, literal(k, Integer) - s.c.first_index, s.c.n)


def net_recognised(x: str, k: int) -> Any:
    """Revenue + carve of the current schedule ``s`` through position ``k`` in currency ``x``."""
    return _run_through(_arrays(s, "rev")[x], k) + _run_through(_arrays(s, "cv")[x], k)


def _contract_where(client_id: int, org_id: int | None) -> list[Any]:
    where = [rc.c.client_id == client_id]
    if org_id is not None:
        where.append(rc.c.org_id == org_id)
    return where


# --- revenue waterfall ----------------------------------------------------------------------------------

WATERFALL_AMOUNTS = tuple(f"{x.upper()}_{m}_AMT" for x in CURRENCIES for m in ("REV", "CV", "NET"))
WATERFALL_COLUMNS = (
    "AS_OF_PRD_ID", "RC_ID", "BOOK_ID", "ORG_ID", "LINE_ID", "SO_LINE_ID", "SO_NUM", "ITEM_NUM", "POB_NAME",
    "SCHD_VER", "PRD_ID", "PERIOD_NAME", "TIMING", "CURR", *WATERFALL_AMOUNTS[:3], "F_CUR",
    *WATERFALL_AMOUNTS[3:6], "R_CUR", *WATERFALL_AMOUNTS[6:],
    "T_VC_AMT", "F_VC_AMT", "R_VC_AMT",  # variable consideration recognised (W), not in NET (judgment.md)
    *reserve_cost_moves.WATERFALL_COLUMNS,  # refund liability change (N), cost amortisation (I)
)  # fmt: skip
RECOGNISED, FUTURE = "RECOGNISED", "FUTURE"


def _versions_as_of(client_id: int, as_of: int) -> Any:
    """Per line, the schedule version that was current at the end of period ``as_of``: the latest one
    created in or before it (versions of a line only ever grow, period after period)."""
    return (
        select(s.c.rc_id, s.c.line_id, func.max(s.c.version).label("version"))
        .where(s.c.client_id == client_id, s.c.crtd_prd_id <= as_of)
        .group_by(s.c.rc_id, s.c.line_id)
        .subquery("as_of")
    )


def _index_series(client_id: int, as_of: int) -> Any:
    """``i`` = 0 .. (longest schedule version of the client up to ``as_of``) − 1."""
    longest = (
        select(func.max(s.c.n)).where(s.c.client_id == client_id, s.c.crtd_prd_id <= as_of).scalar_subquery()
    )
    return index_series("wf_index", longest)


def _materialized(query: Select[Any], name: str) -> Any:
    """``query`` as a CTE computed once (not inlined into each reference of its columns)."""
    return query.cte(name).prefix_with("MATERIALIZED")


def _schedules_as_of(client_id: int, span: Span) -> Any:
    """The schedule versions current as of ``span.last_key`` with their arrays parsed once (T/F/R)."""
    version = _versions_as_of(client_id, span.last_key)
    same = and_(
        version.c.rc_id == s.c.rc_id, version.c.line_id == s.c.line_id, version.c.version == s.c.version
    )
    arrays = [PackedArray(a).label(f"{p}_{x}") for p in ("rev", "cv") for x, a in _arrays(s, p).items()]
    query = (
        select(
            s.c.rc_id,
            s.c.line_id,
            s.c.version,
            s.c.first_period,
            s.c.first_index,
            s.c.n,
            s.c.curr,
            s.c.f_cur,
            s.c.r_cur,
            rc.c.book_id,
            rc.c.org_id,
            *arrays,
        )
        .select_from(s.join(version, same).join(rc, rc.c.id == s.c.rc_id))
        .where(s.c.client_id == client_id, *_contract_where(client_id, span.org_id))
    )
    return _materialized(query, "wf_schedule")


def _months(key: Any) -> Any:
    """Months since year 0 of YYYYMM ``key`` (revrec's monthly calendars)."""
    return (key // 100) * 12 + key % 100 - 1


def waterfall_select(client_id: int, span: Span) -> Select[Any]:
    """One row per line and period of the schedule version current as of ``span.last_key``: periods up to
    it are RECOGNISED, later ones FUTURE. Periods where every amount is zero are left out. The refund
    liability and cost amortisation of a line (revrec.reports.reserve_cost_moves) in a period outside its
    schedule add a row of that period (RECOGNISED, other amounts 0)."""
    idx = _index_series(client_id, span.last_key)
    sched = _schedules_as_of(client_id, span)
    c, i = sched.c, idx.c.i
    amounts = []
    for x in CURRENCIES:
        amounts += [
            _amount(c[f"rev_{x}"], i).label(f"rev_{x}"),
            func.coalesce(_amount(c[f"cv_{x}"], i), 0).label(f"cv_{x}"),
        ]
    line = and_(rc_line.c.client_id == client_id, rc_line.c.rc_id == c.rc_id, rc_line.c.line_id == c.line_id,
                rc_line.c.current_flag == true())  # fmt: skip
    vc = _vc_recognised(client_id, span.last_key)
    mv = reserve_cost_moves.waterfall_moves(client_id, span.last_key)
    prd = _period_key(c.first_period, i)
    with_vc = and_(vc.c.rc_id == c.rc_id, vc.c.line_id == c.line_id, vc.c.period_key == prd)
    moved = and_(mv.c.rc_id == c.rc_id, mv.c.line_id == c.line_id, mv.c.curr == c.curr)
    moves = [func.coalesce(mv.c[f"{p}_{x}"], 0).label(f"{p}_{x}") for p in ("rn", "am") for x in CURRENCIES]
    head = (c.rc_id, c.book_id, c.org_id, rc_line.c.id.label("line_pk"), c.line_id, rc_line.c.so_num,
            rc_line.c.item_num, rc_line.c.pob_key, c.version)  # fmt: skip
    rows = select(
        *head, prd.label("prd"), (c.first_index + i).label("pos"), c.curr, c.f_cur, c.r_cur, *amounts,
        *(func.coalesce(vc.c[f"vc_{x}"], 0).label(f"vc_{x}") for x in CURRENCIES), *moves,
    ).select_from(
        sched.join(rc_line, line).join(idx, true()).outerjoin(vc, with_vc)
        .outerjoin(mv, and_(moved, mv.c.period_key == prd))
    ).where(i < c.n)  # fmt: skip
    wf = _materialized(rows, "wf")
    in_schedule = (
        select(literal(1))
        .select_from(wf)
        .where(wf.c.rc_id == mv.c.rc_id, wf.c.line_id == mv.c.line_id, wf.c.prd == mv.c.period_key)
        .exists()
    )
    outside = select(
        *head, mv.c.period_key, (c.first_index + _months(mv.c.period_key) - _months(c.first_period)),
        c.curr, c.f_cur, c.r_cur, *(_zero() for _ in range(9)), *moves,
    ).select_from(sched.join(rc_line, line).join(mv, moved)).where(~in_schedule)  # fmt: skip
    w = union_all(select(wf), outside).subquery("wf_all").c
    values: list[Any] = []
    for x, currency in zip(CURRENCIES, (w.curr, w.f_cur, w.r_cur), strict=True):
        r_, c_ = w[f"rev_{x}"], w[f"cv_{x}"]
        values += [currency, decimal_amount(r_, currency), decimal_amount(c_, currency)]
        values.append(decimal_amount(r_ + c_, currency))
    currencies = tuple(zip(CURRENCIES, (w.curr, w.f_cur, w.r_cur), strict=True))
    values += [decimal_amount(w[f"{p}_{x}"], cur) for p in ("vc", "rn", "am") for x, cur in currencies]
    timing = case((w.pos <= span.last_index, literal(RECOGNISED)), else_=literal(FUTURE))
    nonzero = or_(*(w[f"{m}_{x}"] != 0 for m in ("rev", "cv", "rn", "am") for x in CURRENCIES))
    shown = (w.rc_id, w.book_id, w.org_id, w.line_pk, w.line_id, w.so_num, w.item_num, w.pob_key, w.version)
    return (
        select(literal(span.last_key), *shown, w.prd, _period_name(w.prd), timing, *values)
        .where(nonzero)
        .order_by(w.rc_id, w.line_pk, w.pos)
    )


def _vc_recognised(client_id: int, last_key: int) -> Any:
    """Variable consideration recognised (minor units T/F/R) per contract, line and period up to
    ``last_key``, from the VC schedules (revrec.vc)."""
    v = vc_schedule.c
    return (
        select(
            v.rc_id, v.line_id, v.period_key, *(func.sum(v[f"rev_{x}"]).label(f"vc_{x}") for x in CURRENCIES)
        )
        .where(v.client_id == client_id, v.period_key <= last_key)
        .group_by(v.rc_id, v.line_id, v.period_key)
        .subquery("vc_rec")
    )


# --- deferred revenue roll-forward ----------------------------------------------------------------------

MEASURES = ("OPENING", "ADDITIONS", "RELEASES", "CLOSING")
ROLLFORWARD_COLUMNS = (
    "FROM_PRD_ID", "TO_PRD_ID", "RC_ID", "BOOK_ID", "ORG_ID",
    "CURR", *(f"T_{m}" for m in MEASURES), "F_CUR", *(f"F_{m}" for m in MEASURES),
    "R_CUR", *(f"R_{m}" for m in MEASURES),
    # variable consideration not yet recognised (account V, docs/judgment.md): opening, additions (VC
    # allocated), releases (VC recognised), closing
    *(f"{x.upper()}_VC_{m}" for x in CURRENCIES for m in MEASURES),
    # refund liability (N), right-of-return asset (S), contract cost asset (G): reports.reserve_cost_moves
    *reserve_cost_moves.ROLLFORWARD_COLUMNS,
)  # fmt: skip


_VC_KINDS = ("vc0", "vcadd", "vcrel")  # VC liability before FROM, VC allocated and recognised FROM..TO
_KINDS = ("rec0", "rec1", "bill0", "add", *_VC_KINDS, *reserve_cost_moves.ROLLFORWARD_KINDS)


def _kind_columns(named: dict[str, Any]) -> list[Any]:
    """Every movement kind of the roll-forward union in order (``named`` ones, 0 for the others)."""
    return [named.get(f"{k}_{x}", _zero()).label(f"{k}_{x}") for k in _KINDS for x in CURRENCIES]


def _movements(client_id: int, span: Span) -> Any:
    """Per contract and currencies (minor units): recognised through the period before FROM (rec0_x) and
    through TO (rec1_x), billed before FROM (bill0_x) and billed from FROM to TO (add_x); the VC liability
    and the refund liability, return asset and cost asset movements (revrec.reports.reserve_cost_moves)."""
    k0, k1 = span.first_index - 1, span.last_index
    keys = (s.c.rc_id, s.c.curr, s.c.f_cur, s.c.r_cur)
    recognised = select(
        *keys,
        *_kind_columns(
            {f"rec0_{x}": net_recognised(x, k0) for x in CURRENCIES}
            | {f"rec1_{x}": net_recognised(x, k1) for x in CURRENCIES}
        ),
    ).where(s.c.client_id == client_id, s.c.current_flag == true())
    b = rc_bill.c

    def billed(x: str, condition: Any) -> Any:
        return func.sum(case((condition, b[f"amount_{x}"]), else_=_zero()))

    bills = (
        select(
            b.rc_id,
            b.curr,
            b.f_cur,
            b.r_cur,
            *_kind_columns(
                {f"bill0_{x}": billed(x, b.prd_id < span.first_key) for x in CURRENCIES}
                | {f"add_{x}": billed(x, b.prd_id >= span.first_key) for x in CURRENCIES}
            ),
        )
        .where(b.client_id == client_id, b.prd_id <= span.last_key)
        .group_by(b.rc_id, b.curr, b.f_cur, b.r_cur)
    )
    v = vc_schedule.c

    def vc_sum(column: str, condition: Any) -> Any:
        return func.sum(case((condition, v[column]), else_=_zero()))

    before, within = v.period_key < span.first_key, v.period_key >= span.first_key
    vc_named: dict[str, Any] = {}
    for x in CURRENCIES:
        vc_named[f"vc0_{x}"] = vc_sum(f"alloc_{x}", before) - vc_sum(f"rev_{x}", before)
        vc_named[f"vcadd_{x}"] = vc_sum(f"alloc_{x}", within)
        vc_named[f"vcrel_{x}"] = vc_sum(f"rev_{x}", within)
    vc = (
        select(v.rc_id, v.curr, v.f_cur, v.r_cur, *_kind_columns(vc_named))
        .where(v.client_id == client_id, v.period_key <= span.last_key)
        .group_by(v.rc_id, v.curr, v.f_cur, v.r_cur)
    )
    moves = reserve_cost_moves.rollforward_branches(client_id, span, _kind_columns)
    both = union_all(recognised, bills, vc, *moves).subquery("moves")
    m = both.c
    sums = [func.sum(m[f"{kind}_{x}"]).label(f"{kind}_{x}") for kind in _KINDS for x in CURRENCIES]
    return (
        select(m.rc_id, m.curr, m.f_cur, m.r_cur, *sums)
        .group_by(m.rc_id, m.curr, m.f_cur, m.r_cur)
        .subquery("rf")
    )


def rollforward_select(client_id: int, span: Span) -> Select[Any]:
    """Per contract and currencies: opening deferred balance (billed − net recognised before FROM),
    additions (billed FROM..TO), releases (net recognised FROM..TO), closing = opening + additions −
    releases, exact in minor units. Contracts with nothing in any of them are left out."""
    t = _movements(client_id, span)
    values: list[Any] = []
    moved = []
    for x, currency in zip(CURRENCIES, (t.c.curr, t.c.f_cur, t.c.r_cur), strict=True):
        opening = t.c[f"bill0_{x}"] - t.c[f"rec0_{x}"]
        additions, releases = t.c[f"add_{x}"], t.c[f"rec1_{x}"] - t.c[f"rec0_{x}"]
        figures = (opening, additions, releases, opening + additions - releases)
        values += [currency, *(decimal_amount(v, currency) for v in figures)]
        moved += [opening != 0, additions != 0, releases != 0]
    for x, currency in zip(CURRENCIES, (t.c.curr, t.c.f_cur, t.c.r_cur), strict=True):
        opening, additions, releases = t.c[f"vc0_{x}"], t.c[f"vcadd_{x}"], t.c[f"vcrel_{x}"]
        figures = (opening, additions, releases, opening + additions - releases)
        values += [decimal_amount(v, currency) for v in figures]
        moved += [opening != 0, additions != 0, releases != 0]
    for _, _, prefix in reserve_cost_moves.ACCOUNTS:
        for x, currency in zip(CURRENCIES, (t.c.curr, t.c.f_cur, t.c.r_cur), strict=True):
            opening, additions = t.c[f"{prefix}0_{x}"], t.c[f"{prefix}add_{x}"]
            releases = t.c[f"{prefix}rel_{x}"]
            figures = (opening, additions, releases, opening + additions - releases)
            values += [decimal_amount(v, currency) for v in figures]
            moved += [opening != 0, additions != 0, releases != 0]
    return (
        select(literal(span.first_key), literal(span.last_key), t.c.rc_id, rc.c.book_id, rc.c.org_id, *values)
        .select_from(t.join(rc, rc.c.id == t.c.rc_id))
        .where(*_contract_where(client_id, span.org_id), or_(*moved))
        .order_by(t.c.rc_id, t.c.curr, t.c.f_cur, t.c.r_cur)
    )


# --- contract detail ------------------------------------------------------------------------------------

DETAIL_COLUMNS = (
    "AS_OF_PRD_ID", "RC_ID", "BOOK_ID", "ORG_ID", "SO_NUM", "SO_LINE_ID", "LINE_ID", "ITEM_NUM", "RC_POB_ID",
    "POB_NAME", "POB_TMPL_NAME", "START_DATE", "END_DATE", "CURR", "EXT_SLL_PRC", "FV_PRC", "ALCTBL_XT_PRC",
    "ALCTD_XT_PRC", "CV_AMT", "REC_AMT", "DEF_AMT", "BLD_AMT", "BLD_DEF_AMT",
)  # fmt: skip


def detail_select(client_id: int, span: Span) -> Select[Any]:
    """Per current contract line: the line and its POB, SSP, allocatable and allocated price, carve, net
    recognised through the as-of period and billed through it (both minor units, ``rec`` / ``billed``).
    DEF_AMT and BLD_DEF_AMT are derived from them by the caller."""
    l_ = rc_line.c
    pob = and_(rc_pob.c.rc_id == l_.rc_id, rc_pob.c.pob_key == l_.pob_key)
    billed = (
        select(func.coalesce(func.sum(rc_bill.c.amount_t), 0))
        .where(
            rc_bill.c.client_id == l_.client_id,
            rc_bill.c.rc_id == l_.rc_id,
            rc_bill.c.line_id == l_.line_id,
            rc_bill.c.prd_id <= span.last_key,
        )
        .scalar_subquery()
    )
    schedule = and_(
        s.c.client_id == l_.client_id, s.c.rc_id == l_.rc_id, s.c.line_id == l_.line_id,
        s.c.current_flag == true(),
    )  # fmt: skip
    return (
        select(
            literal(span.last_key),
            l_.rc_id,
            rc.c.book_id,
            rc.c.org_id,
            l_.so_num,
            l_.line_id,
            l_.id,
            l_.item_num,
            select(func.min(rc_pob.c.id)).where(pob).scalar_subquery(),
            l_.pob_key,
            select(func.min(rc_pob.c.template)).where(pob).scalar_subquery(),
            l_.start_date,
            l_.end_date,
            l_.curr,
            l_.ext_sll_prc,
            l_.ssp,
            l_.allocatable,
            l_.allocated,
            l_.carve,
            decimal_amount(func.coalesce(net_recognised("t", span.last_index), 0), l_.curr).label("rec"),
            decimal_amount(billed, l_.curr).label("billed"),
        )
        .select_from(rc_line.join(rc, rc.c.id == l_.rc_id).outerjoin(s, schedule))
        .where(l_.client_id == client_id, l_.current_flag == true(), *_contract_where(client_id, span.org_id))
        .order_by(l_.rc_id, l_.id)
    )
