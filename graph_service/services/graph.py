"""The graph for investigators: neighbourhoods, paths, a subject's panel, evidence drawn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph_service.engine.models import Step
from graph_service.engine.subjects import parse_node, parse_subject
from graph_service.errors import InvalidIdentifier, NotFound
from graph_service.ids.regions import region_name
from graph_service.services import views
from graph_service.services.access import Access, unseal
from graph_service.services.graphview import Lang, vis_data
from graph_service.services.models import GraphPath, Neighbourhood, StepsView, SubjectPanel
from graph_service.services.shaping import labelled, persons_in, today
from graph_service.stores.base import GraphStore


def neighbourhood(
    store: GraphStore,
    access: Access,
    node: str,
    *,
    on: str | None,
    limit: int,
    offset: int,
    vis: Lang | None,
) -> Neighbourhood:
    """A node and a page of its neighbours, each subject with the engine's badge (``risk``)
    and each record with ``in_force`` on ``on`` (or today), optionally as vis-network data."""
    ident = parse_node(node, access.keyring)
    view = store.neighbourhood(ident, on=on, limit=limit, offset=offset)
    shown = [view["node"], *view["neighbours"]]
    center, *neighbours = views.with_engine_state(store, shown, on or today())
    out = view | {"node": center, "neighbours": neighbours, "offset": offset, "limit": limit}
    out["on"] = on
    persons = sorted(n["id"][2:] for n in [center, *neighbours] if n["label"] == "Person")
    if persons:
        access.log("graph.neighbourhood", {"node": ident, "on": on, "person_keys": persons})
    if vis:
        out["vis"] = vis_data(
            [center, *neighbours], view["edges"], vis, more={center["id"]: view["more"]}, on=on
        )
    return Neighbourhood.model_validate(out)


def path(
    store: GraphStore,
    access: Access,
    a: str,
    b: str,
    *,
    max_hops: int,
    vis: Lang | None,
) -> GraphPath:
    """A shortest path between two subjects (None found: ``found`` false)."""
    a_id, b_id = parse_node(a, access.keyring), parse_node(b, access.keyring)
    for ident in (a_id, b_id):
        if ident[:2] not in ("E:", "P:"):
            raise InvalidIdentifier(
                f"路径的两端须为市场主体或人员，“{ident}”不是",
                f"a path joins entities and persons; '{ident}' is neither",
            )
    found = store.shortest_path(a_id, b_id, max_hops=max_hops)
    if found is None:
        return GraphPath(found=False)
    nodes = views.with_engine_state(store, [x for x in found if "label" in x], today())
    edges = [x for x in found if "label" not in x]
    persons = sorted(n["id"][2:] for n in nodes if n["label"] == "Person")
    if persons:
        access.log("graph.path", {"from": a_id, "to": b_id, "person_keys": persons})
    out: dict[str, Any] = {"found": True, "hops": len(nodes) - 1, "nodes": nodes, "edges": edges}
    if vis:
        out["vis"] = vis_data(nodes, edges, vis)
    return GraphPath.model_validate(out)


def subject_panel(store: GraphStore, access: Access, node: str, on: str | None) -> SubjectPanel:
    """A subject's panel as of ``on`` (None: all time, findings today): who it is, the
    engine's badge and every finding that reaches it (per action), its relocation flags, and
    its roles, holdings, registrations and records as of the day. Audited for persons."""
    kind, key, ident = parse_subject(node, access.keyring)
    found = store.entity(key) if kind == "entity" else store.person(key)
    if found is None:
        raise NotFound("图中没有此主体", f"no {kind} {ident} in the graph")
    subject = labelled([{"type": kind, "id": ident, **found}])[0]
    if kind == "entity" and subject.get("region_code"):
        subject["region_name"] = region_name(str(subject["region_code"]))
    if kind == "person":
        unseal(store, access, key, subject)
    out = {"subject": subject} | views.panel(store, kind, key, on, today())
    for name in ("roles", "holdings", "registrations", "records"):
        out[name] = labelled(out[name])
    persons = sorted(
        {key}
        if kind == "person"
        else set()
        | set(persons_in(out["roles"] + out["holdings"]))
        | {f["person_key"] for f in out["flags"] if f.get("person_key")}
    )
    if persons:
        access.log(
            "graph.panel",
            {"node": ident, "on": on, "person_keys": persons, "unmasked": "id_number" in subject},
        )
    return SubjectPanel.model_validate(out)


def steps_view(
    store: GraphStore, access: Access, steps: Sequence[Step], *, on: str | None, vis: Lang
) -> StepsView:
    """Evidence steps (a finding's path, a flag's evidence) as a graph: the nodes as the store
    has them, with the engine's badges on ``on`` (or today), and the steps as edges."""
    nodes = views.with_engine_state(store, views.step_nodes(store, steps), on or today())
    edges = views.step_edges(steps)
    persons = sorted(n["id"][2:] for n in nodes if n["label"] == "Person")
    if persons:
        access.log("graph.steps", {"on": on, "person_keys": persons})
    return StepsView.model_validate(
        {"nodes": nodes, "edges": edges, "vis": vis_data(nodes, edges, vis, on=on)}
    )
