"""What a nationwide evaluation pass reads from a store, in one sweep: every entity, every
record, and the offices and holdings in force on the date, through the store's streaming
scans — column-wise (:meth:`~graph_service.stores.base.GraphStore.scan_node_columns`,
:meth:`~graph_service.stores.base.GraphStore.scan_relationship_columns`): no query is made
per entity and no dict is made per node or relationship; the weights and subject indexes
are computed over whole columns. On a store that answers several scans at once
(:attr:`~graph_service.stores.base.GraphStore.concurrent_reads`, Neo4j) the scans run side
by side.

Relationships are weighted for the date (``catalogue/evaluation.yaml`` → ``network``): an
office by its role, a holding by its percent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from graph_service.catalogue import responsible_roles
from graph_service.engine.evaluation.config import EvaluationConfig
from graph_service.engine.timeline import in_force
from graph_service.stores.base import GraphStore, RelType, gathered, sid

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
#: A scan's batches of columns, concatenated.
Columns = dict[str, list[Any]]


def relationship_weight(
    rtype: str, props: Mapping[str, Any], on: str, cfg: EvaluationConfig
) -> float:
    """The weight of an office or holding on ``on`` (0 when not in force, or not weighed)."""
    if not in_force(props, on):
        return 0.0
    return weight_in_force(rtype, props, cfg)


def weight_in_force(rtype: str, props: Mapping[str, Any], cfg: EvaluationConfig) -> float:
    """The weight of an office (by its role) or a holding (by its percent) in force."""
    return float(weights_in_force(rtype, [props.get("role")], [props.get("percent")], cfg)[0])


def weights_in_force(
    rtype: str, roles: Sequence[Any], percents: Sequence[Any], cfg: EvaluationConfig
) -> npt.NDArray[np.float64]:
    """:func:`weight_in_force` of many offices or holdings in force at once (their ``role``
    and ``percent`` columns)."""
    if rtype == "ROLE":
        table = cfg.network.roles
        return np.array([table.get(str(r), 0.0) for r in roles], dtype=np.float64)
    if rtype == "HOLDS":
        held = np.array([float(p or 0.0) for p in percents], dtype=np.float64)
        return held / 100.0 * cfg.network.holding
    return np.zeros(len(roles), dtype=np.float64)


@dataclass(slots=True)
class Registry:
    """Entities as columns, all records, and the weighted relationships in force on ``on``
    between subject ids (entities first in :attr:`nodes`, in scan order, then the other
    subjects as met along the relationships): ``u[i] → v[i]`` weighs ``w[i]``."""

    on: str
    entities: Columns
    records: list[dict[str, Any]]
    nodes: list[str]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    w: npt.NDArray[np.float64]
    #: person sid → USCCs the person answers for (a responsible role in force on ``on``)
    responsible_for: dict[str, list[str]]

    def positions(self, sids: Sequence[str]) -> npt.NDArray[np.int64]:
        """The index in :attr:`nodes` of each of ``sids`` (-1 for a subject not among them)."""
        return indexer(self.nodes, sids)


def indexer(keys: Sequence[str], wanted: Iterable[str]) -> npt.NDArray[np.int64]:
    """The position in ``keys`` (all different) of each of ``wanted`` (-1: not among them).
    The indexes hold Python strings as they are: pandas would copy millions of them into
    Arrow strings first, twice the lookup's own time at 1M entities."""
    found = pd.Index(list(keys), dtype="object").get_indexer(pd.Index(list(wanted), dtype="object"))
    return found.astype(np.int64)


def _records(store: GraphStore) -> list[dict[str, Any]]:
    return [r for batch in store.scan_nodes("Record") for r in batch]


def read_registry(store: GraphStore, on: str, cfg: EvaluationConfig) -> Registry:
    """Everything a nationwide pass needs from ``store`` as of ``on``."""
    reads: list[Callable[[], Any]] = [  # the longest first: the relationships
        lambda: store.scan_relationship_tables(WEIGHED, RELATIONSHIP_FIELDS, on=on),
        lambda: gathered(store.scan_node_columns("Entity", ENTITY_FIELDS), ENTITY_FIELDS),
        lambda: _records(store),
    ]
    if store.concurrent_reads:  # the server reads while this process decodes and computes
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="registry") as pool:
            rels, entities, records = [f.result() for f in [pool.submit(r) for r in reads]]
    else:
        rels, entities, records = [read() for read in reads]
    return _registry(on, entities, records, rels, cfg)


def _registry(
    on: str,
    entities: Columns,
    records: list[dict[str, Any]],
    rels: Mapping[str, Columns],
    cfg: EvaluationConfig,
) -> Registry:
    """The registry of the columns read: subjects numbered by one factorisation (entities
    first), the relationships that weigh kept with their weights."""
    responsible = responsible_roles()
    responsible_for: dict[str, list[str]] = defaultdict(list)
    starts, stops, weights = [], [], []
    for rtype, cols in rels.items():
        w = weights_in_force(rtype, cols["role"], cols["percent"], cfg)
        if rtype == "ROLE":
            for a, b, role in zip(cols["from"], cols["to"], cols["role"], strict=True):
                if role in responsible:
                    responsible_for[a].append(b[2:])
        keep = np.flatnonzero(w > 0)
        starts.append(np.asarray(cols["from"], dtype=object)[keep])
        stops.append(np.asarray(cols["to"], dtype=object)[keep])
        weights.append(w[keep])
    a, b = np.concatenate(starts), np.concatenate(stops)
    met = np.empty(2 * len(a), dtype=object)  # a₀ b₀ a₁ b₁ …: the order subjects are met in
    met[0::2], met[1::2] = a, b
    n = len(entities["uscc"])
    mine = np.array([sid("entity", str(u)) for u in entities["uscc"]], dtype=object)
    codes, nodes = pd.factorize(np.concatenate([mine, met]))
    ends = codes[n:].astype(np.int64)
    return Registry(
        on=on,
        entities=entities,
        records=records,
        nodes=list(nodes),
        u=ends[0::2],
        v=ends[1::2],
        w=np.concatenate(weights),
        responsible_for=responsible_for,
    )
