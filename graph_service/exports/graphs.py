"""The snapshot as one networkx graph, written as GraphML and as GEXF (Gephi).

Node ids are the ones the service uses: ``E:<USCC>``, ``P:<person key>``, ``R:<region
code>``, ``C:<record id>``. Every node has ``kind`` (Entity, Person, Region, Record) and
``label`` (its name, or for a record its kind and id, so Gephi shows something readable).
Every edge has ``relation`` (ROLE, HOLDS, REGISTERED_IN, CONCERNS, SUPERVISED_BY — not
``type``, which GEXF keeps for directed/undirected) and a key that tells parallel edges apart
(``ROLE|legal_rep|2015-03-01``, ``HOLDS|2015-03-01`` …, as the embedded store keys them).
Attributes are text, except ``percent`` (float) and ``retired`` (boolean); empty values are
left out, as both formats want.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import networkx as nx

from graph_service.catalogue import label_zh
from graph_service.exports.snapshot import BOOL_COLUMNS, FLOAT_COLUMNS, Snapshot
from graph_service.stores.base import sid

log = logging.getLogger("graph_service.exports")


#: Attribute names the export sets itself (or that a format or networkx reserves), for nodes
#: and for edges: a property of the same name is kept as ``prop_<name>``.
NODE_RESERVED = frozenset({"kind", "label", "id"})
EDGE_RESERVED = frozenset({"relation", "id", "type", "key"})


def _attrs(row: dict[str, Any], reserved: frozenset[str] = EDGE_RESERVED) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, v in row.items():
        k = f"prop_{name}" if name in reserved else name
        if k in FLOAT_COLUMNS:
            out[k] = float(v)
        elif k in BOOL_COLUMNS:
            out[k] = bool(v)
        else:
            out[k] = str(v)
    return out


def edge_key(relation: str, row: dict[str, Any]) -> str:
    """The key of an edge among the edges between the same two nodes."""
    if relation == "ROLE":
        return f"ROLE|{row['role']}|{row['start_date']}"
    if relation in ("HOLDS", "REGISTERED_IN"):
        return f"{relation}|{row['start_date']}"
    return relation


def to_networkx(snapshot: Snapshot) -> Any:
    """The snapshot as a ``networkx.MultiDiGraph`` (see the module docstring)."""
    g = nx.MultiDiGraph()
    g.graph.update(name="credit-graph", store=snapshot.backend, taken_at=snapshot.taken_at)
    for row in snapshot.rows("entities"):
        node = sid("entity", row["uscc"])
        g.add_node(
            node, **_attrs(row, NODE_RESERVED), kind="Entity", label=str(row.get("name") or node)
        )
    for row in snapshot.rows("persons"):
        node = sid("person", row["key"])
        g.add_node(
            node, **_attrs(row, NODE_RESERVED), kind="Person", label=str(row.get("name") or node)
        )
    for row in snapshot.rows("regions"):
        g.add_node(
            "R:" + row["code"], **_attrs(row, NODE_RESERVED), kind="Region", label=str(row["name"])
        )
    for row in snapshot.rows("records"):
        # the record's own "kind" (joint_punishment_list …) is kept as record_kind
        renamed = {("record_kind" if k == "kind" else k): v for k, v in row.items()}
        attrs = _attrs(renamed, NODE_RESERVED)
        text = f"{label_zh('kind', str(row['kind']))} {row['record_id']}"
        g.add_node("C:" + row["record_id"], **attrs, kind="Record", label=text)
    for row in snapshot.rows("registrations"):
        g.add_edge(
            sid("entity", row["uscc"]),
            "R:" + row["region_code"],
            key=edge_key("REGISTERED_IN", row),
            relation="REGISTERED_IN",
            **_attrs(row),
        )
    for row in snapshot.rows("roles"):
        g.add_edge(
            sid("person", row["person_key"]),
            sid("entity", row["uscc"]),
            key=edge_key("ROLE", row),
            relation="ROLE",
            **_attrs(row),
        )
    for row in snapshot.rows("holdings"):
        g.add_edge(
            sid(row["holder_type"], row["holder_key"]),
            sid("entity", row["uscc"]),
            key=edge_key("HOLDS", row),
            relation="HOLDS",
            **_attrs(row),
        )
    for row in snapshot.rows("records"):
        g.add_edge(
            "C:" + row["record_id"],
            sid(row["subject_type"], row["subject_key"]),
            key="CONCERNS",
            relation="CONCERNS",
        )
    for row in snapshot.rows("supervision"):
        g.add_edge(
            sid("entity", row["uscc"]),
            sid("entity", row["superior_uscc"]),
            key="SUPERVISED_BY",
            relation="SUPERVISED_BY",
        )
    return g


def write_graphml(graph: Any, path: Path) -> Path:
    """The graph as GraphML (``networkx.write_graphml``; read back with ``read_graphml``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(graph, path, encoding="utf-8", named_key_ids=True)
    log.info("graph written", extra={"format": "graphml", "path": str(path)})
    return path


def write_gexf(graph: Any, path: Path) -> Path:
    """The graph as GEXF 1.2 for Gephi (``networkx.write_gexf``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_gexf(graph, path, encoding="utf-8")
    log.info("graph written", extra={"format": "gexf", "path": str(path)})
    return path
