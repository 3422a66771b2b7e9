"""The plan of a Data Collection split by contract: which partition collects each due staging row.

Rows that could end up in one contract form a *group*, the connected parts of a graph whose nodes are
an SO line id and the contract keys it may join:

- an SO row joins every key its grouping template could give it (:func:`grouping_bases`: one per
  applicable rule, without the window suffix, for each line of an exploded bundle);
- a line already collected joins its current contract's key (so a revised line links its old contract and
  the keys it groups into now);
- a billing or RORD row joins the SO line it references (its ``ref``). Rows whose SO line still waits in
  staging past the open period are left out, as the serial collection leaves them.

The SO rows are read with only the staging columns these keys come from (:func:`plan_columns`: the
template's rule and filter fields, and what bundle explosion reads when it is on), not whole, and the
keys are computed once per distinct tuple of those values (:class:`_SoKeys`).

Groups are numbered by their first staging id and dealt to ``parts`` partitions, largest first, each to
the least loaded partition (ties: the lower partition), so the plan is deterministic. Every line of a
contract is in one group, hence in one partition: partitions collect disjoint contracts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import Connection

from revrec.contracts import repository as repo
from revrec.contracts.bulk_write import insert_rows
from revrec.contracts.persist import Context
from revrec.contracts.staged import KEY_NAMES, StagedRow, Values, source_columns
from revrec.db.tables import collection_part_line
from revrec.engine.bundles import bundle_fields, explode_bundles
from revrec.engine.grouping import base_of, bases_fields, grouping_bases
from revrec.engine.lines import FIELD_ATTRIBUTES
from revrec.engine.policies import Policies

PLAN_BATCH = 20_000  # due SO rows read at a time while planning
PLAN_COLUMNS = ("job_id", "stage_row_id", "client_id", "part", "grp")
#: line attributes whose value on a line (or a bundle's child) comes from the row's type and SO line id
_BY_REF: Final = frozenset({"line_id", "bndl_prnt_id", "type"})


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


def _plan_fields(policies: Policies, template: str | None) -> frozenset[str]:
    return bases_fields(policies.grouping_template(template)) | bundle_fields(policies)


def plan_columns(policies: Policies, template: str | None) -> tuple[str, ...]:
    """The staging columns the grouping keys of an SO row come from under ``template`` (besides its SO line
    id): the rows read with only these give the plan that whole rows give."""
    return source_columns(sorted(_plan_fields(policies, template)))


class _SoKeys:
    """The contract keys SO rows may join, from rows read with only :func:`plan_columns`.

    The keys of a row are a function of the values it was read with, not of its id, and of its SO line id
    only where a field is (or, on a bundle's child, holds) the line id, or a column comes with it (``TYPE``):
    rows with the same values share them (an SO's lines, a customer's), computed once. Equal values of one
    column are written alike in keys (text, dates, numbers of the column's fixed scale)."""

    def __init__(self, ctx: Context, template: str | None) -> None:
        self.policies = ctx.policies
        self.rules = ctx.policies.grouping_template(template)
        fields = _plan_fields(ctx.policies, template)
        self.columns = source_columns(sorted(fields))
        self.key_from = self.key_start(fields, self.columns)
        self.known: dict[tuple[Any, ...], frozenset[str]] = {}

    @staticmethod
    def key_start(fields: Iterable[str], columns: Iterable[str]) -> int:
        """Where the values the keys depend on start in a row read: after its id, type and SO line ids,
        unless a field comes from those."""
        by_ref = any(FIELD_ATTRIBUTES.get(name) in _BY_REF for name in fields)
        return 1 if by_ref or not set(KEY_NAMES).isdisjoint(columns) else len(KEY_NAMES)

    def link(self, values: Values, groups: _Groups) -> list[tuple[int, str | None]]:
        """Link the rows of ``values`` to their keys; their (staging id, ref)."""
        attributes = values.attributes
        bases: dict[str, set[str]] = defaultdict(set)
        rows: list[tuple[int, str | None]] = []
        for row in values.rows:
            ref = values.ref(row)
            rows.append((int(row[0]), ref))
            if not ref:  # its children's owner is their own id: as read whole, row by row
                for owner, found in self._bases(values.staged(row, attributes)).items():
                    bases[owner].update(found)
                continue
            key = tuple(row[self.key_from :])
            known = self.known.get(key)
            if known is None:
                found_all = self._bases(values.staged(row, attributes)).values()
                known = self.known[key] = frozenset().union(*found_all)
            bases[ref].update(known)
        for row_id, ref in rows:
            groups.union(_line_node(ref, row_id), bases.get(ref or "", ()))
        return rows

    def _bases(self, row: StagedRow) -> dict[str, set[str]]:
        """The keys of a row's line (or its bundle's children), by owner (the line, or the bundle's)."""
        exploded, _ = explode_bundles([row.line], self.policies)
        found: dict[str, set[str]] = defaultdict(set)
        for line in exploded:
            found[line.bndl_prnt_id or line.line_id].update(
                f"K:{b}" for b in grouping_bases(line, self.rules)
            )
        return found


def assign(
    conn: Connection, ctx: Context, template: str | None, parts: int
) -> tuple[list[tuple[int, int, int]], int]:
    """(staging id, partition, group) of every due row to collect now, and the number of groups."""
    client_id = ctx.scope.client_id
    groups = _Groups()
    nodes: dict[int, str] = {}
    so_refs: set[str] = set()
    after = 0
    keys = _SoKeys(ctx, template)
    while (values := repo.due_so_values(conn, client_id, after, ctx.open.end, PLAN_BATCH, keys.columns)).rows:
        rows = keys.link(values, groups)
        after = rows[-1][0]
        for row_id, ref in rows:
            nodes[row_id] = _line_node(ref, row_id)
            so_refs.update([ref] if ref else [])
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
