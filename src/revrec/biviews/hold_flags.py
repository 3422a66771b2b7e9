"""Hold flag columns of BI3_RC_HEAD and BI3_RC_LNS, from the open holds of ``rc_hold`` (docs/controls.md).

A flag is ``Y`` while an open (not released) hold applies, else ``N``; one correlated ``EXISTS`` per flag,
so the views stay one SQL select.

* **BI3_RC_HEAD** — any open hold of the contract, whatever its level (contract, POB or line):
  ``IS_HOLD_APPLIED_FLAG`` any hold; ``SCHD_HOLD_FLAG`` / ``REVREV_HOLD_FLAG`` a revenue hold of the revenue
  schedule (``R`` or ``RA``); ``ALLOC_SCHD_HOLD_FLAG`` / ``ALLOC_REC_HOLD_FLAG`` a revenue hold of the
  allocation schedule (``A`` or ``RA``); ``MANUAL_HOLD_FLAG`` a hold applied by hand.
* **BI3_RC_LNS** — the open holds covering the line (as ``controls.holds_core.covered_lines``: a contract
  hold, a hold of the line's POB, a hold of the line, or of another line of its POB held with its whole
  POB): ``REV_SCHD_HOLD_FLAG`` / ``REV_REC_HOLD_FLAG`` and ``ALLOC_SCHD_HOLD_FLAG`` / ``ALLOC_REC_HOLD_FLAG``
  as above, ``TRNSFR_HOLD_FLAG`` a transfer hold.

Applying or releasing a hold stamps the contract's ``updated_at`` (``controls.repository_holds``), so an
incremental extract (``fromDate``) picks the contract and its lines up with their new flags.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, literal, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from revrec.db.routing import same_client
from revrec.db.tables import rc_hold, rc_line

_h = rc_hold.c
_REVENUE_SCHEDULE = and_(_h.hold_type == "REVENUE", _h.schedules.contains("R"))
_ALLOCATION_SCHEDULE = and_(_h.hold_type == "REVENUE", _h.schedules.contains("A"))
_TRANSFER = _h.hold_type == "TRANSFER"


def _yn(condition: ColumnElement[bool]) -> ColumnElement[str]:
    return case((condition, literal("Y")), else_=literal("N"))


def _open_hold(client_id: Any, rc_id: Any, *conditions: Any) -> ColumnElement[bool]:
    """An open hold of contract ``rc_id`` of client ``client_id`` (the outer row's columns)."""
    return exists().where(
        same_client(_h.client_id, client_id), _h.rc_id == rc_id, _h.released_flag.is_(False), *conditions
    )


def head_flags(contract: Any) -> dict[str, Any]:
    """Column name → flag expression for BI3_RC_HEAD (``contract`` the revenue_contract table)."""
    of = contract.c.client_id, contract.c.id
    revenue = _yn(_open_hold(*of, _REVENUE_SCHEDULE))
    allocation = _yn(_open_hold(*of, _ALLOCATION_SCHEDULE))
    return {
        "IS_HOLD_APPLIED_FLAG": _yn(_open_hold(*of)),
        "SCHD_HOLD_FLAG": revenue,
        "REVREV_HOLD_FLAG": revenue,
        "ALLOC_SCHD_HOLD_FLAG": allocation,
        "ALLOC_REC_HOLD_FLAG": allocation,
        "MANUAL_HOLD_FLAG": _yn(_open_hold(*of, _h.source == "MANUAL")),
    }


def _covers(line: Any) -> ColumnElement[bool]:
    """An ``rc_hold`` row covers the current line ``line`` (a row of rc_line)."""
    held = aliased(rc_line)
    pob_of_held_line = (
        select(held.c.pob_key)
        .where(
            held.c.client_id == _h.client_id,
            held.c.rc_id == _h.rc_id,
            held.c.line_id == _h.line_id,
            held.c.current_flag == true(),
        )
        .limit(1)
        .scalar_subquery()
    )
    return or_(
        _h.hold_level == "CONTRACT",
        and_(_h.hold_level == "POB", _h.pob_key == line.c.pob_key),
        and_(
            _h.hold_level == "LINE",
            or_(
                _h.line_id == line.c.line_id,
                and_(_h.whole_pob.is_(True), line.c.pob_key.is_not(None), pob_of_held_line == line.c.pob_key),
            ),
        ),
    )


def line_flags(line: Any) -> dict[str, Any]:
    """Column name → flag expression for BI3_RC_LNS (``line`` the rc_line table)."""
    covers, of = _covers(line), (line.c.client_id, line.c.rc_id)
    revenue = _yn(_open_hold(*of, covers, _REVENUE_SCHEDULE))
    allocation = _yn(_open_hold(*of, covers, _ALLOCATION_SCHEDULE))
    return {
        "REV_SCHD_HOLD_FLAG": revenue,
        "REV_REC_HOLD_FLAG": revenue,
        "ALLOC_SCHD_HOLD_FLAG": allocation,
        "ALLOC_REC_HOLD_FLAG": allocation,
        "TRNSFR_HOLD_FLAG": _yn(_open_hold(*of, covers, _TRANSFER)),
    }
