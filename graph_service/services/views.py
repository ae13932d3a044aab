"""What the investigator page shows from the engine's answers, never from a rule of its own:
a subject's colour and badge (from :func:`graph_service.engine.personal.exposure`), whether a
record node is in force (:func:`graph_service.engine.timeline.record_applies`), a subject's
panel (every finding that reaches it, its relations as of the day, its relocation flags) and
the nodes and edges of evidence paths.

Reads are bounded: one engine read per subject drawn, at most :data:`COLOUR_LIMIT` per view;
one read per panel; relocation flags only from the triggering records that could concern the
subject (:func:`graph_service.engine.flag_ledger.affected_triggers`), not a national pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from graph_service.catalogue import label
from graph_service.engine.flag_ledger import affected_triggers
from graph_service.engine.models import Flag, Step
from graph_service.engine.personal import exposure
from graph_service.engine.relocations import RelocationDetector
from graph_service.engine.timeline import in_force, record_applies
from graph_service.ids.regions import Level, region_name
from graph_service.stores.base import GraphStore, SubjectKind, Touched, active_on

#: Most subjects of one view whose colour the engine is asked for (the rest are drawn plain,
#: marked ``risk: null``, and get their answer when clicked).
COLOUR_LIMIT = 60

Risk = Literal["listed", "watch", "none"]


def risk_of(findings: Mapping[str, Mapping[str, Any]]) -> Risk:
    """The badge of an exposure answer: ``listed`` when some action is prohibited, ``watch``
    when there are only considerations or advisories, else ``none``."""
    if any(f["prohibitions"] for f in findings.values()):
        return "listed"
    if any(f["considerations"] or f["advisories"] for f in findings.values()):
        return "watch"
    return "none"


def subject_risk(store: GraphStore, subject_id: str, on: str) -> Risk:
    """The engine's badge for one subject (``E:``/``P:`` id) on ``on``."""
    kind: SubjectKind = "entity" if subject_id.startswith("E:") else "person"
    return risk_of(exposure(store, kind, subject_id[2:], on))


def with_engine_state(
    store: GraphStore, nodes: Sequence[Mapping[str, Any]], on: str
) -> list[dict[str, Any]]:
    """The nodes with ``risk`` (subjects, from the engine; the first :data:`COLOUR_LIMIT`) and
    ``in_force`` (records, from the time module, on the full record)."""
    subjects = [n["id"] for n in nodes if n["label"] in ("Entity", "Person")]
    risks = {s: subject_risk(store, s, on) for s in dict.fromkeys(subjects[:COLOUR_LIMIT])}
    record_ids = [n["id"][2:] for n in nodes if n["label"] == "Record"]
    full = {r["record_id"]: r for r in store.records_by_id(record_ids)} if record_ids else {}
    out = []
    for n in nodes:
        x = dict(n)
        if n["label"] in ("Entity", "Person"):
            x["risk"] = risks.get(n["id"])
        elif n["label"] == "Record" and n["id"][2:] in full:
            x["in_force"] = record_applies(full[n["id"][2:]], on)
        out.append(x)
    return out


# -- a subject's panel ---------------------------------------------------------------------


def subject_flags(store: GraphStore, kind: SubjectKind, key: str, on: str) -> list[Flag]:
    """The relocation flags naming the subject (as the flagged person or entity) on ``on``,
    detected from the triggering records that could concern it only. The page's one call
    into :mod:`graph_service.engine.relocations`."""
    touched = Touched(entities={key}) if kind == "entity" else Touched(persons={key})
    only = affected_triggers(store, touched)
    if not only:
        return []
    level: Level = "county"
    flags = RelocationDetector(store).detect(on, level, only=only)
    return [f for f in flags if key in (f.person_key, f.uscc)]


def _known_by(records: Iterable[Mapping[str, Any]], on: str | None) -> list[dict[str, Any]]:
    """Records decided by ``on`` (None: all), as the graph shows them."""
    return [
        dict(r) for r in records if active_on("CONCERNS", {}, on, str(r.get("decided_on") or ""))
    ]


def relations_as_of(
    store: GraphStore, kind: SubjectKind, key: str, on: str | None, today: str
) -> dict[str, list[dict[str, Any]]]:
    """The subject's roles, holdings, registrations (in force on ``on``; None: all) and records
    (decided by ``on``), each record with ``in_force`` on ``on`` (or ``today``)."""
    rel = store.relations(kind, key)
    out: dict[str, list[dict[str, Any]]] = {}
    for name in ("roles", "holdings", "registrations"):
        items = rel.get(name, [])
        out[name] = [dict(x) for x in items if on is None or in_force(x, on)]
    records = _known_by(rel.get("records", []), on)
    full = {r["record_id"]: r for r in store.records_by_id([r["record_id"] for r in records])}
    for r in records:
        r["in_force"] = record_applies(full.get(r["record_id"], r), on or today)
    out["records"] = records
    return out


def panel(
    store: GraphStore, kind: SubjectKind, key: str, on: str | None, today: str
) -> dict[str, Any]:
    """Everything the page's panel shows about a subject, as of ``on`` (findings and flags on
    ``on``, else on ``today``): ``risk``, ``findings`` (action → allowed and the three lists),
    ``flags`` and the relations as of the day."""
    day = on or today
    findings = exposure(store, kind, key, day)
    return {
        "on": on,
        "judged_on": day,
        "risk": risk_of(findings),
        "findings": findings,
        "flags": [f.model_dump(exclude_none=True) for f in subject_flags(store, kind, key, day)],
        **relations_as_of(store, kind, key, on, today),
    }


# -- evidence paths as a graph -------------------------------------------------------------


def step_edges(steps: Iterable[Step]) -> list[dict[str, Any]]:
    """Evidence steps as graph edges (the store's edge shape), each once."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for s in steps:
        edge = {"type": s.type, "from": s.from_id, "to": s.to_id}
        for k in ("role", "percent", "start_date", "end_date", "source", "batch_id"):
            v = getattr(s, k)
            if v is not None and v != "":
                edge[k] = v
        out.setdefault((s.type, s.from_id, s.to_id, s.role, s.start_date), edge)
    return list(out.values())


_RECORD_FIELDS = ("record_id", "kind", "status", "status_on", "decided_on", "authority", "basis")


def step_nodes(store: GraphStore, steps: Sequence[Step]) -> list[dict[str, Any]]:
    """The nodes the steps join, as the store describes them (names from the store, not from
    the request); an id the store does not know is left out with its edges."""
    ids = list(dict.fromkeys(i for s in steps for i in (s.from_id, s.to_id)))
    records = {
        r["record_id"]: r for r in store.records_by_id([i[2:] for i in ids if i[:2] == "C:"])
    }
    nodes: list[dict[str, Any]] = []
    for i in ids:
        prefix, key = i[:2], i[2:]
        if prefix == "E:":
            e = store.entity(key)
            if e:
                nodes.append({"label": "Entity", "id": i, "name": e.get("name"), "uscc": key})
        elif prefix == "P:":
            p = store.person(key)
            if p:
                nodes.append(
                    {
                        "label": "Person",
                        "id": i,
                        "name": p.get("name"),
                        "key": key,
                        "id_masked": p.get("id_masked"),
                    }
                )
        elif prefix == "C:" and key in records:
            r = records[key]
            nodes.append(
                {"label": "Record", "id": i, "name": label("kind", r["kind"])}
                | {k: r[k] for k in _RECORD_FIELDS if r.get(k) is not None}
            )
        elif prefix == "R:":
            nodes.append({"label": "Region", "id": i, "name": region_name(key), "code": key})
    return nodes
