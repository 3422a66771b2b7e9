"""The plan of a Data Collection split by contract: which partition collects each due staging row.

Rows that could end up in one contract form a *group*, the connected parts of a graph whose nodes are
an SO line id and the contract keys it may join:

- an SO row joins every key its grouping template could give it (:func:`grouping_bases`: one per
  applicable rule, without the window suffix, for each line of an exploded bundle);
- a line already collected joins its current contract's key (so a revised line links its old contract and
  the keys it groups into now);
- a billing or RORD row joins the SO line it references (its ``ref``). Rows whose SO line still waits in
  staging past the open period are left out, as the serial collection leaves them.

Groups are numbered by their first staging id and dealt to ``parts`` partitions, largest first, each to
the least loaded partition (ties: the lower partition), so the plan is deterministic. Every line of a
contract is in one group, hence in one partition: partitions collect disjoint contracts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from revrec.contracts import repository as repo
from revrec.contracts.bulk_write import insert_rows
from revrec.contracts.persist import Context
from revrec.contracts.staged import StagedRow
from revrec.db.tables import collection_part_line
from revrec.engine.bundles import explode_bundles
from revrec.engine.grouping import base_of, grouping_bases

PLAN_BATCH = 20_000  # due SO rows read at a time while planning
PLAN_COLUMNS = ("job_id", "stage_row_id", "client_id", "part", "grp")


class _Groups:
    """Union-find over node names (line ids ``L:``, keys ``K:``, lone rows ``R:``)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        parent = self.parent
        root = parent.setdefault(node, node)
        while root != parent[root]:
            root = parent[root]
        while node != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def union(self, node: str, others: Iterable[str]) -> None:
        root = self.find(node)
        for other in others:
            found = self.find(other)
            if found != root:
                low, high = sorted((root, found))
                self.parent[high] = low
                root = low


def _line_node(ref: str | None, row_id: int) -> str:
    return f"L:{ref}" if ref else f"R:{row_id}"


def _so_nodes(rows: Sequence[StagedRow], ctx: Context, template: str | None, groups: _Groups) -> None:
    rules = ctx.policies.grouping_template(template)
    exploded, _ = explode_bundles([r.line for r in rows], ctx.policies)
    bases: dict[str, set[str]] = defaultdict(set)
    for line in exploded:
        owner = line.bndl_prnt_id or line.line_id
        bases[owner].update(f"K:{base}" for base in grouping_bases(line, rules))
    for row in rows:
        groups.union(_line_node(row.ref, row.row_id), bases.get(row.ref or "", ()))


def assign(
    conn: Connection, ctx: Context, template: str | None, parts: int
) -> tuple[list[tuple[int, int, int]], int]:
    """(staging id, partition, group) of every due row to collect now, and the number of groups."""
    client_id = ctx.scope.client_id
    groups = _Groups()
    nodes: dict[int, str] = {}
    so_refs: set[str] = set()
    after = 0
    while rows := repo.due_so_rows(conn, client_id, after, ctx.open.end, PLAN_BATCH):
        after = rows[-1].row_id
        _so_nodes(rows, ctx, template, groups)
        for row in rows:
            nodes[row.row_id] = _line_node(row.ref, row.row_id)
            so_refs.update([row.ref] if row.ref else [])
    activity = repo.due_activity_refs(conn, client_id, ctx.open.end)
    waiting = repo.pending_so_refs(
        conn, client_id, {ref for _, ref in activity if ref and ref not in so_refs}
    )
    for row_id, ref in activity:
        if ref and ref not in so_refs and ref in waiting:
            continue  # its SO line is collected in a later period first
        nodes[row_id] = _line_node(ref, row_id)
    refs = so_refs | {ref for _, ref in activity if ref}
    for ref, key in repo.contract_keys_of(conn, client_id, refs).items():
        groups.union(f"L:{ref}", (f"K:{key}", f"K:{base_of(key)}"))
    return _deal(groups, nodes, parts)


def _deal(groups: _Groups, nodes: dict[int, str], parts: int) -> tuple[list[tuple[int, int, int]], int]:
    members: dict[str, list[int]] = defaultdict(list)
    for row_id in sorted(nodes):
        members[groups.find(nodes[row_id])].append(row_id)
    ordered = sorted(members.values(), key=lambda ids: ids[0])  # group numbers by first staging id
    load = [0] * parts
    part_of: dict[int, int] = {}
    for number in sorted(range(len(ordered)), key=lambda n: (-len(ordered[n]), n)):
        target = min(range(parts), key=lambda p: (load[p], p))
        part_of[number] = target
        load[target] += len(ordered[number])
    plan = [(row_id, part_of[n], n + 1) for n, ids in enumerate(ordered) for row_id in ids]
    return plan, len(ordered)


def store(conn: Connection, client_id: int, job_id: int, plan: Sequence[tuple[int, int, int]]) -> None:
    rows = [(job_id, row_id, client_id, part, grp) for row_id, part, grp in plan]
    insert_rows(conn, collection_part_line, PLAN_COLUMNS, rows)
