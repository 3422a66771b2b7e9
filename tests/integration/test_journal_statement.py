"""The journal statement (revrec.accounting.repository.journal_select) against a reference computed in Python
from the same rows, on a varied random data set written straight into the tables: carves or none, right to
bill or not, functional and reporting series present or equal to the previous, empty series and series
starting after the period, bills before, in and after the period (and of lines without a current version),
accounts missing (the fallbacks), right-of-return reserves over several periods, superseded versions and
another org's contracts (both left out). Every period from before the first schedule to after the last is
compared, so legs of zero, netting that turns from debit to credit and reserves without a row of the
period are all met."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select

from revrec.accounting import repository as repo
from revrec.accounting import service as accounting
from revrec.contracts.revisions import encode
from revrec.db.session import transaction
from revrec.db.tables import (
    journal_entry,
    rc_bill,
    rc_cost,
    rc_cost_schedule,
    rc_line,
    rc_return_reserve,
    rc_schedule,
    revenue_contract,
)
from revrec.periods import service as periods
from revrec.tenancy import service as tenancy
from support import unique

FIRST_INDEX = 100  # calendar index of period key 202601 in this data set (keys are only labels here)
ACCOUNTS = ("UNBILLED", "CLEARING")
CURRENCIES = (("USD", "USD", "USD"), ("EUR", "USD", "USD"), ("GBP", "EUR", "USD"))


def _key(index: int) -> int:
    year, month = divmod(index - FIRST_INDEX, 12)
    return (2026 + year) * 100 + month + 1


def _series(rng: random.Random, n: int) -> list[int]:
    running, out = 0, []
    for _ in range(n):
        running += rng.randint(-50, 400)
        out.append(running)
    return out


def _maybe(rng: random.Random, value: str) -> str | None:
    return value if rng.random() < 0.7 else None


def _contract(rng: random.Random, conn: Any, scope: Any, number: int, org_id: int) -> None:
    """One contract with 1-4 lines (current and superseded versions), their schedules and bills."""
    now = dt.datetime.now(dt.UTC)
    rc_id = conn.execute(
        insert(revenue_contract).values(
            client_id=scope.client_id,
            book_id=scope.book_id,
            org_id=org_id,
            rc_key=f"RC-{number}",
            template="T",
            version=1,
            currency="USD",
            transaction_price=Decimal(0),
            alloc_method="SSP",
            crtd_prd_id=202601,
            updt_prd_id=202601,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key[0]
    for n_line in range(rng.randint(1, 4)):
        line_id = f"L{number}-{n_line}"
        curr, f_cur, r_cur = rng.choice(CURRENCIES)
        for version, current in ((1, False), (2, True)) if rng.random() < 0.3 else ((1, True),):
            conn.execute(
                insert(rc_line).values(
                    client_id=scope.client_id,
                    rc_id=rc_id,
                    line_id=line_id,
                    version=version,
                    current_flag=current,
                    stage_row_id=0,
                    type="SO",
                    allocatable=Decimal(0),
                    allocated=Decimal(0),
                    carve=Decimal(0),
                    curr=curr,
                    f_cur=f_cur,
                    f_ex_rate=Decimal(1),
                    g_ex_rate=Decimal(1),
                    crtd_prd_id=202601,
                    def_segments=_maybe(rng, f"DEF-{rng.randint(1, 3)}"),
                    rev_segments=_maybe(rng, f"REV-{rng.randint(1, 3)}"),
                    al_account=_maybe(rng, "AL") if rng.random() < 0.5 else None,
                    ar_account=_maybe(rng, "AR") if rng.random() < 0.5 else None,
                    ca_account=_maybe(rng, "CA") if rng.random() < 0.5 else None,
                    unbill_flag=rng.choice(("Y", "N", None)),
                )
            )
            n = rng.choice((0, 1, 2, 5, 12))
            first = FIRST_INDEX + rng.randint(-2, 4)
            rev = _series(rng, n)
            rev_f = _series(rng, n) if curr != f_cur or rng.random() < 0.2 else None
            rev_r = _series(rng, n) if rev_f is not None and (f_cur != r_cur or rng.random() < 0.3) else None
            carve = rng.random() < 0.5 and n > 0
            conn.execute(
                insert(rc_schedule).values(
                    client_id=scope.client_id,
                    rc_id=rc_id,
                    line_id=line_id,
                    version=version,
                    current_flag=current,
                    first_period=_key(first),
                    first_index=first,
                    n=n,
                    curr=curr,
                    f_cur=f_cur,
                    r_cur=r_cur,
                    rev_t=encode(rev),
                    rev_f=None if rev_f is None else encode(rev_f),
                    rev_r=None if rev_r is None else encode(rev_r),
                    cv_t=encode(_series(rng, n)) if carve else None,
                    cv_f=encode(_series(rng, n)) if carve and rev_f is not None else None,
                    cv_r=encode(_series(rng, n)) if carve and rev_r is not None else None,
                    crtd_prd_id=202601,
                )
            )
        bills = [line_id] * rng.randint(0, 3) + ([f"GONE-{number}"] if rng.random() < 0.1 else [])
        for billed in bills:
            amount = rng.randint(-200, 900)
            conn.execute(
                insert(rc_bill).values(
                    client_id=scope.client_id,
                    rc_id=rc_id,
                    line_id=billed,
                    stage_row_id=0,
                    type="INV",
                    ext_sll_prc=Decimal(amount),
                    curr=curr,
                    f_cur=f_cur,
                    r_cur=r_cur,
                    amount_t=amount,
                    amount_f=amount * 2 if curr != f_cur else amount,
                    amount_r=amount * 3 if f_cur != r_cur else amount * 2 if curr != f_cur else amount,
                    prd_id=_key(FIRST_INDEX + rng.randint(-1, 5)),
                    crtd_prd_id=202601,
                )
            )
        if rng.random() < 0.3:
            for index in sorted(rng.sample(range(FIRST_INDEX, FIRST_INDEX + 6), rng.randint(1, 3))):
                amounts = {f"{k}_{c}": rng.randint(-300, 300) for k in "nsoq" for c in "tfr"}
                conn.execute(
                    insert(rc_return_reserve).values(
                        client_id=scope.client_id,
                        rc_id=rc_id,
                        line_id=line_id,
                        period_key=_key(index),
                        curr=curr,
                        f_cur=f_cur,
                        r_cur=r_cur,
                        cost_pct=Decimal(0),
                        recovery_pct=Decimal(0),
                        gross_t=0,
                        returned_t=0,
                        expected_t=0,
                        **amounts,
                        r_seg=f"REV-{index % 2}",
                        n_seg="REFUND",
                        s_seg=f"ASSET-{index % 2}",
                        o_seg="COGS",
                        q_seg="INVENTORY",
                        crtd_dt=now,
                    )
                )


def _run(first: int, n: int, series: str | None, index: int) -> int | None:
    if series is None or n == 0 or index < first:
        return None
    return int(json.loads(series)[min(index - first, n - 1)])


Cur = tuple[str, str, str]
Legs = list[tuple[tuple[Any, ...], tuple[int, ...]]]


class Reference:
    """The period's entries computed row by row in Python from the rules of the repository's docstring:
    legs (debit positive) appended per schedule row, per bill group, per contract's netting and per reserve
    row, then summed per entry, gross debits and credits apart."""

    def __init__(self, conn: Any, scope: Any, index: int, key: int) -> None:
        self.conn, self.scope, self.index, self.key = conn, scope, index, key
        self.contracts = {
            r.id
            for r in self._rows(revenue_contract)
            if r.book_id == scope.book_id and r.org_id == scope.org_id
        }
        self.current: dict[str, list[Any]] = defaultdict(list)
        for line in self._rows(rc_line):
            if line.current_flag:
                self.current[line.line_id].append(line)
        self.bills = list(conn.execute(rc_bill.select()))  # of every client: the look-ups go by contract
        self.legs: Legs = []
        self.net: dict[tuple[Any, ...], list[Any]] = {}  # (rc, currencies) → [a_seg, l_seg, 6 positions]

    def _rows(self, table: Any) -> list[Any]:
        return list(self.conn.execute(table.select().where(table.c.client_id == self.scope.client_id)))

    def add(self, rc: int, kind: str, seg: str, cur: Cur, values: tuple[int, ...]) -> None:
        self.legs.append(((rc, kind, seg, *cur), values))

    def netted(self, rc: int, cur: Cur) -> list[Any]:
        return self.net.setdefault((rc, *cur), [None, None, [0] * 6])

    def runs(self, s: Any) -> dict[str, tuple[int, int, int]]:
        """Revenue (r) and carve (a) to date at the end of the period (1) and of the one before (0)."""
        runs = {}
        for name, (t, f, r) in (("r", (s.rev_t, s.rev_f, s.rev_r)), ("a", (s.cv_t, s.cv_f, s.cv_r))):
            for tag, k in (("1", self.index), ("0", self.index - 1)):
                vt = _run(s.first_index, s.n, t, k)
                vf = _run(s.first_index, s.n, f, k)
                vf = vf if vf is not None else vt
                vr = _run(s.first_index, s.n, r, k)
                vr = vr if vr is not None else vf
                runs[name + tag] = (vt or 0, vf or 0, vr or 0)
        return runs

    def unbilled(
        self, s: Any, line: Any, runs: dict[str, tuple[int, int, int]]
    ) -> dict[str, tuple[int, ...]]:
        billed = {"1": [0, 0, 0], "0": [0, 0, 0]}
        for b in self.bills:
            if b.rc_id == s.rc_id and b.line_id == s.line_id and b.prd_id <= self.key:
                for tag in ("1", "0") if b.prd_id < self.key else ("1",):
                    for c, v in enumerate((b.amount_t, b.amount_f, b.amount_r)):
                        billed[tag][c] += v
        right = line.unbill_flag == "Y"
        return {
            tag: tuple(max(runs["r" + tag][c] - billed[tag][c], 0) if right else 0 for c in range(3))
            for tag in ("1", "0")
        }

    def schedule(self, s: Any, line: Any) -> None:
        cur = (s.curr, s.f_cur, s.r_cur)
        runs = self.runs(s)
        unbilled = self.unbilled(s, line, runs)
        l_seg, r_seg = line.def_segments or "", line.rev_segments or ""
        rev, carve = ((tuple(runs[x + "1"][c] - runs[x + "0"][c] for c in range(3))) for x in "ra")
        moved = tuple(unbilled["1"][c] - unbilled["0"][c] for c in range(3))
        self.add(s.rc_id, "L", l_seg, cur, rev)
        self.add(s.rc_id, "R", r_seg, cur, tuple(-v for v in rev))
        self.add(s.rc_id, "Y", line.al_account or line.def_segments or "", cur, carve)
        self.add(s.rc_id, "X", line.ar_account or line.rev_segments or "", cur, tuple(-v for v in carve))
        self.add(s.rc_id, "U", ACCOUNTS[0], cur, moved)
        self.add(s.rc_id, "L", l_seg, cur, tuple(-v for v in moved))
        entry = self.netted(s.rc_id, cur)
        a_seg = line.ca_account or line.def_segments or ""
        entry[0] = a_seg if entry[0] is None else min(entry[0], a_seg)
        entry[1] = l_seg if entry[1] is None else min(entry[1], l_seg)
        for j, tag in enumerate(("1", "0")):
            for c in range(3):
                entry[2][2 * c + j] += runs["r" + tag][c] + runs["a" + tag][c] - unbilled[tag][c]

    def billing(self) -> None:
        in_period: dict[tuple[Any, ...], list[int]] = {}  # per line and currencies, as the statement groups
        for b in self.bills:
            if b.client_id != self.scope.client_id or b.rc_id not in self.contracts or b.prd_id > self.key:
                continue
            cur = (b.curr, b.f_cur, b.r_cur)
            amounts = (b.amount_t, b.amount_f, b.amount_r)
            summed = in_period.setdefault((b.rc_id, b.line_id, *cur), [0, 0, 0])
            entry = self.netted(b.rc_id, cur)
            for c in range(3):
                summed[c] += amounts[c] if b.prd_id == self.key else 0
                entry[2][2 * c] -= amounts[c]
                entry[2][2 * c + 1] -= amounts[c] if b.prd_id < self.key else 0
        for (rc, line_id, *cur), now in in_period.items():
            for line in self.current.get(line_id, []) or [None]:
                seg = (line.def_segments if line else None) or ""
                self.add(rc, "C", ACCOUNTS[1], (cur[0], cur[1], cur[2]), tuple(now))
                self.add(rc, "L", seg, (cur[0], cur[1], cur[2]), tuple(-v for v in now))

    def netting(self) -> None:
        for (rc, *cur), (a_seg, l_seg, n) in self.net.items():
            for j, sign in ((0, 1), (1, -1)):  # this period's position, the previous one's reversed
                position = tuple(max(n[2 * c + j], 0) for c in range(3))
                self.add(rc, "A", a_seg or "", (cur[0], cur[1], cur[2]), tuple(sign * v for v in position))
                self.add(rc, "L", l_seg or "", (cur[0], cur[1], cur[2]), tuple(-sign * v for v in position))

    def reserves(self) -> None:
        by_line: dict[str, list[Any]] = defaultdict(list)
        for v in self._rows(rc_return_reserve):
            if v.rc_id in self.contracts and v.period_key <= self.key:
                by_line[v.line_id].append(v)
        kinds = (
            ("R", "r_seg", 1, "n"),
            ("N", "n_seg", -1, "n"),
            ("S", "s_seg", 1, "s"),
            ("O", "o_seg", 1, "o"),
            ("Q", "q_seg", -1, "q"),
        )
        for rows in by_line.values():
            rows.sort(key=lambda v: -v.period_key)
            if rows[0].period_key != self.key:
                continue  # no row of the period: the position stays, nothing is booked
            for v in rows[:2]:
                sgn = 1 if v.period_key == self.key else -1
                for kind, seg, sign, col in kinds:
                    values = tuple(sign * sgn * getattr(v, f"{col}_{c}") for c in "tfr")
                    self.add(v.rc_id, kind, getattr(v, seg), (v.curr, v.f_cur, v.r_cur), values)

    def entries(self) -> list[tuple[Any, ...]]:
        for s in self._rows(rc_schedule):
            if s.current_flag and s.rc_id in self.contracts:
                for line in self.current.get(s.line_id, []):
                    self.schedule(s, line)
        self.billing()
        self.netting()
        self.reserves()
        grouped: dict[tuple[Any, ...], list[int]] = {}
        for group, values in self.legs:
            sums = grouped.setdefault(group, [0] * 7)
            for c, v in enumerate(values):
                sums[2 * c] += max(v, 0)
                sums[2 * c + 1] += max(-v, 0)
            sums[6] += any(values)  # an entry of legs all zero is not written
        return sorted((*group, *sums[:6]) for group, sums in grouped.items() if sums[6])


def _data_set(engine: Engine) -> Any:
    """A new client holding the random data set; its scope."""
    rng = random.Random(20261206)
    with transaction(engine) as conn:
        client_id = tenancy.create_client(conn, name=unique("journalref"))
        scope = periods.default_scope(conn, client_id)
        for number in range(60):
            _contract(rng, conn, scope, number, scope.org_id if number % 10 else scope.org_id + 1)
    return scope


def test_journal_statement_equals_a_reference_computed_row_by_row(engine: Engine) -> None:
    scope = _data_set(engine)
    compared = 0
    with transaction(engine) as conn:
        for index in range(FIRST_INDEX - 2, FIRST_INDEX + 8):
            found = repo.compute_entries(conn, scope, index, _key(index), ACCOUNTS)
            got = sorted(
                (
                    r.rc_id,
                    r.acctg_type,
                    r.acctg_seg,
                    r.curr,
                    r.f_cur,
                    r.r_cur,
                    int(r.dr_t),
                    int(r.cr_t),
                    int(r.dr_f),
                    int(r.cr_f),
                    int(r.dr_r),
                    int(r.cr_r),
                )
                for r in found
            )
            assert got == Reference(conn, scope, index, _key(index)).entries(), index
            compared += len(got)
    assert compared > 1000  # the data set reaches every kind of leg, not only a few rows


def _cost(conn: Any, scope: Any, key: int) -> None:
    """A contract cost amortised in period ``key``: entries that the journal's own UPDATE must post."""
    rc_id = conn.execute(
        select(revenue_contract.c.id).where(revenue_contract.c.client_id == scope.client_id)
    ).scalar()
    cost_id = conn.execute(
        insert(rc_cost).values(
            client_id=scope.client_id,
            book_id=scope.book_id,
            org_id=scope.org_id,
            rc_id=rc_id,
            cost_line_id="K1",
            line_id="L0-0",
            stage_row_id=0,
            cost_type="Commission",
            cost_kind="INC",
            treatment="Capitalise",
            capitalised_flag=True,
            incurred_date=dt.date(2026, 1, 5),
            curr="USD",
            f_cur="USD",
            r_cur="USD",
            f_ex_rate=Decimal(1),
            g_ex_rate=Decimal(1),
            amount_t=1200,
            amount_f=1200,
            amount_r=1200,
            asset_segments="ASSET",
            expense_segments="EXPENSE",
            payable_segments="PAYABLE",
            impairment_segments="IMPAIR",
            crtd_prd_id=key,
            crtd_by="test",
            crtd_dt=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    ).inserted_primary_key[0]
    conn.execute(
        insert(rc_cost_schedule).values(
            client_id=scope.client_id,
            cost_id=cost_id,
            rc_id=rc_id,
            period_key=key,
            entry_kind="amortise",
            dr_type="I",
            cr_type="G",
            amount_t=100,
            amount_f=100,
            amount_r=100,
            crtd_prd_id=key,
        )  # fmt: skip
    )


def test_period_close_posts_the_rows_journalize_then_post_gave(engine: Engine) -> None:
    """Period Close writes the revenue entries posted instead of posting them by an UPDATE: the period's rows
    and the count it reports are those of regenerating and then posting."""
    scope = _data_set(engine)
    index = FIRST_INDEX + 1
    opened = periods.OpenPeriod(_key(index), index, dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    j = journal_entry.c
    columns = [c for c in journal_entry.c if c.name != "id"]
    period = select(*columns).where(j.client_id == scope.client_id, j.period_key == opened.key)
    found = {}
    for way in ("journalize, post", "journalize_and_post"):
        with engine.connect() as conn, conn.begin() as trans:
            _cost(conn, scope, opened.key)
            accounting.journalize(conn, scope, opened)  # what collection left: unposted entries to replace
            if way == "journalize_and_post":
                posted = accounting.journalize_and_post(conn, scope, opened)
            else:
                accounting.journalize(conn, scope, opened)
                posted = accounting.post(conn, scope, opened.key)
            found[way] = (posted, sorted(tuple(r) for r in conn.execute(period)))
            trans.rollback()
    posted, rows = found["journalize_and_post"]
    assert found["journalize, post"] == (posted, rows)
    named = [dict(zip([c.name for c in columns], r, strict=True)) for r in rows]
    assert posted == len(rows) > 100 and all(r["posted_flag"] for r in named)
    assert {r["acctg_type"] for r in named} >= {"A", "C", "G", "I", "L", "R", "U", "X", "Y"}
