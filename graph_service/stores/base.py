"""The store interface. Two implementations: :mod:`.embedded` (networkx, a local file) and
:mod:`.neo4j` (a Neo4j server). One conformance suite (``tests/conformance``) runs every
scenario against both, so they answer alike.

Graph model (labels and relationship types are the same in both stores; the full schema, with
every property, key and index, is ``graph_service/schema/graph.yaml``)::

    (:Person)-[:ROLE {role, start_date, end_date}]->(:Entity)
    (:Person|:Entity)-[:HOLDS {percent, start_date, end_date}]->(:Entity)
    (:Entity)-[:REGISTERED_IN {start_date, end_date}]->(:Region)
    (:Record)-[:CONCERNS]->(:Entity|:Person)
    (:Record)-[:NAMES {capacity}]->(:Person)     a person the record names (record_persons.csv)
    (:Entity)-[:SUPERVISED_BY]->(:Entity)

Dates are ISO ``YYYY-MM-DD`` strings (they order correctly as text); an empty end means open.
Every node and relationship written by a load keeps ``source``, ``batch_id``, ``loaded_at``
(of the load that last changed it) and ``first_batch_id`` (可查可核可溯).
"""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Literal, TypeVar

from graph_service.dates import decided_by, in_force
from graph_service.errors import NotFound
from graph_service.schema import graph_schema
from graph_service.stores.results import (
    ResultFilter,
    ResultInfo,
    ResultKey,
    ResultTable,
    StoredPage,
    Tally,
    TallyBy,
)

T = TypeVar("T")

#: The kinds of rows a load writes, in the order they must be written (nodes first).
RowKind = Literal[
    "entities", "persons", "registrations", "roles", "shareholdings", "records", "record_persons"
]
ROW_KINDS: tuple[RowKind, ...] = (
    "entities",
    "persons",
    "registrations",
    "roles",
    "shareholdings",
    "records",
    "record_persons",
)
SubjectKind = Literal["entity", "person"]
#: How much of what reaches a person a check must read (see GraphStore.material).
Reach = Literal["none", "named", "all"]
Direction = Literal["up", "down"]
#: Node labels a scan walks (:meth:`GraphStore.scan_nodes`).
NodeLabel = Literal["Entity", "Person", "Region", "Record"]
#: Relationship types a scan walks (:meth:`GraphStore.scan_relationships`).
RelType = Literal["ROLE", "HOLDS", "REGISTERED_IN", "CONCERNS", "NAMES", "SUPERVISED_BY"]
REL_TYPES: tuple[RelType, ...] = (
    "ROLE",
    "HOLDS",
    "REGISTERED_IN",
    "CONCERNS",
    "NAMES",
    "SUPERVISED_BY",
)
#: The lists of :meth:`GraphStore.relations`, each paged by :meth:`GraphStore.relations_page`.
Relation = Literal["roles", "holdings", "registrations", "records"]
#: Rows per batch of a scan (the Neo4j store also fetches this many rows per round trip).
SCAN_BATCH = 10_000
#: What one check asks the store to read (see GraphStore.materials).
MaterialRequest = tuple[SubjectKind, str, Reach]
#: Subjects per :meth:`GraphStore.materials` query on Neo4j (one ``UNWIND`` round trip each):
#: the round trip's fixed cost spread over hundreds, while one answer stays a few MB at most.
MATERIALS_CHUNK = 500


@dataclass(frozen=True, slots=True)
class BatchMeta:
    """Who and when: stamped on everything a load creates or changes."""

    batch_id: str
    loaded_at: str


@dataclass(slots=True)
class WriteCounts:
    """What a write did: rows that created, changed, or matched an identical existing item."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: WriteCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(slots=True)
class Touched:
    """What a load wrote (created, changed or sent again): USCCs, person keys, record ids."""

    entities: set[str] = field(default_factory=set)
    persons: set[str] = field(default_factory=set)
    records: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.entities or self.persons or self.records)

    def add_rows(self, kind: RowKind, rows: Sequence[Mapping[str, Any]]) -> None:
        """Note the subjects written rows name."""
        match kind:
            case "records":
                self.records.update(r["record_id"] for r in rows)
                self._add_subjects(rows, "subject_type", "subject_key")
            case "persons":
                self.persons.update(r["key"] for r in rows)
            case "record_persons":
                self.records.update(r["record_id"] for r in rows)
                self.persons.update(r["person_key"] for r in rows)
            case _:
                self.entities.update(r["uscc"] for r in rows)
                if kind == "roles":
                    self.persons.update(r["person_key"] for r in rows)
                elif kind == "shareholdings":
                    self._add_subjects(rows, "holder_type", "holder_key")

    def _add_subjects(
        self, rows: Sequence[Mapping[str, Any]], kind_field: str, key_field: str
    ) -> None:
        self.entities.update(r[key_field] for r in rows if r[kind_field] == "entity")
        self.persons.update(r[key_field] for r in rows if r[kind_field] != "entity")


@dataclass(slots=True)
class Page:
    """One page of a list answer."""

    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SubjectMaterial:
    """Everything a check reads about one subject (see :meth:`GraphStore.material`)."""

    node: dict[str, Any] | None
    #: Records concerning the subject.
    records: list[dict[str, Any]] = field(default_factory=list)
    #: A person's ROLE relationships (any time); empty for an entity.
    roles: list[dict[str, Any]] = field(default_factory=list)
    #: A person's HOLDS closure downwards (what he holds, and what that holds …).
    down: list[dict[str, Any]] = field(default_factory=list)
    #: NAMES relationships pointing at the person.
    naming: list[dict[str, Any]] = field(default_factory=list)
    #: Records concerning the entities the person held office in or holds.
    entity_records: list[dict[str, Any]] = field(default_factory=list)
    #: Records that name the person.
    named_records: list[dict[str, Any]] = field(default_factory=list)
    #: NAMES relationships of ``entity_records`` and ``named_records``.
    record_named: list[dict[str, Any]] = field(default_factory=list)
    #: ROLE relationships of those records' subject entities.
    entity_roles: list[dict[str, Any]] = field(default_factory=list)


class GraphStore(ABC):
    """What every store does. Rows arrive validated and normalised by :mod:`loaders`."""

    #: "embedded" or "neo4j"
    backend: str
    #: What the store was opened with: the embedded store's file path, or the Neo4j URI.
    uri: str
    #: Whether a load may write one batch while it validates the next (a thread-safe client).
    concurrent_writes: bool = False
    #: Whether a reader gains by running several scans at once (a server reads them side by
    #: side while the client decodes; an embedded store's scans share one interpreter).
    concurrent_reads: bool = False

    @abstractmethod
    def transaction(self, small: bool = False) -> AbstractContextManager[None]:
        """Group the writes of one load. The embedded store persists atomically at the end
        (``small``: appends them to its journal instead, for a record event); Neo4j commits
        each batch (every batch is an idempotent MERGE, so a rerun completes an interrupted
        load)."""

    @abstractmethod
    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        """Create or update ``rows`` of one kind; rows equal to what is stored change nothing."""

    @abstractmethod
    def link_superiors(self, meta: BatchMeta) -> None:
        """Draw SUPERVISED_BY from entities written in this transaction to their superior unit
        (run once entities are all in, since a superior may be listed after its subordinates)."""

    @abstractmethod
    def existing(self, kind: SubjectKind, keys: Collection[str]) -> set[str]:
        """Which of ``keys`` (USCCs or person keys) the store holds."""

    @abstractmethod
    def begin_load(self, summary: Mapping[str, Any]) -> None:
        """Note a load that starts (``batch_id``, ``directory``, ``started_at``): until its
        :meth:`record_load`, :meth:`loads` lists it with ``status`` ``running`` (or
        ``interrupted`` once the store can tell its writer is gone)."""

    @abstractmethod
    def record_load(self, summary: Mapping[str, Any]) -> None:
        """Append a load's summary to the store's load log (``status`` ``done``)."""

    @abstractmethod
    def loads(self) -> list[dict[str, Any]]:
        """The load log, oldest first."""

    @abstractmethod
    def audit_anchor(self, log: str) -> tuple[int, str] | None:
        """The latest (seq, hash) checkpoint kept for the audit log at path ``log``."""

    @abstractmethod
    def keep_audit_anchor(self, log: str, seq: int, entry_hash: str) -> None:
        """Keep (seq, hash) as the audit log's checkpoint unless a later one is kept already
        (outside the log, so a log cut short or deleted is found by its verification)."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Number of nodes per label and relationships per type."""

    @abstractmethod
    def entity(self, uscc: str) -> dict[str, Any] | None:
        """An entity's properties, or None."""

    @abstractmethod
    def person(self, key: str) -> dict[str, Any] | None:
        """A person's properties (keyed; the ID number is sealed), or None."""

    @abstractmethod
    def subjects(self, sids: Collection[str]) -> dict[str, dict[str, Any]]:
        """The properties of the entities and persons ``sids`` that exist, by sid (one call
        for many: the names and masked ID numbers a list of flags shows)."""

    @abstractmethod
    def record(self, record_id: str) -> dict[str, Any] | None:
        """A credit record's properties, or None."""

    @abstractmethod
    def record_history(self, record_id: str) -> list[dict[str, Any]]:
        """Every version of a record, oldest first, the current one last. Each version's
        ``loaded_at`` is when it became known (a load, or a life-cycle event)."""

    @abstractmethod
    def records_by_id(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        """The records with these ids (unknown ids are skipped)."""

    @abstractmethod
    def records_where(self, kinds: Collection[str]) -> list[dict[str, Any]]:
        """All records of the given kinds (for nationwide passes: notices, scans)."""

    @abstractmethod
    def relations(self, kind: SubjectKind, key: str) -> dict[str, list[dict[str, Any]]]:
        """Everything attached to a subject, over all time: ``roles`` (with the other end's
        name), ``holdings`` (held and holders), ``registrations``, ``records``."""

    def relations_page(
        self, kind: SubjectKind, key: str, relation: Relation, *, limit: int, offset: int = 0
    ) -> Page:
        """One page of one list of :meth:`relations` (in its order), with the true ``total``
        however many there are (a supernode's thousands of holdings are paged, not cut).
        This default slices :meth:`relations`; a networked store pages in the database."""
        items = self.relations(kind, key)[relation]
        return Page(
            items=items[offset : offset + limit], total=len(items), offset=offset, limit=limit
        )

    @abstractmethod
    def search(self, text: str, limit: int = 20, offset: int = 0) -> Page:
        """Entities and persons whose name contains ``text``, or whose USCC starts with it,
        in :func:`search_order`; ``total`` counts every hit, not only those of the page."""

    # -- scans and the change token (nationwide passes, exports, caches) -----------------

    @abstractmethod
    def scan_nodes(
        self, label: NodeLabel, *, batch: int = SCAN_BATCH, fields: Sequence[str] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Every node of ``label``, ``batch`` at a time, in key order (``sid`` for entities
        and persons, ``record_id``, region ``code``): its :func:`public` properties, or with
        ``fields`` only those (a missing one is left out). The read streams: memory holds a
        batch, whatever the store's size."""

    @abstractmethod
    def scan_relationships(
        self,
        rtype: RelType,
        *,
        on: str | None = None,
        batch: int = SCAN_BATCH,
        fields: Sequence[str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every relationship of type ``rtype``, ``batch`` at a time, in no set order: its
        :func:`public` properties (or only ``fields``) with ``from`` and ``to``, the node ids
        (:func:`node_id`) of its start and end. With ``on`` only those that belong to the
        graph that day (:func:`active_on`)."""

    def scan_node_columns(
        self, label: NodeLabel, fields: Sequence[str], *, batch: int = SCAN_BATCH
    ) -> Iterator[dict[str, list[Any]]]:
        """:meth:`scan_nodes` of ``fields``, each batch as columns: every field's values in
        the batch's order (None where a node has none) — what a pass over whole columns
        reads, without a dict per node where the store can help it."""
        for rows in self.scan_nodes(label, batch=batch, fields=fields):
            yield {f: [r.get(f) for r in rows] for f in fields}

    def scan_relationship_columns(
        self,
        rtype: RelType,
        fields: Sequence[str],
        *,
        on: str | None = None,
        batch: int = SCAN_BATCH,
    ) -> Iterator[dict[str, list[Any]]]:
        """:meth:`scan_relationships` of ``fields``, each batch as columns: ``from``, ``to``
        and every field (None where a relationship has none), as :meth:`scan_node_columns`."""
        names = ("from", "to", *fields)
        for rows in self.scan_relationships(rtype, on=on, batch=batch, fields=fields):
            yield {f: [r.get(f) for r in rows] for f in names}

    def scan_relationship_tables(
        self, rtypes: Sequence[RelType], fields: Sequence[str], *, on: str | None = None
    ) -> dict[RelType, dict[str, list[Any]]]:
        """Every relationship of each of ``rtypes`` as whole columns: the batches of
        :meth:`scan_relationship_columns` joined, in their order. A store may read what the
        types share once for all of them (Neo4j: the ends' sids)."""
        ends = ("from", "to", *fields)
        return {t: gathered(self.scan_relationship_columns(t, fields, on=on), ends) for t in rtypes}

    @abstractmethod
    def change_token(self) -> str:
        """A short text that changes whenever anything a reader could see changes — a load,
        a record event, a load begun, whichever process wrote it — and is equal otherwise,
        for every store object on the same data (results computed from a store are kept
        under it; see docs/decisions.md). Audit checkpoints do not change it."""

    # -- primitives the engines build on (batched: one call for many subjects) -----------

    @abstractmethod
    def records_of(self, sids: Collection[str]) -> list[dict[str, Any]]:
        """Credit records concerning any of the subjects ``sids`` (all statuses)."""

    @abstractmethod
    def named_in(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        """NAMES relationships of the records: the persons each names as responsible, each
        with ``record_id``, ``person_key``, ``person_name``, ``capacity`` and provenance."""

    @abstractmethod
    def naming(self, person_keys: Collection[str]) -> list[dict[str, Any]]:
        """NAMES relationships pointing at the persons (the records that name them), in the
        shape of :meth:`named_in`."""

    @abstractmethod
    def roles_of(self, sids: Collection[str]) -> list[dict[str, Any]]:
        """ROLE relationships touching any of ``sids`` (a person's offices, or an entity's
        officers), over all time, each with ``person_name`` and ``entity_name``."""

    @abstractmethod
    def holdings_of(self, sids: Collection[str], direction: Direction) -> list[dict[str, Any]]:
        """HOLDS relationships out of ``sids`` (``down``: what they hold) or into them
        (``up``: who holds them), over all time, each with ``holder_name``/``entity_name``."""

    def material(self, kind: SubjectKind, key: str, reach: Reach = "all") -> SubjectMaterial:
        """What a check needs about one subject, read together: the node and its records,
        and for a person what reaches him — ``all``: through entities (offices, holdings)
        and names; ``named``: through names only; ``none``: nothing. This default composes
        the primitives above (a few reads); a networked store answers in one round trip."""
        me = sid(kind, key)
        node = self.entity(key) if kind == "entity" else self.person(key)
        out = SubjectMaterial(node=node)
        if node is None:
            return out
        out.records = self.records_of([me])
        if kind == "entity" or reach == "none":
            return out
        if reach == "all":
            out.roles = [r for r in self.roles_of([me]) if r["person_key"] == key]
            out.down = holding_closure(self, [me], "down")
            held = {sid("entity", r["uscc"]) for r in out.roles} | {
                sid("entity", h["uscc"]) for h in out.down
            }
            out.entity_records = self.records_of(held) if held else []
        out.naming = self.naming([key])
        known = {r["record_id"]: r for r in out.entity_records}
        extra = {n["record_id"] for n in out.naming} - set(known)
        if extra:
            known |= {r["record_id"]: r for r in self.records_by_id(extra)}
        named_ids = sorted({n["record_id"] for n in out.naming} & set(known))
        out.named_records = [known[rid] for rid in named_ids]
        records = {r["record_id"]: r for r in [*out.entity_records, *out.named_records]}
        out.record_named = self.named_in(records) if records else []
        subjects = {
            sid("entity", r["subject_key"])
            for r in records.values()
            if r["subject_type"] == "entity"
        }
        out.entity_roles = self.roles_of(subjects) if subjects else []
        return out

    async def material_awaited(
        self, kind: SubjectKind, key: str, reach: Reach = "all"
    ) -> SubjectMaterial:
        """:meth:`material` for a coroutine, on a store read without a lock per request (a
        networked one): awaited, never blocking the event loop. This default reads in a
        thread; Neo4j reads concurrent callers' subjects together (stores/coalesce.py)."""
        return await asyncio.to_thread(self.material, kind, key, reach)

    def materials(
        self, requests: Iterable[MaterialRequest]
    ) -> dict[MaterialRequest, SubjectMaterial]:
        """:meth:`material` for many subjects at once (batch screening): each request
        (kind, key, reach) of a subject the store holds, with its material; unknown subjects
        are left out, a request listed twice is read once. This default asks
        :meth:`material` for each (an in-process store has no round trip to save); a
        networked store reads :data:`MATERIALS_CHUNK` subjects per round trip."""
        found = {}
        for request in dict.fromkeys(requests):
            got = self.material(*request)
            if got.node is not None:
                found[request] = got
        return found

    @abstractmethod
    def sealed_person_id(self, key: str) -> str | None:
        """The sealed ID number of a person (for roles allowed to unseal it), or None."""

    # -- graph exploration (the investigator page and /v1/graph) --------------------------

    @abstractmethod
    def neighbourhood(
        self, node: str, *, on: str | None = None, limit: int = 50, offset: int = 0
    ) -> dict[str, Any]:
        """A node and its direct ROLE/HOLDS/REGISTERED_IN/CONCERNS/SUPERVISED_BY neighbours.

        ``node`` is a node id (see :func:`node_id`): ``E:<uscc>``, ``P:<key>``,
        ``R:<region code>`` or ``C:<record_id>``. With ``on`` (``YYYY-MM-DD``) only the
        relationships in force that day count (see :func:`active_on`). Neighbours come in
        :func:`neighbour_order`; ``offset``/``limit`` pick a page of them. Returns::

            {"node": {...}, "neighbours": [{...}], "edges": [{...}],
             "total": <neighbours in all>, "more": <neighbours after this page>}

        where nodes are :func:`node_view` and edges :func:`edge_view` (every qualifying
        relationship between the node and a listed neighbour, in :func:`edge_order`).
        Raises :class:`~graph_service.errors.NotFound` for an unknown node.
        """

    @abstractmethod
    def shortest_path(
        self, a_sid: str, b_sid: str, *, max_hops: int = 6
    ) -> list[dict[str, Any]] | None:
        """A shortest path between two subjects over ROLE/HOLDS/SUPERVISED_BY in either
        direction, at most ``max_hops`` (1..:data:`MAX_PATH_HOPS`) relationships long.

        Returns the sequence ``[node, edge…, node, edge…, node]``: nodes (:func:`node_view`,
        which have ``label``) alternate with every path-type relationship between the two
        consecutive nodes (:func:`edge_view`, which have ``type``). Among equally short paths
        the one whose node ids are smallest in order is chosen, so every store answers alike.
        None when no path is that short; raises :class:`~graph_service.errors.NotFound` for an
        unknown subject.
        """

    @abstractmethod
    def registrations_of(self, usccs: Collection[str]) -> list[dict[str, Any]]:
        """REGISTERED_IN relationships of the entities, over all time, with ``region_name``."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections or locks."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- stored results of nationwide passes (see :mod:`.results`) ----------------------------

    @abstractmethod
    def save_result(self, info: ResultInfo, rows: ResultTable) -> ResultInfo:
        """Keep ``rows`` (in order) as the result ``info.key``, replacing any earlier result
        under that key: readers see the old result or the new one, never a part. Returns
        ``info`` with its ``rows`` counted. Changes no change token (a result is not data)."""

    @abstractmethod
    def result_info(self, key: ResultKey) -> ResultInfo | None:
        """The header of the result kept under ``key``, or None."""

    @abstractmethod
    def results(self) -> list[ResultInfo]:
        """Every result kept, by kind, date and level."""

    @abstractmethod
    def result_view(
        self, key: ResultKey, where: ResultFilter, *, offset: int = 0, limit: int = 100
    ) -> StoredPage:
        """What a page of ``key`` shows, read at once (one round trip on Neo4j): the store's
        change token, the header of the result kept (None when none is), the stored text
        of the rows that ``where`` takes, ``offset``/``limit`` of them in stored order, the
        persons they name and their total."""

    async def result_view_awaited(
        self, key: ResultKey, where: ResultFilter, *, offset: int = 0, limit: int = 100
    ) -> StoredPage:
        """:meth:`result_view` for a coroutine, on a store read without a lock per request (a
        networked one): awaited, never blocking the event loop. This default reads in a
        thread; Neo4j reads concurrent pages together (stores/coalesce.py)."""
        return await asyncio.to_thread(self.result_view, key, where, offset=offset, limit=limit)

    def result_page(
        self, key: ResultKey, where: ResultFilter, *, offset: int = 0, limit: int = 100
    ) -> Page:
        """The rows of ``key`` that ``where`` takes, in stored order, ``offset``/``limit``
        of them, with their total (an empty page when no result is kept)."""
        found = self.result_view(key, where, offset=offset, limit=limit)
        items = [json.loads(r) for r in found.rows]
        return Page(items=items, total=found.total, offset=offset, limit=limit)

    @abstractmethod
    def result_rows(self, key: ResultKey, where: ResultFilter) -> Iterator[dict[str, Any]]:
        """Every row of ``key`` that ``where`` takes, in stored order (a pass over a result,
        e.g. region flows from the relocation flags)."""

    @abstractmethod
    def result_tally(self, key: ResultKey, where: ResultFilter, by: TallyBy = "") -> list[Tally]:
        """The rows of ``key`` that ``where`` takes counted per group (``by``) and grade,
        with their scores' sum and watch-list candidates, ordered by group then grade."""


#: Holding chains are followed at most this deep (real chains seldom pass 6 levels; the bound
#: is also in queries/subject_material.cypher).
MAX_HOLDING_DEPTH = 10


def holding_closure(
    store: GraphStore,
    start: Iterable[str],
    direction: Direction,
    max_depth: int = MAX_HOLDING_DEPTH,
) -> list[dict[str, Any]]:
    """Every HOLDS edge reachable from ``start`` going ``down`` (what they hold, and what that
    holds …) or ``up`` (who holds them …), over all time, at most ``max_depth`` levels."""
    seen_nodes = set(start)
    frontier = list(seen_nodes)
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for _ in range(max_depth):
        if not frontier:
            break
        found = store.holdings_of(frontier, direction)
        frontier = []
        for e in found:
            holder, target = sid(e["holder_type"], e["holder_key"]), sid("entity", e["uscc"])
            edges[(holder, target, e["start_date"])] = e
            nxt = target if direction == "down" else holder
            if nxt not in seen_nodes:
                seen_nodes.add(nxt)
                frontier.append(nxt)
    return list(edges.values())


def unchanged(stored: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    """True when writing ``row`` over ``stored`` would change nothing: same content, or the
    same source row as last loaded (events since then stand until the source changes)."""
    return bool(row["_h"] == stored.get("_h") or row["_h"] == stored.get("_src"))


def sid(kind: SubjectKind, key: str) -> str:
    """The subject id both stores key Entity and Person nodes by: ``E:<uscc>``, ``P:<key>``."""
    return ("E:" if kind == "entity" else "P:") + key


def split_sid(value: str) -> tuple[SubjectKind, str]:
    """``E:<uscc>`` → ("entity", uscc); ``P:<key>`` → ("person", key)."""
    return ("entity" if value.startswith("E:") else "person"), value[2:]


def _fields_getter(fields: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[str, ...]]:
    """A function taking ``fields`` of a row as a tuple (itemgetter: a load calls it per row)."""
    if len(fields) == 1:
        [only] = fields
        return lambda row: (row[only],)
    return itemgetter(*fields)


_ROW_IDENTITY = {
    kind: _fields_getter(graph_schema().row_identity_fields(kind)) for kind in ROW_KINDS
}


def row_identity(kind: RowKind, row: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields that identify a row (``graph.yaml``): a later row with the same identity
    updates it."""
    return _ROW_IDENTITY[kind](row)


def row_identity_of(kind: RowKind) -> Callable[[Mapping[str, Any]], tuple[str, ...]]:
    """:func:`row_identity` for rows of ``kind``, as one function (a load maps it over a
    chunk's rows)."""
    return _ROW_IDENTITY[kind]


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` of ``items``, read as they are consumed."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def iter_batches(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of ``rows`` of at most ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# -- graph exploration (the investigator page and /v1/graph) ------------------------------

_SCHEMA = graph_schema()
#: Relationship types a neighbourhood shows.
NEIGHBOUR_TYPES: tuple[str, ...] = tuple(
    r.name for r in _SCHEMA.relationships.values() if r.neighbourhood
)
#: Relationship types a path between two subjects may follow (in either direction).
PATH_TYPES: tuple[str, ...] = tuple(r.name for r in _SCHEMA.relationships.values() if r.path)
#: Longest path :meth:`GraphStore.shortest_path` looks for (the bound in
#: ``queries/shortest_path.cypher``: Cypher takes no parameter there).
MAX_PATH_HOPS = 10
#: Neighbours are listed records first, then persons, entities and regions, then by id.
LABEL_RANK: dict[str, int] = {n.name: n.rank for n in _SCHEMA.nodes.values() if n.rank is not None}
#: Relationship types that carry ``start_date``/``end_date``.
DATED_TYPES: frozenset[str] = frozenset(r.name for r in _SCHEMA.relationships.values() if r.dated)

_NODE_FIELDS: dict[str, tuple[str, ...]] = {
    label: _SCHEMA.node(label).view_fields() for label in LABEL_RANK
}
_EDGE_FIELDS = tuple(
    dict.fromkeys(
        [p for r in _SCHEMA.relationships.values() for p in r.view_fields()]
        + [p.name for p in _SCHEMA.provenance if p.view]
    )
)
_ID_PREFIX = {n.prefix: n.name for n in _SCHEMA.nodes.values() if n.prefix}


def node_id(label: str, props: Mapping[str, Any]) -> str:
    """The id a node goes by in exploration answers: the subject id (``E:``/``P:``) for
    entities and persons, ``R:<code>`` for regions and ``C:<record_id>`` for records."""
    match label:
        case "Entity":
            return sid("entity", props["uscc"])
        case "Person":
            return sid("person", props["key"])
        case "Region":
            return "R:" + str(props["code"])
        case "Record":
            return "C:" + str(props["record_id"])
    raise ValueError(f"not an explorable label: {label}")


def parse_node_id(value: str) -> tuple[str, str]:
    """``E:…``/``P:…``/``R:…``/``C:…`` → (label, key). Raises :class:`NotFound` otherwise."""
    label = _ID_PREFIX.get(value[:2])
    if label is None or len(value) < 3:
        raise NotFound(
            f"节点标识“{value}”应以E:、P:、R:或C:开头",
            f"node id '{value}' must start with E:, P:, R: or C:",
        )
    return label, value[2:]


def node_view(label: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """A node as exploration answers show it: label, id, name and the fields of its kind
    (never the sealed ID number nor internal hashes). Empty values are left out."""
    out: dict[str, Any] = {"label": label, "id": node_id(label, props), "name": props.get("name")}
    for k in _NODE_FIELDS[label]:
        out[k] = props.get(k)
    return {k: v for k, v in out.items() if v is not None}


def edge_view(rtype: str, start: str, end: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """A relationship as exploration answers show it: type, ``from``/``to`` node ids (its real
    direction), role or percent, dates and provenance (``source`` file, ``batch_id``)."""
    out: dict[str, Any] = {"type": rtype, "from": start, "to": end}
    for k in _EDGE_FIELDS:
        v = props.get(k)
        if v is not None and v != "":
            out[k] = v
    return out


def edge_order(edge: Mapping[str, Any]) -> tuple[str, ...]:
    """Order of the edges in an answer, the same in every store."""
    return tuple(
        str(edge.get(k) or "") for k in ("from", "to", "type", "start_date", "role", "end_date")
    )


def active_on(rtype: str, props: Mapping[str, Any], on: str | None, decided_on: str | None) -> bool:
    """Whether a relationship belongs to the graph as of ``on`` (None: any time).

    Dated relationships (ROLE, HOLDS, REGISTERED_IN) hold from ``start_date`` to ``end_date``,
    both inclusive; an empty end is open. A record CONCERNS its subject from the day it was
    decided (``decided_on``). SUPERVISED_BY carries no dates and always holds.
    """
    if on is None:
        return True
    if rtype in DATED_TYPES:
        return in_force(props, on)
    if rtype == "CONCERNS":
        return decided_by(decided_on, on)
    return True


def neighbour_order(node: Mapping[str, Any]) -> tuple[int, str]:
    """Order of neighbours: records, persons, entities, regions; then by id."""
    return (LABEL_RANK[node["label"]], node["id"])


# -- what callers see of stored properties (the same in every store) --------------------

#: Internal properties never shown to callers.
_HIDDEN = frozenset({"_h", "_src", "label", "type", "id_sealed", "sid", "_versions"})


def public(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties a caller may see: hashes, labels and sealed IDs removed, and empty values
    left out (Neo4j stores no nulls, so both stores answer alike)."""
    return {k: v for k, v in props.items() if k not in _HIDDEN and v is not None}


def visible(fields: Sequence[str]) -> list[str]:
    """The names among ``fields`` a caller may see (see :func:`public`)."""
    return [f for f in fields if f not in _HIDDEN]


def project(props: Mapping[str, Any], fields: Sequence[str] | None = None) -> dict[str, Any]:
    """:func:`public` properties of a scanned item, or with ``fields`` only those of them."""
    if fields is None:
        return public(props)
    return {f: props[f] for f in visible(fields) if props.get(f) is not None}


def named_order(rel: Mapping[str, Any]) -> tuple[str, str, str]:
    """Order of NAMES relationships, the same in every store."""
    return (rel["record_id"], rel["person_key"], rel["capacity"])


def search_hit(node: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a search result shows for an Entity or Person node."""
    if "uscc" in node:
        return {
            "type": "entity",
            "uscc": node["uscc"],
            "name": node.get("name"),
            "region_code": node.get("region_code"),
        }
    return {
        "type": "person",
        "key": node["key"],
        "name": node.get("name"),
        "id_masked": node.get("id_masked"),
    }


def search_order(hit: Mapping[str, Any]) -> tuple[str, str, str]:
    """Entities first, then by name, then by id: the same order in every store."""
    return (hit["type"], str(hit.get("name") or ""), str(hit.get("uscc") or hit.get("key")))


def sort_relations(rel: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Order each list by dates then identities, so both stores answer in the same order."""

    def order(item: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(
            str(item.get(k) or "")
            for k in (
                "start_date",
                "decided_on",
                "uscc",
                "person_key",
                "holder_key",
                "role",
                "record_id",
                "region_code",
            )
        )

    return {name: sorted(items, key=order) for name, items in rel.items()}


def gathered(
    batches: Iterable[Mapping[str, list[Any]]], names: Sequence[str]
) -> dict[str, list[Any]]:
    """A scan's batches of columns (those ``names``) as one batch."""
    out: dict[str, list[Any]] = {n: [] for n in names}
    for batch in batches:
        for n, column in out.items():
            column += batch[n]
    return out
