"""The Neo4j store: the production store of record, over the official driver.

Connects with ``bolt://`` (one server) or ``neo4j://`` (routing: a cluster or Aura) URIs and
their TLS variants. The driver is created once per store and shared. Writes go in batches
(``UNWIND $rows``) in managed write transactions, which the driver retries on transient errors;
reads are routed as reads. Every query is a file in ``queries/``.

A load commits batch by batch. Every batch is an idempotent upsert, nodes are written before
the relationships that need them, and the load log entry is written last, so a load that was
interrupted leaves a consistent graph (each item whole) that rerunning the load completes. A
batch first reads which of its rows are new or changed (content hashes, no locks) and writes
only those; a load that sends most of a kind reads its stored hashes in one scan instead.

Every write of what readers see also bumps a counter on one ``(:StoreVersion)`` node in its own
transaction: the change token (see :meth:`Neo4jStore.change_token`, ``docs/decisions.md``).
Driver errors never leave the store: :func:`translated` turns them into the domain's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from typing import Any, LiteralString, cast

import neo4j
import numpy as np
import numpy.typing as npt
from neo4j import GraphDatabase, NotificationDisabledClassification, RoutingControl
from neo4j.exceptions import AuthError, DriverError, Neo4jError, TransientError

from graph_service.errors import NotFound, RequestTimeout, StoreUnavailable
from graph_service.ids.regions import region
from graph_service.queries import cypher, statements, with_type
from graph_service.schema import Kind, graph_schema
from graph_service.schema.creates import named_fields, takes_extra
from graph_service.stores.base import (
    LABEL_RANK,
    MATERIALS_CHUNK,
    MAX_PATH_HOPS,
    ROW_KINDS,
    SCAN_BATCH,
    BatchMeta,
    Direction,
    GraphStore,
    MaterialRequest,
    NodeLabel,
    Page,
    Reach,
    Relation,
    RelType,
    RowKind,
    SubjectKind,
    SubjectMaterial,
    WriteCounts,
    batched,
    edge_order,
    edge_view,
    gathered,
    named_order,
    node_id,
    node_view,
    parse_node_id,
    public,
    search_hit,
    sid,
    sort_relations,
    visible,
)
from graph_service.stores.coalesce import Coalescer
from graph_service.stores.load_state import LoadState
from graph_service.stores.neo4j_results import (
    VIEWS_AT_ONCE,
    Neo4jResults,
    ViewAsk,
    version_token,
)

#: Relations returned per kind for one subject (supernodes are paged by the API).
RELATION_LIMIT = 10_000
#: Keys above every key of a scan (record ids and region codes are plain text).
_ANY = ("", "\U0010ffff")
#: The range of keys of the subjects of each label (their scans page by it): the sid's prefix
#: (``E;`` sorts right after every ``E:…``).
_KEYS: dict[str, tuple[str, str]] = {
    "Entity": ("E:", "E;"),
    "Person": ("P:", "P;"),
    "Subject": ("E:", "P;"),
}
#: The query that scans each label (see scan_nodes), and its keys.
_NODE_SCANS: dict[NodeLabel, tuple[str, tuple[str, str]]] = {
    "Entity": ("scan_subjects", _KEYS["Entity"]),
    "Person": ("scan_subjects", _KEYS["Person"]),
    "Record": ("scan_records", _ANY),
    "Region": ("scan_regions", _ANY),
}
#: The start label of each relationship type (graph.yaml).
_STARTS = {t: k.start.label for t, k in graph_schema().relationships.items() if k.start}
#: The end label of each relationship type (graph.yaml).
_ENDS = {t: k.end.label for t, k in graph_schema().relationships.items() if k.end}
#: The labels of subjects (scan_subject_nodes.cypher reads their sids by node id).
_SUBJECTS = frozenset(_KEYS)
#: Start nodes per page of a load's scan of the stored hashes (see _stored_hashes).
HASH_PAGE = 50_000
_HASHES = ["_h", "_src"]
#: Equally short paths compared to choose the smallest (see GraphStore.shortest_path).
PATH_CAP = 256


def _q(name: str) -> LiteralString:
    # The text comes from a file in the repository, never from a caller.
    return cypher(name)


def _unavailable(uri: str, exc: Exception) -> StoreUnavailable:
    return StoreUnavailable(
        "图存储暂不可用，请稍后重试", f"the graph store at {uri} cannot be reached: {exc}"
    )


@contextmanager
def translated(uri: str) -> Iterator[None]:
    """Driver errors as the domain's: a server gone, a cut connection, a refused login or a
    transient failure the driver's retries did not outlast → :class:`StoreUnavailable`; a
    query the server abandoned at its timeout → :class:`RequestTimeout`. Every other error
    (a query the server rejects) goes through as it is: it is a bug, not an outage."""
    try:
        yield
    except AuthError as exc:
        raise StoreUnavailable(
            f"Neo4j拒绝登录：请检查NEO4J_USER和NEO4J_PASSWORD（{uri}）",
            f"Neo4j at {uri} refused the login: check NEO4J_USER and NEO4J_PASSWORD ({exc})",
        ) from exc
    except (DriverError, TransientError) as exc:
        raise _unavailable(uri, exc) from exc
    except Neo4jError as exc:
        if exc.code and "TimedOut" in exc.code:
            raise RequestTimeout(
                "查询超时：请缩小范围（减少跳数或邻居数）后重试",
                "the query took too long: narrow it (fewer hops or neighbours) and retry",
            ) from exc
        if exc.code and "Unavailable" in exc.code:
            raise _unavailable(uri, exc) from exc
        raise


class Neo4jStore(Neo4jResults, GraphStore):
    """Neo4j behind :class:`GraphStore`."""

    backend = "neo4j"
    concurrent_writes = True  # the driver is thread-safe; each query has its own session
    concurrent_reads = True

    def __init__(
        self,
        uri: str,
        driver: neo4j.Driver | None = None,
        *,
        database: str = "neo4j",
        user: str = "neo4j",
        password: str = "",
        connect_timeout: float | None = None,
        acquire_timeout: float | None = None,
        retry_time: float | None = None,
        query_timeout: float = 30.0,
    ) -> None:
        """Connect to ``uri`` (or use ``driver``, which the caller keeps and closes) and make
        the schema. Unset driver limits (seconds) keep the driver's defaults; the service sets
        them short (see :func:`graph_service.stores.open_store`). ``query_timeout``: seconds
        the server gives a path or neighbourhood query. Raises :class:`StoreUnavailable`."""
        self.uri = uri
        self.database = database
        self.query_timeout = query_timeout
        # Each running load (by batch id): what it found stored, and hashes read (begin_load).
        self._loads: dict[str, LoadState] = {}
        # Single subjects asked at the same time (concurrent checks) read as one batch.
        self._single: Coalescer[MaterialRequest, SubjectMaterial] = Coalescer(
            self.materials, MATERIALS_CHUNK
        )
        # and result pages asked at the same time, with one query
        self._views: Coalescer[ViewAsk, Any] = Coalescer(self.read_views, VIEWS_AT_ONCE)
        limits: dict[str, Any] = {
            "connection_timeout": connect_timeout,
            "connection_acquisition_timeout": acquire_timeout,
            "max_transaction_retry_time": retry_time,
        }
        try:
            self.driver = driver or GraphDatabase.driver(
                uri,
                auth=(user, password) if password else None,
                # "property key does not exist" on a fresh database (a result not yet made,
                # a store loaded before a property existed) is expected, not a user's warning
                notifications_disabled_classifications=[
                    NotificationDisabledClassification.UNRECOGNIZED
                ],
                **{k: v for k, v in limits.items() if v is not None},
            )
        except (ValueError, DriverError) as exc:
            raise StoreUnavailable(
                f"Neo4j地址无效：{uri}", f"not a usable Neo4j URI {uri}: {exc}"
            ) from exc
        self._own_driver = driver is None
        try:
            with self._translated():
                try:
                    self.driver.verify_connectivity()
                except (OSError, ValueError) as exc:  # refused, or a name that does not resolve
                    raise _unavailable(uri, exc) from exc
            self.ensure_schema()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._single.close()
        self._views.close()
        if self._own_driver:
            self.driver.close()

    def _translated(self) -> AbstractContextManager[None]:
        return translated(self.uri)

    def _run(self, name: str, write: bool = False, **params: Any) -> list[dict[str, Any]]:
        """Run a query in its own transaction (``write``: one that changes no reader's view,
        the audit checkpoint; writes of the graph go through :meth:`_write`)."""
        return [r.data() for r in self._records(name, write, **params)]

    def _records(self, name: str, write: bool = False, **params: Any) -> list[neo4j.Record]:
        """:meth:`_run`'s records as the driver gives them: for a query that returns only
        maps, lists and plain values, read without ``Record.data()``'s walk over every value
        (a quarter of a batch's read)."""
        with self._translated():
            records, _, _ = self.driver.execute_query(
                _q(name),
                params,
                database_=self.database,
                routing_=RoutingControl.WRITE if write else RoutingControl.READ,
            )
        return records

    def _read(self, name: str, **params: Any) -> list[neo4j.Record]:
        """:meth:`_records` of a read in an auto-commit transaction: the query and its pull
        go in one round trip, with no BEGIN and COMMIT around them — measured on a busy
        machine, 30–60% less server CPU and a third less driver CPU than a managed transaction
        for a small read (the path of every check; an auto-commit read is not retried, and
        a single server has no leader to switch)."""
        with (
            self._translated(),
            self.driver.session(
                database=self.database, default_access_mode=neo4j.READ_ACCESS
            ) as session,
        ):
            return list(session.run(_q(name), params))

    def _write(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a write of what readers see, and count it on the version node in the same
        transaction (the change token; see :meth:`change_token`)."""

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            rows = [r.data() for r in tx.run(_q(name), params)]
            tx.run(_q("bump_version")).consume()
            return rows

        with self._translated(), self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def ensure_schema(self) -> None:
        """Create constraints and indexes, and the version node, if missing (idempotent).

        Each constraint is created on its own (the server populates its index before the
        statement returns), all of them at once, so that over a populated database (after a
        bulk import) the server fills their indexes side by side; the other indexes in one
        transaction, so that the server fills them in one scan of the nodes and one of the
        relationships, in the background, instead of one scan each."""
        schema = [*statements("schema"), *statements("result_schema")]
        indexes = [s for s in schema if s.upper().startswith("CREATE INDEX")]
        constraints = [s for s in schema if s not in indexes]
        with self._translated(), ThreadPoolExecutor(len(constraints), "schema") as pool:
            for done in [pool.submit(self._schema_change, s) for s in constraints]:
                done.result()
        with self._translated(), self.driver.session(database=self.database) as session:
            with session.begin_transaction() as tx:
                for stmt in indexes:
                    tx.run(stmt).consume()
                tx.commit()
            session.run(_q("ensure_version")).consume()

    def _schema_change(self, statement: LiteralString) -> None:
        """One schema statement in its own transaction (retried on transient errors)."""
        self.driver.execute_query(statement, database_=self.database)

    def await_indexes(self, seconds: int = 3600) -> None:
        """Block until every index is online (populated), at most ``seconds``."""
        self._run("await_indexes", seconds=seconds)

    def change_token(self) -> str:
        """The version node's epoch and counter: every write of the graph or the load log
        bumps the counter in its own transaction, so two readers of one database agree, and
        a database made anew (a bulk import, a wipe) starts a new epoch."""
        rows = self._run("store_version")
        return version_token(*((rows[0]["epoch"], rows[0]["n"]) if rows else (None, None)))

    # -- writes --------------------------------------------------------------------------

    @contextmanager
    def transaction(self, small: bool = False) -> Iterator[None]:
        yield

    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        """Read what is stored of ``rows`` first (one read, no locks), create the items that
        are missing (``create_<table>``, see :meth:`_create`) and upsert the rows that differ
        (``write_<table>``): a row equal to what is stored counts as unchanged without a write
        transaction, so an unchanged reload writes nothing but its load log entry. In a load
        that began with no item of the kind (a first load), every row is taken as missing
        without the read; in one that sends most of what is stored of the kind (a reload), a
        row whose hash a scan of the stored hashes holds is unchanged without the read (see
        :mod:`graph_service.stores.load_state`)."""
        if not rows:
            return WriteCounts()
        name, sent = _TABLE[kind], len(rows)
        load = self._loads.get(meta.batch_id)  # None: a write outside a load (an event)
        fresh = load is not None and load.fresh(kind)
        if load is not None and not fresh:
            known = load.known(kind, sent, self._stored_hashes)
            rows = [r for r in rows if r["_h"] not in known] if known else rows
        idents = _identities(kind, rows)
        new, todo = list(range(len(rows))), list[int]()
        if not fresh:
            new, todo = self._new_or_changed(name, idents, rows) if rows else ([], [])
        counts = WriteCounts(unchanged=sent - len(new) - len(todo))
        if kind == "registrations" and (new or todo):
            codes = sorted({rows[i]["region_code"] for i in new + todo})
            self._write("ensure_regions", regions=[_region_props(c) for c in codes])
        named = _NAMED[kind]
        payload = {i: idents[i] | _props(rows[i], named) for i in new}
        # A create query without an extra map names every property: a row with more is upserted.
        if not _EXTRA[kind]:
            todo += [i for i in new if payload[i]["extra"]]
            new = [i for i in new if not payload[i]["extra"]]
        if new and self._create(name, kind, [payload[i] for i in new], meta):
            counts.created += len(new)
        elif new:
            todo += new
            if load is not None:
                load.forget(kind)  # items of the kind exist now: read before writing
        if not todo:
            return counts
        result = self._write(
            f"write_{name}",
            rows=[idents[i] | {"props": dict(rows[i])} for i in sorted(todo)],
            batch_id=meta.batch_id,
            loaded_at=meta.loaded_at,
        )
        for r in result:
            setattr(counts, r["outcome"], getattr(counts, r["outcome"]) + r["n"])
        written = counts.created + counts.updated + counts.unchanged
        if written != sent:
            raise RuntimeError(
                f"{kind}: {sent} rows sent, {written} written — a referenced node is missing"
            )
        return counts

    def _new_or_changed(
        self, name: str, idents: list[dict[str, Any]], rows: Sequence[Mapping[str, Any]]
    ) -> tuple[list[int], list[int]]:
        """The indexes of ``rows`` whose item is missing, and of those the upsert
        ``write_<name>`` would update (one read). A row left out is one the upsert would leave
        alone; the others are written in a transaction that decides again (a concurrent
        writer may have written the item since)."""
        keys = [ident | {"h": row["_h"]} for ident, row in zip(idents, rows, strict=True)]
        found = self._run(f"changed_{name}", rows=keys)[0]
        return list(found["new"]), list(found["changed"])

    def _stored_hashes(self, kind: RowKind) -> Iterator[str]:
        """The ``_h`` (and ``_src`` where it differs) of every stored item of ``kind``, in
        pages of :data:`HASH_PAGE` start nodes: subjects and the relationships starting at
        them by ``hashes_*.cypher``, records and their relationships (a few) by the scans."""
        schema = _KINDS[kind]
        start = _STARTS.get(cast(RelType, schema.name), schema.name)
        if start == "Record" and schema.is_relationship:
            for page in self._relationship_pages(
                cast(RelType, schema.name), None, _HASHES, HASH_PAGE
            ):
                yield from (h for column in page["columns"] for h in column if h)
            return
        if start == "Record":
            for page in self._pages(_q("scan_records"), {"fields": _HASHES}, _ANY, HASH_PAGE):
                yield from (h for column in page["columns"] for h in column if h)
            return
        query = (
            with_type("hashes_relationships", schema.name)
            if schema.is_relationship
            else _q("hashes_subjects")
        )
        for page in self._pages(query, {}, _KEYS[start], HASH_PAGE):
            yield from page["rows"]

    def _create(
        self, name: str, kind: RowKind, rows: list[dict[str, Any]], meta: BatchMeta
    ) -> bool:
        """Make the items of ``rows`` with ``create_<name>``, counted on the version node in
        the same transaction: True when it created one item per row; False when some existed
        already (a concurrent writer, or a row the load sends twice), and then nothing is
        written (rolled back) and the caller sends the rows to the upsert."""
        relationship = _KINDS[kind].is_relationship

        def work(tx: neo4j.ManagedTransaction) -> None:
            done = tx.run(
                _q(f"create_{name}"), rows=rows, batch_id=meta.batch_id, loaded_at=meta.loaded_at
            ).consume()
            made = done.counters
            if (made.relationships_created if relationship else made.nodes_created) != len(rows):
                raise _Existed
            tx.run(_q("bump_version")).consume()

        try:
            with self._translated(), self.driver.session(database=self.database) as session:
                session.execute_write(work)
        except _Existed:
            return False
        return True

    def is_empty(self) -> bool:
        """Whether the database holds no node (a test suite's marker node aside)."""
        return bool(self._run("is_empty")[0]["empty"])

    def link_superiors(self, meta: BatchMeta) -> None:
        self._write("link_superiors", batch_id=meta.batch_id)

    def existing(self, kind: SubjectKind, keys: Collection[str]) -> set[str]:
        if not keys:
            return set()
        missing = self._run("missing_subjects", sids=[sid(kind, k) for k in keys])[0]["missing"]
        return set(keys) - {s[2:] for s in missing}

    def begin_load(self, summary: Mapping[str, Any]) -> None:
        """Note the load, and the kinds of which the database holds no item yet: the load
        creates their rows without reading first (see :meth:`write`)."""
        self.record_load(dict(summary) | {"status": "running"})
        stored = self.counts()
        self._loads[summary["batch_id"]] = LoadState(
            {k: stored.get(s.name, 0) for k, s in _KINDS.items()}
        )

    def record_load(self, summary: Mapping[str, Any]) -> None:
        summary = {"status": "done"} | dict(summary)
        self._loads.pop(summary["batch_id"], None)
        self._write(
            "record_load",
            batch_id=summary["batch_id"],
            started_at=summary["started_at"],
            summary=json.dumps(summary, ensure_ascii=False),
        )

    # -- reads ---------------------------------------------------------------------------

    def loads(self) -> list[dict[str, Any]]:
        return [json.loads(r["summary"]) for r in self._run("loads")]

    def audit_anchor(self, log: str) -> tuple[int, str] | None:
        rows = self._run("audit_anchor", log=log)
        return (int(rows[0]["seq"]), str(rows[0]["hash"])) if rows else None

    def keep_audit_anchor(self, log: str, seq: int, entry_hash: str) -> None:
        self._run("keep_audit_anchor", write=True, log=log, seq=seq, hash=entry_hash)

    def counts(self) -> dict[str, int]:
        return dict(sorted((r["name"], r["n"]) for r in self._run("counts") if r["n"]))

    def _one(self, name: str, **params: Any) -> dict[str, Any] | None:
        rows = self._run(name, **params)
        return public(rows[0]["props"]) if rows else None

    def entity(self, uscc: str) -> dict[str, Any] | None:
        return self._one("node_by_sid", sid=sid("entity", uscc))

    def person(self, key: str) -> dict[str, Any] | None:
        return self._one("node_by_sid", sid=sid("person", key))

    def subjects(self, sids: Collection[str]) -> dict[str, dict[str, Any]]:
        if not sids:
            return {}
        rows = self._run("subjects_by_sid", sids=sorted(sids))
        return {r["sid"]: public(r["props"]) for r in rows}

    def sealed_person_id(self, key: str) -> str | None:
        rows = self._run("node_by_sid", sid=sid("person", key))
        return rows[0]["props"].get("id_sealed") if rows else None

    def record(self, record_id: str) -> dict[str, Any] | None:
        return self._one("record_by_id", record_id=record_id)

    def record_history(self, record_id: str) -> list[dict[str, Any]]:
        rows = self._run("record_history", record_id=record_id)
        if not rows:
            return []
        versions = sorted(rows[0]["versions"], key=lambda v: (v["loaded_at"], v["batch_id"]))
        return [public(v) for v in [*versions, rows[0]["current"]]]

    def records_by_id(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        rows = self._run("records_by_id", record_ids=sorted(record_ids))
        return [public(r["props"]) for r in rows]

    def records_where(self, kinds: Collection[str]) -> list[dict[str, Any]]:
        rows = self._run("records_where", kinds=list(kinds))
        return [public(r["props"]) for r in rows]

    def relations(self, kind: SubjectKind, key: str) -> dict[str, list[dict[str, Any]]]:
        rows = self._run("relations", sid=sid(kind, key), limit=RELATION_LIMIT)
        if not rows:
            return {"roles": [], "holdings": [], "registrations": [], "records": []}
        return sort_relations({k: [public(x) for x in v] for k, v in rows[0].items()})

    def records_of(self, sids: Collection[str]) -> list[dict[str, Any]]:
        rows = self._run("records_of", sids=list(sids))
        return sorted((public(r["props"]) for r in rows), key=lambda r: r["record_id"])

    def material(self, kind: SubjectKind, key: str, reach: Reach = "all") -> SubjectMaterial:
        # Concurrent callers' subjects go in one materials() query (see stores/coalesce.py):
        # the same read and rows as a batch screening's, one round trip for all of them.
        found = self._single.get((kind, key, reach))
        return found if found is not None else SubjectMaterial(node=None)

    async def material_awaited(
        self, kind: SubjectKind, key: str, reach: Reach = "all"
    ) -> SubjectMaterial:
        # the same batches as material()'s: checks awaited on the event loop and readers in
        # threads share them (stores/coalesce.py)
        found = await self._single.wait((kind, key, reach))
        return found if found is not None else SubjectMaterial(node=None)

    def materials(
        self, requests: Iterable[MaterialRequest]
    ) -> dict[MaterialRequest, SubjectMaterial]:
        # One query per chunk, each row the material of one (sid, reach): an entity is read as
        # "none" whatever was asked (nothing reaches it). Subjects read as "none" need only
        # their node and records (queries/subject_records.cypher); the others everything
        # (queries/subject_material.cypher).
        asked: dict[tuple[str, Reach], list[MaterialRequest]] = {}
        for kind, key, reach in dict.fromkeys(requests):
            read: Reach = "none" if kind == "entity" else reach
            asked.setdefault((sid(kind, key), read), []).append((kind, key, reach))
        found: dict[MaterialRequest, SubjectMaterial] = {}
        bare = [s for s, reach in asked if reach == "none"]
        for chunk in batched(bare, MATERIALS_CHUNK):
            for record in self._read("subject_records", sids=list(chunk)):
                material = SubjectMaterial(
                    node=public(record["node"]), records=_by_record(record["records"])
                )
                for request in asked[(record["sid"], "none")]:
                    found[request] = material
        reaching = [{"sid": s, "reach": reach} for s, reach in asked if reach != "none"]
        for part in batched(reaching, MATERIALS_CHUNK):
            for record in self._read("subject_material", subjects=list(part)):
                row = dict(zip(record.keys(), record.values(), strict=True))  # not data(): slow
                material = _material(row)
                for request in asked[(row["sid"], row["reach"])]:
                    found[request] = material
        return found

    def named_in(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        rows = self._run("named_in", record_ids=sorted(record_ids))
        return sorted((public(r["props"]) for r in rows), key=named_order)

    def naming(self, person_keys: Collection[str]) -> list[dict[str, Any]]:
        rows = self._run("naming", sids=[sid("person", k) for k in person_keys])
        return sorted((public(r["props"]) for r in rows), key=named_order)

    def roles_of(self, sids: Collection[str]) -> list[dict[str, Any]]:
        rows = self._run("roles_of", sids=list(sids))
        return sort_relations({"roles": [public(r["props"]) for r in rows]})["roles"]

    def holdings_of(self, sids: Collection[str], direction: Direction) -> list[dict[str, Any]]:
        name = "holdings_down" if direction == "down" else "holdings_up"
        rows = self._run(name, sids=list(sids))
        return sort_relations({"holdings": [public(r["props"]) for r in rows]})["holdings"]

    def registrations_of(self, usccs: Collection[str]) -> list[dict[str, Any]]:
        rows = self._run("registrations_of", usccs=list(usccs))
        return sort_relations({"r": [public(r["props"]) for r in rows]})["r"]

    def relations_page(
        self, kind: SubjectKind, key: str, relation: Relation, *, limit: int, offset: int = 0
    ) -> Page:
        rows = self._run(
            "relations_page", sid=sid(kind, key), relation=relation, offset=offset, limit=limit
        )
        total, items = (rows[0]["total"], rows[0]["items"]) if rows else (0, [])
        return Page(items=[public(x) for x in items], total=total, offset=offset, limit=limit)

    def search(self, text: str, limit: int = 20, offset: int = 0) -> Page:
        rows = self._run("search", text=text.strip().upper(), offset=offset, limit=limit)
        return Page(
            items=[search_hit(props) for props in rows[0]["page"]],
            total=rows[0]["total"],
            offset=offset,
            limit=limit,
        )

    # -- scans -------------------------------------------------------------------------------

    def _page(self, query: LiteralString, params: Mapping[str, Any]) -> neo4j.Record:
        """One page of a paged scan, in one short read transaction: its one record."""

        def work(tx: neo4j.ManagedTransaction) -> neo4j.Record:
            return tx.run(query, dict(params)).single(strict=True)

        # id() (scan_relationships.cypher) is deprecated in Cypher 5: no warning per page
        quiet = [NotificationDisabledClassification.DEPRECATION]
        with (
            self._translated(),
            self.driver.session(
                database=self.database, notifications_disabled_classifications=quiet
            ) as session,
        ):
            return session.execute_read(work)

    def _read_ahead(
        self,
        query: LiteralString,
        params: Mapping[str, Any],
        step: Callable[[neo4j.Record | None], Mapping[str, Any] | None],
    ) -> Iterator[neo4j.Record]:
        """The pages of a scan: ``step(None)`` gives the first page's own parameters,
        ``step(page)`` the next one's after ``page`` (None: there is none). The next page is
        asked for as soon as a page arrives, on a thread of its own: the server reads it
        while the caller works on this one."""
        asked = step(None)
        if asked is None:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan") as ahead:
            coming = ahead.submit(self._page, query, {**params, **asked})
            while True:
                page = coming.result()
                asked = step(page)
                if asked is not None:
                    coming = ahead.submit(self._page, query, {**params, **asked})
                yield page
                if asked is None:
                    return

    def _pages(
        self, query: LiteralString, params: Mapping[str, Any], keys: tuple[str, str], size: int
    ) -> Iterator[neo4j.Record]:
        """The pages of a keyset-paged node scan (``scan_*.cypher``, ``hashes_*.cypher``):
        each the next ``size`` nodes after the last one's key, between ``keys`` (lower and
        upper, exclusive), one record each (``rows`` or ``columns``, ``last``, ``n``), those
        of at least one node."""
        after, below = keys

        def step(page: neo4j.Record | None) -> Mapping[str, Any] | None:
            if page is not None and page["n"] < size:
                return None
            return {"after": after if page is None else page["last"], "below": below}

        for page in self._read_ahead(query, dict(params) | {"limit": size}, step):
            if page["n"]:
                yield page

    def scan_nodes(
        self, label: NodeLabel, *, batch: int = SCAN_BATCH, fields: Sequence[str] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        name, keys = _NODE_SCANS[label]
        wanted = None if fields is None else visible(fields)
        for page in self._pages(_q(name), {"fields": wanted}, keys, batch):
            rows = page["rows"] if wanted is None else zip(*page["columns"], strict=True)
            yield [_scanned(r, wanted) for r in rows]

    def scan_node_columns(
        self, label: NodeLabel, fields: Sequence[str], *, batch: int = SCAN_BATCH
    ) -> Iterator[dict[str, list[Any]]]:
        name, keys = _NODE_SCANS[label]
        wanted = visible(fields)
        for page in self._pages(_q(name), {"fields": wanted}, keys, batch):
            yield _columns(fields, wanted, page["columns"], page["n"])

    def _id_pages(
        self, bounds: LiteralString, query: LiteralString, params: Mapping[str, Any], batch: int
    ) -> Iterator[neo4j.Record]:
        """The pages of a scan by internal id: ``bounds`` gives the range of ids (``lo``,
        ``hi``), each page of ``query`` the columns of ``batch`` ids of it (pages whose first
        column is empty are left out)."""
        found = self._page(bounds, {})
        lo, hi = found["lo"], found["hi"]
        if lo is None:
            return
        ranges = ({"lo": a, "hi": min(a + batch, hi + 1)} for a in range(lo, hi + 1, batch))
        for page in self._read_ahead(query, params, lambda _: next(ranges, None)):
            if page[0]:
                yield page

    def _relationship_pages(
        self,
        rtype: RelType,
        on: str | None,
        fields: list[str] | None,
        batch: int,
        node_ids: bool = False,
    ) -> Iterator[neo4j.Record]:
        """The pages of a relationship scan, those of ``batch`` relationship ids each over the
        type's range of ids, in columns (scan_relationships.cypher): ``starts``, ``ends`` (by
        sid, or by internal node id with ``node_ids``) and ``props`` (a map each) or, with
        ``fields``, ``columns`` (a list per field)."""
        # Files of the repository with a type of the model (RelType, checked by with_type).
        bounds: LiteralString = with_type("scan_relationship_ids", rtype)
        query: LiteralString = with_type("scan_relationships", rtype)
        params = {"on": on, "fields": fields, "node_ids": node_ids}
        return self._id_pages(bounds, query, params, batch)

    def scan_relationships(
        self,
        rtype: RelType,
        *,
        on: str | None = None,
        batch: int = SCAN_BATCH,
        fields: Sequence[str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        wanted = None if fields is None else visible(fields)
        for page in self._relationship_pages(rtype, on, wanted, batch):
            data = page["props"] if wanted is None else zip(*page["columns"], strict=True)
            out = []
            for a, b, values in zip(page["starts"], page["ends"], data, strict=True):
                row = _scanned(values, wanted)
                row["type"], row["from"], row["to"] = rtype, a, b
                out.append(row)
            yield from batched(out, batch)

    def scan_relationship_columns(
        self,
        rtype: RelType,
        fields: Sequence[str],
        *,
        on: str | None = None,
        batch: int = SCAN_BATCH,
    ) -> Iterator[dict[str, list[Any]]]:
        wanted = visible(fields)
        for page in self._relationship_pages(rtype, on, wanted, batch):
            starts = page["starts"]
            columns = _columns(fields, wanted, page["columns"], len(starts))
            yield {"from": starts, "to": page["ends"]} | columns

    def scan_relationship_tables(
        self, rtypes: Sequence[RelType], fields: Sequence[str], *, on: str | None = None
    ) -> dict[RelType, dict[str, list[Any]]]:
        """The relationships between subjects come with their ends' internal node ids, and
        the ends' sids from one pass over the subjects by id, beside the scans: an end's sid
        read per relationship was half the server's time of a scan (docs/decisions.md,
        "Relationship ends by node id"). Other types are scanned as
        :meth:`scan_relationship_columns` does."""
        wanted = visible(fields)
        by_id = [t for t in rtypes if _STARTS.get(t) in _SUBJECTS and _ENDS.get(t) in _SUBJECTS]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="tables") as pool:
            subjects = pool.submit(self._subject_nodes) if by_id else None
            scans = {
                t: pool.submit(self._ended_columns, t, fields, wanted, on)
                if t in by_id
                else pool.submit(
                    gathered,
                    self.scan_relationship_columns(t, fields, on=on),
                    ("from", "to", *fields),
                )
                for t in rtypes
            }
            tables = {t: f.result() for t, f in scans.items()}
            if subjects is None:
                return tables
            ids, sids = subjects.result()
        for t in by_id:
            for end in ("from", "to"):
                ends = np.asarray(tables[t][end], dtype=np.int64)
                tables[t][end] = self._sids_of(ends, ids, sids)
        return tables

    def _ended_columns(
        self, rtype: RelType, fields: Sequence[str], wanted: list[str], on: str | None
    ) -> dict[str, Any]:
        """A relationship scan's columns, ``from`` and ``to`` as arrays of node ids."""
        starts: list[npt.NDArray[np.int64]] = []
        stops: list[npt.NDArray[np.int64]] = []
        out: dict[str, Any] = {f: [] for f in fields}
        for page in self._relationship_pages(rtype, on, wanted, SCAN_BATCH, node_ids=True):
            starts.append(np.array(page["starts"], dtype=np.int64))
            stops.append(np.array(page["ends"], dtype=np.int64))
            n = len(page["starts"])
            for f, column in _columns(fields, wanted, page["columns"], n).items():
                out[f] += column
        none = np.zeros(0, dtype=np.int64)
        out["from"] = np.concatenate(starts) if starts else none
        out["to"] = np.concatenate(stops) if stops else none
        return out

    def _subject_nodes(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
        """Every subject's internal node id (ascending) and its sid, in one pass by id."""
        ids: list[int] = []
        sids: list[str] = []
        pages = self._id_pages(
            _q("scan_subject_node_ids"), _q("scan_subject_nodes"), {}, SCAN_BATCH
        )
        for page in pages:
            ids += page["ids"]
            sids += page["sids"]
        return np.array(ids, dtype=np.int64), np.array(sids, dtype=object)

    def _sids_of(
        self,
        ends: npt.NDArray[np.int64],
        ids: npt.NDArray[np.int64],
        sids: npt.NDArray[np.object_],
    ) -> list[Any]:
        """The sids of node ids ``ends`` by the subjects' ``ids`` and ``sids``; an end the
        pass over the subjects missed (created since) is asked for by its id."""
        at = np.minimum(np.searchsorted(ids, ends), max(len(ids) - 1, 0))
        found = sids[at] if len(ids) else np.full(len(ends), None, dtype=object)
        missed = np.flatnonzero(ids[at] != ends) if len(ids) else np.arange(len(ends))
        if len(missed):
            asked = np.unique(ends[missed])
            rows = self._page(_q("subject_nodes_by_id"), {"ids": asked.tolist()})["rows"]
            late = dict(map(tuple, rows))
            found[missed] = [late.get(int(e)) for e in ends[missed]]
        return cast(list[Any], found.tolist())

    # -- graph exploration -----------------------------------------------------------------

    def _run_timed(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """A read query the server abandons after ``GRAPH_REQUEST_TIMEOUT`` seconds (paths and
        neighbourhoods of supernodes are the queries that can run long)."""
        query = neo4j.Query(_q(name), timeout=self.query_timeout)
        with self._translated():
            records, _, _ = self.driver.execute_query(
                query, params, database_=self.database, routing_=RoutingControl.READ
            )
        return [r.data() for r in records]

    def neighbourhood(
        self, node: str, *, on: str | None = None, limit: int = 50, offset: int = 0
    ) -> dict[str, Any]:
        label, key = parse_node_id(node)
        rows = self._run_timed(
            "neighbourhood",
            sid=node if label in ("Entity", "Person") else None,
            code=key if label == "Region" else None,
            record_id=key if label == "Record" else None,
            on=on,
            offset=offset,
            limit=limit,
        )
        if not rows:
            raise NotFound(f"图中没有节点“{node}”", f"no node '{node}' in the graph")
        row = rows[0]
        center = node_view(_label(row["labels"]), row["props"])
        shown = [node_view(_label(m["labels"]), m["props"]) for m in row["neighbours"]]
        edges = []
        for r in row["rels"]:
            other = node_id(_label(r["other_labels"]), r["other"])
            a, b = (center["id"], other) if r["outgoing"] else (other, center["id"])
            edges.append(edge_view(r["type"], a, b, r["props"]))
        return {
            "node": center,
            "neighbours": shown,
            "edges": sorted(edges, key=edge_order),
            "total": row["total"],
            "more": max(0, row["total"] - offset - len(shown)),
        }

    def shortest_path(
        self, a_sid: str, b_sid: str, *, max_hops: int = 6
    ) -> list[dict[str, Any]] | None:
        for s in (a_sid, b_sid):
            if parse_node_id(s)[0] not in ("Entity", "Person") or not self._run(
                "node_by_sid", sid=s
            ):
                raise NotFound(f"图中没有主体“{s}”", f"no subject '{s}' in the graph")
        if a_sid == b_sid:
            rows = self._run("path_detail", sids=[a_sid])
        else:
            hops = max(1, min(max_hops, MAX_PATH_HOPS))
            found = [
                r["sids"] for r in self._run_timed("shortest_path", a=a_sid, b=b_sid, cap=PATH_CAP)
            ]
            if not found or len(found[0]) - 1 > hops:
                return None
            rows = self._run("path_detail", sids=min(found))
        out: list[dict[str, Any]] = []
        for i, row in enumerate(rows):
            if i:
                out += sorted(
                    (
                        edge_view(r["type"], r["from"], r["to"], r["props"])
                        for r in rows[i - 1]["rels"]
                    ),
                    key=edge_order,
                )
            out.append(node_view(_label(row["labels"]), row["props"]))
        return out


def _label(labels: Sequence[str]) -> str:
    """The exploration label among a node's labels (Subject is only an index label)."""
    return next(x for x in labels if x in LABEL_RANK)


def _scanned(data: Any, fields: list[str] | None) -> dict[str, Any]:
    """A scanned node or relationship's public properties, or the visible ``fields`` asked
    (which the query returned as a list, in that order: one value less to decode per row)."""
    if fields is None:
        return public(data)
    return {f: v for f, v in zip(fields, data, strict=True) if v is not None}


def _columns(
    fields: Sequence[str], wanted: list[str], values: Sequence[list[Any]], rows: int
) -> dict[str, list[Any]]:
    """A page's columns by field: ``values`` holds those of the ``wanted`` fields, in that
    order (the lists the server sent, kept as they are); a field a caller may not see is all
    None (as :func:`_scanned` leaves it out)."""
    found = dict(zip(wanted, values, strict=True))
    return {f: found.get(f) or [None] * rows for f in fields}


def _props(row: Mapping[str, Any], named: frozenset[str]) -> dict[str, Any]:
    """A row as a create query takes it: its fields, and apart those it does not name."""
    return {
        "props": dict(row),
        "extra": {k: v for k, v in row.items() if k not in named and v is not None},
    }


def _region_props(code: str) -> dict[str, Any]:
    r = region(code)
    return {"code": code, "name": r.name, "level": r.level, "retired": r.retired}


def _by_record(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((public(x) for x in rows), key=lambda x: x["record_id"])


def _material(row: Mapping[str, Any]) -> SubjectMaterial:
    """A row of ``subject_material`` as the store's answer (each list in the stores' order)."""
    return SubjectMaterial(
        node=public(row["node"]),
        records=_by_record(row["records"]),
        roles=sort_relations({"roles": [public(x) for x in row["roles"]]})["roles"],
        down=sort_relations({"holdings": [public(x) for x in row["down"]]})["holdings"],
        naming=sorted((public(x) for x in row["naming"]), key=named_order),
        entity_records=_by_record(row["entity_records"]),
        named_records=_by_record(row["named_records"]),
        record_named=sorted((public(x) for x in row["record_named"]), key=named_order),
        entity_roles=sort_relations({"roles": [public(x) for x in row["entity_roles"]]})["roles"],
    )


#: The schema kind each kind of row writes: its table names its queries (``changed_<table>``,
#: ``create_<table>``, ``write_<table>``).
_KINDS: dict[RowKind, Kind] = {k: graph_schema().by_rows(k) for k in ROW_KINDS}
_TABLE: dict[RowKind, str] = {k: str(kind.table) for k, kind in _KINDS.items()}
#: The row fields each create query takes by name (the rest go in its ``extra`` map).
_NAMED: dict[RowKind, frozenset[str]] = {k: named_fields(kind) for k, kind in _KINDS.items()}
_EXTRA: dict[RowKind, bool] = {k: takes_extra(kind) for k, kind in _KINDS.items()}


class _Existed(Exception):
    """A create batch found items stored already: its transaction is rolled back."""


def _identities(kind: RowKind, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the queries of ``kind`` match each row by (the ``props`` are added for a write)."""
    match kind:
        case "entities":
            return [{"sid": sid("entity", r["uscc"])} for r in rows]
        case "persons":
            return [{"sid": sid("person", r["key"])} for r in rows]
        case "records":
            return [
                {
                    "record_id": r["record_id"],
                    "subject_sid": sid(r["subject_type"], r["subject_key"]),
                }
                for r in rows
            ]
        case "record_persons":
            return [
                {
                    "record_id": r["record_id"],
                    "person_key": r["person_key"],
                    "capacity": r["capacity"],
                }
                for r in rows
            ]
        case "roles":
            return [
                {
                    "person_key": r["person_key"],
                    "uscc": r["uscc"],
                    "role": r["role"],
                    "start_date": r["start_date"],
                }
                for r in rows
            ]
        case "shareholdings":
            return [
                {
                    "holder_sid": sid(r["holder_type"], r["holder_key"]),
                    "uscc": r["uscc"],
                    "start_date": r["start_date"],
                }
                for r in rows
            ]
        case "registrations":
            return [
                {
                    "uscc": r["uscc"],
                    "region_code": r["region_code"],
                    "start_date": r["start_date"],
                }
                for r in rows
            ]
    raise ValueError(kind)
