"""Watermarks of incremental recomputations: the time up to which a recomputation reflects the contract
changes stamped (``revenue_contract.updated_at``) before it, so the next one redoes only what is stamped at or
after it (the VC reassessment, the open period's revenue journal)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text


def watermark(conn: Connection, started: dt.datetime) -> dt.datetime:
    """What the next recomputation compares change times with: ``started``, or on PostgreSQL the start of
    the oldest other transaction still open if earlier — a contract it stamped before ``started`` but commits
    after this recomputation's reads is then still seen as changed next time. (SQLite has one writer.)"""
    if conn.dialect.name != "postgresql":
        return started
    oldest = conn.execute(
        text(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
            "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"
        )
    ).scalar()
    return started if oldest is None or oldest >= started else oldest
