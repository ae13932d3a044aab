"""The in-memory graph of the compact embedded store: columnar arrays plus a delta of dicts.

The state read from disk (:class:`Base`) keeps each label's node properties and each
relationship type's properties as columns (lists of Python values, in which a repeated string
is one shared object), nodes on integer ids (``gid``: the labels' tables one after the other,
each sorted by node id) and each relationship type's endpoints as integer arrays with
CSR-like offsets for both directions. What a transaction or the journal writes goes to a
delta of plain dicts (:class:`CompactGraph`), merged into new arrays when the store is saved.

:class:`CompactGraph` answers the part of networkx's ``MultiDiGraph`` interface the embedded
store uses (``nodes``, ``edges``, ``succ``/``pred``, ``out_edges``/``in_edges``, ``add_*``,
``remove_edge``, ``has_edge``), so the store's rules are written once, in
:mod:`.embedded`; properties are materialised as dicts only for the items a read touches.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, compress
from operator import methodcaller
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Node tables in gid order (a node without a label, which only a dangling edge makes,
#: goes under "_").
LABELS: tuple[str, ...] = ("Entity", "Person", "Region", "Record", "_")
#: Column names the format itself uses (property names never start with "~").
ID, FROM, TO, KEY = "~id", "~from", "~to", "~key"
#: The column of an edge table's order table (``order-<TYPE>``, beside ``edges-<TYPE>``):
#: the permutation that orders its rows by target (the rows themselves are saved in source
#: order), so an open need not sort. A table of its own, so code that predates it reads
#: the file as before (it ignores the table and sorts).
IN = "~in"
#: Schema metadata: the columns whose values are JSON text (lists, dicts, mixed types).
JSON_META = b"json_columns"
#: Value types a column keeps as JSON text.
_NESTED = frozenset({list, dict})
#: Schema metadata of an edge table: its :data:`POOLED` columns that equal, on every row, an
#: end node's id without its prefix, and which end ("from" or "to"): an open reads them
#: from the ends (:meth:`Columns.derive`) instead of making each value a Python string.
DERIVED_META = b"derived_columns"
#: An item's source-row hash (``_src``) is saved only where it differs from its content hash
#: (``_h``): every item with a ``_h`` was written with a ``_src`` (loads and events set both;
#: later events change only ``_h``), so a missing ``_src`` beside a ``_h`` reads as ``_h``.
#: Halves what the two hashes cost in memory and in opening time.
HASH, SOURCE_HASH = "_h", "_src"
#: Properties only writes read (hashes, the sealed ID number; :func:`~.base.public` never
#: shows them): kept as Arrow arrays, outside Python's heap, and read only for a write (see
#: :meth:`CompactGraph.writing`) or one at a time (:meth:`CompactGraph.prop`).
COLD = frozenset({HASH, SOURCE_HASH, "id_sealed"})
#: Edge properties that repeat a node's key: made the very string objects of the node
#: tables' key columns (``uscc``, ``key``) as they are read, so each key is held once.
POOLED = frozenset({"uscc", "person_key", "holder_key", "subject_key"})
Ids = np.ndarray[Any, np.dtype[np.int64]]
_NONE: Ids = np.zeros(0, np.int64)
Objects = np.ndarray[Any, np.dtype[np.object_]]
EdgeId = tuple[str, str, str]


def _objects(column: pa.ChunkedArray | pa.Array) -> Objects:
    """An Arrow column as a numpy object array of Python values (None for nulls); the
    values of a dictionary column are shared, so a repeated string costs one pointer."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        values = _objects(array.dictionary)
        indices = array.indices
        out: Objects = values[pc.fill_null(indices, 0).to_numpy()]
        if indices.null_count:
            out[indices.is_null().to_numpy(zero_copy_only=False)] = None
        return out
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array.to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]
    if array.null_count == 0:
        return array.to_numpy(zero_copy_only=False).astype(object)  # type: ignore[no-any-return]
    return _object_array(array.to_pylist())


class Columns:
    """The properties of one table's ``rows`` rows, column by column: plain values as Python
    lists, JSON columns as their text, cold columns (:data:`COLD`) as Arrow arrays. Rows can
    be appended (:meth:`append`); the cold values appended wait in Python lists until read."""

    def __init__(
        self,
        values: dict[str, list[Any]],
        cold: dict[str, pa.Array | pa.ChunkedArray],
        json_names: Iterable[str],
        rows: int,
    ) -> None:
        self.json = set(json_names)
        # Lists, not numpy arrays: indexing one is several times faster, for the same memory.
        self.values = values
        self._cold = cold
        #: Cold values of the rows appended since the cold arrays were last made (by name).
        self._cold_tail: dict[str, list[Any]] = {}
        #: Columns read from the ends instead (see :meth:`derive`).
        self.derived: dict[str, tuple[Ids, list[str]]] = {}
        self._cold_rows = rows
        self.rows = rows
        self._columns_changed()

    def _columns_changed(self) -> None:
        self.names = list(
            dict.fromkeys([*self.values, *self.derived, *self._cold, *self._cold_tail])
        )
        self._plain = [(n, v) for n, v in self.values.items() if n not in self.json]
        self._json = [(n, v) for n, v in self.values.items() if n in self.json]

    @property
    def cold(self) -> dict[str, pa.Array | pa.ChunkedArray]:
        """The cold columns as Arrow (the appended rows' values made into one more chunk)."""
        if self._cold_rows < self.rows:
            for name in {*self._cold, *self._cold_tail}:
                old = self._cold.get(name)
                chunks = [] if old is None else _chunks(old)
                if old is None and self._cold_rows:
                    chunks = [pa.nulls(self._cold_rows, pa.large_string())]
                tail = self._cold_tail.get(name) or [None] * (self.rows - self._cold_rows)
                chunks.append(pa.array(tail, pa.large_string()))
                self._cold[name] = pa.chunked_array(chunks, pa.large_string())
            self._cold_tail, self._cold_rows = {}, self.rows
        return self._cold

    @classmethod
    def read(
        cls, table: pa.Table, skip: Sequence[str] = (), pool: Mapping[str, str] | None = None
    ) -> Columns:
        """The columns of a table read from a file (``pool``: the strings that values of
        :data:`POOLED` columns are made)."""
        meta = table.schema.metadata or {}
        names = [n for n in table.column_names if n not in skip]
        # one chunk (as saved): that chunk itself, on the file's pages (combining would copy)
        cold = {n: _one_chunk(table.column(n)) for n in names if n in COLD}
        values: dict[str, list[Any]] = {}
        for n in names:
            if n not in COLD:
                found = _objects(table.column(n)).tolist()
                # map(pool.get, found, found): pool.get(v, v) at C speed (a third of the open)
                values[n] = list(map(pool.get, found, found)) if pool and n in POOLED else found
        return cls(values, cold, json.loads(meta.get(JSON_META, b"[]")), table.num_rows)

    def derive(self, columns: Mapping[str, tuple[Ids, list[str]]]) -> None:
        """Columns whose value on row ``i`` is ``nids[ends[i]][2:]`` (an edge's end node's
        key, which the edge table repeats): read from the ends when asked, never held."""
        self.derived.update(columns)
        self._columns_changed()

    def column(self, name: str) -> list[Any] | None:
        """All the values of a plain or JSON column (None: no such column)."""
        if name in self.derived:
            ends, nids = self.derived[name]
            return [nids[g][2:] for g in ends.tolist()]
        return self.values.get(name)

    def append(
        self, rows: Sequence[Mapping[str, Any]], constants: Mapping[str, Any], skip: Iterable[str]
    ) -> None:
        """Append ``rows`` (property dicts) with the ``constants`` every one of them has; the
        names in ``skip`` are not properties (a node's label, an edge's type)."""
        if self.derived:  # the appended rows' ends are not in the arrays they read
            self.values |= {name: self.column(name) or [] for name in self.derived}
            self.derived = {}
            self._columns_changed()
        count = len(rows)
        given = dict.fromkeys(chain.from_iterable(rows))  # (map and chain: loops in C)
        for name in [*skip, *constants]:
            given.pop(name, None)
        columns = {name: list(map(methodcaller("get", name), rows)) for name in given}
        columns |= {name: [value] * count for name, value in constants.items()}
        if SOURCE_HASH in columns:  # saved only where it differs from _h (see SOURCE_HASH)
            hashes = columns.get(HASH, [None] * count)
            columns[SOURCE_HASH] = [
                None if s == h else s for s, h in zip(columns[SOURCE_HASH], hashes, strict=True)
            ]
        added = False
        for name, column in columns.items():
            if name in COLD:
                tail = self._cold_tail.get(name)
                if tail is None:
                    tail = self._cold_tail[name] = [None] * (self.rows - self._cold_rows)
                    added = added or name not in self._cold
                tail += column
                continue
            values = self.values.get(name)
            if values is None:
                values = self.values[name] = [None] * self.rows
                added = True
            if name not in self.json and not _NESTED.isdisjoint(map(type, column)):
                values[:] = [_dumped(v) for v in values]  # the column becomes JSON text
                self.json.add(name)
                added = True
            values += [_dumped(v) for v in column] if name in self.json else column
        for name, values in self.values.items():
            if name not in columns:
                values += [None] * count
        for name, tail in self._cold_tail.items():
            if name not in columns:
                tail += [None] * count
        self.rows += count
        if added:
            self._columns_changed()

    def value(self, i: int, name: str) -> Any:
        """One property of row ``i`` (None when it has none)."""
        if name in self.json or name in COLD or name in self.derived:
            return self.row(i, cold=True).get(name)
        values = self.values.get(name)
        return None if values is None else values[i]

    def row(self, i: int, cold: bool = False) -> dict[str, Any]:
        """Row ``i`` as a fresh dict (nulls left out), with the cold columns if ``cold``."""
        out = {name: value for name, values in self._plain if (value := values[i]) is not None}
        for name, values in self._json:
            if values[i] is not None:
                out[name] = json.loads(values[i])
        for name, (ends, nids) in self.derived.items():
            out[name] = nids[ends[i]][2:]
        if cold:
            for name, array in self.cold.items():
                value = array[i].as_py()
                if value is not None:
                    out[name] = value
            if HASH in out and SOURCE_HASH not in out:
                out[SOURCE_HASH] = out[HASH]
        return out

    @classmethod
    def concat(cls, parts: Sequence[Columns]) -> Columns:
        """The rows of ``parts`` one after the other, as one table (values copied as
        pointers; a column missing from a part is null there)."""
        if len(parts) == 1:
            return parts[0]
        json_names = {n for part in parts for n in part.json}
        names = dict.fromkeys(n for part in parts for n in (*part.values, *part.derived))
        values: dict[str, list[Any]] = {}
        for name in names:
            column: list[Any] = []
            for part in parts:
                found = part.column(name)
                if found is None:
                    column += [None] * part.rows
                elif name in json_names and name not in part.json:
                    column += [_dumped(v) for v in found]
                else:
                    column += found
            values[name] = column
        cold: dict[str, pa.Array] = {}
        for name in dict.fromkeys(n for part in parts for n in part.cold):
            chunks = [
                _large_strings(part.cold[name])
                if name in part.cold
                else pa.nulls(part.rows, pa.large_string())
                for part in parts
            ]
            cold[name] = pa.concat_arrays(chunks)
        return cls(values, cold, json_names, sum(part.rows for part in parts))


def _derived(table: pa.Table, ids: pa.Array, ends: Mapping[str, Ids]) -> dict[str, str]:
    """The :data:`POOLED` columns of an edge table that are, on every row, an end node's id
    (``ids`` by gid) without its prefix (``uscc`` of ``E:<uscc>``, ...), with that end's name
    in ``ends`` (checked in Arrow when a save writes the table, see :data:`DERIVED_META`)."""
    out: dict[str, str] = {}
    for name in sorted(POOLED & set(table.column_names)):
        column = table.column(name)
        if column.null_count:
            continue
        column = _large_strings(column)
        for end, gids in ends.items():
            keys = pc.utf8_slice_codeunits(ids.take(pa.array(gids)), 2)
            if pc.all(pc.equal(keys, column)).as_py() is not False:
                out[name] = end
                break
    return out


def _key_pool(parts: Sequence[tuple[str, list[str], Columns]]) -> dict[str, str]:
    """The entities' and persons' key strings (each its own value): an edge column repeating
    them is made of these very objects, so each key is held once."""
    pool: dict[str, str] = {}
    for label, _, cols in parts:
        for name in ("uscc", "key"):
            if label in ("Entity", "Person") and name in cols.values:
                pool.update((v, v) for v in cols.values[name] if v is not None)
    return pool


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    """A column as one array, without a copy when it is one chunk already."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _chunks(array: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    """An Arrow column's chunks as large strings."""
    found = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return [_large_strings(chunk) for chunk in found]


def _large_strings(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A string column (plain, dictionary-encoded or chunked) as one large-string array."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks else pa.array([], pa.large_string())
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array.cast(pa.large_string())


def _offsets(ends: Ids, nodes: int) -> Ids:
    """CSR offsets: the edges of node g are ``order[ptr[g]:ptr[g + 1]]`` where ``order``
    sorts ``ends`` (counted, not searched: linear, and the order is not needed)."""
    ptr = np.zeros(nodes + 1, np.int64)
    np.cumsum(np.bincount(ends, minlength=nodes), out=ptr[1:])
    return ptr


@dataclass
class Rel:
    """One relationship type's edges: endpoints, keys, properties and both adjacencies.
    ``in_order`` as saved (None: made when indexed); edges sorted by ``src`` need no
    ``out_order`` (None). Appended edges wait in ``tail`` until the next :meth:`settle`."""

    src: Ids
    dst: Ids
    key: list[str]
    props: Columns
    in_order: Ids | None = None
    out_order: Ids | None = field(init=False, default=None)
    out_ptr: Ids = field(init=False)
    in_ptr: Ids = field(init=False)
    #: (from gid, to gid) of the edges appended since the arrays were made.
    tail: list[tuple[int, int]] = field(init=False, default_factory=list)
    #: Node ids the adjacency covers (-1: not indexed).
    nodes: int = field(init=False, default=-1)

    def index(self, nodes: int) -> None:
        """Build the out- and in-adjacency over ``nodes`` node ids."""
        by_source = len(self.src) < 2 or bool((self.src[1:] >= self.src[:-1]).all())
        self.out_order = None if by_source else np.argsort(self.src, kind="stable")
        self.out_ptr = _offsets(self.src, nodes)
        if self.in_order is None:
            self.in_order = np.argsort(self.dst, kind="stable").astype(np.int64)
        self.in_ptr = _offsets(self.dst, nodes)
        self.nodes = nodes

    def append(self, ends: Iterable[tuple[int, int]], keys: list[str]) -> None:
        """Append edges (their properties go to :attr:`props` by the caller)."""
        self.tail += ends
        self.key += keys

    def flush(self) -> None:
        """Move the appended edges into the arrays (their adjacency is made again)."""
        if self.tail:
            src, dst = zip(*self.tail, strict=True)
            self.src = np.concatenate([self.src, np.array(src, np.int64)])
            self.dst = np.concatenate([self.dst, np.array(dst, np.int64)])
            self.tail, self.in_order, self.nodes = [], None, -1

    def settle(self, nodes: int) -> None:
        """Ready for reads over ``nodes`` node ids: the appended edges moved into the arrays
        and the adjacency made again if they changed (a node appended since has no edge
        but in the tail: the adjacency need not cover it until then)."""
        self.flush()
        if self.nodes < 0:
            self.index(nodes)


class Base:
    """The graph's columns: node ids, per-label node columns, per-type edge arrays (as last
    saved, or as a fold left them), and the items appended since (a first load's new rows
    go straight here, see :meth:`CompactGraph.append_nodes`)."""

    def __init__(
        self,
        nodes: Sequence[tuple[str, list[str], Columns]] = (),
        rels: Mapping[str, Rel] | None = None,
        index: dict[str, int] | None = None,
    ) -> None:
        """``nodes``: (label, node ids, columns) in gid order; ``index``: node id → gid when
        the caller has it."""
        #: (label, first gid, gid past the last, columns): a label's nodes are one range,
        #: or more when nodes were appended after another label's.
        self.ranges: list[tuple[str, int, int, Columns]] = []
        #: Node ids by gid.
        self.nid_list: list[str] = []
        for label, ids, cols in nodes:
            start = len(self.nid_list)
            self.nid_list += ids
            self.ranges.append((label, start, len(self.nid_list), cols))
        self.index: dict[str, int] = (
            index
            if index is not None
            else dict(zip(self.nid_list, range(len(self.nid_list)), strict=True))
        )
        self.rels: dict[str, Rel] = dict(rels or {})
        for rel in self.rels.values():
            rel.index(len(self.nid_list))

    @classmethod
    def read(
        cls,
        nodes: Mapping[str, pa.Table],
        rels: Mapping[str, pa.Table],
        orders: Mapping[str, pa.Table],
    ) -> Base:
        """The graph of a file's tables (node tables by label, edge tables and their order
        tables by type)."""
        parts = [
            (label, _objects(nodes[label].column(ID)).tolist(), Columns.read(nodes[label], (ID,)))
            for label in LABELS
            if label in nodes
        ]
        pool: dict[str, str] | None = None
        edges: dict[str, Rel] = {}
        derives: dict[str, dict[str, Ids]] = {}
        for rtype, table in rels.items():
            # (views of the file's pages, not copies: the file is replaced, never changed)
            src = table.column(FROM).to_numpy().astype(np.int64, copy=False)
            dst = table.column(TO).to_numpy().astype(np.int64, copy=False)
            meta = table.schema.metadata or {}
            ends = {"from": src, "to": dst}
            derived = {n: ends[e] for n, e in json.loads(meta.get(DERIVED_META, b"{}")).items()}
            derives[rtype] = derived
            if pool is None and any(n in POOLED and n not in derived for n in table.column_names):
                pool = _key_pool(parts)
            props = Columns.read(table, (FROM, TO, KEY, *derived), pool)
            in_order = (
                orders[rtype].column(IN).to_numpy().astype(np.int64, copy=False)
                if rtype in orders
                else None  # a file saved before edges were kept in order: made on open
            )
            key = _objects(table.column(KEY)).tolist()
            edges[rtype] = Rel(src=src, dst=dst, key=key, props=props, in_order=in_order)
        base = cls(parts, edges)
        for rtype, derived in derives.items():
            base.rels[rtype].props.derive({n: (e, base.nid_list) for n, e in derived.items()})
        return base

    def append_nodes(
        self,
        label: str,
        ids: Sequence[str],
        rows: Sequence[Mapping[str, Any]],
        constants: Mapping[str, Any],
    ) -> None:
        """Append new nodes of ``label`` (ids not in the graph, each once)."""
        start = len(self.nid_list)
        if self.ranges and self.ranges[-1][0] == label:
            _, first, _, cols = self.ranges[-1]
            self.ranges[-1] = (label, first, start + len(ids), cols)
        else:
            cols = Columns({}, {}, (), 0)
            self.ranges.append((label, start, start + len(ids), cols))
        cols.append(rows, constants, ("label",))
        self.nid_list += ids
        self.index.update(zip(ids, range(start, start + len(ids)), strict=True))

    def append_edges(
        self,
        rtype: str,
        ends: Sequence[tuple[str, str, str]],
        rows: Sequence[Mapping[str, Any]],
        constants: Mapping[str, Any],
    ) -> None:
        """Append new edges of ``rtype`` ((from, to, key) not in the graph, ends in it)."""
        rel = self.rels.get(rtype)
        if rel is None:
            empty = np.zeros(0, np.int64)
            rel = self.rels[rtype] = Rel(empty, empty, [], Columns({}, {}, (), 0))
        index = self.index
        rel.append(((index[u], index[v]) for u, v, _ in ends), [k for _, _, k in ends])
        rel.props.append(rows, constants, ("type",))

    def label_of(self, gid: int) -> tuple[str, int, Columns]:
        """The label of node ``gid``, its row in that label's table and the table."""
        for label, start, stop, cols in self.ranges:
            if gid < stop:
                return label, gid - start, cols
        raise IndexError(gid)

    def node(self, gid: int, cold: bool = False) -> dict[str, Any]:
        label, row, cols = self.label_of(gid)
        out = cols.row(row, cold)
        if label != "_":
            out["label"] = label
        return out

    def edges(
        self, gid: int, outgoing: bool, rtype: str | None = None
    ) -> Iterator[tuple[int, str, str, int]]:
        """(other end's gid, key, type, edge row) of the edges at ``gid``."""
        if rtype is None:
            rels = list(self.rels.items())
        else:
            rels = [(rtype, self.rels[rtype])] if rtype in self.rels else []
        for name, rel in rels:
            rel.settle(len(self.nid_list))
            order, ptr, ends = (
                (rel.out_order, rel.out_ptr, rel.dst)
                if outgoing
                else (rel.in_order, rel.in_ptr, rel.src)
            )
            if gid >= rel.nodes:
                continue
            first, last = int(ptr[gid]), int(ptr[gid + 1])
            if first == last:
                continue
            rows = np.arange(first, last) if order is None else order[first:last]
            keys = rel.key
            for e, other in zip(rows.tolist(), ends[rows].tolist(), strict=True):
                yield other, keys[e], name, e

    def edge(self, rtype: str, row: int, cold: bool = False) -> dict[str, Any]:
        return self.rels[rtype].props.row(row, cold) | {"type": rtype}


def _rtype(key: str) -> str:
    """The type of an edge from its key (``ROLE|…``, or the type itself)."""
    return key.split("|", 1)[0]


class CompactGraph:
    """The store's graph: a :class:`Base` with a delta of written items (see module doc)."""

    def __init__(self, base: Base | None = None) -> None:
        self.base = base or Base()
        #: Nodes created or changed since the base (whole dicts).
        self.new_nodes: dict[str, dict[str, Any]] = {}
        #: Edges created, changed (a dict) or removed (None) since the base.
        self.new_edges: dict[EdgeId, dict[str, Any] | None] = {}
        self._out: dict[str, set[tuple[str, str]]] = {}
        self._in: dict[str, set[tuple[str, str]]] = {}
        #: While set, an item read for writing is copied into the delta (see :meth:`writing`).
        self._writing = False
        #: Relationship types that had no edge when this transaction first appended to them
        #: (:meth:`append_edges`), with the sorted hashes of every edge written to them since:
        #: an edge whose hash is not there is new without a look at the adjacency.
        self.fresh: dict[str, Ids] = {}
        self.nodes = _Nodes(self)
        self.edges = _Edges(self)
        self.succ = self._succ = _Adjacency(self, outgoing=True)
        self.pred = self._pred = _Adjacency(self, outgoing=False)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Within: ``nodes[n]`` and ``edges[u, v, k]`` return dicts with every property that
        the caller may change in place (as it would a networkx attribute dict); a changed
        one goes into the delta."""
        before, self._writing = self._writing, True
        try:
            yield
        finally:
            self._writing = before

    def spend(self) -> None:
        """Drop the views, which refer back to this graph: a graph folded into another, or
        replaced by the file just saved, is then freed as soon as nothing holds it. A load
        runs with the cyclic collector paused (:mod:`loaders.load`), which would otherwise
        keep every delta folded until the load ends. A view taken before (a scan's) still
        reads this graph."""
        del self.nodes, self.edges, self.succ, self.pred, self._succ, self._pred

    def bounded(self, items: int) -> CompactGraph:
        """This graph, or, once its delta holds ``items`` items, the same graph with the
        delta folded into new columns (:func:`fold`)."""
        return fold(self) if len(self.new_nodes) + len(self.new_edges) >= items else self

    # -- nodes ---------------------------------------------------------------------------

    def __contains__(self, nid: object) -> bool:
        return nid in self.new_nodes or nid in self.base.index

    def node(self, nid: str) -> dict[str, Any] | None:
        found = self.new_nodes.get(nid)
        if found is not None:
            return found
        gid = self.base.index.get(nid)
        if gid is None:
            return None
        if self._writing:
            return _Pending(self.base.node(gid, cold=True), partial(self.new_nodes.setdefault, nid))
        return self.base.node(gid)

    def add_node(self, nid: str, **attrs: Any) -> None:
        if nid in self:
            self.new_nodes[nid] = attrs
        else:
            self.append_nodes(attrs.get("label") or "_", [nid], [attrs])

    def append_nodes(
        self,
        label: str,
        ids: Sequence[str],
        rows: Sequence[Mapping[str, Any]],
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        """Add new nodes (ids not in the graph, each once) straight to the columns, not to
        the delta: a first load's nodes cost a few pointers each, not a dict."""
        self.base.append_nodes(label, ids, rows, constants or {})

    def append_edges(
        self,
        rtype: str,
        ends: Sequence[EdgeId],
        rows: Sequence[Mapping[str, Any]],
        constants: Mapping[str, Any],
        new: bool = False,
    ) -> list[int]:
        """Add edges of ``rtype`` straight to the columns where that is known to create
        them: (from, to, key) not in the graph, both ends in it. ``new``: the caller knows
        every edge is new (its start node is); otherwise an edge is new when ``rtype`` is
        fresh (it had no edge when this graph first appended to it, see :attr:`fresh`) and
        its hash is not among those written since. Returns the positions of the rows it
        did not add (the caller writes them one at a time)."""
        index = self.base.index
        left = [i for i, (u, v, _) in enumerate(ends) if u not in index or v not in index]
        if not new:
            seen = self._fresh_hashes(rtype)
            if seen is None:
                return list(range(len(ends)))
            hashes = np.fromiter(map(hash, ends), np.int64, len(ends))
            known = np.zeros(len(ends), dtype=bool)
            if len(seen):
                at = np.minimum(np.searchsorted(seen, hashes), len(seen) - 1)
                known = seen[at] == hashes
            _, first = np.unique(hashes, return_index=True)
            repeated = np.ones(len(ends), dtype=bool)
            repeated[first] = False  # a second row of one edge: written after the first
            left = sorted({*left, *np.flatnonzero(known | repeated).tolist()})
        if left:
            skip = set(left)
            taken = [i for i in range(len(ends)) if i not in skip]
            ends, rows = [ends[i] for i in taken], [rows[i] for i in taken]
        if rtype in self.fresh:
            self._remember(rtype, np.fromiter(map(hash, ends), np.int64, len(ends)))
        self.base.append_edges(rtype, ends, rows, constants)
        return left

    def _fresh_hashes(self, rtype: str) -> Ids | None:
        """The hashes of the edges written to ``rtype`` if it is fresh, or becomes so now
        (no edge of it in the columns or the delta); None if not."""
        found = self.fresh.get(rtype)
        if found is None:
            rel = self.base.rels.get(rtype)
            if (rel is not None and rel.key) or any(_rtype(k) == rtype for *_, k in self.new_edges):
                return None
            found = self.fresh[rtype] = np.zeros(0, np.int64)
        return found

    def _remember(self, rtype: str, hashes: Ids) -> None:
        """Add edge hashes to a fresh type's sorted hashes (a copy of them a batch: linear)."""
        seen = self.fresh[rtype]
        hashes = np.sort(hashes)
        self.fresh[rtype] = np.insert(seen, np.searchsorted(seen, hashes), hashes)

    def iter_nodes(self) -> Iterator[tuple[str, str | None]]:
        """(node id, label) of every node, without reading properties."""
        for label, start, stop, _ in self.base.ranges:
            for nid in self.base.nid_list[start:stop]:
                if nid not in self.new_nodes:
                    yield nid, (None if label == "_" else label)
        for nid, data in self.new_nodes.items():
            yield nid, data.get("label")

    def prop(self, nid: str, name: str) -> Any:
        """One property of a node (None when it has none), reading only that column."""
        found = self.new_nodes.get(nid)
        if found is not None:
            return found.get(name)
        gid = self.base.index.get(nid)
        if gid is None:
            return None
        _, row, cols = self.base.label_of(gid)
        return cols.value(row, name)

    def label_columns(
        self, label: str, names: Sequence[str]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(node id, {name: value}) of every node of ``label``, reading only ``names``
        (plain columns: not JSON, not ``_src``; a missing value is left out)."""
        for found, start, stop, cols in self.base.ranges:
            if found != label:
                continue
            columns = [(n, cols.values.get(n) or [None] * (stop - start)) for n in names]
            for i, nid in enumerate(self.base.nid_list[start:stop]):
                if nid not in self.new_nodes:
                    yield nid, {n: v for n, values in columns if (v := values[i]) is not None}
        for nid, data in self.new_nodes.items():
            if data.get("label") == label:
                yield nid, {n: data[n] for n in names if data.get(n) is not None}

    # -- edges ---------------------------------------------------------------------------

    def _note(self, u: str, v: str, key: str, data: dict[str, Any] | None) -> None:
        if _rtype(key) in self.fresh:  # an append of this edge must now find it
            self._remember(_rtype(key), np.array([hash((u, v, key))], np.int64))
        self.new_edges[(u, v, key)] = data
        self._out.setdefault(u, set()).add((v, key))
        self._in.setdefault(v, set()).add((u, key))

    def add_edge(self, u: str, v: str, key: str, **attrs: Any) -> None:
        for end in (u, v):
            if end not in self:
                self.add_node(end)  # as networkx does: an edge's ends exist
        self._note(u, v, key, attrs)

    def remove_edge(self, u: str, v: str, key: str) -> None:
        self._note(u, v, key, None)

    def edge(self, u: str, v: str, key: str) -> dict[str, Any] | None:
        if (u, v, key) in self.new_edges:
            return self.new_edges[(u, v, key)]
        gid = self.base.index.get(u)
        if gid is None:
            return None
        for other, k, rtype, row in self.base.edges(gid, True, _rtype(key)):
            if k == key and self.base.nid_list[other] == v:
                if not self._writing:
                    return self.base.edge(rtype, row)
                return _Pending(
                    self.base.edge(rtype, row, cold=True), partial(self._note, u, v, key)
                )
        return None

    def has_edge(self, u: str, v: str, key: str) -> bool:
        return self.edge(u, v, key) is not None

    def adjacent(
        self, nid: str, outgoing: bool, rtype: str | None = None
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """(other end, key, properties) of the edges out of (or into) ``nid``, of ``rtype``
        or any type."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        gid = self.base.index.get(nid)
        if gid is not None:
            nids, changed, edge = self.base.nid_list, self.new_edges, self.base.edge
            for other, key, name, row in self.base.edges(gid, outgoing, rtype):
                o = nids[other]
                # (a store that only serves has no delta: no tuple to build per edge)
                if changed and ((nid, o, key) if outgoing else (o, nid, key)) in changed:
                    continue
                out.append((o, key, edge(name, row)))
        for o, key in (self._out if outgoing else self._in).get(nid, ()):
            if rtype is not None and _rtype(key) != rtype:
                continue
            data = self.new_edges[(nid, o, key) if outgoing else (o, nid, key)]
            if data is not None:
                out.append((o, key, data))
        return out

    def out_edges(self, nid: str, keys: bool = False, data: bool = False) -> list[tuple[Any, ...]]:
        return [_shape(nid, o, k, d, keys, data) for o, k, d in self.adjacent(nid, True)]

    def in_edges(self, nid: str, keys: bool = False, data: bool = False) -> list[tuple[Any, ...]]:
        return [_shape(o, nid, k, d, keys, data) for o, k, d in self.adjacent(nid, False)]

    def iter_edges(
        self, rtype: str, props: bool = True
    ) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """(from, to, key, properties) of every edge of ``rtype`` (without ``props``, the
        saved edges come with an empty dict: nothing is read but their ends)."""
        rel = self.base.rels.get(rtype)
        if rel is not None:
            rel.flush()
            nids, keys = self.base.nid_list, rel.key
            ends = zip(rel.src.tolist(), rel.dst.tolist(), strict=True)
            for e, (a, b) in enumerate(ends):
                u, v, key = nids[a], nids[b], keys[e]
                if (u, v, key) not in self.new_edges:
                    yield u, v, key, (self.base.edge(rtype, e) if props else {})
        for (u, v, key), data in self.new_edges.items():
            if data is not None and _rtype(key) == rtype:
                yield u, v, key, data

    def edge_columns(self, rtype: str, names: Sequence[str]) -> dict[str, list[Any]]:
        """Every edge of ``rtype`` (as :meth:`iter_edges`) column-wise: ``from``, ``to`` and
        the properties ``names`` (None where an edge has none), reading only those columns:
        no dict per saved edge."""
        out: dict[str, list[Any]] = {n: [] for n in ("from", "to", *names)}
        rel = self.base.rels.get(rtype)
        if rel is not None:
            rel.flush()
            nids = self.base.nid_list
            starts = [nids[g] for g in rel.src.tolist()]
            stops = [nids[g] for g in rel.dst.tolist()]
            columns = {n: _plain(rel.props, n, len(starts)) for n in names}
            if self.new_edges:  # an edge changed or removed since is read from the delta
                kept = [
                    e
                    for e, ident in enumerate(zip(starts, stops, rel.key, strict=True))
                    if ident not in self.new_edges
                ]
                starts, stops = [starts[e] for e in kept], [stops[e] for e in kept]
                columns = {n: [c[e] for e in kept] for n, c in columns.items()}
            out["from"], out["to"] = starts, stops
            for n in names:
                out[n] = columns[n]
        for (u, v, key), data in self.new_edges.items():
            if data is not None and _rtype(key) == rtype:
                out["from"].append(u)
                out["to"].append(v)
                for n in names:
                    out[n].append(data.get(n))
        return out

    def edge_types(self) -> list[str]:
        """Every relationship type the graph may hold."""
        found = set(self.base.rels) | {_rtype(k) for _, _, k in self.new_edges}
        return sorted(found)


def _plain(cols: Columns, name: str, rows: int) -> list[Any]:
    """All the values of one property of a table (None where a row has none; a JSON
    column's values decoded)."""
    values = cols.column(name)
    if values is None:
        return [None] * rows
    if name in cols.json:
        return [None if v is None else json.loads(v) for v in values]
    return values


class _Pending(dict[str, Any]):
    """A saved item's properties read for a write: handed to ``keep`` (which puts it into
    the delta) when first changed, so an unchanged row of a reload copies nothing."""

    def __init__(self, data: dict[str, Any], keep: Callable[[dict[str, Any]], object]) -> None:
        super().__init__(data)
        self._kept: Callable[[dict[str, Any]], object] | None = keep

    def _keep(self) -> None:
        if self._kept is not None:
            self._kept(self)
            self._kept = None

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._keep()
        super().update(*args, **kwargs)

    def __setitem__(self, name: str, value: Any) -> None:
        self._keep()
        super().__setitem__(name, value)


def _shape(
    u: str, v: str, key: str, data: dict[str, Any], keys: bool, with_data: bool
) -> tuple[Any, ...]:
    return (u, v) + ((key,) if keys else ()) + ((data,) if with_data else ())


class _Nodes:
    """``graph.nodes``: ``[nid]``, ``.get``, ``in`` and ``(data=…)`` as in networkx."""

    def __init__(self, graph: CompactGraph) -> None:
        self._g = graph

    def __getitem__(self, nid: str) -> dict[str, Any]:
        found = self._g.node(nid)
        if found is None:
            raise KeyError(nid)
        return found

    def get(self, nid: str, default: Any = None) -> Any:
        found = self._g.node(nid)
        return default if found is None else found

    def __contains__(self, nid: object) -> bool:
        return nid in self._g

    def __call__(self, data: bool | str = False) -> Iterator[Any]:
        for nid, label in self._g.iter_nodes():
            if data is True:
                yield nid, self[nid]
            elif data == "label":
                yield nid, label
            elif data:
                yield nid, self[nid].get(str(data))
            else:
                yield nid


class _Edges:
    """``graph.edges``: ``[u, v, key]`` and ``(data="type")`` as in networkx."""

    def __init__(self, graph: CompactGraph) -> None:
        self._g = graph

    def __getitem__(self, ident: EdgeId) -> dict[str, Any]:
        found = self._g.edge(*ident)
        if found is None:
            raise KeyError(ident)
        return found

    def __call__(self, data: str) -> Iterator[tuple[str, str, Any]]:
        for rtype in self._g.edge_types():
            for u, v, _, props in self._g.iter_edges(rtype):
                yield u, v, props.get(data)


class _Adjacency(Mapping[str, dict[str, dict[str, dict[str, Any]]]]):
    """``graph.succ``/``graph.pred``: node → {other end: {key: properties}}, built per node."""

    def __init__(self, graph: CompactGraph, outgoing: bool) -> None:
        self._g = graph
        self._outgoing = outgoing

    def __getitem__(self, nid: str) -> dict[str, dict[str, dict[str, Any]]]:
        if nid not in self._g:
            raise KeyError(nid)
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for other, key, data in self._g.adjacent(nid, self._outgoing):
            out.setdefault(other, {})[key] = data
        return out

    def __contains__(self, nid: object) -> bool:
        return nid in self._g

    def __iter__(self) -> Iterator[str]:
        return (nid for nid, _ in self._g.iter_nodes())

    def __len__(self) -> int:
        return sum(1 for _ in self._g.iter_nodes())


# -- merging: the base and the delta into new columns (a fold) or tables (a save) -------------


def _object_array(values: Sequence[Any]) -> Objects:
    """A 1-d object array of ``values`` (lists stay elements, as ``np.array`` would not)."""
    out: Objects = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out


def _arrow(values: Sequence[Any], as_json: bool) -> tuple[pa.Array | None, bool]:
    """A column as Arrow and whether it holds JSON text: plain strings, numbers and booleans
    stay typed (repetitive strings dictionary-encoded); lists, dicts and mixed types become
    JSON. None for a column with no value at all."""
    if not as_json:
        try:
            array = pa.array(values, from_pandas=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            array = None
        if array is not None:
            kind = array.type
            if pa.types.is_null(kind):
                return None, False
            if pa.types.is_string(kind):
                encoded = array.dictionary_encode()
                if len(encoded.dictionary) * 2 < len(array):
                    return encoded, False
                return array, False
            if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
                return array, False
    return pa.array([_dumped(v) for v in values], pa.large_string()), True


def _dumped(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


@dataclass
class _Plan:
    """One table of the merged graph: the base rows ``keep`` takes (of ``cols``), then the
    ``delta`` rows; ``order`` (None: as they come) is the table's row order."""

    cols: Columns | None
    keep: np.ndarray[Any, np.dtype[np.bool_]]
    delta: Sequence[Mapping[str, Any]]
    order: Ids | None
    skip: frozenset[str]

    def names(self) -> list[str]:
        found = [*(self.cols.names if self.cols else []), *(k for d in self.delta for k in d)]
        return [n for n in dict.fromkeys(found) if n not in self.skip]

    def kept(self, values: list[Any]) -> list[Any]:
        """The base rows of a base column that the merge keeps."""
        return values if self.keep.all() else list(compress(values, self.keep.tolist()))

    def news(self, name: str) -> list[Any]:
        """The delta's values of ``name`` (``_src`` left out where it equals ``_h``)."""
        if name == SOURCE_HASH:  # saved only where it differs from _h (see SOURCE_HASH)
            return [None if (v := d.get(name)) == d.get(HASH) else v for d in self.delta]
        return [d.get(name) for d in self.delta]

    def merged(self, name: str, as_json: bool) -> list[Any]:
        """The values of a plain or JSON column, base rows then delta rows (not in order);
        with ``as_json`` every value is JSON text."""
        base = self.cols.column(name) if self.cols else None
        part = [None] * int(self.keep.sum()) if base is None else self.kept(base)
        if as_json and base is not None and self.cols and name not in self.cols.json:
            part = [_dumped(v) for v in part]
        news = self.news(name)
        return part + ([_dumped(v) for v in news] if as_json else news)

    def merged_cold(self, name: str) -> pa.Array:
        """The values of a cold column, as Arrow (base rows then delta rows, not in order)."""
        base = self.cols.cold.get(name) if self.cols else None
        if base is None:
            part = pa.nulls(int(self.keep.sum()), pa.large_string())
        else:
            part = _large_strings(base)
            if not self.keep.all():
                part = part.filter(pa.array(self.keep))
        return pa.concat_arrays([part, pa.array(self.news(name), pa.large_string())])


def _table(fixed: dict[str, pa.Array], plan: _Plan) -> pa.Table:
    """One table of a save: the ``fixed`` columns, then every property, in the plan's order."""
    columns = dict(fixed)
    json_columns: list[str] = []
    for name in plan.names():
        if name in COLD:
            array: pa.Array | None = plan.merged_cold(name)
            as_json = False
            if array is not None and array.null_count == len(array):
                array = None
        else:
            as_json = plan.cols is not None and name in plan.cols.json
            values = plan.merged(name, as_json)
            if as_json:
                array = pa.array(values, pa.large_string())
            else:
                array, as_json = _arrow(values, False)
        if array is None:
            continue
        columns[name] = array if plan.order is None else array.take(plan.order)
        if as_json:
            json_columns.append(name)
    table = pa.table(columns)
    return table.replace_schema_metadata({JSON_META: json.dumps(json_columns).encode()})


def _columns(plan: _Plan) -> Columns:
    """One table of a fold: its properties as :class:`Columns` (Python values kept as they
    are; a column becomes JSON text when a value is a list or a dict)."""
    values: dict[str, list[Any]] = {}
    cold: dict[str, pa.Array] = {}
    json_names: list[str] = []
    # One pass over the delta's values (not one per column: a third of a fold's time).
    nested = {k for d in plan.delta for k, v in d.items() if isinstance(v, list | dict)}
    for name in plan.names():
        if name in COLD:
            cold[name] = plan.merged_cold(name)
            continue
        as_json = (plan.cols is not None and name in plan.cols.json) or name in nested
        values[name] = plan.merged(name, as_json)
        if as_json:
            json_names.append(name)
    return Columns(values, cold, json_names, int(plan.keep.sum()) + len(plan.delta))


def _node_plans(
    graph: CompactGraph, ordered: bool
) -> tuple[list[tuple[str, Objects, _Plan]], dict[str, int]]:
    """Each label's (label, node ids, plan), sorted by node id if ``ordered``, and the new
    gid of every node."""
    base, changed = graph.base, graph.new_nodes
    delta: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for nid, data in changed.items():
        delta.setdefault(data.get("label") or "_", []).append((nid, data))
    # Base rows a written node replaces: found from the delta, not by testing every base node.
    replaced = np.fromiter((g for n in changed if (g := base.index.get(n)) is not None), np.int64)
    out: list[tuple[str, Objects, _Plan]] = []
    index: dict[str, int] = {}
    for label in LABELS:
        news = delta.get(label, [])
        ranges = [(start, stop, c) for found, start, stop, c in base.ranges if found == label]
        # A label appended to after another one's has more than one range: one table here.
        cols = Columns.concat([c for *_, c in ranges]) if ranges else None
        gids = np.concatenate([np.arange(start, stop) for start, stop, _ in ranges] or [_NONE])
        # (node ids are strings: np.array makes them one object array at C speed)
        ids = np.array([n for start, stop, _ in ranges for n in base.nid_list[start:stop]], object)
        keep = ~np.isin(gids, replaced) if len(replaced) else np.ones(len(ids), dtype=bool)
        if not keep.any() and not news:
            continue
        all_ids = np.concatenate([ids[keep], np.array([n for n, _ in news], object)])
        order = _sorting(all_ids) if ordered else None
        if order is not None:
            all_ids = all_ids[order]
        index.update(
            zip(all_ids.tolist(), range(len(index), len(index) + len(all_ids)), strict=True)
        )
        plan = _Plan(cols, keep, [d for _, d in news], order, frozenset({"label"}))
        out.append((label, all_ids, plan))
    return out, index


def _sorting(ids: Objects) -> Ids:
    """The permutation that sorts node ids (Arrow's sort of UTF-8 bytes: the order of code
    points, as Python's, without a Python comparison per pair)."""
    order: Ids = pc.sort_indices(pa.array(ids, pa.string())).to_numpy().astype(np.int64)
    return order


def _edge_plans(
    graph: CompactGraph, index: Mapping[str, int]
) -> Iterator[tuple[str, Ids, Ids, list[str], _Plan]]:
    """Each relationship type's (type, from gids, to gids, keys, plan), its ends as the
    gids of :func:`_node_plans`."""
    base, changed = graph.base, graph.new_edges
    nids = base.nid_list
    remap = np.fromiter((index[n] for n in nids), np.int64, len(nids))
    for settled in base.rels.values():
        settled.flush()
    # Only edges out of a node with a written edge may be overridden: test just those.
    touched = np.zeros(len(nids), dtype=bool)
    touched[
        np.fromiter((g for n in graph._out if (g := base.index.get(n)) is not None), np.int64)
    ] = True
    for rtype in graph.edge_types():
        rel = base.rels.get(rtype)
        news = [
            (u, v, k, d) for (u, v, k), d in changed.items() if d is not None and _rtype(k) == rtype
        ]
        src = np.array([index[u] for u, _, _, _ in news], dtype=np.int64)
        dst = np.array([index[v] for _, v, _, _ in news], dtype=np.int64)
        keys = [k for _, _, k, _ in news]
        keep = np.zeros(0, dtype=bool)
        if rel is not None:
            keep = np.ones(len(rel.src), dtype=bool)
            for e in np.flatnonzero(touched[rel.src]).tolist():
                if (nids[rel.src[e]], nids[rel.dst[e]], rel.key[e]) in changed:
                    keep[e] = False
            src = np.concatenate([remap[rel.src[keep]], src])
            dst = np.concatenate([remap[rel.dst[keep]], dst])
            keys = list(compress(rel.key, keep.tolist())) + keys
        if not keep.any() and not news:
            continue
        cols = rel.props if rel is not None else None
        yield (
            rtype,
            src,
            dst,
            keys,
            _Plan(cols, keep, [d for *_, d in news], None, frozenset({"type"})),
        )


def tables(graph: CompactGraph) -> Iterator[tuple[str, pa.Table]]:
    """The tables a save writes, one at a time (``nodes-<Label>`` sorted by node id, then
    ``edges-<TYPE>`` sorted by source and its ``order-<TYPE>``), each made from the base and
    the delta."""
    node_plans, index = _node_plans(graph, ordered=True)
    id_columns = []
    for label, ids, plan in node_plans:
        id_columns.append(pa.array(ids, pa.large_string()))
        yield f"nodes-{label}", _table({ID: id_columns[-1]}, plan)
    all_ids = pa.concat_arrays(id_columns) if id_columns else pa.array([], pa.large_string())
    del id_columns
    for rtype, src, dst, keys, plan in _edge_plans(graph, index):
        # Saved in source order, with the order by target beside: an open sorts nothing.
        plan.order = np.argsort(src, kind="stable").astype(np.int64)
        key_array, _ = _arrow(keys, False)
        fixed = {
            FROM: pa.array(src[plan.order]),
            TO: pa.array(dst[plan.order]),
            KEY: (key_array if key_array is not None else pa.array([], pa.string())).take(
                plan.order
            ),
        }
        table = _table(fixed, plan)
        derived = _derived(table, all_ids, {"from": src[plan.order], "to": dst[plan.order]})
        meta = (table.schema.metadata or {}) | {DERIVED_META: json.dumps(derived).encode()}
        yield f"edges-{rtype}", table.replace_schema_metadata(meta)
        del table
        by_target = np.argsort(dst[plan.order], kind="stable").astype(np.int64)
        yield f"order-{rtype}", pa.table({IN: pa.array(by_target)})


def fold(graph: CompactGraph) -> CompactGraph:
    """The same graph with its delta merged into new columns in memory (nothing is written:
    the file changes only when the store saves). Nodes keep the base's order, the delta's
    after each label's (a save sorts them), so a fold copies pointers, not values."""
    node_plans, index = _node_plans(graph, ordered=False)
    nodes = [(label, ids.tolist(), _columns(plan)) for label, ids, plan in node_plans]
    rels = {
        rtype: Rel(src, dst, keys, _columns(plan))
        for rtype, src, dst, keys, plan in _edge_plans(graph, index)
    }
    graph.spend()
    folded = CompactGraph(Base(nodes, rels, index))
    folded.fresh = graph.fresh  # edges keep their (string) identities across a fold
    return folded
