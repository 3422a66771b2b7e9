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

from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any, Final

from sqlalchemy import Connection

from revrec.contracts import repository as repo
from revrec.contracts.bulk_write import insert_rows
from revrec.contracts.persist import Context
from revrec.contracts.staged import KEY_NAMES, StagedRow, Values, source_columns
from revrec.db.tables import collection_part_line
from revrec.engine.bundles import bundle_fields, explode_bundles
from revrec.engine.grouping import base_of, bases_fields, bases_getter
from revrec.engine.lines import FIELD_ATTRIBUTES
from revrec.engine.policies import Policies

PLAN_BATCH = 20_000  # due SO rows read at a time while planning
STORE_BATCH = 50_000  # plan rows written at a time
KNOWN_LIMIT = 100_000  # distinct grouping values whose keys are remembered (see _SoKeys.known)
PLAN_COLUMNS = ("job_id", "stage_row_id", "client_id", "part", "grp")
#: line attributes whose value on a line (or a bundle's child) comes from the row's type and SO line id
_BY_REF: Final = frozenset({"line_id", "bndl_prnt_id", "type"})


class _Groups:
    """Union-find over node numbers: a line node per SO line id (:meth:`line`), a node per contract key
    (:meth:`key`), an unnamed node per row without an SO line id (:meth:`new`). Numbers and a flat list of
    parents instead of named nodes: the plan of a million rows holds a million nodes."""

    __slots__ = ("parent", "lines", "keys")

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.lines: dict[str, int] = {}
        self.keys: dict[str, int] = {}

    def new(self) -> int:
        node = len(self.parent)
        self.parent.append(node)
        return node

    def line(self, ref: str) -> int:
        node = self.lines.get(ref)
        if node is None:
            node = self.lines[ref] = self.new()
        return node

    def key(self, key: str) -> int:
        node = self.keys.get(key)
        if node is None:
            node = self.keys[key] = self.new()
        return node

    def find(self, node: int) -> int:
        parent = self.parent
        root = node
        while root != parent[root]:
            root = parent[root]
        while node != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def union(self, node: int, others: Iterable[int]) -> None:
        root = self.find(node)
        for other in others:
            found = self.find(other)
            if found != root:
                low, high = (root, found) if root < found else (found, root)
                self.parent[high] = low
                root = low


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
        self.bases_of = bases_getter(self.rules)
        #: key nodes by the values they come from, emptied when it grows past KNOWN_LIMIT (memory bound)
        self.known: dict[tuple[Any, ...], tuple[int, ...]] = {}

    @staticmethod
    def key_start(fields: Iterable[str], columns: Iterable[str]) -> int:
        """Where the values the keys depend on start in a row read: after its id, type and SO line ids,
        unless a field comes from those."""
        by_ref = any(FIELD_ATTRIBUTES.get(name) in _BY_REF for name in fields)
        return 1 if by_ref or not set(KEY_NAMES).isdisjoint(columns) else len(KEY_NAMES)

    def link(self, values: Values, groups: _Groups) -> list[tuple[int, int, str | None]]:
        """Link the rows of ``values`` to their keys; their (staging id, node, ref)."""
        attributes = values.attributes
        bases: dict[str, set[int]] = defaultdict(set)
        rows: list[tuple[int, int, str | None]] = []
        if len(self.known) > KNOWN_LIMIT:
            self.known.clear()
        for row in values.rows:
            ref = values.ref(row)
            rows.append((int(row[0]), groups.line(ref) if ref else groups.new(), ref))
            if not ref:  # its children's owner is their own id: as read whole, row by row
                for owner, found in self._bases(values.staged(row, attributes)).items():
                    bases[owner].update(groups.key(key) for key in found)
                continue
            key = tuple(row[self.key_from :])
            known = self.known.get(key)
            if known is None:
                found_all = self._bases(values.staged(row, attributes)).values()
                known = self.known[key] = tuple(groups.key(k) for k in set().union(*found_all))
            bases[ref].update(known)
        for _, node, ref in rows:
            groups.union(node, bases.get(ref or "", ()))
        return rows

    def _bases(self, row: StagedRow) -> dict[str, set[str]]:
        """The keys of a row's line (or its bundle's children), by owner (the line, or the bundle's)."""
        exploded, _ = explode_bundles([row.line], self.policies)
        found: dict[str, set[str]] = defaultdict(set)
        for line in exploded:
            found[line.bndl_prnt_id or line.line_id].update(self.bases_of(line))
        return found


def assign(
    conn: Connection, ctx: Context, template: str | None, parts: int
) -> tuple[list[tuple[int, int, int]], int]:
    """(staging id, partition, group) of every due row to collect now, by group then staging id, and the
    number of groups."""
    client_id = ctx.scope.client_id
    groups = _Groups()
    row_ids, row_nodes = array("q"), array("q")  # each planned row's staging id and node
    after = 0
    keys = _SoKeys(ctx, template)
    while (values := repo.due_so_values(conn, client_id, after, ctx.open.end, PLAN_BATCH, keys.columns)).rows:
        rows = keys.link(values, groups)
        after = rows[-1][0]
        for row_id, node, _ in rows:
            row_ids.append(row_id)
            row_nodes.append(node)
    activity = repo.due_activity_refs(conn, client_id, ctx.open.end)
    # the SO lines referenced but not due now (groups.lines holds the due SO rows' line ids so far)
    waiting = repo.pending_so_refs(
        conn, client_id, {ref for _, ref in activity if ref and ref not in groups.lines}
    )
    for row_id, ref in activity:
        if ref in waiting:
            continue  # its SO line is collected in a later period first
        row_ids.append(row_id)
        row_nodes.append(groups.line(ref) if ref else groups.new())
    del activity, waiting
    for ref, key in repo.contract_keys_of(conn, client_id, list(groups.lines)).items():
        groups.union(groups.line(ref), (groups.key(key), groups.key(base_of(key))))
    return _deal(groups, row_ids, row_nodes, parts)


def _deal(
    groups: _Groups, row_ids: array[int], row_nodes: array[int], parts: int
) -> tuple[list[tuple[int, int, int]], int]:
    """Number the groups by their first staging id, deal them largest first to the least loaded
    partition; the plan by group, then staging id."""
    order = sorted(range(len(row_ids)), key=row_ids.__getitem__)
    number_of: dict[int, int] = {}  # root node → group number (from 0)
    numbers = array("q")  # each row's group, in staging id order
    sizes: list[int] = []
    for index in order:
        root = groups.find(row_nodes[index])
        number = number_of.get(root)
        if number is None:
            number = number_of[root] = len(sizes)
            sizes.append(0)
        sizes[number] += 1
        numbers.append(number)
    del number_of
    load = [0] * parts
    part_of = array("q", bytes(8 * len(sizes)))
    for number in sorted(range(len(sizes)), key=lambda n: (-sizes[n], n)):
        target = min(range(parts), key=lambda p: (load[p], p))
        part_of[number] = target
        load[target] += sizes[number]
    start = array("q", accumulate(sizes, initial=0))  # where each group's rows begin in the plan
    plan: list[tuple[int, int, int]] = [(0, 0, 0)] * len(order)
    for index, number in zip(order, numbers, strict=True):
        plan[start[number]] = (row_ids[index], part_of[number], number + 1)
        start[number] += 1
    return plan, len(sizes)


def store(conn: Connection, client_id: int, job_id: int, plan: Sequence[tuple[int, int, int]]) -> None:
    """Write ``plan`` (:func:`assign`) as the job's ``collection_part_line`` rows, STORE_BATCH at a time."""
    for first in range(0, len(plan), STORE_BATCH):
        rows = [
            (job_id, row_id, client_id, part, grp) for row_id, part, grp in plan[first : first + STORE_BATCH]
        ]
        insert_rows(conn, collection_part_line, PLAN_COLUMNS, rows)
