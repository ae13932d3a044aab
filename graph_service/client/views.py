"""Graphs for notebooks: neighbourhood answers as networkx graphs, their tables, and inline
pyvis views.

A graph of the client is a ``networkx.MultiDiGraph`` whose nodes are the service's node views
(``label`` Entity/Person/Region/Record, ``id``, ``name``, ``risk`` …) and whose edges are its
edge views (``type`` ROLE/HOLDS/REGISTERED_IN/CONCERNS/SUPERVISED_BY, ``role``, ``percent``,
dates, ``source``), keyed by :func:`graph_service.services.graphview.edge_id`. ``graph.graph``
holds ``root`` (where it was drawn from), ``on`` (the as-of date) and ``more`` (per node, the
neighbours left out).

:class:`GraphView` draws such a graph with pyvis (the service's styles: colours by kind and
risk, edges labelled with role and dates, ended relationships dashed) as one standalone HTML
document; in Jupyter it shows inline (an ``iframe``), and it works offline (vis-network is
inlined from the copy pyvis ships).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from graph_service.services.graphview import VIS_DIR, Lang, edge_id, vis_data

_DOCUMENT = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<style>{css}</style><script>{js}</script>
<style>body{{margin:0;font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}}
#graph{{width:100%;height:{height}}} .note{{color:#666;font-size:12px;margin:4px 8px}}</style>
</head><body><div class="note">{note}</div><div id="graph"></div>
<script>
var cgData = {data};
var network = new vis.Network(document.getElementById("graph"),
  {{nodes: new vis.DataSet(cgData.nodes), edges: new vis.DataSet(cgData.edges)}}, {options});
network.once("stabilizationIterationsDone", function () {{
  network.setOptions({{physics: false}});
}});
</script></body></html>
"""
OPTIONS = {
    "physics": {
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120},
        "stabilization": {"iterations": 200},
    },
    "interaction": {"hover": True, "tooltipDelay": 100},
    "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": False},
}


def _script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("</", "<\\/")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@dataclass(frozen=True, slots=True)
class GraphView:
    """A drawn graph: ``html`` is a standalone document; Jupyter shows it inline."""

    html: str
    title: str
    height: str = "600px"

    def __repr__(self) -> str:
        return f"<GraphView {self.title!r}: {len(self.html):,} characters of HTML>"

    def _repr_html_(self) -> str:
        doc = html.escape(self.html, quote=True)
        return (
            f'<iframe srcdoc="{doc}" title="{html.escape(self.title)}" '
            f'style="width:100%;height:calc({self.height} + 30px);border:1px solid #ddd" '
            'sandbox="allow-scripts"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the standalone document (opens in any browser, offline)."""
        out = Path(path)
        out.write_text(self.html, encoding="utf-8")
        return out


def add_view(
    graph: Any, nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]]
) -> None:
    """Add the nodes and edges of a neighbourhood or path answer to ``graph``."""
    for node in nodes:
        attrs = dict(node)
        if node["id"] in graph:
            graph.nodes[node["id"]].update(attrs)
        else:
            graph.add_node(node["id"], **attrs)
    for edge in edges:
        key = edge_id(edge)
        if not graph.has_edge(edge["from"], edge["to"], key):
            attrs = {k: v for k, v in edge.items() if k not in ("from", "to")}
            graph.add_edge(edge["from"], edge["to"], key=key, **attrs)


def new_graph(root: str | list[str] | None, on: str | None) -> Any:
    """An empty client graph."""
    graph = nx.MultiDiGraph()
    graph.graph.update(root=root, on=on, more={})
    return graph


def node_frame(graph: Any) -> pd.DataFrame:
    """The nodes of a client graph as a table (one row per node, its view's fields)."""
    rows = [dict(data) for _, data in graph.nodes(data=True)]
    frame = pd.DataFrame(rows)
    lead = [c for c in ("id", "label", "name", "risk") if c in frame.columns]
    return frame[lead + [c for c in frame.columns if c not in lead]] if rows else frame


def edge_frame(graph: Any) -> pd.DataFrame:
    """The edges of a client graph as a table (``from``, ``to``, ``type``, role, dates …)."""
    rows = [{"from": u, "to": v, **data} for u, v, data in graph.edges(data=True)]
    return pd.DataFrame(rows)


def _fan_out(edges: list[dict[str, Any]]) -> None:
    """Curve the 2nd, 3rd … edge between the same two nodes (a role and a holding) apart, so
    parallel edges and their labels do not lie on top of each other."""
    seen: dict[frozenset[str], int] = {}
    for edge in edges:
        pair = frozenset((str(edge["from"]), str(edge["to"])))
        k = seen.get(pair, 0)
        seen[pair] = k + 1
        if k:
            edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.25 * k}


def view(
    graph: Any,
    *,
    lang: Lang = "zh",
    title: str | None = None,
    height: str = "600px",
    on: str | None = None,
) -> GraphView:
    """Draw a client graph (see the module docstring)."""
    nodes = [dict(data) for _, data in graph.nodes(data=True)]
    edges = [{"from": u, "to": v, **data} for u, v, data in graph.edges(data=True)]
    day = on or graph.graph.get("on")
    data = vis_data(nodes, edges, lang, more=graph.graph.get("more") or {}, on=day)
    _fan_out(data["edges"])
    heading = title or str(graph.graph.get("root") or "credit-graph")
    note = f"{heading} · {len(nodes)} nodes, {len(edges)} edges" + (
        f" · as of {day}" if day else ""
    )
    document = _DOCUMENT.format(
        title=html.escape(heading),
        css=(VIS_DIR / "vis-network.css").read_text(encoding="utf-8"),
        js=(VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"),
        height=html.escape(height),
        note=html.escape(note),
        data=_script_json(data),
        options=_script_json(OPTIONS),
    )
    return GraphView(html=document, title=heading, height=height)
