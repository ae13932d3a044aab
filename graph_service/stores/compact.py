"""The compact embedded store: the embedded store's rules over columnar arrays, saved as
Arrow IPC files that open fast.

Layout, for a store at ``PATH`` (by convention ``*.cgraph``, see :func:`open_store`)::

    PATH                     manifest (JSON): format, generation, its data folder, load log
    PATH.data/<generation>/  nodes-<Label>.arrow, edges-<TYPE>.arrow (Arrow IPC files)
    PATH.journal, PATH.lock, PATH.results/, …   as for the pickle store (:mod:`.embedded`)

Durability is the pickle store's, with the manifest in the pickle's place: a save writes a
new generation folder, fsyncs it, then writes the manifest to a temporary file and renames it
over ``PATH`` (atomic); only then are older generation folders removed. A crash at any
moment leaves the previous manifest, whose folder is still whole. Small transactions append
to the same checksummed journal; the lock, the load markers and the change token are the
pickle store's code. In memory, see :mod:`.compact_graph`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from graph_service.errors import StoreUnavailable
from graph_service.stores.base import (
    BatchMeta,
    Page,
    RelType,
    RowKind,
    active_on,
    project,
    public,
    search_hit,
    search_order,
)
from graph_service.stores.compact_graph import Base, CompactGraph, edge_tables, node_tables
from graph_service.stores.embedded import EmbeddedStore, _alive, _fsync_dir, search_matches

log = logging.getLogger("graph_service.store")

FORMAT = "credit-graph-compact"
VERSION = 1
#: The suffix :func:`~graph_service.stores.open_store` opens as a compact store.
SUFFIX = ".cgraph"
#: How often a read retries when a writer replaced the generation it was opening.
_OPEN_ATTEMPTS = 5


class CompactStore(EmbeddedStore):
    """The embedded store on columnar arrays and Arrow IPC files (see the module doc)."""

    def __init__(self, path: str | Path) -> None:
        self._data_root = Path(path).with_name(Path(path).name + ".data")
        super().__init__(path)

    # -- persistence -----------------------------------------------------------------------

    def _clean_temp_files(self) -> None:
        super()._clean_temp_files()
        if not self._data_root.is_dir():
            return
        for tmp in self._data_root.glob(".*.tmp-*"):
            pid = tmp.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(tmp, ignore_errors=True)
                log.warning("removed %s, left by a writer that was killed", tmp)

    @staticmethod
    def _new_graph() -> CompactGraph:
        return CompactGraph()

    def _load_file(self, sig: tuple[int, int, int] | None) -> None:
        if sig is None:
            super()._load_file(sig)
            return
        for attempt in range(_OPEN_ATTEMPTS):
            manifest = self._manifest()
            try:
                self._graph = CompactGraph(self._read_generation(manifest["generation"]))
                break
            except FileNotFoundError:
                # A writer replaced the manifest and removed this generation meanwhile.
                if attempt == _OPEN_ATTEMPTS - 1:
                    raise
                sig = self._stat(self.path)
        self._loads = list(manifest["loads"])
        self._generation = str(manifest["generation"])
        self._signature = sig

    def _manifest(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise StoreUnavailable(
                f"无法读取图存储文件 {self.path}", f"cannot read the store file {self.path}: {exc}"
            ) from exc
        if raw.startswith(b"\x80"):
            raise StoreUnavailable(
                f"{self.path} 是旧格式（pickle）的图存储文件，请先迁移：{MIGRATE_COMMAND}",
                f"{self.path} is a store file of the old (pickle) format: migrate it with "
                f"{MIGRATE_COMMAND}",
            )
        try:
            manifest: dict[str, Any] = json.loads(raw)
        except ValueError:
            manifest = {}
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise StoreUnavailable(
                f"{self.path} 不是本系统的紧凑图存储文件",
                f"{self.path} is not a credit-graph compact store file",
            )
        return manifest

    def _read_generation(self, generation: str) -> Base:
        folder = self._data_root / generation
        nodes: dict[str, pa.Table] = {}
        rels: dict[str, pa.Table] = {}
        for file in sorted(folder.glob("*.arrow")):
            kind, _, name = file.stem.partition("-")
            with pa.memory_map(str(file)) as source:
                table = pa.ipc.open_file(source).read_all()
            (nodes if kind == "nodes" else rels)[name] = table
        if not folder.is_dir():
            raise FileNotFoundError(folder)
        return Base(nodes, rels)

    def _persist(self) -> None:
        self._data_root.mkdir(parents=True, exist_ok=True)
        generation = uuid.uuid4().hex
        tmp_dir = self._data_root / f".{generation}.tmp-{os.getpid()}"
        tmp_dir.mkdir()
        node_tabs, index = node_tables(self._graph)
        tables = {f"nodes-{k}": t for k, t in node_tabs.items()}
        tables |= {f"edges-{k}": t for k, t in edge_tables(self._graph, index).items()}
        for name, table in tables.items():
            file = tmp_dir / f"{name}.arrow"
            with pa.OSFile(str(file), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            with file.open("rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp_dir)
        os.replace(tmp_dir, self._data_root / generation)
        _fsync_dir(self._data_root)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "generation": generation,
            "loads": self._loads,
        }
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        # As in the pickle store: a crash before this unlink replays idempotent upserts.
        self._journal_path.unlink(missing_ok=True)
        self._journal_at = (0, 0)
        for old in self._data_root.iterdir():
            if old.name != generation and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
        # Continue from the arrays just written: the delta is folded into them.
        self._load_file(self._stat(self.path))

    # -- writes go through the delta ---------------------------------------------------------

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

    def sealed_person_id(self, key: str) -> str | None:
        self._refresh()
        found: str | None = self._graph.prop("P:" + key, "id_sealed")
        return found

    def _name(self, nid: str) -> str | None:
        name: str | None = self._graph.prop(nid, "name")
        return name

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
        graph.new_nodes = {n: dict(d) for n, d in source._graph.nodes(data=True)}
        for u, v, k, d in source._graph.edges(keys=True, data=True):
            graph.add_edge(u, v, k, **d)
        target = CompactStore(new_path)
        target._graph, target._loads = graph, [dict(x) for x in source._loads]
        with target.transaction():
            target._dirty = True
        anchors = old_path.with_name(old_path.name + ".audit-anchors.json")
        if anchors.exists():
            shutil.copyfile(anchors, new_path.with_name(new_path.name + ".audit-anchors.json"))
    return target.counts()
