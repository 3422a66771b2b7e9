"""All SQL of holds: the ``rc_hold`` rows, the lines a hold covers and the schedule versions it writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Select, and_, func, insert, select, update

from revrec.contracts.revisions import Packed, decode_triple, encode_triple
from revrec.db.tables import journal_entry, rc_hold, rc_hold_line, rc_line, rc_schedule, revenue_contract

REVENUE = "REVENUE"
TRANSFER = "TRANSFER"
MAX_PAGE = 1000


def contract(conn: Connection, client_id: int, rc_id: int) -> Any:
    """The contract's head row, or None when the client has no such contract."""
    c = revenue_contract.c
    return conn.execute(select(revenue_contract).where(c.client_id == client_id, c.id == rc_id)).first()


def current_lines(conn: Connection, client_id: int, rc_id: int) -> list[Any]:
    """(line_id, pob_key) of the contract's current lines."""
    c = rc_line.c
    query = select(c.line_id, c.pob_key).where(c.client_id == client_id, c.rc_id == rc_id, c.current_flag)
    return list(conn.execute(query.order_by(c.line_id)))


def insert_hold(conn: Connection, values: dict[str, Any]) -> int:
    """Store a hold; the contract is stamped changed (its hold flags in the BI views change)."""
    touch_contract(conn, int(values["rc_id"]))
    return int(conn.execute(insert(rc_hold).values(**values).returning(rc_hold.c.id)).scalar_one())


def get_hold(conn: Connection, client_id: int, hold_id: int) -> Any:
    return conn.execute(
        select(rc_hold).where(rc_hold.c.client_id == client_id, rc_hold.c.id == hold_id)
    ).first()


def list_holds(
    conn: Connection,
    client_id: int,
    *,
    rc_id: int | None = None,
    active: bool | None = None,
    hold_type: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[Any]:
    h = rc_hold.c
    query = select(rc_hold).where(h.client_id == client_id, h.id > after_id)
    if rc_id is not None:
        query = query.where(h.rc_id == rc_id)
    if active is not None:
        query = query.where(h.released_flag.is_(not active))
    if hold_type is not None:
        query = query.where(h.hold_type == hold_type)
    return list(conn.execute(query.order_by(h.id).limit(max(1, min(limit, MAX_PAGE)))))


def active_holds_of_line(conn: Connection, client_id: int, line_id: str, hold_name: str) -> list[Any]:
    """Active holds named ``hold_name`` of the contract holding current line ``line_id``."""
    ln, h = rc_line.c, rc_hold.c
    contract_of = select(ln.rc_id).where(ln.client_id == client_id, ln.line_id == line_id, ln.current_flag)
    query = select(rc_hold).where(
        h.client_id == client_id,
        h.hold_name == hold_name,
        h.released_flag.is_(False),
        h.rc_id.in_(contract_of),
    )
    return list(conn.execute(query.order_by(h.id)))


def active_revenue_holds(conn: Connection, client_id: int) -> Iterator[Any]:
    """The client's active revenue holds, read a page at a time."""
    after = 0
    while page := list_holds(conn, client_id, active=True, hold_type=REVENUE, after_id=after, limit=MAX_PAGE):
        yield from page
        after = int(page[-1].id)


def mark_released(conn: Connection, hold_id: int, values: dict[str, Any]) -> None:
    """Release a hold; its contract is stamped changed (its hold flags in the BI views change)."""
    conn.execute(update(rc_hold).where(rc_hold.c.id == hold_id).values(released_flag=True, **values))
    rc_id = conn.execute(select(rc_hold.c.rc_id).where(rc_hold.c.id == hold_id)).scalar_one()
    touch_contract(conn, int(rc_id))


def active_ids(client_id: int, hold_type: str) -> Select[Any]:
    """Ids of the client's contracts under an active hold of ``hold_type`` (a subquery)."""
    h = rc_hold.c
    return select(h.rc_id).where(
        h.client_id == client_id, h.hold_type == hold_type, h.released_flag.is_(False)
    )


def held_contracts(conn: Connection, client_id: int, book_id: int, org_id: int) -> list[Any]:
    """(rc_id, rc_key, hold types) of the scope's contracts under any active hold."""
    h, c = rc_hold.c, revenue_contract.c
    query = (
        select(c.id, c.rc_key, func.min(h.hold_type).label("first"), func.max(h.hold_type).label("last"))
        .join(rc_hold, h.rc_id == c.id)
        .where(h.client_id == client_id, h.released_flag.is_(False), c.book_id == book_id, c.org_id == org_id)
        .group_by(c.id, c.rc_key)
        .order_by(c.id)
    )
    return list(conn.execute(query))


def unposted_held_entries(conn: Connection, client_id: int, org_id: int) -> int:
    """Posted, untransferred journal rows of the org's transfer-held contracts (left out of a batch)."""
    j = journal_entry.c
    return int(
        conn.execute(
            select(func.count()).where(
                j.client_id == client_id,
                j.org_id == org_id,
                j.posted_flag.is_(True),
                j.post_batch_id.is_(None),
                j.rc_id.in_(active_ids(client_id, TRANSFER)),
            )
        ).scalar_one()
    )


def expired(conn: Connection, client_id: int, today: dt.date) -> list[Any]:
    h = rc_hold.c
    query = select(rc_hold).where(
        h.client_id == client_id,
        h.released_flag.is_(False),
        h.expiry_date.is_not(None),
        h.expiry_date <= today,
    )
    return list(conn.execute(query.order_by(h.id)))


# --- schedules -------------------------------------------------------------------------------------------


def _packed(row: Any) -> Packed:
    rev = decode_triple(row.rev_t, row.rev_f, row.rev_r)
    cv = decode_triple(row.cv_t, row.cv_f, row.cv_r) if row.cv_t is not None else ([0] * row.n,) * 3
    return Packed(row.first_index, rev, (list(cv[0]), list(cv[1]), list(cv[2])))


def schedule(conn: Connection, schedule_id: int) -> tuple[Any, Packed]:
    row = conn.execute(select(rc_schedule).where(rc_schedule.c.id == schedule_id)).one()
    return row, _packed(row)


def current_schedule_ids(conn: Connection, client_id: int, rc_id: int) -> dict[str, int]:
    """Line id → id of its current schedule, for one contract."""
    s = rc_schedule.c
    query = select(s.line_id, s.id).where(s.client_id == client_id, s.rc_id == rc_id, s.current_flag)
    return {row.line_id: int(row.id) for row in conn.execute(query)}


def touch_contract(conn: Connection, rc_id: int) -> None:
    """Stamp the contract changed (its schedules did): the BI views' incremental window sees it."""
    conn.execute(
        update(revenue_contract)
        .where(revenue_contract.c.id == rc_id)
        .values(updated_at=dt.datetime.now(dt.UTC))
    )


def write_schedule(
    conn: Connection, base: Any, packed: Packed, first_period: int, crtd: dict[str, Any]
) -> int:
    """A new current version of ``base``'s line holding ``packed``; ``base`` stops being current."""
    conn.execute(update(rc_schedule).where(rc_schedule.c.id == base.id).values(current_flag=False))
    touch_contract(conn, int(base.rc_id))
    rev = encode_triple(packed.rev)
    cv = encode_triple(packed.cv) if packed.has_carve else (None, None, None)
    values = dict(
        client_id=base.client_id, rc_id=base.rc_id, line_id=base.line_id, version=base.version + 1,
        current_flag=True, first_period=first_period, first_index=packed.first_index, n=packed.n,
        curr=base.curr, f_cur=base.f_cur, r_cur=base.r_cur, rev_t=rev[0], rev_f=rev[1], rev_r=rev[2],
        cv_t=cv[0], cv_f=cv[1], cv_r=cv[2], **crtd,
    )  # fmt: skip
    return int(conn.execute(insert(rc_schedule).values(**values).returning(rc_schedule.c.id)).scalar_one())


def add_hold_line(
    conn: Connection, client_id: int, hold_id: int, line_id: str, true_id: int, held_id: int
) -> None:
    conn.execute(
        insert(rc_hold_line).values(
            client_id=client_id,
            hold_id=hold_id,
            line_id=line_id,
            true_schedule_id=true_id,
            held_schedule_id=held_id,
        )
    )


def hold_lines(conn: Connection, hold_id: int) -> list[Any]:
    query = select(rc_hold_line).where(rc_hold_line.c.hold_id == hold_id).order_by(rc_hold_line.c.id)
    return list(conn.execute(query))


def frozen_line_ids(conn: Connection, client_id: int, rc_id: int) -> set[str]:
    """Lines of the contract already frozen by an active revenue hold."""
    h, hl = rc_hold.c, rc_hold_line.c
    query = (
        select(hl.line_id)
        .join(rc_hold, and_(h.client_id == hl.client_id, h.id == hl.hold_id))
        .where(hl.client_id == client_id, h.rc_id == rc_id, h.released_flag.is_(False))
    )
    return set(conn.execute(query).scalars())


def move_hold_lines(conn: Connection, ids: Iterable[int], hold_id: int) -> None:
    for line_id in ids:
        conn.execute(update(rc_hold_line).where(rc_hold_line.c.id == line_id).values(hold_id=hold_id))


def overwritten(conn: Connection, client_id: int) -> list[Any]:
    """Lines of active revenue holds whose frozen schedule a recomputation replaced since: (hold line,
    current schedule id)."""
    h, hl, s = rc_hold.c, rc_hold_line.c, rc_schedule.c
    query = (
        select(hl.id, hl.hold_id, hl.line_id, h.schedules, s.id.label("current_id"))
        .join(rc_hold, and_(h.client_id == hl.client_id, h.id == hl.hold_id))
        .join(rc_schedule, and_(s.client_id == hl.client_id, s.line_id == hl.line_id, s.rc_id == h.rc_id))
        .where(
            hl.client_id == client_id,
            h.released_flag.is_(False),
            s.current_flag.is_(True),
            s.id != hl.held_schedule_id,
        )
    )
    return list(conn.execute(query))


def set_hold_line(conn: Connection, hold_line_id: int, true_id: int, held_id: int) -> None:
    conn.execute(
        update(rc_hold_line)
        .where(rc_hold_line.c.id == hold_line_id)
        .values(true_schedule_id=true_id, held_schedule_id=held_id)
    )
