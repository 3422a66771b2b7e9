"""The plan of a Data Collection split by contract: which partition collects each due staging row.

Rows that could end up in one contract form a *group*, the connected parts of a graph whose nodes are
the planned staging rows and the contract keys they may join:

- an SO row joins every key its grouping template could give it (:func:`grouping_bases`: one per
  applicable rule, without the window suffix, for each line of an exploded bundle);
- the rows of one SO line join each other (its versions, the bills and returns that reference it), and the
  key of the contract its current version belongs to when it is already collected (so a revised line
  links its old contract and the keys it groups into now). Rows whose SO line still waits in staging past
  the open period are left out, as the serial collection leaves them.

The rows come in staging id order, the SO rows with only the staging columns their keys come from
(:func:`plan_columns`: the template's rule and filter fields, and what bundle explosion reads when it is
on), not whole, and the keys are computed once per distinct tuple of those values (:class:`_SoKeys`). Which
rows share an SO line, and which lines are collected, the database finds (``repository.plan_links``,
``repository.plan_contract_keys``): the plan holds no line id, only numbers in arrays, about 40 bytes a row
at its peak, plus the keys of the groups being built (docs/scaling.md).

Groups are numbered by their first staging id and dealt to ``parts`` partitions, largest first, each to
the least loaded partition (ties: the lower partition), so the plan is deterministic. Every line of a
contract is in one group, hence in one partition: partitions collect disjoint contracts.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import accumulate, islice
from typing import Any, Final

from sqlalchemy import Connection

from revrec.contracts import repository as repo
from revrec.contracts.bulk_write import insert_rows
from revrec.contracts.persist import Context
from revrec.contracts.staged import KEY_NAMES, StagedRow, Values, source_columns
from revrec.db.local_settings import local_settings
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
    """Union-find over node numbers: a node per planned row and per contract key (:meth:`key`), parents in
    one array of machine integers."""

    __slots__ = ("parent", "keys")

    def __init__(self) -> None:
        self.parent = array("q")
        self.keys: dict[str, int] = {}

    def new(self) -> int:
        node = len(self.parent)
        self.parent.append(node)
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


class Plan:
    """(staging id, partition, group) of every planned row, by group then staging id, held as arrays of
    machine integers: the staging ids in plan order, where each group starts, each group's partition.
    Iterating gives the rows as tuples; plans compare equal when they plan the same."""

    __slots__ = ("ids", "starts", "parts")

    def __init__(self, ids: array[int], starts: array[int], parts: array[int]) -> None:
        self.ids, self.starts, self.parts = ids, starts, parts

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        ids, starts = self.ids, self.starts
        for group, part in enumerate(self.parts):
            for index in range(starts[group], starts[group + 1]):
                yield ids[index], part, group + 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plan):
            return NotImplemented
        return (self.ids, self.starts, self.parts) == (other.ids, other.starts, other.parts)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Plan({len(self.ids)} rows, {len(self.parts)} groups)"


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

    def link(self, values: Values, groups: _Groups) -> list[tuple[int, int]]:
        """A node for each row of ``values``, each SO row's linked to its keys; their (staging id, node).
        Activity rows and SO rows without an SO line id join no key themselves (the activity rows join
        their SO line's rows: ``repository.plan_links``)."""
        attributes = values.attributes
        rows: list[tuple[int, int]] = []
        if len(self.known) > KNOWN_LIMIT:
            self.known.clear()
        for row in values.rows:
            node = groups.new()
            rows.append((int(row[0]), node))
            if row[1] != "SO" or not values.ref(row):
                continue
            key = tuple(row[self.key_from :])
            known = self.known.get(key)
            if known is None:
                found_all = self._bases(values.staged(row, attributes)).values()
                known = self.known[key] = tuple(groups.key(k) for k in set().union(*found_all))
            groups.union(node, known)
        return rows

    def _bases(self, row: StagedRow) -> dict[str, set[str]]:
        """The keys of a row's line (or its bundle's children), by owner (the line, or the bundle's)."""
        exploded, _ = explode_bundles([row.line], self.policies)
        found: dict[str, set[str]] = defaultdict(set)
        for line in exploded:
            found[line.bndl_prnt_id or line.line_id].update(self.bases_of(line))
        return found


def assign(conn: Connection, ctx: Context, template: str | None, parts: int) -> tuple[Plan, int]:
    """The plan of every due row to collect now (:class:`Plan`) and the number of groups.

    Without PostgreSQL's JIT compilation: the planner costs the look-ups of an activity row's SO line (two
    index probes) high enough to compile each batch's read, a second a batch for nothing (50 s at 1M rows)."""
    with local_settings(conn, jit="off"):
        return _assign(conn, ctx, template, parts)


def _assign(conn: Connection, ctx: Context, template: str | None, parts: int) -> tuple[Plan, int]:
    client_id, due_end = ctx.scope.client_id, ctx.open.end
    groups = _Groups()
    row_ids, row_nodes = array("q"), array("q")  # each planned row's staging id and node, by staging id
    keys = _SoKeys(ctx, template)
    while (
        values := repo.due_plan_values(
            conn, client_id, row_ids[-1] if row_ids else 0, due_end, PLAN_BATCH, keys.columns
        )
    ).rows:
        for row_id, node in keys.link(values, groups):
            row_ids.append(row_id)
            row_nodes.append(node)
    keys.known.clear()

    def node_of(row_id: int) -> int | None:  # None: a row staged since it was read, not in this plan
        at = bisect_left(row_ids, row_id)
        return row_nodes[at] if at < len(row_ids) and row_ids[at] == row_id else None

    # the database is read again: rows staged since (not in this plan) are passed over, and a line's first
    # row staged since stands in as a node of its own, so that the line's planned rows still join
    strays: dict[int, int] = {}
    for row_id, first in repo.plan_links(conn, client_id, due_end):
        mine = node_of(row_id)
        if mine is None:
            continue
        other = node_of(first)
        if other is None:
            other = strays.get(first)
            if other is None:
                other = strays[first] = groups.new()
        groups.union(mine, (other,))
    for row_id, key in repo.plan_contract_keys(conn, client_id, due_end):
        if (mine := node_of(row_id)) is not None:
            groups.union(mine, (groups.key(key), groups.key(base_of(key))))
    groups.keys.clear()
    return _deal(groups, row_ids, row_nodes, parts)


def _deal(groups: _Groups, row_ids: array[int], row_nodes: array[int], parts: int) -> tuple[Plan, int]:
    """Number the groups by their first staging id, deal them largest first to the least loaded
    partition; the plan by group, then staging id. ``row_nodes`` ends up holding each row's group number
    and ``groups`` is spent (a root's parent becomes minus one minus its group's number)."""
    for index, node in enumerate(row_nodes):
        row_nodes[index] = groups.find(node)
    parent, sizes = groups.parent, array("q")
    for index, root in enumerate(row_nodes):  # in staging id order
        mark = parent[root]
        if mark >= 0:
            mark = parent[root] = -1 - len(sizes)
            sizes.append(0)
        sizes[-1 - mark] += 1
        row_nodes[index] = -1 - mark
    groups.parent = array("q")
    by_size: dict[int, array[int]] = defaultdict(lambda: array("q"))
    for number, size in enumerate(sizes):
        by_size[size].append(number)
    load = [0] * parts
    part_of = array("q", bytes(8 * len(sizes)))
    for size in sorted(by_size, reverse=True):  # largest first, then by number
        for number in by_size[size]:
            target = min(range(parts), key=load.__getitem__)  # the first of the least loaded
            part_of[number] = target
            load[target] += size
    starts = array("q", accumulate(sizes, initial=0))  # where each group's rows begin in the plan
    del sizes, by_size
    fill, ids = starts[:-1], array("q", bytes(8 * len(row_ids)))
    for row_id, number in zip(row_ids, row_nodes, strict=True):
        ids[fill[number]] = row_id
        fill[number] += 1
    return Plan(ids, starts, part_of), len(part_of)


def store(conn: Connection, client_id: int, job_id: int, plan: Plan) -> None:
    """Write ``plan`` (:func:`assign`) as the job's ``collection_part_line`` rows, STORE_BATCH at a time."""
    rows = iter(plan)
    while batch := [(job_id, row, client_id, part, grp) for row, part, grp in islice(rows, STORE_BATCH)]:
        insert_rows(conn, collection_part_line, PLAN_COLUMNS, batch)
