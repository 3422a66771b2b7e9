"""What the console shows of the manual controls built after holds and approvals: manual journal entries
(revrec.mje) and manual revenue actions (revrec.controls.manual_actions). Entries and actions are read
through the same services as the API; only the console's own lists (paged, sorted) are console queries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from revrec.auth.privileges import APPROVE_MANUAL_JOURNAL_ENTRIES, MANUAL_JOURNAL_ENTRIES
from revrec.auth.service import Principal
from revrec.console import repository as repo
from revrec.controls import manual_actions
from revrec.controls.manual_routes import MANUAL_PRIVILEGES, PRIVILEGE_OF


def manual_flags(user: Principal | None) -> dict[str, Any]:
    """The console's ``can`` flags of the manual controls (the API's privileges)."""
    held = user.privileges if user else frozenset()
    return {
        "mje": MANUAL_JOURNAL_ENTRIES in held,
        "mje_approve": APPROVE_MANUAL_JOURNAL_ENTRIES in held,
        "manual": bool(set(MANUAL_PRIVILEGES) & set(held)),
        # the kinds of manual action whose withdrawal the role may ask for
        "withdraw": sorted(kind for kind, privilege in PRIVILEGE_OF.items() if privilege in held),
    }


def contract_manual(conn: Connection, user: Principal, rc_id: int) -> dict[str, Any]:
    """The contract page's manual actions (the API's list, when the role holds a manual privilege) and
    the manual journal entries tied to the contract (when it may see entries)."""
    flags = manual_flags(user)
    actions = manual_actions.list_actions(conn, user, rc_id=rc_id) if flags["manual"] else []
    seen = flags["mje"] or flags["mje_approve"]
    return {
        "manual_actions": list(reversed(actions)),  # latest first, as the other control lists
        "contract_mjes": repo.contract_mjes(conn, user.client_id, rc_id) if seen else [],
    }
