"""The Neo4j store: the production store of record, over the official driver.

Connects with ``bolt://`` (one server) or ``neo4j://`` (routing: a cluster or Aura) URIs and
their TLS variants. The driver is created once per store and shared. Writes go in batches
(``UNWIND $rows``) in managed write transactions, which the driver retries on transient errors;
reads are routed as reads. Every query is a file in ``queries/``.

A load commits batch by batch. Every batch is an idempotent upsert, nodes are written before
the relationships that need them, and the load log entry is written last, so a load that was
interrupted leaves a consistent graph (each item whole) that rerunning the load completes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, LiteralString

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import ServiceUnavailable

from graph_service.errors import NotFound, StoreUnavailable
from graph_service.ids.regions import region
from graph_service.queries import cypher, statements
from graph_service.settings import get_settings
from graph_service.stores.base import (
    LABEL_RANK,
    MAX_PATH_HOPS,
    BatchMeta,
    Direction,
    GraphStore,
    Page,
    Reach,
    RowKind,
    SubjectKind,
    SubjectMaterial,
    WriteCounts,
    edge_order,
    edge_view,
    node_id,
    node_view,
    parse_node_id,
    sid,
)
from graph_service.stores.embedded import (
    named_order,
    public,
    search_hit,
    search_order,
    sort_relations,
)

#: Relations returned per kind for one subject (supernodes are paged by the API).
RELATION_LIMIT = 10_000
#: Search hits gathered before paging.
SEARCH_CAP = 1_000
#: Equally short paths compared to choose the smallest (see GraphStore.shortest_path).
PATH_CAP = 256


def _q(name: str) -> LiteralString:
    # The text comes from a file in the repository, never from a caller.
    return cypher(name)


class Neo4jStore(GraphStore):
    """Neo4j behind :class:`GraphStore`."""

    backend = "neo4j"
    concurrent_writes = True  # the driver is thread-safe; each query has its own session

    def __init__(self, uri: str, driver: neo4j.Driver | None = None) -> None:
        settings = get_settings()
        self.uri = uri
        self.database = settings.neo4j_database
        password = settings.neo4j_password.get_secret_value()
        auth = (settings.neo4j_user, password) if password else None
        self.driver = driver or GraphDatabase.driver(uri, auth=auth)
        self._own_driver = driver is None
        try:
            self.driver.verify_connectivity()
        except (ServiceUnavailable, OSError) as exc:
            raise StoreUnavailable(
                f"无法连接Neo4j：{uri}", f"cannot reach Neo4j at {uri}: {exc}"
            ) from exc
        self.ensure_schema()

    def close(self) -> None:
        if self._own_driver:
            self.driver.close()

    def _run(self, name: str, write: bool = False, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = self.driver.execute_query(
            _q(name),
            params,
            database_=self.database,
            routing_=RoutingControl.WRITE if write else RoutingControl.READ,
        )
        return [r.data() for r in records]

    def ensure_schema(self) -> None:
        """Create constraints and indexes if missing (idempotent)."""
        with self.driver.session(database=self.database) as session:
            for stmt in statements("schema"):
                session.run(stmt).consume()

    # -- writes --------------------------------------------------------------------------

    @contextmanager
    def transaction(self, small: bool = False) -> Iterator[None]:
        yield

    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        if not rows:
            return WriteCounts()
        name, payload = _payload(kind, rows)
        if kind == "registrations":
            codes = sorted({r["region_code"] for r in rows})
            self._run("ensure_regions", write=True, regions=[_region_props(c) for c in codes])
        result = self._run(
            name, write=True, rows=payload, batch_id=meta.batch_id, loaded_at=meta.loaded_at
        )
        counts = WriteCounts()
        for r in result:
            setattr(counts, r["outcome"], getattr(counts, r["outcome"]) + r["n"])
        written = counts.created + counts.updated + counts.unchanged
        if written != len(rows):
            raise RuntimeError(
                f"{kind}: {len(rows)} rows sent, {written} written — a referenced node is missing"
            )
        return counts

    def is_empty(self) -> bool:
        """Whether the database holds no node (a test suite's marker node aside)."""
        return bool(self._run("is_empty")[0]["empty"])

    def link_superiors(self, meta: BatchMeta) -> None:
        self._run("link_superiors", write=True, batch_id=meta.batch_id)

    def existing(self, kind: SubjectKind, keys: Collection[str]) -> set[str]:
        if not keys:
            return set()
        sids = [sid(kind, k) for k in keys]
        found = self._run("existing_subjects", sids=sids)
        return {r["sid"][2:] for r in found}

    def begin_load(self, summary: Mapping[str, Any]) -> None:
        self.record_load(dict(summary) | {"status": "running"})

    def record_load(self, summary: Mapping[str, Any]) -> None:
        summary = {"status": "done"} | dict(summary)
        self._run(
            "record_load",
            write=True,
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
        query = "subject_records" if kind == "entity" or reach == "none" else "subject_material"
        rows = self._run(query, sid=sid(kind, key), all=reach == "all")
        if not rows:
            return SubjectMaterial(node=None)
        r = rows[0]
        if query == "subject_records":
            return SubjectMaterial(node=public(r["node"]), records=_by_record(r["records"]))
        return SubjectMaterial(
            node=public(r["node"]),
            records=_by_record(r["records"]),
            roles=sort_relations({"roles": [public(x) for x in r["roles"]]})["roles"],
            down=sort_relations({"holdings": [public(x) for x in r["down"]]})["holdings"],
            naming=sorted((public(x) for x in r["naming"]), key=named_order),
            entity_records=_by_record(r["entity_records"]),
            named_records=_by_record(r["named_records"]),
            record_named=sorted((public(x) for x in r["record_named"]), key=named_order),
            entity_roles=sort_relations({"roles": [public(x) for x in r["entity_roles"]]})["roles"],
        )

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

    def search(self, text: str, limit: int = 20, offset: int = 0) -> Page:
        rows = self._run("search", text=text.strip().upper(), cap=SEARCH_CAP)
        hits = sorted((search_hit(r["props"]) for r in rows), key=search_order)
        return Page(
            items=hits[offset : offset + limit], total=len(hits), offset=offset, limit=limit
        )

    # -- graph exploration -----------------------------------------------------------------

    def _run_timed(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """A read query the server abandons after ``GRAPH_REQUEST_TIMEOUT`` seconds (paths and
        neighbourhoods of supernodes are the queries that can run long)."""
        query = neo4j.Query(_q(name), timeout=get_settings().graph_request_timeout)
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


def _region_props(code: str) -> dict[str, Any]:
    r = region(code)
    return {"code": code, "name": r.name, "level": r.level, "retired": r.retired}


def _by_record(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((public(x) for x in rows), key=lambda x: x["record_id"])


def _payload(kind: RowKind, rows: Sequence[Mapping[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The query for ``kind`` and its ``$rows``: identity fields beside the properties."""
    match kind:
        case "entities":
            return "write_entities", [
                {"sid": sid("entity", r["uscc"]), "props": dict(r)} for r in rows
            ]
        case "persons":
            return "write_persons", [
                {"sid": sid("person", r["key"]), "props": dict(r)} for r in rows
            ]
        case "records":
            return "write_records", [
                {
                    "record_id": r["record_id"],
                    "subject_sid": sid(r["subject_type"], r["subject_key"]),
                    "props": dict(r),
                }
                for r in rows
            ]
        case "record_persons":
            return "write_record_persons", [
                {
                    "record_id": r["record_id"],
                    "person_key": r["person_key"],
                    "capacity": r["capacity"],
                    "props": dict(r),
                }
                for r in rows
            ]
        case "roles":
            return "write_roles", [
                {
                    "person_key": r["person_key"],
                    "uscc": r["uscc"],
                    "role": r["role"],
                    "start_date": r["start_date"],
                    "props": dict(r),
                }
                for r in rows
            ]
        case "shareholdings":
            return "write_holdings", [
                {
                    "holder_sid": sid(r["holder_type"], r["holder_key"]),
                    "uscc": r["uscc"],
                    "start_date": r["start_date"],
                    "props": dict(r),
                }
                for r in rows
            ]
        case "registrations":
            return "write_registrations", [
                {
                    "uscc": r["uscc"],
                    "region_code": r["region_code"],
                    "start_date": r["start_date"],
                    "props": dict(r),
                }
                for r in rows
            ]
    raise ValueError(kind)
