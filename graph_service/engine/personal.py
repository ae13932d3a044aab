"""The personal credit record (clause 十二: punishment "recorded in their personal credit
records"): everything that reaches a person — records about them, and records of entities they
answered for — with the restrictions in force on a date and the evidence of each."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graph_service.catalogue import responsible_roles, vocabulary
from graph_service.engine.control import holding_closure, target_sid
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore, sid


def personal_record(store: GraphStore, key: str, on: str) -> dict[str, Any]:
    """The person's credit record as of ``on``.

    Returns ``person`` (masked), ``direct`` (records about the person), ``entities`` (each
    entity the person held a responsible role in or holds shares of, with the roles and its
    records) and ``restrictions`` (each action denied on ``on``, with the reasons).
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
    engine = RestrictionEngine(store)
    sectors = sorted(
        {rec["sector"] for rec in records if rec.get("sector")}
        | {rec["sector"] for rec in store.records_of([me]) if rec.get("sector")}
    )
    actions = [a for a, e in vocabulary("action").items() if not e.get("takes_sector")]
    actions += [f"enter_sector:{s}" for s in sectors]
    restrictions = {}
    for action in actions:
        result = engine.check("person", key, action, on)
        if not result.allowed:
            restrictions[action] = [r.model_dump() for r in result.reasons]
    return {
        "person": {"key": key, "name": person.get("name"), "id_masked": person.get("id_masked")},
        "on": on,
        "direct": store.records_of([me]),
        "entities": [
            {"uscc": u, **{k: v for k, v in e.items()}, "records": e.get("records", [])}
            for u, e in sorted(by_entity.items())
        ],
        "restrictions": restrictions,
    }
