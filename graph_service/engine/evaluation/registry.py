"""What a nationwide evaluation pass reads from a store, in one sweep.

* On the **embedded** store the graph is already in this process (networkx): it is read in
  place, one pass over its nodes and one over its edges.
* On **Neo4j** three streamed queries (``queries/evaluation_*.cypher``) bring every entity,
  every record and the offices and holdings in force on the date; the driver fetches rows in
  batches. No query is made per entity.

Relationships arrive already weighted for the date (``catalogue/evaluation.yaml`` →
``network``): an office by its role, a holding by its percent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graph_service.catalogue import responsible_roles
from graph_service.engine.evaluation.config import EvaluationConfig
from graph_service.engine.timeline import in_force
from graph_service.queries import cypher
from graph_service.stores.base import GraphStore, sid
from graph_service.stores.embedded import EmbeddedStore, public

_RESPONSIBLE = responsible_roles
#: Entity columns a pass keeps.
ENTITY_FIELDS = (
    "uscc",
    "name",
    "region_code",
    "industry",
    "org_type",
    "registered_on",
    "deregistered_on",
)


def relationship_weight(
    rtype: str, props: Mapping[str, Any], on: str, cfg: EvaluationConfig
) -> float:
    """The weight of an office or holding on ``on`` (0 when not in force, or not weighed)."""
    if not in_force(props, on):
        return 0.0
    if rtype == "ROLE":
        return float(cfg.network.roles.get(str(props.get("role")), 0.0))
    if rtype == "HOLDS":
        return float(props.get("percent") or 0.0) / 100.0 * cfg.network.holding
    return 0.0


@dataclass(slots=True)
class Registry:
    """Entities as columns, all records, and the weighted relationships in force on ``on``
    between subject ids (entities first in :attr:`nodes`, then persons as met)."""

    on: str
    entities: dict[str, list[Any]] = field(default_factory=lambda: {f: [] for f in ENTITY_FIELDS})
    records: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    u: list[int] = field(default_factory=list)
    v: list[int] = field(default_factory=list)
    w: list[float] = field(default_factory=list)
    #: person sid → USCCs the person answers for (a responsible role in force on ``on``)
    responsible_for: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def node(self, s: str) -> int:
        """The index of subject ``s``, added if new."""
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.nodes)
            self.nodes.append(s)
        return i

    def add_entity(self, props: Mapping[str, Any]) -> None:
        for f in ENTITY_FIELDS:
            self.entities[f].append(props.get(f))
        self.node(sid("entity", str(props["uscc"])))

    def add_relationship(
        self, a: str, b: str, rtype: str, props: Mapping[str, Any], cfg: EvaluationConfig
    ) -> None:
        """Add one office or holding (``a`` → entity ``b``) if it weighs on ``on``."""
        weight = relationship_weight(rtype, props, self.on, cfg)
        if rtype == "ROLE" and props.get("role") in _RESPONSIBLE() and in_force(props, self.on):
            self.responsible_for[a].append(b[2:])
        if weight > 0:
            self.u.append(self.node(a))
            self.v.append(self.node(b))
            self.w.append(weight)


def read_registry(store: GraphStore, on: str, cfg: EvaluationConfig) -> Registry:
    """Everything a nationwide pass needs from ``store`` as of ``on``."""
    if isinstance(store, EmbeddedStore):
        return _read_embedded(store, on, cfg)
    from graph_service.stores.neo4j import Neo4jStore

    if isinstance(store, Neo4jStore):
        return _read_neo4j(store, on, cfg)
    raise TypeError(f"no nationwide reader for store {type(store).__name__}")


def _read_embedded(store: EmbeddedStore, on: str, cfg: EvaluationConfig) -> Registry:
    # The embedded store holds its graph in process; read it in place (caught up with other
    # writers first, as every read of that store does).
    store._refresh()
    graph: Any = store._graph
    reg = Registry(on=on)
    for _, data in graph.nodes(data=True):
        label = data.get("label")
        if label == "Entity":
            reg.add_entity(data)
        elif label == "Record":
            reg.records.append(public(data))
    for a, b, data in graph.edges(data=True):
        rtype = data.get("type")
        if rtype in ("ROLE", "HOLDS"):
            reg.add_relationship(a, b, rtype, data, cfg)
    return reg


def _stream(store: Any, name: str, **params: Any) -> Iterator[Any]:
    import neo4j

    query: LiteralString = cypher(name)  # a file of the repository, never a caller's text
    with store.driver.session(
        database=store.database, default_access_mode=neo4j.READ_ACCESS, fetch_size=10_000
    ) as session:
        yield from session.run(query, params)


def _read_neo4j(store: Any, on: str, cfg: EvaluationConfig) -> Registry:
    reg = Registry(on=on)
    for row in _stream(store, "evaluation_entities"):
        reg.add_entity(row)
    for row in _stream(store, "evaluation_records"):
        reg.records.append(public(row["props"]))
    for row in _stream(store, "evaluation_relationships", on=on):
        props = {
            "role": row["role"],
            "percent": row["percent"],
            # the query kept only relationships in force on ``on``
            "start_date": on,
        }
        reg.add_relationship(row["a"], row["b"], row["type"], props, cfg)
    return reg
