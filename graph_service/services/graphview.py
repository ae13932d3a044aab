"""How a view of the graph is drawn: pyvis builds the vis-network nodes and edges (colours by
node kind and by the engine's badge, edges labelled with role and dates) for the investigator
page, and writes
a view as a standalone HTML file that works offline (vis-network inlined from the copy pyvis
ships; nothing is loaded from the internet).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pyvis
from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network

from graph_service.catalogue import label_en, label_zh, vocabulary
from graph_service.engine.measures import action_names

Lang = Literal["zh", "en"]

#: The vis-network build pyvis ships (served to the page, inlined into exports).
PYVIS_TEMPLATES = Path(pyvis.__file__).parent / "templates"
VIS_DIR = PYVIS_TEMPLATES / "lib" / "vis-9.1.2"

#: Colours by node kind (Tableau 10), and by risk for subjects.
KIND_STYLE: dict[str, dict[str, Any]] = {
    "Entity": {"shape": "dot", "color": "#4e79a7", "size": 18},
    "Person": {"shape": "triangle", "color": "#59a14f", "size": 16},
    "Region": {"shape": "hexagon", "color": "#bab0ac", "size": 14},
    "Record": {"shape": "square", "color": "#e15759", "size": 12},
}
#: The engine's badge of a subject (graph_service.services.views.risk_of): a prohibition in
#: force (red), only considerations or advisories (orange).
RISK_COLOUR = {"listed": "#e15759", "watch": "#f28e2b", "none": None}
STATUS_COLOUR = {
    "active": "#e15759",
    "disputed": "#edc948",
    "repaired": "#76b7b2",
    "removed": "#76b7b2",
    "revoked": "#bab0ac",
}
MORE_COLOUR = "#ffffff"
#: A record whose status is active but which is not in force that day (expired, not yet).
NOT_IN_FORCE_COLOUR = "#f2c4c4"

_TEXT: dict[str, dict[Lang, str]] = {
    "HOLDS": {"zh": "持股", "en": "holds"},
    "REGISTERED_IN": {"zh": "登记于", "en": "registered"},
    "CONCERNS": {"zh": "涉及", "en": "concerns"},
    "SUPERVISED_BY": {"zh": "上级单位", "en": "superior unit"},
    "more": {"zh": "还有{n}个", "en": "and {n} more"},
    "not_in_force": {"zh": "不在有效期内", "en": "not in force"},
    "risk.listed": {"zh": "受惩戒（有禁止性措施）", "en": "restricted (a prohibition applies)"},
    "risk.watch": {"zh": "有考量因素或提示", "en": "considerations or advisories"},
}


def text(key: str, lang: Lang) -> str:
    """A UI string in ``lang``."""
    return _TEXT[key][lang]


def _vocab(vocab: str, code: str | None, lang: Lang) -> str:
    if not code:
        return ""
    return label_zh(vocab, code) if lang == "zh" else label_en(vocab, code)


# -- vis-network data ----------------------------------------------------------------------


def wrap_label(text: str, width: int = 16, lines: int = 2) -> str:
    """``text`` on at most ``lines`` lines of about ``width`` characters, broken between words
    (text with spaces) or between characters (Chinese), never inside a word; what does not fit
    ends in "…" after a whole word."""
    if " " in text.strip():
        rows = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    else:
        width = max(1, width * 2 // 3)  # a CJK character is about two Latin ones wide
        n = min(lines, -(-len(text) // width)) or 1
        size = max(width if len(text) > width * lines else -(-len(text) // n), 1)
        rows = [text[i : i + size] for i in range(0, len(text), size)]
    if len(rows) > lines:
        rows = rows[:lines]
        rows[-1] += "…"
    return "\n".join(rows)


def action_label(action: str, lang: Lang) -> str:
    """An action's name (``enter_sector:food_drug`` → "进入行业：食品药品")."""
    base, _, qualifier = action.partition(":")
    entry = vocabulary("action").get(action)
    if entry is not None:
        return _vocab("action", action, lang)
    head = _vocab("action", base, lang)
    takes = str(vocabulary("action").get(base, {}).get("takes") or "")
    tail = _vocab(takes, qualifier, lang) if takes else qualifier
    return f"{head}：{tail}" if lang == "zh" else f"{head}: {tail}"


def page_vocabulary() -> dict[str, Any]:
    """What the page names in both languages besides its own strings: every action the engine
    answers for (the check panel's choices) and the roles (capacities in findings)."""
    return {
        "actions": [
            {"action": a, "zh": action_label(a, "zh"), "en": action_label(a, "en")}
            for a in action_names()
        ],
        "roles": {
            code: {"zh": label_zh("role", code), "en": label_en("role", code)}
            for code in vocabulary("role")
        },
    }


def _dates(edge: Mapping[str, Any]) -> str:
    start, end = edge.get("start_date"), edge.get("end_date")
    if not start:
        return ""
    return f"{start}→{end or ''}"


def node_label(node: Mapping[str, Any], lang: Lang) -> str:
    """The text under a node."""
    if node["label"] == "Record":
        kind = _vocab("kind", node.get("kind"), lang)
        status = _vocab("status", node.get("status"), lang)
        if node.get("in_force") is False and node.get("status") in ("active", "disputed", None):
            status = text("not_in_force", lang)
        return f"{wrap_label(kind)}\n{status}"
    return wrap_label(str(node.get("name") or node["id"]))


def node_title(node: Mapping[str, Any], lang: Lang) -> str:
    """The tooltip of a node (plain text: vis-network shows it as text)."""
    lines = [str(node.get("name") or node["id"])]
    if node["label"] == "Record":
        kind, status = (
            _vocab("kind", node.get("kind"), lang),
            _vocab("status", node.get("status"), lang),
        )
        if node.get("in_force") is False:
            status += " · " + text("not_in_force", lang)
        lines = [
            f"{kind} · {status}",
            str(node.get("authority") or ""),
            str(node.get("decided_on") or ""),
        ]
    elif node["label"] == "Entity" and node.get("uscc"):
        lines.append(str(node["uscc"]))
    elif node["label"] == "Person" and node.get("id_masked"):
        lines.append(str(node["id_masked"]))
    risk = node.get("risk")
    if risk in ("listed", "watch"):
        lines.append(text(f"risk.{risk}", lang))
    return "\n".join(x for x in lines if x)


def edge_label(edge: Mapping[str, Any], lang: Lang) -> str:
    """Role or percent, and dates: ``法定代表人 2015-03-01→``."""
    rtype = edge["type"]
    if rtype == "ROLE":
        head = _vocab("role", edge.get("role"), lang)
    elif rtype == "HOLDS":
        pct = edge.get("percent")
        head = text("HOLDS", lang) + (f" {pct:g}%" if isinstance(pct, int | float) else "")
    else:
        head = text(rtype, lang)
    dates = _dates(edge)
    return f"{head}\n{dates}" if dates else head


def edge_id(edge: Mapping[str, Any]) -> str:
    """A stable id for an edge (the page merges views by it)."""
    return "|".join(str(edge.get(k) or "") for k in ("type", "from", "to", "start_date", "role"))


def _colours(background: str, border: str) -> dict[str, Any]:
    """A node's colours, kept when it is selected or hovered (a thicker dark border shows it)."""
    kept = {"background": background, "border": "#111111"}
    return {"background": background, "border": border, "highlight": kept, "hover": kept}


def _node_colour(node: Mapping[str, Any]) -> dict[str, Any]:
    style = KIND_STYLE[node["label"]]
    base = style["color"]
    if node["label"] == "Record":
        status = str(node.get("status") or "active")
        if node.get("in_force") is False and status in ("active", "disputed"):
            return _colours(NOT_IN_FORCE_COLOUR, "#999999")  # expired, or not yet
        return _colours(STATUS_COLOUR.get(status, base), "#555555")
    risk = RISK_COLOUR.get(str(node.get("risk") or "none"))
    if risk:
        return _colours(risk, "#8b0000")
    return _colours(base, "#2f4b6e")


def vis_data(
    nodes: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    lang: Lang,
    *,
    more: Mapping[str, int] | None = None,
    on: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The nodes and edges as vis-network data, built with pyvis.

    ``more`` maps a node id to the neighbours not shown (a supernode): each gets an extra
    "and N more" node the page clicks to load the next page. Relationships ended before
    ``on`` (or today) are dashed.
    """
    net = Network(directed=True, cdn_resources="in_line")
    today = on or dt.date.today().isoformat()
    seen: set[str] = set()
    for node in nodes:
        if node["id"] in seen:
            continue
        seen.add(node["id"])
        style = KIND_STYLE[node["label"]]
        net.add_node(
            node["id"],
            label=node_label(node, lang),
            title=node_title(node, lang),
            shape=style["shape"],
            size=style["size"],
            color=_node_colour(node),
            kind=node["label"],
            risk=node.get("risk"),
            data=dict(node),
            borderWidth=3 if node.get("risk") in ("listed", "watch") else 1,
        )
    for edge in edges:
        if edge["from"] not in seen or edge["to"] not in seen:
            continue
        ended = bool(edge.get("end_date")) and str(edge["end_date"]) < today
        net.add_edge(
            edge["from"],
            edge["to"],
            id=edge_id(edge),
            label=edge_label(edge, lang),
            title=edge_label(edge, lang).replace("\n", " ") + f" ({edge.get('source') or ''})",
            dashes=ended,
            color={"color": "#999999" if ended else "#555555"},
            font={"size": 10, "align": "middle"},
            relation=edge["type"],
            data=dict(edge),
        )
    for owner, n in (more or {}).items():
        if n <= 0 or owner not in seen:
            continue
        more_id = f"more:{owner}"
        net.add_node(
            more_id,
            label=text("more", lang).format(n=n),
            shape="box",
            color={"background": MORE_COLOUR, "border": "#999999"},
            kind="more",
            owner=owner,
            remaining=n,
            font={"size": 12},
        )
        net.add_edge(owner, more_id, id=f"more|{owner}", dashes=True, color={"color": "#bbbbbb"})
    return {"nodes": list(net.nodes), "edges": list(net.edges)}


# -- standalone HTML export ----------------------------------------------------------------

_EXPORT_TEMPLATE = """<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<title>{{ heading }}</title>
<style>{% include 'lib/vis-9.1.2/vis-network.css' %}</style>
<script>{% include 'lib/vis-9.1.2/vis-network.min.js' %}</script>
<style>
  body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 12px; }
  #mynetwork { width: {{ width }}; height: {{ height }}; border: 1px solid #ddd; }
  .note { color: #666; font-size: 12px; }
</style>
</head>
<body>
<h3>{{ heading }}</h3>
<p class="note">{{ note }}</p>
<div id="mynetwork"></div>
<script>
  var nodes = new vis.DataSet({{ nodes|tojson }});
  var edges = new vis.DataSet({{ edges|tojson }});
  var options = {{ options|safe }};
  var network = new vis.Network(document.getElementById("mynetwork"),
                                {nodes: nodes, edges: edges}, options);
</script>
</body>
</html>
"""

EXPORT_OPTIONS = {
    "physics": {"enabled": False},
    "interaction": {"hover": True, "tooltipDelay": 100},
    "edges": {"smooth": {"type": "continuous"}},
}


@cache
def _export_env() -> Environment:
    return Environment(
        loader=ChoiceLoader(
            [
                DictLoader({"export.html": _EXPORT_TEMPLATE}),
                FileSystemLoader(str(PYVIS_TEMPLATES)),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def export_html(
    nodes: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    *,
    title: str,
    note: str,
) -> str:
    """A standalone HTML file of a view (positions kept, physics off), written by pyvis with
    vis-network inlined: it opens offline, in any browser, with no server."""
    net = Network(directed=True, cdn_resources="in_line", height="85vh", width="100%")
    net.heading = title
    ids: set[str] = set()
    for n in nodes:
        opts = {
            k: n[k] for k in ("title", "color", "shape", "size", "x", "y") if n.get(k) is not None
        }
        net.add_node(n["id"], label=n.get("label") or " ", **opts)
        ids.add(n["id"])
    for e in edges:
        if e["from"] in ids and e["to"] in ids:
            opts = {k: e[k] for k in ("label", "title", "color", "dashes") if e.get(k) is not None}
            net.add_edge(e["from"], e["to"], **opts)
    net.options = dict(EXPORT_OPTIONS)
    nodes_data, edges_data, heading, height, width, options = net.get_network_data()
    html: str = (
        _export_env()
        .get_template("export.html")
        .render(
            nodes=nodes_data,
            edges=edges_data,
            heading=heading,
            height=height,
            width=width,
            options=options,
            note=note,
        )
    )
    return html
