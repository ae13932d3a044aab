"""The compact embedded store: the embedded store's rules over columnar arrays, saved as
Arrow IPC files that open fast.

One file, ``PATH`` (by convention ``*.cgraph``, see :func:`open_store`)::

    MAGIC | nodes-<Label> | … | edges-<TYPE> | order-<TYPE> | … | header JSON | its length | MAGIC

each table an Arrow IPC file (64-byte aligned) that is memory-mapped and read without a copy;
the header, written last, holds the format, the generation (a random id per save), the load
log and where each table is. Beside it, as for the pickle store (:mod:`.embedded`):
``PATH.journal``, ``PATH.lock``, ``PATH.results/`` and the load markers.

Durability is the pickle store's: a save writes the whole file to a temporary file, fsyncs it
and renames it over ``PATH`` (atomic); a crash at any moment leaves the previous file or the
new one, and a file cut short (no closing MAGIC) is refused, never half read. Small
transactions append to the same checksummed journal; the lock, the load markers and the
change token are the pickle store's code. In memory, see :mod:`.compact_graph`.
"""

from __future__ import annotations

import json
import mmap
import os
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from itertools import compress
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from graph_service.dates import in_force_mask
from graph_service.errors import StoreUnavailable
from graph_service.stores.base import (
    DATED_TYPES,
    SCAN_BATCH,
    BatchMeta,
    Page,
    RelType,
    RowKind,
    WriteCounts,
    active_on,
    project,
    public,
    search_hit,
    search_order,
    sid,
    visible,
)
from graph_service.stores.compact_graph import Base, CompactGraph, tables
from graph_service.stores.embedded import (
    NODE_ROWS,
    RELATIONSHIP_ROWS,
    EmbeddedStore,
    _fsync_dir,
    relationship_item,
    search_matches,
)

FORMAT = "credit-graph-compact"
VERSION = 1
#: The suffix :func:`~graph_service.stores.open_store` opens as a compact store.
SUFFIX = ".cgraph"
#: First and last bytes of a compact store file.
MAGIC = b"CGRAPH01"
#: Where each table starts in the file (Arrow's own alignment).
_ALIGN = 64
#: A transaction's written items (nodes and relationships) past which the delta of dicts is
#: folded into new columns in memory (:func:`~.compact_graph.fold`). An item in the delta
#: costs ~1–2 KB (a dict and its own strings), in the columns a few pointers and its hashes
#: in Arrow, so a load's peak is the columns plus at most this many items' dicts (~0.3 GB);
#: each fold copies the columns' pointers (about a second per million items), so a bound
#: much smaller makes a large load pay for many copies.
FOLD_ITEMS = 200_000


class CompactStore(EmbeddedStore):
    """The embedded store on columnar arrays and Arrow IPC files (see the module doc).
    ``fold_items``: see :data:`FOLD_ITEMS`."""

    def __init__(self, path: str | Path, fold_items: int = FOLD_ITEMS) -> None:
        self._fold_items = fold_items
        super().__init__(path)

    # -- persistence -----------------------------------------------------------------------

    @staticmethod
    def _new_graph() -> CompactGraph:
        return CompactGraph()

    def _load_file(self, sig: tuple[int, int, int] | None) -> None:
        if sig is None:
            super()._load_file(sig)
            return
        try:
            # Zero-copy: the tables' buffers are the file's pages (a writer replaces the
            # file, never changes it, so the mapped pages stay those of this generation).
            with self.path.open("rb") as fh:
                mapped = mmap.mmap(fh.fileno(), 0, prot=mmap.PROT_READ) if sig[1] else None
            data = pa.py_buffer(mapped) if mapped is not None else pa.py_buffer(b"")
            header = self._header(data)
            tables = {
                t["name"]: pa.ipc.open_file(
                    pa.BufferReader(data.slice(t["offset"], t["length"]))
                ).read_all()
                for t in header["tables"]
            }
        except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
            if isinstance(exc, StoreUnavailable):
                raise
            raise StoreUnavailable(
                f"无法读取图存储文件 {self.path}", f"cannot read the store file {self.path}: {exc}"
            ) from exc
        nodes = {k.split("-", 1)[1]: t for k, t in tables.items() if k.startswith("nodes-")}
        rels = {k.split("-", 1)[1]: t for k, t in tables.items() if k.startswith("edges-")}
        orders = {k.split("-", 1)[1]: t for k, t in tables.items() if k.startswith("order-")}
        self._graph = CompactGraph(Base.read(nodes, rels, orders))
        if mapped is not None:
            # The columns read into Python no longer need their pages: let them go from this
            # process's resident set (the cold columns' pages come back from the page cache
            # when a write reads them).
            mapped.madvise(mmap.MADV_DONTNEED)
        # Arrow's allocator keeps what the open's temporary arrays freed (the node ids taken
        # along each edge's ends, see compact_graph._derived): give it back.
        pa.default_memory_pool().release_unused()
        self._loads = list(header["loads"])
        self._generation = str(header["generation"])
        self._signature = sig

    def _header(self, data: pa.Buffer) -> dict[str, Any]:
        """The file's header (format, generation, load log, where each table is), which is
        written last: ``MAGIC … tables … header JSON, its length (8 bytes LE), MAGIC``."""
        if data.size and data[0] == 0x80:  # what every pickle written by Python 3 starts with
            raise StoreUnavailable(
                f"{self.path} 是旧格式（pickle）的图存储文件，请先迁移：{MIGRATE_COMMAND}",
                f"{self.path} is a store file of the old (pickle) format: migrate it with "
                f"{MIGRATE_COMMAND}",
            )
        whole = data.size >= 2 * len(MAGIC) + 8
        head = data.slice(0, len(MAGIC)).to_pybytes() if whole else b""
        tail = data.slice(data.size - len(MAGIC) - 8).to_pybytes() if whole else b""
        if not whole or head != MAGIC or tail[8:] != MAGIC:
            raise StoreUnavailable(
                f"无法读取图存储文件 {self.path}：不是本系统的紧凑图存储文件，或不完整",
                f"cannot read the store file {self.path}: not a credit-graph compact store "
                "file, or cut short",
            )
        length = int.from_bytes(tail[:8], "little")
        start = data.size - len(MAGIC) - 8 - length
        header: dict[str, Any] = json.loads(data.slice(start, length).to_pybytes())
        if header.get("format") != FORMAT:
            raise ValueError(f"format {header.get('format')!r}")
        return header

    def _persist(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        generation = uuid.uuid4().hex
        placed = []
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        with tmp.open("wb") as fh:
            fh.write(MAGIC)
            for name, table in tables(self._graph):  # one table in memory at a time
                fh.write(b"\0" * (-fh.tell() % _ALIGN))  # Arrow buffers stay aligned
                sink = pa.BufferOutputStream()
                with pa.ipc.new_file(sink, table.schema) as writer:
                    writer.write_table(table)
                blob = sink.getvalue()
                placed.append({"name": name, "offset": fh.tell(), "length": blob.size})
                fh.write(blob)
                del table, sink, blob
            header = {
                "format": FORMAT,
                "version": VERSION,
                "generation": generation,
                "loads": self._loads,
                "tables": placed,
            }
            body = json.dumps(header, ensure_ascii=False).encode("utf-8")
            fh.write(body + len(body).to_bytes(8, "little") + MAGIC)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        # As in the pickle store: a crash before this unlink replays idempotent upserts.
        self._journal_path.unlink(missing_ok=True)
        self._journal_at = (0, 0)
        # Continue from the arrays just written (the delta is folded into them); the graph
        # in memory goes first, so it and the one read are never both held.
        self._graph.spend()
        self._graph = self._new_graph()
        self._load_file(self._stat(self.path))

    # -- writes go through the delta ---------------------------------------------------------

    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        appended = 0
        if self._in_tx and not self._small:  # a journalled write replays row by row
            appended, rows = self._append(kind, rows, meta)
        counts = super().write(kind, rows, meta)
        counts.created += appended
        self._dirty = self._dirty or appended > 0
        # Between writes (no item is half written): a load's delta never holds more than
        # FOLD_ITEMS items; the file is still the one the transaction began with.
        self._graph = self._graph.bounded(self._fold_items)
        return counts

    def _append(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> tuple[int, list[Mapping[str, Any]]]:
        """Add the rows that create new items straight to the columns (a first load's rows,
        all of them): what the item path would write, without a dict an item. Returns how
        many it added and the other rows, left to the item path (rows of items that exist,
        a second row of one item, a relationship to a node that does not exist)."""
        g = self._graph
        stamp = {
            "batch_id": meta.batch_id,
            "loaded_at": meta.loaded_at,
            "first_batch_id": meta.batch_id,
        }
        if kind in RELATIONSHIP_ROWS:
            if kind == "registrations":
                for code in {row["region_code"] for row in rows}:
                    self._ensure_region(code)
            items = [relationship_item(kind, row) for row in rows]
            rtype = RELATIONSHIP_ROWS[kind]
            left = g.append_edges(rtype, [(u, v, k) for u, v, k, _ in items], rows, stamp)
            return len(rows) - len(left), [rows[i] for i in left]
        label, prefix, key = NODE_ROWS[kind]
        new: dict[str, Mapping[str, Any]] = {}
        rest: list[Mapping[str, Any]] = []
        for row in rows:
            nid = prefix + row[key]
            if nid in new or nid in g:
                rest.append(row)
            elif kind == "records" and sid(row["subject_type"], row["subject_key"]) not in g:
                rest.append(row)  # the item path makes the missing subject, as networkx does
            else:
                new[nid] = row
        ids, added = list(new), list(new.values())
        g.append_nodes(label, ids, added, stamp)
        if kind == "entities":
            self._unlinked += ids
        elif kind == "records":  # a new record's one CONCERNS edge (see _write_one)
            subjects = [sid(r["subject_type"], r["subject_key"]) for r in added]
            ends = [(n, s, "CONCERNS") for n, s in zip(ids, subjects, strict=True)]
            g.append_edges("CONCERNS", ends, [{}] * len(ends), {}, new=True)
        return len(ids), rest

    def _write_one(self, kind: RowKind, row: Mapping[str, Any], meta: BatchMeta) -> str:
        with self._graph.writing():
            return super()._write_one(kind, row, meta)

    def _link_superiors(self, usccs: list[str]) -> None:
        with self._graph.writing():
            super()._link_superiors(usccs)

    # -- reads the arrays answer without building adjacency dicts ----------------------------

    def _edges(
        self, sids: Collection[str], rtype: str, outgoing: bool, incoming: bool
    ) -> list[tuple[str, str, dict[str, Any]]]:
        self._refresh()
        g = self._graph
        out: list[tuple[str, str, dict[str, Any]]] = []
        for s in sids:
            if outgoing:
                out += [(s, v, d) for v, _, d in g.adjacent(s, True, rtype)]
            if incoming:
                out += [(u, s, d) for u, _, d in g.adjacent(s, False, rtype)]
        return out

    def _relationships(
        self, rtype: RelType, on: str | None, fields: Sequence[str] | None
    ) -> Iterator[dict[str, Any]]:
        g = self._graph  # this state, as the pickle store's scan
        for u, v, _, data in g.iter_edges(rtype):
            decided = g.nodes[u].get("decided_on") if rtype == "CONCERNS" else None
            if on is None or active_on(rtype, data, on, decided):
                yield {"type": rtype, "from": u, "to": v} | project(data, fields)

    def scan_relationship_columns(
        self,
        rtype: RelType,
        fields: Sequence[str],
        *,
        on: str | None = None,
        batch: int = SCAN_BATCH,
    ) -> Iterator[dict[str, list[Any]]]:
        if on is not None and rtype not in DATED_TYPES:  # (CONCERNS reads its record's day)
            yield from super().scan_relationship_columns(rtype, fields, on=on, batch=batch)
            return
        self._refresh()
        wanted = visible(fields)
        dates = ("start_date", "end_date") if on is not None else ()
        found = self._graph.edge_columns(rtype, list(dict.fromkeys([*wanted, *dates])))
        if on is not None:
            keep = in_force_mask(
                pd.Series(found["start_date"], dtype=object),
                pd.Series(found["end_date"], dtype=object),
                on,
            ).to_numpy()
            found = {n: list(compress(c, keep)) for n, c in found.items()}
        rows = len(found["from"])
        for lo in range(0, rows, batch):
            yield {
                n: found[n][lo : lo + batch] if n in found else [None] * min(batch, rows - lo)
                for n in ("from", "to", *fields)
            }

    def sealed_person_id(self, key: str) -> str | None:
        self._refresh()
        found: str | None = self._graph.prop("P:" + key, "id_sealed")
        return found

    def _prop(self, nid: str, name: str) -> Any:
        return self._graph.prop(nid, name)  # that column alone, not the node's dict

    def search(self, text: str, limit: int = 20, offset: int = 0) -> Page:
        self._refresh()
        needle = text.strip().upper()
        g = self._graph
        hits = [
            search_hit(g.nodes[nid])
            for label in ("Entity", "Person")
            for nid, props in g.label_columns(label, ("name", "uscc"))
            if search_matches(label, props, needle)
        ]
        hits.sort(key=search_order)
        return Page(
            items=hits[offset : offset + limit], total=len(hits), offset=offset, limit=limit
        )

    def records_where(self, kinds: Collection[str]) -> list[dict[str, Any]]:
        self._refresh()
        wanted = set(kinds)
        g = self._graph
        found = [
            public(g.nodes[nid])
            for nid, props in g.label_columns("Record", ("kind",))
            if props.get("kind") in wanted
        ]
        return sorted(found, key=lambda r: r["record_id"])

    def counts(self) -> dict[str, int]:
        self._refresh()
        out: dict[str, int] = {}
        g = self._graph
        for _, label in g.iter_nodes():
            if label is not None:
                out[label] = out.get(label, 0) + 1
        for rtype in g.edge_types():
            found = sum(1 for _ in g.iter_edges(rtype, props=False))
            if found:
                out[rtype] = found
        return dict(sorted(out.items()))


#: What the CLI runs to migrate a pickle store (its verb calls :func:`migrate_pickle_store`).
MIGRATE_COMMAND = "python -m graph_service migrate-store OLD.graph NEW.cgraph"


def refuse_beside_an_old_store(path: str | Path) -> None:
    """Refuse to open a compact store that does not exist yet beside a pickle store of the
    same name (``X.cgraph`` asked for, ``X.graph`` there: a store made before the compact
    format became the default), naming the command that migrates it: a new empty store
    there would hide the data of the old one."""
    new = Path(path)
    old = new.with_suffix(".graph")
    if new.suffix == SUFFIX and not new.exists() and old.is_file():
        command = f"python -m graph_service migrate-store {old} {new}"
        raise StoreUnavailable(
            f"{new} 不存在，但旧格式（pickle）的图存储 {old} 在：请先迁移：{command}",
            f"{new} does not exist, but the store of the old (pickle) format {old} does: "
            f"migrate it with {command}",
        )


def migrate_pickle_store(old: str | Path, new: str | Path) -> dict[str, int]:
    """Copy the pickle store at ``old`` (with its journal replayed) into a new compact store
    at ``new``, with its load log and audit checkpoints; ``old`` is left as it is. Refuses
    to overwrite an existing store. Returns the new store's :meth:`counts`."""
    old_path, new_path = Path(old), Path(new)
    if new_path.exists():
        raise FileExistsError(f"{new_path} exists: migrate into a new path")
    source = EmbeddedStore(old_path)
    with source.transaction():  # the lock: no writer changes the old store meanwhile
        graph = CompactGraph()
        for n, d in source._graph.nodes(data=True):
            graph.add_node(n, **d)
            graph = graph.bounded(FOLD_ITEMS)
        for u, v, k, d in source._graph.edges(keys=True, data=True):
            graph.add_edge(u, v, k, **d)
            graph = graph.bounded(FOLD_ITEMS)
        target = CompactStore(new_path)
        target._graph, target._loads = graph, [dict(x) for x in source._loads]
        with target.transaction():
            target._dirty = True
        anchors = source._anchors()
        if anchors:
            target._anchor_path().parent.mkdir(parents=True, exist_ok=True)
            target._anchor_path().write_text(json.dumps(anchors), encoding="utf-8")
    return target.counts()
