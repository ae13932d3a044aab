"""The snapshot as one networkx graph, written as GraphML and as GEXF (Gephi).

Node ids are the ones the service uses: ``E:<USCC>``, ``P:<person key>``, ``R:<region
code>``, ``C:<record id>``. Every node has ``kind`` (Entity, Person, Region, Record) and
``label`` (its name, or for a record its kind and id, so Gephi shows something readable).
Every edge has ``relation`` (ROLE, HOLDS, REGISTERED_IN, CONCERNS, NAMES, SUPERVISED_BY — not
``type``, which GEXF keeps for directed/undirected) and a key that tells parallel edges apart
(``ROLE|legal_rep|2015-03-01``, ``HOLDS|2015-03-01`` …, as the embedded store keys them).
Attributes are text, except ``percent`` (float) and ``retired`` (boolean); empty values are
left out, as both formats want. The files are written a row at a time from the snapshot's
tables (:func:`graph_nodes`, :func:`graph_edges`), never as a whole graph in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from graph_service.catalogue import label_zh
from graph_service.exports.snapshot import BOOL_COLUMNS, FLOAT_COLUMNS, TableName, Tables, cell
from graph_service.schema import graph_schema
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
            out[k] = str(cell(v))
    return out


def edge_key(relation: str, row: dict[str, Any]) -> str:
    """The key of an edge among the edges between the same two nodes: its type and identity
    values (``graph.yaml``)."""
    return graph_schema().edge_key(relation, row)


Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, str, dict[str, Any]]


def graph_nodes(snapshot: Tables) -> Iterator[Node]:
    """``(node id, attributes)`` of every node, one row at a time."""
    for row in snapshot.rows("entities"):
        node = sid("entity", row["uscc"])
        yield (
            node,
            {**_attrs(row, NODE_RESERVED), "kind": "Entity", "label": str(row.get("name") or node)},
        )
    for row in snapshot.rows("persons"):
        node = sid("person", row["key"])
        yield (
            node,
            {**_attrs(row, NODE_RESERVED), "kind": "Person", "label": str(row.get("name") or node)},
        )
    for row in snapshot.rows("regions"):
        yield (
            "R:" + row["code"],
            {**_attrs(row, NODE_RESERVED), "kind": "Region", "label": str(row["name"])},
        )
    for row in snapshot.rows("records"):
        # the record's own "kind" (joint_punishment_list …) is kept as record_kind
        renamed = {("record_kind" if k == "kind" else k): v for k, v in row.items()}
        text = f"{label_zh('kind', str(row['kind']))} {row['record_id']}"
        yield (
            "C:" + row["record_id"],
            {**_attrs(renamed, NODE_RESERVED), "kind": "Record", "label": text},
        )


def graph_edges(snapshot: Tables) -> Iterator[Edge]:
    """``(source, target, key, attributes)`` of every edge, one row at a time."""
    for row in snapshot.rows("registrations"):
        attrs = {"relation": "REGISTERED_IN", **_attrs(row)}
        yield (
            sid("entity", row["uscc"]),
            "R:" + row["region_code"],
            edge_key("REGISTERED_IN", row),
            attrs,
        )
    for row in snapshot.rows("roles"):
        attrs = {"relation": "ROLE", **_attrs(row)}
        yield (
            sid("person", row["person_key"]),
            sid("entity", row["uscc"]),
            edge_key("ROLE", row),
            attrs,
        )
    for row in snapshot.rows("holdings"):
        attrs = {"relation": "HOLDS", **_attrs(row)}
        source = sid(row["holder_type"], row["holder_key"])
        yield source, sid("entity", row["uscc"]), edge_key("HOLDS", row), attrs
    for row in snapshot.rows("records"):
        yield (
            "C:" + row["record_id"],
            sid(row["subject_type"], row["subject_key"]),
            "CONCERNS",
            {"relation": "CONCERNS"},
        )
    for row in snapshot.rows("record_persons"):
        attrs = {"relation": "NAMES", **_attrs(row)}
        key = edge_key("NAMES", row)
        yield "C:" + row["record_id"], sid("person", row["person_key"]), key, attrs
    for row in snapshot.rows("supervision"):
        target = sid("entity", row["superior_uscc"])
        yield sid("entity", row["uscc"]), target, "SUPERVISED_BY", {"relation": "SUPERVISED_BY"}


def _graph_meta(snapshot: Tables) -> dict[str, str]:
    return {"name": "credit-graph", "store": snapshot.backend, "taken_at": snapshot.taken_at}


def to_networkx(snapshot: Tables) -> Any:
    """The snapshot as a ``networkx.MultiDiGraph`` (see the module docstring); the files are
    written without it (:func:`write_graphml`, :func:`write_gexf`), row by row."""
    g = nx.MultiDiGraph()
    g.graph.update(_graph_meta(snapshot))
    for node, attrs in graph_nodes(snapshot):
        g.add_node(node, **attrs)
    for source, target, key, attrs in graph_edges(snapshot):
        g.add_edge(source, target, key=key, **attrs)
    return g


def _xml_type(name: str) -> str:
    return "double" if name in FLOAT_COLUMNS else "boolean" if name in BOOL_COLUMNS else "string"


def _declared(snapshot: Tables) -> tuple[list[str], list[str]]:
    """Every node and edge attribute name the rows can carry, from the tables' columns (so
    the declarations come before the first row, without a pass over the rows)."""
    node_names: dict[str, None] = {}
    node_tables: tuple[TableName, ...] = ("entities", "persons", "regions", "records")
    edge_tables: tuple[TableName, ...] = ("registrations", "roles", "holdings", "record_persons")
    for table in node_tables:
        for column in snapshot.columns(table):
            name = "record_kind" if table == "records" and column == "kind" else column
            node_names[f"prop_{name}" if name in NODE_RESERVED else name] = None
    node_names.update(dict.fromkeys(("kind", "label")))
    edge_names: dict[str, None] = {"relation": None}
    for table in edge_tables:
        for column in snapshot.columns(table):
            edge_names[f"prop_{column}" if column in EDGE_RESERVED else column] = None
    return list(node_names), list(edge_names)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _attr(value: Any) -> str:
    return quoteattr(_text(value) if isinstance(value, bool) else str(value), _ATTR_ESCAPES)


_ATTR_ESCAPES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def write_graphml(snapshot: Tables, path: Path) -> Path:
    """The graph as GraphML, written row by row (read back with ``networkx.read_graphml``,
    which gives :func:`to_networkx`'s graph)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    node_names, edge_names = _declared(snapshot)
    with path.open("w", encoding="utf-8", buffering=1 << 20) as fh:
        fh.write(
            "<?xml version='1.0' encoding='utf-8'?>\n"
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        )
        for domain, names in (
            ("node", node_names),
            ("edge", edge_names),
            ("graph", list(_graph_meta(snapshot))),
        ):
            for name in names:
                fh.write(
                    f'  <key id={_attr(name)} for="{domain}" attr.name={_attr(name)} '
                    f'attr.type="{_xml_type(name)}" />\n'
                )
        fh.write('  <graph edgedefault="directed">\n')
        for node, attrs in graph_nodes(snapshot):
            fh.write(f"    <node id={_attr(node)}>\n")
            fh.writelines(
                f"      <data key={_attr(k)}>{_text(v)}</data>\n" for k, v in attrs.items()
            )
            fh.write("    </node>\n")
        for source, target, key, attrs in graph_edges(snapshot):
            fh.write(f"    <edge source={_attr(source)} target={_attr(target)} id={_attr(key)}>\n")
            fh.writelines(
                f"      <data key={_attr(k)}>{_text(v)}</data>\n" for k, v in attrs.items()
            )
            fh.write("    </edge>\n")
        fh.writelines(
            f"    <data key={_attr(k)}>{_text(v)}</data>\n"
            for k, v in _graph_meta(snapshot).items()
        )
        fh.write("  </graph>\n</graphml>\n")
    log.info("graph written", extra={"format": "graphml", "path": str(path)})
    return path


def write_gexf(snapshot: Tables, path: Path) -> Path:
    """The graph as GEXF 1.2 for Gephi, written row by row (``networkx.read_gexf`` reads it
    back: node ``label`` as the label, the edge key as ``networkx_key``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    node_names, edge_names = _declared(snapshot)
    node_ids = {name: str(i) for i, name in enumerate(n for n in node_names if n != "label")}
    edge_ids = {
        name: str(len(node_ids) + i) for i, name in enumerate([*edge_names, "networkx_key"])
    }
    with path.open("w", encoding="utf-8", buffering=1 << 20) as fh:
        fh.write(
            "<?xml version='1.0' encoding='utf-8'?>\n"
            '<gexf xmlns="http://www.gexf.net/1.2draft" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.gexf.net/1.2draft '
            'http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
            "  <meta>\n    <creator>credit-graph</creator>\n  </meta>\n"
            '  <graph defaultedgetype="directed" mode="static" name="credit-graph">\n'
        )
        for cls, ids in (("edge", edge_ids), ("node", node_ids)):
            fh.write(f'    <attributes mode="static" class="{cls}">\n')
            fh.writelines(
                f'      <attribute id="{i}" title={_attr(n)} type="{_xml_type(n)}" />\n'
                for n, i in ids.items()
            )
            fh.write("    </attributes>\n")
        fh.write("    <nodes>\n")
        for node, attrs in graph_nodes(snapshot):
            label = attrs.pop("label")
            fh.write(f"      <node id={_attr(node)} label={_attr(label)}>\n        <attvalues>\n")
            fh.writelines(
                f'          <attvalue for="{node_ids[k]}" value={_attr(v)} />\n'
                for k, v in attrs.items()
            )
            fh.write("        </attvalues>\n      </node>\n")
        fh.write("    </nodes>\n    <edges>\n")
        for n, (source, target, key, attrs) in enumerate(graph_edges(snapshot)):
            fh.write(
                f'      <edge source={_attr(source)} target={_attr(target)} id="{n}">\n'
                "        <attvalues>\n"
            )
            fh.writelines(
                f'          <attvalue for="{edge_ids[k]}" value={_attr(v)} />\n'
                for k, v in {**attrs, "networkx_key": key}.items()
            )
            fh.write("        </attvalues>\n      </edge>\n")
        fh.write("    </edges>\n  </graph>\n</gexf>\n")
    log.info("graph written", extra={"format": "gexf", "path": str(path)})
    return path
