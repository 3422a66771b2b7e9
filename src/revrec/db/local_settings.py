"""PostgreSQL settings for a few statements of a transaction (``SET LOCAL``), the previous values after.

Bulk statements need planner or executor settings other than the server's defaults: JIT off where the
planner's cost estimate would compile a statement for longer than it runs, more ``work_mem`` where a
statement sorts or hashes a whole period's rows, a smaller statistics sample for a quick ``ANALYZE``.
Each is set for the transaction only (``set_config(..., true)``), so no other session and no later
transaction sees it, and put back after the statements, so the rest of the transaction runs as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text


@contextmanager
def local_settings(conn: Connection, **settings: str) -> Iterator[None]:
    """PostgreSQL (nothing elsewhere): ``settings`` (name → value) for the statements run inside.

    On an error inside, the values are not put back: the transaction is then aborted, its local
    settings go with its rollback, and a statement to restore them would fail and hide the error."""
    if conn.dialect.name != "postgresql" or not settings:
        yield
        return
    before = {k: conn.execute(text("SELECT current_setting(:k)"), {"k": k}).scalar_one() for k in settings}
    for name, value in settings.items():
        conn.execute(text("SELECT set_config(:k, :v, true)"), {"k": name, "v": value})
    yield
    for name, value in before.items():
        conn.execute(text("SELECT set_config(:k, :v, true)"), {"k": name, "v": value})
