"""Hold flag columns of BI3_RC_HEAD and BI3_RC_LNS through the HTTP API: an open hold sets them, a release
clears them, and incremental extracts (``fromDate``) pick the contract up on either change."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, collect, send, subscription
from biviews_support import table_of
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import rc_line
from support import login, unique

HOLDS = "/api/revrec/v1/holds"
HEAD_FLAGS = ("IS_HOLD_APPLIED_FLAG", "SCHD_HOLD_FLAG", "REVREV_HOLD_FLAG", "ALLOC_SCHD_HOLD_FLAG",
              "ALLOC_REC_HOLD_FLAG", "MANUAL_HOLD_FLAG")  # fmt: skip
LINE_FLAGS = ("REV_SCHD_HOLD_FLAG", "REV_REC_HOLD_FLAG", "ALLOC_SCHD_HOLD_FLAG", "ALLOC_REC_HOLD_FLAG",
              "TRNSFR_HOLD_FLAG")  # fmt: skip


def _mark() -> str:
    """The next whole second (waited for): every change stamped so far is before it."""
    now = dt.datetime.now(dt.UTC)
    time.sleep(1 - now.microsecond / 1_000_000 + 0.001)
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat()


def _head(http: TestClient, headers: dict[str, str], **params: str) -> dict[str, tuple[str, ...]]:
    rows = table_of(http, headers, "BI3_RC_HEAD", **params)
    return {r["ID"]: tuple(r[c] for c in HEAD_FLAGS) for r in rows}


def _lines(http: TestClient, headers: dict[str, str], **params: str) -> dict[str, tuple[str, ...]]:
    rows = table_of(http, headers, "BI3_RC_LNS", **params)
    return {r["SO_LINE_ID"]: tuple(r[c] for c in LINE_FLAGS) for r in rows}


def _hold(http: TestClient, headers: dict[str, str], **body: Any) -> int:
    response = http.post(HOLDS, headers=headers, json={"comment": "customer on credit watch", **body})
    assert response.status_code == 200, response.text
    return int(response.json()["hold_id"])


def _release(http: TestClient, headers: dict[str, str], hold_id: int) -> None:
    response = http.post(f"{HOLDS}/{hold_id}/release", headers=headers, json={"comment": "paid up"})
    assert response.status_code == 200, response.text


def test_hold_flags_follow_holds_and_reach_incremental_extracts(http: TestClient, engine: Engine) -> None:
    """A contract of two lines (SUB and SETUP, two POBs). A revenue hold of line 1's revenue schedule: the
    head shows a hold applied by hand on the revenue schedule, line 1 is held, line 2 is not; a transfer
    hold of the contract then flags both lines' TRNSFR_HOLD_FLAG; releasing both clears every flag. Each
    change is in the incremental window from a mark taken just before it; an untouched contract is not."""
    tenant = accounting_tenant(engine)
    api, admin = login(http, tenant), login(http, tenant, role=ADMIN_ROLE)
    so, other = unique("SO"), unique("SO")
    send(
        http, api,
        subscription(f"{so}-1", so, "1200.00"),
        subscription(f"{so}-2", so, "300.00", **{"Item Num": "SETUP", "Doc Line Num": "2"}),
        subscription(f"{other}-1", other, "600.00"),
    )  # fmt: skip
    assert collect(http, engine, api)["status"] == "Completed"
    with transaction(engine) as conn:
        rc_id = int(conn.execute(select(rc_line.c.rc_id).where(rc_line.c.line_id == f"{so}-1")).scalar_one())
    no = ("N",) * 6
    assert set(_head(http, api).values()) == {no}
    assert set(_lines(http, api).values()) == {("N",) * 5}

    mark = _mark()
    revenue = _hold(
        http, admin, rc_id=rc_id, hold_type="REVENUE", level="LINE", line_id=f"{so}-1", whole_pob=False,
        schedules="R",
    )  # fmt: skip
    assert _head(http, api, fromDate=mark) == {str(rc_id): ("Y", "Y", "Y", "N", "N", "Y")}
    assert _lines(http, api, fromDate=mark) == {
        f"{so}-1": ("Y", "Y", "N", "N", "N"),
        f"{so}-2": ("N", "N", "N", "N", "N"),
    }

    mark = _mark()
    transfer = _hold(http, admin, rc_id=rc_id, hold_type="TRANSFER")
    assert _lines(http, api, fromDate=mark) == {
        f"{so}-1": ("Y", "Y", "N", "N", "Y"),
        f"{so}-2": ("N", "N", "N", "N", "Y"),
    }

    mark = _mark()
    _release(http, admin, revenue)
    assert _head(http, api, fromDate=mark) == {str(rc_id): ("Y", "N", "N", "N", "N", "Y")}
    mark = _mark()
    _release(http, admin, transfer)
    assert _head(http, api, fromDate=mark) == {str(rc_id): no}
    assert set(_lines(http, api).values()) == {("N",) * 5}


def test_allocation_hold_of_a_pob_flags_its_lines(http: TestClient, engine: Engine) -> None:
    """A revenue hold of the allocation schedule only (``A``) of the POB of line 2: the head's allocation
    flags are Y and its revenue ones N; line 2's allocation flags Y, line 1 untouched."""
    tenant = accounting_tenant(engine)
    api, admin = login(http, tenant), login(http, tenant, role=ADMIN_ROLE)
    so = unique("SO")
    send(
        http, api,
        subscription(f"{so}-1", so, "1200.00"),
        subscription(f"{so}-2", so, "300.00", **{"Item Num": "SETUP", "Doc Line Num": "2"}),
    )  # fmt: skip
    assert collect(http, engine, api)["status"] == "Completed"
    with transaction(engine) as conn:
        rc_id, pob = conn.execute(
            select(rc_line.c.rc_id, rc_line.c.pob_key).where(rc_line.c.line_id == f"{so}-2")
        ).one()
    _hold(http, admin, rc_id=int(rc_id), hold_type="REVENUE", level="POB", pob_key=pob, schedules="A")
    assert _head(http, api) == {str(rc_id): ("Y", "N", "N", "Y", "Y", "Y")}
    assert _lines(http, api) == {
        f"{so}-1": ("N", "N", "N", "N", "N"),
        f"{so}-2": ("N", "N", "Y", "Y", "N"),
    }
