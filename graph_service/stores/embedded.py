"""The embedded store: the graph in process on networkx, persisted to one local file.

Durability: a load's writes are applied in memory and the whole graph is written to a
temporary file beside the store, flushed, fsynced and renamed over the old one
(``os.replace`` is atomic on POSIX). A crash at any moment leaves either the previous file
or the new one, never half of a load. A failed load reloads the previous state. Writers take
an exclusive ``flock`` on ``PATH.lock``; readers notice a newer file and reload it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import pickle
import time
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import networkx as nx

from graph_service.errors import NotFound, StoreUnavailable
from graph_service.ids.regions import region
from graph_service.stores.base import (
    MAX_PATH_HOPS,
    NEIGHBOUR_TYPES,
    PATH_TYPES,
    SCAN_BATCH,
    BatchMeta,
    Direction,
    GraphStore,
    MaterialRequest,
    NodeLabel,
    Page,
    Reach,
    RelType,
    RowKind,
    SubjectKind,
    SubjectMaterial,
    WriteCounts,
    active_on,
    batched,
    edge_order,
    edge_view,
    iter_batches,
    named_order,
    neighbour_order,
    node_view,
    parse_node_id,
    project,
    public,
    search_hit,
    search_order,
    sid,
    sort_relations,
    unchanged,
)
from graph_service.stores.embedded_results import EmbeddedResults

log = logging.getLogger("graph_service.store")

FORMAT = "credit-graph-embedded"
#: What the load log says of a load whose writer died.
INTERRUPTED = "none of its rows were kept; load the files again"
VERSION = 1
#: A directory's mtime this recent is not trusted to show every change (see _begun_names).
_RACY_SECONDS = 2


def _parse_journal_line(line: bytes) -> list[dict[str, Any]] | None:
    """The operations of one journal line, or None for a torn or corrupt line."""
    if not line.endswith(b"\n"):
        return None
    try:
        entry = json.loads(line)
        ops: list[dict[str, Any]] = entry["ops"]
        body = json.dumps(ops, ensure_ascii=False, sort_keys=True)
    except (ValueError, KeyError, TypeError):
        return None
    if hashlib.sha256(body.encode("utf-8")).hexdigest() != entry.get("sha256"):
        return None
    return ops


def search_matches(label: str | None, props: Mapping[str, Any], needle: str) -> bool:
    """Whether :meth:`GraphStore.search` for ``needle`` (stripped, upper case) finds a node:
    an entity by name or USCC prefix, a person by name."""
    if label == "Entity":
        return needle in str(props.get("name", "")).upper() or props["uscc"].startswith(needle)
    return label == "Person" and needle in str(props.get("name", ""))


#: The node label, id prefix and key field each kind of node row writes.
NODE_ROWS: dict[str, tuple[NodeLabel, str, str]] = {
    "entities": ("Entity", "E:", "uscc"),
    "persons": ("Person", "P:", "key"),
    "records": ("Record", "C:", "record_id"),
}
#: The relationship each kind of relationship row writes.
RELATIONSHIP_ROWS: dict[str, RelType] = {
    "registrations": "REGISTERED_IN",
    "roles": "ROLE",
    "shareholdings": "HOLDS",
    "record_persons": "NAMES",
}


def relationship_item(kind: RowKind, row: Mapping[str, Any]) -> tuple[str, str, str, RelType]:
    """The relationship a row of a relationship kind writes: (from, to, key, type), its ends
    the node ids of the subjects, regions or records it names and its key the type and the
    row's identity properties (a later row with the same item updates it)."""
    match kind:
        case "registrations":
            start, end = "E:" + row["uscc"], "R:" + row["region_code"]
            key = f"REGISTERED_IN|{row['start_date']}"
        case "roles":
            start, end = "P:" + row["person_key"], "E:" + row["uscc"]
            key = f"ROLE|{row['role']}|{row['start_date']}"
        case "shareholdings":
            start, end = sid(row["holder_type"], row["holder_key"]), "E:" + row["uscc"]
            key = f"HOLDS|{row['start_date']}"
        case "record_persons":
            start, end = "C:" + row["record_id"], "P:" + row["person_key"]
            key = f"NAMES|{row['capacity']}"
        case _:
            raise ValueError(kind)
    return start, end, key, RELATIONSHIP_ROWS[kind]


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EmbeddedStore(EmbeddedResults, GraphStore):
    """networkx MultiDiGraph + one pickle file. See the module docstring for durability."""

    backend = "embedded"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.uri = str(self.path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._journal_path = self.path.with_name(self.path.name + ".journal")
        self._graph: Any = self._new_graph()
        self._loads: list[dict[str, Any]] = []
        self._signature: tuple[int, int, int] | None = None
        #: Which write of the graph file this is (see change_token); new on every rewrite.
        self._generation = "empty"
        self._journal_at: tuple[int, int] = (0, 0)  # (inode, bytes replayed)
        self._in_tx = False
        self._pinned = False  # reads of one answer see one state (see material)
        self._ops: list[dict[str, Any]] | None = None
        self._dirty = False  # did this transaction change the graph?
        self._small = False  # journal every write of this transaction (see transaction())
        self._unlinked: list[str] = []
        self._ended: list[Path] = []  # markers of loads recorded in this transaction
        #: The begun-load markers listed last, with the directory's (inode, mtime) then.
        self._begun_cache: tuple[tuple[int, int], tuple[str, ...]] | None = None
        self._clean_temp_files()
        self._refresh()

    # -- persistence -------------------------------------------------------------------

    @staticmethod
    def _stat(path: Path) -> tuple[int, int, int] | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    @staticmethod
    def _new_graph() -> Any:
        """An empty graph of this store's kind."""
        return nx.MultiDiGraph()

    def _clean_temp_files(self) -> None:
        """Remove what a killed writer left beside the store: its half-written temporary
        graph file (the store file itself is whole: it is only ever replaced)."""
        for tmp in self.path.parent.glob(f".{self.path.name}.tmp-*"):
            pid = tmp.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not _alive(int(pid)):
                tmp.unlink(missing_ok=True)
                log.warning("removed %s, left by a writer that was killed", tmp)

    def _refresh(self) -> None:
        """Catch up with what other processes wrote: a replaced graph file is reloaded,
        journal lines appended since we last looked are replayed."""
        if self._in_tx or self._pinned:
            return
        sig = self._stat(self.path)
        if sig != self._signature:
            self._load_file(sig)
            self._journal_at = (0, 0)
        self._replay_journal()

    def _load_file(self, sig: tuple[int, int, int] | None) -> None:
        if sig is None:
            self._graph, self._loads = self._new_graph(), []
            self._generation = "empty"
        else:
            try:
                with self.path.open("rb") as fh:
                    data = pickle.load(fh)
            except (OSError, pickle.UnpicklingError, EOFError) as exc:
                raise StoreUnavailable(
                    f"无法读取图存储文件 {self.path}",
                    f"cannot read the store file {self.path}: {exc}",
                ) from exc
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise StoreUnavailable(
                    f"{self.path} 不是本系统的图存储文件",
                    f"{self.path} is not a credit-graph embedded store file",
                )
            self._graph, self._loads = data["graph"], data["loads"]
            # Files written before generations were kept are told apart by their stat.
            self._generation = str(data.get("generation") or "-".join(map(str, sig)))
        self._signature = sig

    def _replay_journal(self) -> None:
        """Apply whole, checksummed journal lines past the last replayed byte. A torn last
        line (a crash while appending) fails its checksum and is ignored: its change never
        happened."""
        jsig = self._stat(self._journal_path)
        if jsig is None:
            return
        inode, done = self._journal_at
        if (inode, done) == jsig[:2]:
            return  # nothing appended since we last looked
        if inode != jsig[0] or jsig[1] < done:
            # Another journal than the one replayed so far: if the graph file changed too,
            # another process compacted the journal into it; read that file. Right after a
            # load (nothing replayed yet) the file just read is current: reading it again
            # would only double the time and memory an open takes.
            sig = self._stat(self.path)
            if done or sig != self._signature:
                self._load_file(sig)
            done = 0
        with self._journal_path.open("rb") as fh:
            fh.seek(done)
            for line in fh:
                entry = _parse_journal_line(line)
                if entry is None:
                    break
                for op in entry:
                    self._apply_op(op)
                done += len(line)
        self._journal_at = (jsig[0], done)

    def _persist(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        generation = uuid.uuid4().hex
        payload = {
            "format": FORMAT,
            "version": VERSION,
            "generation": generation,
            "graph": self._graph,
            "loads": self._loads,
        }
        with tmp.open("wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        # The journal's changes are in the new file now. A crash before this unlink replays
        # them once more, which changes nothing: every write is an idempotent upsert.
        self._journal_path.unlink(missing_ok=True)
        self._signature = self._stat(self.path)
        self._generation = generation
        self._journal_at = (0, 0)

    def _append_journal(self, ops: list[dict[str, Any]]) -> None:
        body = json.dumps(ops, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        line = (json.dumps({"sha256": digest, "ops": ops}, ensure_ascii=False) + "\n").encode()
        with self._journal_path.open("ab") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        jsig = self._stat(self._journal_path)
        self._journal_at = (jsig[0], jsig[1]) if jsig else (0, 0)

    @contextmanager
    def transaction(self, small: bool = False) -> Iterator[None]:
        """Group writes. On success the whole graph file is rewritten atomically — or, with
        ``small=True`` (a record event, a few rows), the writes are appended to the journal
        as one checksummed line, and folded into the graph file by the next full write."""
        if self._in_tx:
            raise RuntimeError("transactions do not nest")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock_path.open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning(
                    "waiting for another writer of %s to finish (it holds %s)",
                    self.path,
                    self._lock_path,
                )
                fcntl.flock(lock, fcntl.LOCK_EX)
                log.warning("the other writer finished; going on")
            try:
                self._refresh()
                self._in_tx = True
                self._dirty = False
                self._small = small
                self._ops = []
                try:
                    yield
                except BaseException:
                    self._in_tx = False
                    self._signature = None
                    self._refresh()  # back to the state on disk
                    raise
                try:
                    if small or not self._dirty:
                        # Small writes, or a load that changed nothing but its log entry:
                        # journal them rather than rewrite the whole graph file.
                        if self._ops:
                            self._append_journal(self._ops)
                    else:
                        self._persist()
                except BaseException:
                    self._signature = None  # not on disk: the next read reloads what is
                    raise
                for marker in self._ended:
                    marker.unlink(missing_ok=True)
            finally:
                self._in_tx = False
                self._ops, self._small, self._ended = None, False, []
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- writes --------------------------------------------------------------------------

    def _upsert_node(self, nid: str, label: str, props: Mapping[str, Any], meta: BatchMeta) -> str:
        g = self._graph
        if nid in g:
            current = g.nodes[nid]
            if unchanged(current, props):
                return "unchanged"
            keep = {"id_sealed": current["id_sealed"]} if "id_sealed" in current else {}
            if label == "Record":  # records keep every earlier version (as-of questions)
                old = {k: v for k, v in current.items() if k != "_versions"}
                keep["_versions"] = [*current.get("_versions", []), old]
            current.update(props, **keep, batch_id=meta.batch_id, loaded_at=meta.loaded_at)
            return "updated"
        g.add_node(
            nid,
            **props,
            label=label,
            batch_id=meta.batch_id,
            loaded_at=meta.loaded_at,
            first_batch_id=meta.batch_id,
        )
        return "created"

    def _upsert_edge(
        self, u: str, v: str, key: str, rtype: str, props: Mapping[str, Any], meta: BatchMeta
    ) -> str:
        g = self._graph
        if g.has_edge(u, v, key):
            current = g.edges[u, v, key]
            if unchanged(current, props):
                return "unchanged"
            current.update(props, batch_id=meta.batch_id, loaded_at=meta.loaded_at)
            return "updated"
        g.add_edge(
            u,
            v,
            key=key,
            **props,
            type=rtype,
            batch_id=meta.batch_id,
            loaded_at=meta.loaded_at,
            first_batch_id=meta.batch_id,
        )
        return "created"

    def _ensure_region(self, code: str) -> str:
        nid = "R:" + code
        if nid not in self._graph:
            r = region(code)
            self._graph.add_node(
                nid, label="Region", code=code, name=r.name, level=r.level, retired=r.retired
            )
        return nid

    def _replace_single_edge(self, u: str, rtype: str, v: str | None, outgoing: bool) -> None:
        """Keep at most one derived edge of ``rtype`` at ``u`` (superior unit, record subject)."""
        g = self._graph
        edges = g.out_edges(u, keys=True) if outgoing else g.in_edges(u, keys=True)
        for a, b, k in list(edges):
            if k == rtype and (b if outgoing else a) != v:
                g.remove_edge(a, b, k)
        if v is not None and not (g.has_edge(u, v, rtype) if outgoing else g.has_edge(v, u, rtype)):
            if outgoing:
                g.add_edge(u, v, key=rtype, type=rtype)
            else:
                g.add_edge(v, u, key=rtype, type=rtype)

    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        if not self._in_tx:
            raise RuntimeError("EmbeddedStore.write must run inside store.transaction()")
        if self._ops is not None and self._small:
            self._ops.append(
                {
                    "op": "write",
                    "kind": kind,
                    "rows": [dict(r) for r in rows],
                    "meta": [meta.batch_id, meta.loaded_at],
                }
            )
        counts = WriteCounts()
        for row in rows:
            outcome = self._write_one(kind, row, meta)
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        self._dirty = self._dirty or counts.created + counts.updated > 0
        return counts

    def _write_one(self, kind: RowKind, row: Mapping[str, Any], meta: BatchMeta) -> str:
        if kind in NODE_ROWS:
            label, prefix, field = NODE_ROWS[kind]
            nid = prefix + row[field]
            outcome = self._upsert_node(nid, label, row, meta)
            if outcome == "unchanged":
                return outcome
            if kind == "entities":
                self._unlinked.append(nid)
            elif kind == "records":
                subject = sid(row["subject_type"], row["subject_key"])
                self._replace_single_edge(nid, "CONCERNS", subject, True)
            return outcome
        if kind == "registrations":
            self._ensure_region(row["region_code"])
        u, v, key, rtype = relationship_item(kind, row)
        return self._upsert_edge(u, v, key, rtype, row, meta)

    def _apply_op(self, op: Mapping[str, Any]) -> None:
        """Replay one journalled operation."""
        if op["op"] == "write":
            meta = BatchMeta(*op["meta"])
            for row in op["rows"]:
                self._write_one(op["kind"], row, meta)
        elif op["op"] == "link_superiors":
            self._link_superiors(op["uscc"])
        elif op["op"] == "record_load":
            self._loads.append(op["summary"])

    def link_superiors(self, meta: BatchMeta) -> None:
        if self._ops is not None:
            self._ops.append({"op": "link_superiors", "uscc": [n[2:] for n in self._unlinked]})
        self._link_superiors([n[2:] for n in self._unlinked])
        self._unlinked = []

    def _link_superiors(self, usccs: list[str]) -> None:
        g = self._graph
        for uscc in usccs:
            nid = "E:" + uscc
            sup = self._prop(nid, "superior_uscc")
            target = "E:" + sup if sup and "E:" + sup in g else None
            self._replace_single_edge(nid, "SUPERVISED_BY", target, True)

    def existing(self, kind: SubjectKind, keys: Collection[str]) -> set[str]:
        self._refresh()
        prefix = "E:" if kind == "entity" else "P:"
        g = self._graph
        return {k for k in keys if prefix + k in g}

    def _marker(self, batch_id: str) -> Path:
        return self.path.with_name(f".{self.path.name}.loading-{batch_id}.json")

    def begin_load(self, summary: Mapping[str, Any]) -> None:
        # Beside the store, not in it: a load's writes reach the file only when it ends.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        marker = dict(summary) | {"status": "running"}
        self._marker(str(summary["batch_id"])).write_text(json.dumps(marker), encoding="utf-8")

    def _markers(self) -> list[dict[str, Any]]:
        """Loads begun and not recorded: ``running`` while a writer holds the store's lock,
        else ``interrupted`` (the store holds none of their rows)."""
        paths = sorted(self.path.parent.glob(f".{self.path.name}.loading-*.json"))
        if not paths:
            return []
        writing = self._in_tx or self._locked()
        out = []
        for path in paths:
            try:
                marker = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not writing:
                marker |= {"status": "interrupted", "note": INTERRUPTED}
            out.append(marker)
        return out

    def _locked(self) -> bool:
        """Whether another writer holds the store's lock now."""
        try:
            with self._lock_path.open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
        except BlockingIOError:
            return True
        return False

    def record_load(self, summary: Mapping[str, Any]) -> None:
        if not self._in_tx:
            raise RuntimeError("record_load must run inside store.transaction()")
        summary = {"status": "done"} | dict(summary)
        # Loads begun before and never recorded died with their writer (this one holds the
        # lock): they go into the load log as interrupted, and their markers away.
        done = {x.get("batch_id") for x in self._loads}
        dead = [
            m | {"status": "interrupted", "note": INTERRUPTED}
            for m in self._markers()
            if m["batch_id"] not in done | {summary["batch_id"]}
        ]
        for entry in [*dead, summary]:
            if self._ops is not None:
                self._ops.append({"op": "record_load", "summary": entry})
            self._loads.append(entry)
            self._ended.append(self._marker(str(entry["batch_id"])))

    # -- reads ---------------------------------------------------------------------------

    def loads(self) -> list[dict[str, Any]]:
        self._refresh()
        done = {x.get("batch_id") for x in self._loads}
        begun = [m for m in self._markers() if m.get("batch_id") not in done]
        return [dict(x) for x in self._loads] + begun

    def _anchor_path(self) -> Path:
        """The audit checkpoints' file, in a folder of its own beside the store: each
        checkpoint is renamed into place, and a rename in the store's own folder changes its
        mtime, which :meth:`_begun_names` keys its listing on (a listing per audited
        request)."""
        return self.path.with_name(self.path.name + ".audit") / "anchors.json"

    def audit_anchor(self, log: str) -> tuple[int, str] | None:
        found = self._anchors().get(log)
        return (int(found["seq"]), str(found["hash"])) if found else None

    def _anchors(self) -> dict[str, Any]:
        path = self._anchor_path()
        if not path.exists():  # where stores before 2026-12-03 kept them
            path = self.path.with_name(self.path.name + ".audit-anchors.json")
        try:
            anchors = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:  # cut short by a crash: the next checkpoint writes it whole again
            log.warning("the audit checkpoints beside %s cannot be read", self.path)
            return {}
        return anchors if isinstance(anchors, dict) else {}

    def keep_audit_anchor(self, log: str, seq: int, entry_hash: str) -> None:
        path = self._anchor_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        locked = self._lock_path.with_name(self.path.name + ".audit-anchors.json.lock")
        with locked.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                anchors = self._anchors()
                if int(anchors.get(log, {}).get("seq", 0)) >= seq:
                    return
                anchors[log] = {"seq": seq, "hash": entry_hash}
                tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
                # Not fsynced: the log's own fsync makes the entry durable; after a power
                # loss the checkpoint may lag by the last entries, never run ahead of them.
                tmp.write_text(json.dumps(anchors), encoding="utf-8")
                os.replace(tmp, path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def counts(self) -> dict[str, int]:
        self._refresh()
        out: dict[str, int] = {}
        for _, label in self._graph.nodes(data="label"):
            out[label] = out.get(label, 0) + 1
        for _, _, rtype in self._graph.edges(data="type"):
            out[rtype] = out.get(rtype, 0) + 1
        return dict(sorted(out.items()))

    def _node(self, nid: str) -> dict[str, Any] | None:
        self._refresh()
        if nid not in self._graph:
            return None
        return public(self._graph.nodes[nid])

    def entity(self, uscc: str) -> dict[str, Any] | None:
        return self._node("E:" + uscc)

    def person(self, key: str) -> dict[str, Any] | None:
        return self._node("P:" + key)

    def subjects(self, sids: Collection[str]) -> dict[str, dict[str, Any]]:
        self._refresh()
        nodes = self._graph.nodes
        return {s: public(nodes[s]) for s in sorted(sids) if s in nodes}

    def sealed_person_id(self, key: str) -> str | None:
        """The sealed ID number of a person (for roles allowed to unseal it)."""
        self._refresh()
        node = self._graph.nodes.get("P:" + key)
        return None if node is None else node.get("id_sealed")

    def record(self, record_id: str) -> dict[str, Any] | None:
        return self._node("C:" + record_id)

    def record_history(self, record_id: str) -> list[dict[str, Any]]:
        self._refresh()
        node = self._graph.nodes.get("C:" + record_id)
        if node is None:
            return []
        return [public(v) for v in [*node.get("_versions", []), node]]

    def records_by_id(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        self._refresh()
        nodes = self._graph.nodes
        return [public(nodes["C:" + r]) for r in sorted(record_ids) if "C:" + r in nodes]

    def records_where(self, kinds: Collection[str]) -> list[dict[str, Any]]:
        self._refresh()
        wanted = set(kinds)
        return sorted(
            (
                public(d)
                for _, d in self._graph.nodes(data=True)
                if d.get("label") == "Record" and d.get("kind") in wanted
            ),
            key=lambda r: r["record_id"],
        )

    def _prop(self, nid: str, name: str) -> Any:
        """One property of node ``nid`` (None when it has none)."""
        return self._graph.nodes[nid].get(name)

    def _name(self, nid: str) -> str | None:
        name: str | None = self._prop(nid, "name")
        return name

    def relations(self, kind: SubjectKind, key: str) -> dict[str, list[dict[str, Any]]]:
        self._refresh()
        g = self._graph
        nid = sid(kind, key)
        out: dict[str, list[dict[str, Any]]] = {
            "roles": [],
            "holdings": [],
            "registrations": [],
            "records": [],
        }
        if nid not in g:
            return out
        edges = list(g.out_edges(nid, keys=True, data=True)) + list(
            g.in_edges(nid, keys=True, data=True)
        )
        for u, v, _, data in edges:
            rtype = data.get("type")
            if rtype == "ROLE":
                out["roles"].append(
                    public(data) | {"person_name": self._name(u), "entity_name": self._name(v)}
                )
            elif rtype == "HOLDS":
                out["holdings"].append(
                    public(data) | {"holder_name": self._name(u), "entity_name": self._name(v)}
                )
            elif rtype == "REGISTERED_IN":
                out["registrations"].append(public(data) | {"region_name": self._name(v)})
            elif rtype == "CONCERNS":
                out["records"].append(public(g.nodes[u]))
        return sort_relations(out)

    def _edges(
        self, sids: Collection[str], rtype: str, outgoing: bool, incoming: bool
    ) -> list[tuple[str, str, dict[str, Any]]]:
        self._refresh()
        # The adjacency dicts themselves: networkx's edge views cost more than the walk.
        succ, pred = self._graph._succ, self._graph._pred
        out: list[tuple[str, str, dict[str, Any]]] = []
        for s in sids:
            if s not in succ:
                continue
            if outgoing:
                out += [
                    (s, v, d)
                    for v, keyed in succ[s].items()
                    for d in keyed.values()
                    if d.get("type") == rtype
                ]
            if incoming:
                out += [
                    (u, s, d)
                    for u, keyed in pred[s].items()
                    for d in keyed.values()
                    if d.get("type") == rtype
                ]
        return out

    def records_of(self, sids: Collection[str]) -> list[dict[str, Any]]:
        edges = self._edges(sids, "CONCERNS", outgoing=False, incoming=True)
        g = self._graph
        return sorted((public(g.nodes[u]) for u, _, _ in edges), key=lambda r: r["record_id"])

    @contextmanager
    def _one_state(self) -> Iterator[None]:
        """Catch up with other writers once, then read one state until the block ends (every
        read of an answer, or of a batch of answers, sees the same graph)."""
        if self._pinned:
            yield
            return
        self._refresh()
        self._pinned = True
        try:
            yield
        finally:
            self._pinned = False

    def material(self, kind: SubjectKind, key: str, reach: Reach = "all") -> SubjectMaterial:
        with self._one_state():
            return super().material(kind, key, reach)

    def materials(
        self, requests: Iterable[MaterialRequest]
    ) -> dict[MaterialRequest, SubjectMaterial]:
        with self._one_state():
            return super().materials(requests)

    def named_in(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        self._refresh()
        g = self._graph
        out = [
            public(d) | {"person_name": self._name(v)}
            for r in record_ids
            if "C:" + r in g
            for _, v, d in g.out_edges("C:" + r, data=True)
            if d.get("type") == "NAMES"
        ]
        return sorted(out, key=named_order)

    def naming(self, person_keys: Collection[str]) -> list[dict[str, Any]]:
        edges = self._edges([sid("person", k) for k in person_keys], "NAMES", False, True)
        return sorted(
            (public(d) | {"person_name": self._name(v)} for _, v, d in edges), key=named_order
        )

    def roles_of(self, sids: Collection[str]) -> list[dict[str, Any]]:
        edges = self._edges(sids, "ROLE", outgoing=True, incoming=True)
        return sort_relations(
            {"roles": [public(d) | self._end_names(u, v, "person_name") for u, v, d in edges]}
        )["roles"]

    def holdings_of(self, sids: Collection[str], direction: Direction) -> list[dict[str, Any]]:
        down = direction == "down"
        edges = self._edges(sids, "HOLDS", outgoing=down, incoming=not down)
        return sort_relations(
            {"holdings": [public(d) | self._end_names(u, v, "holder_name") for u, v, d in edges]}
        )["holdings"]

    def registrations_of(self, usccs: Collection[str]) -> list[dict[str, Any]]:
        edges = self._edges([sid("entity", u) for u in usccs], "REGISTERED_IN", True, False)
        return sort_relations(
            {"r": [public(d) | {"region_name": self._name(v)} for _, v, d in edges]}
        )["r"]

    def _end_names(self, u: str, v: str, start_field: str) -> dict[str, Any]:
        return {start_field: self._name(u), "entity_name": self._name(v)}

    def search(self, text: str, limit: int = 20, offset: int = 0) -> Page:
        self._refresh()
        needle = text.strip().upper()
        hits: list[dict[str, Any]] = []
        for _, data in self._graph.nodes(data=True):
            if search_matches(data.get("label"), data, needle):
                hits.append(search_hit(data))
        hits.sort(key=search_order)
        return Page(
            items=hits[offset : offset + limit], total=len(hits), offset=offset, limit=limit
        )

    # -- scans and the change token --------------------------------------------------------

    def scan_nodes(
        self, label: NodeLabel, *, batch: int = SCAN_BATCH, fields: Sequence[str] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        self._refresh()
        # This graph object, not self._graph: a reload swaps the latter, and the scan goes on
        # reading the state it began with.
        nodes = self._graph.nodes
        ids = sorted(n for n, found in nodes(data="label") if found == label)
        for chunk in iter_batches(ids, batch):
            yield [project(nodes[n], fields) for n in chunk]

    def scan_relationships(
        self,
        rtype: RelType,
        *,
        on: str | None = None,
        batch: int = SCAN_BATCH,
        fields: Sequence[str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        self._refresh()
        yield from batched(self._relationships(rtype, on, fields), batch)

    def _relationships(
        self, rtype: RelType, on: str | None, fields: Sequence[str] | None
    ) -> Iterator[dict[str, Any]]:
        nodes, succ = self._graph.nodes, self._graph._succ  # see _edges
        for u, adjacent in succ.items():
            for v, keyed in adjacent.items():
                for data in keyed.values():
                    if data.get("type") != rtype:
                        continue
                    decided = nodes[u].get("decided_on") if rtype == "CONCERNS" else None
                    if on is None or active_on(rtype, data, on, decided):
                        yield {"type": rtype, "from": u, "to": v} | project(data, fields)

    def change_token(self) -> str:
        """The graph file's generation (a random id each rewrite writes into it), the journal
        bytes replayed since, and the loads begun: equal in every process that reads the same
        files, different after any write."""
        self._refresh()
        token = f"{self._generation}.{self._journal_at[1]}"
        begun = self._begun_names()
        if begun:
            token += "." + hashlib.sha256("\n".join(begun).encode("utf-8")).hexdigest()[:16]
        return token

    def _begun_names(self) -> tuple[str, ...]:
        """The file names of the begun-load markers beside the store, sorted. The listing is
        kept while the directory's stat is unchanged (a marker made or removed changes its
        mtime), so a request does not list a directory of thousands of files; a stat within
        :data:`_RACY_SECONDS` of now is not trusted (a marker made in the same clock tick
        as the listing would leave the mtime as it was), and the directory is listed again."""
        folder = self.path.parent
        try:
            st = folder.stat()
        except FileNotFoundError:
            return ()
        stamp = (st.st_ino, st.st_mtime_ns)
        cached = self._begun_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        names = tuple(sorted(p.name for p in folder.glob(f".{self.path.name}.loading-*.json")))
        settled = time.time_ns() - st.st_mtime_ns > _RACY_SECONDS * 1_000_000_000
        self._begun_cache = (stamp, names) if settled else None
        return names

    # -- graph exploration -----------------------------------------------------------------

    def _view(self, nid: str) -> dict[str, Any]:
        data = self._graph.nodes[nid]
        return node_view(data["label"], data)

    def _explorable(self, nid: str, labels: tuple[str, ...]) -> None:
        node = self._graph.nodes.get(nid)
        if node is None or node.get("label") not in labels:
            raise NotFound(f"图中没有节点“{nid}”", f"no node '{nid}' in the graph")

    def neighbourhood(
        self, node: str, *, on: str | None = None, limit: int = 50, offset: int = 0
    ) -> dict[str, Any]:
        parse_node_id(node)
        self._refresh()
        g = self._graph
        self._explorable(node, ("Entity", "Person", "Region", "Record"))
        by_neighbour: dict[str, list[dict[str, Any]]] = {}
        edges = list(g.out_edges(node, data=True)) + list(g.in_edges(node, data=True))
        for u, v, data in edges:
            rtype = data.get("type")
            if rtype not in NEIGHBOUR_TYPES:
                continue
            decided = g.nodes[u].get("decided_on") if rtype == "CONCERNS" else None
            if not active_on(rtype, data, on, decided):
                continue
            other = v if u == node else u
            by_neighbour.setdefault(other, []).append(edge_view(rtype, u, v, data))
        neighbours = sorted((self._view(n) for n in by_neighbour), key=neighbour_order)
        shown = neighbours[offset : offset + limit]
        shown_edges = [e for n in shown for e in by_neighbour[n["id"]]]
        return {
            "node": self._view(node),
            "neighbours": shown,
            "edges": sorted(shown_edges, key=edge_order),
            "total": len(neighbours),
            "more": max(0, len(neighbours) - offset - len(shown)),
        }

    def _path_neighbours(self, nid: str) -> Iterator[str]:
        g = self._graph
        for adjacency in (g.succ[nid], g.pred[nid]):
            for other, keyed in adjacency.items():
                if any(d.get("type") in PATH_TYPES for d in keyed.values()):
                    yield other

    def _path_edges(self, a: str, b: str) -> list[dict[str, Any]]:
        g = self._graph
        out: list[dict[str, Any]] = []
        for u, v in ((a, b), (b, a)):
            for data in g.succ[u].get(v, {}).values():
                if data.get("type") in PATH_TYPES:
                    out.append(edge_view(data["type"], u, v, data))
        return sorted(out, key=edge_order)

    def shortest_path(
        self, a_sid: str, b_sid: str, *, max_hops: int = 6
    ) -> list[dict[str, Any]] | None:
        self._refresh()
        for s in (a_sid, b_sid):
            self._explorable(s, ("Entity", "Person"))
        if a_sid == b_sid:
            return [self._view(a_sid)]
        hops = max(1, min(max_hops, MAX_PATH_HOPS))
        # Breadth-first from b, one level at a time, until a is reached or the bound.
        dist = {b_sid: 0}
        frontier = [b_sid]
        level = 0
        while frontier and a_sid not in dist and level < hops:
            level += 1
            nxt: list[str] = []
            for x in frontier:
                for y in self._path_neighbours(x):
                    if y not in dist:
                        dist[y] = level
                        nxt.append(y)
            frontier = nxt
        if a_sid not in dist:
            return None
        # Walk from a, always to the smallest id one step closer: the smallest path in order.
        seq = [a_sid]
        while seq[-1] != b_sid:
            here = seq[-1]
            seq.append(min(y for y in self._path_neighbours(here) if dist.get(y) == dist[here] - 1))
        out: list[dict[str, Any]] = [self._view(a_sid)]
        for x, y in pairwise(seq):
            out += self._path_edges(x, y)
            out.append(self._view(y))
        return out
