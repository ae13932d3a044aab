"""The personal credit record (clause 十二: punishment "recorded in their personal credit
records"): everything that reaches a person — records about them, records that name them, and
records of entities they answered for — with the findings in force on a date (prohibitions,
considerations, advisories) and the evidence of each."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graph_service.catalogue import responsible_roles
from graph_service.engine.control import holding_closure, target_sid
from graph_service.engine.measures import action_names
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore, SubjectKind, sid


def personal_record(store: GraphStore, key: str, on: str) -> dict[str, Any]:
    """The person's credit record as of ``on``.

    Returns ``person`` (masked), ``direct`` (records about the person), ``named`` (records
    that name the person as responsible, with the capacity), ``entities`` (each entity the
    person held a responsible role in or holds shares of, with the roles and its records),
    ``restrictions`` (each action denied on ``on``: its prohibitions) and ``findings`` (each
    action with any finding: prohibitions, considerations, advisories).
    """
    person = store.person(key)
    if person is None:
        raise NotFound(f"未找到人员：{key}", f"no person {key} in the store")
    me = sid("person", key)
    roles = [r for r in store.roles_of([me]) if r["person_key"] == key]
    responsible = responsible_roles()
    by_entity: dict[str, dict[str, Any]] = defaultdict(lambda: {"roles": [], "holdings": []})
    for r in roles:
        if r["role"] in responsible:
            entry = by_entity[r["uscc"]]
            entry["name"] = r.get("entity_name")
            entry["roles"].append(r)
    for h in holding_closure(store, [me], "down"):
        entry = by_entity[target_sid(h)[2:]]
        entry["name"] = h.get("entity_name")
        entry["holdings"].append(h)
    records = store.records_of([sid("entity", u) for u in by_entity])
    for rec in records:
        by_entity[rec["subject_key"]].setdefault("records", []).append(rec)
    named = store.naming([key])
    findings = exposure(store, "person", key, on)
    restrictions = {a: f["prohibitions"] for a, f in findings.items() if f["prohibitions"]}
    return {
        "person": {"key": key, "name": person.get("name"), "id_masked": person.get("id_masked")},
        "on": on,
        "direct": store.records_of([me]),
        "named": [
            {"capacity": n["capacity"], "since": n.get("since"), "record": r}
            for n in named
            for r in store.records_by_id([n["record_id"]])
        ],
        "entities": [
            {"uscc": u, **{k: v for k, v in e.items()}, "records": e.get("records", [])}
            for u, e in sorted(by_entity.items())
        ],
        "restrictions": restrictions,
        "findings": findings,
    }


def exposure(store: GraphStore, kind: SubjectKind, key: str, on: str) -> dict[str, Any]:
    """Every action with a finding for the subject on ``on``: ``{action: {"allowed",
    "prohibitions", "considerations", "advisories"}}`` (the page's panel and colour, the
    personal record). One read of the graph for all actions."""
    results = RestrictionEngine(store).check_actions(kind, key, action_names(), on)
    return {
        r.action: {
            "allowed": r.allowed,
            "prohibitions": [f.model_dump() for f in r.prohibitions],
            "considerations": [f.model_dump() for f in r.considerations],
            "advisories": [f.model_dump() for f in r.advisories],
        }
        for r in results
        if r.findings()
    }
