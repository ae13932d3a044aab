"""What a nationwide evaluation pass reads from a store, in one sweep: every entity, every
record, and the offices and holdings in force on the date, through the store's streaming
scans (:meth:`~graph_service.stores.base.GraphStore.scan_nodes`,
:meth:`~graph_service.stores.base.GraphStore.scan_relationships`). No query is made per
entity; memory holds the registry and one batch.

Relationships are weighted for the date (``catalogue/evaluation.yaml`` → ``network``): an
office by its role, a holding by its percent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph_service.catalogue import responsible_roles
from graph_service.engine.evaluation.config import EvaluationConfig
from graph_service.engine.timeline import in_force
from graph_service.stores.base import GraphStore, RelType, sid

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
#: Relationships that weigh, and the properties their weight depends on once in force (the
#: scan keeps those in force: dates need not travel).
WEIGHED: tuple[RelType, ...] = ("ROLE", "HOLDS")
RELATIONSHIP_FIELDS = ("role", "percent")


def relationship_weight(
    rtype: str, props: Mapping[str, Any], on: str, cfg: EvaluationConfig
) -> float:
    """The weight of an office or holding on ``on`` (0 when not in force, or not weighed)."""
    if not in_force(props, on):
        return 0.0
    return weight_in_force(rtype, props, cfg)


def weight_in_force(rtype: str, props: Mapping[str, Any], cfg: EvaluationConfig) -> float:
    """The weight of an office (by its role) or a holding (by its percent) in force."""
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
        """Add one office or holding in force on ``on`` (``a`` → entity ``b``) if it weighs."""
        weight = weight_in_force(rtype, props, cfg)
        if rtype == "ROLE" and props.get("role") in _RESPONSIBLE():
            self.responsible_for[a].append(b[2:])
        if weight > 0:
            self.u.append(self.node(a))
            self.v.append(self.node(b))
            self.w.append(weight)


def read_registry(store: GraphStore, on: str, cfg: EvaluationConfig) -> Registry:
    """Everything a nationwide pass needs from ``store`` as of ``on``."""
    reg = Registry(on=on)
    for batch in store.scan_nodes("Entity", fields=ENTITY_FIELDS):
        for props in batch:
            reg.add_entity(props)
    for batch in store.scan_nodes("Record"):
        reg.records += batch
    for rtype in WEIGHED:
        for batch in store.scan_relationships(rtype, on=on, fields=RELATIONSHIP_FIELDS):
            for rel in batch:
                reg.add_relationship(rel["from"], rel["to"], rtype, rel, cfg)
    return reg
