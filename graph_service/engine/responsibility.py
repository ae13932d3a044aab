"""Who answers for an entity on a date: its responsible persons (guideline clause 十二).

Declared ones hold ``legal_rep``, ``principal`` or ``actual_controller`` on the date; where no
actual controller is declared on that date, the person at the top of the control chain
(:mod:`graph_service.engine.control`) is its inferred actual controller.

Example
-------
>>> [r.role for r in responsible_persons(store, uscc, "2020-05-20")]   # doctest: +SKIP
['legal_rep', 'actual_controller']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph_service.catalogue import responsible_roles
from graph_service.engine.control import control_on, holder_sid, holding_closure
from graph_service.engine.timeline import in_force
from graph_service.stores.base import GraphStore, sid


@dataclass(frozen=True, slots=True)
class Responsible:
    """A person who answers for an entity on a date, and how."""

    person_sid: str
    person_name: str | None
    role: str
    inferred: bool
    #: The ROLE relationship, or the HOLDS relationships of the control chain (top first).
    evidence: list[dict[str, Any]] = field(default_factory=list)


def declared_roles(store: GraphStore, usccs: list[str]) -> list[dict[str, Any]]:
    """All responsible-role relationships of the entities, over all time."""
    roles = responsible_roles()
    return [r for r in store.roles_of([sid("entity", u) for u in usccs]) if r["role"] in roles]


def inferred_controllers(store: GraphStore, uscc: str, d: str) -> list[Responsible]:
    """Persons controlling ``uscc`` on ``d`` through holdings, with their chains."""
    target = sid("entity", uscc)
    edges = holding_closure(store, [target], "up")
    people = sorted({holder_sid(e) for e in edges if e["holder_type"] == "person"})
    out = []
    for person in people:
        ctl = control_on(person, edges, d)
        if target in ctl.controlled:
            chain = ctl.chain(target)
            name = next((e.get("holder_name") for e in chain if holder_sid(e) == person), None)
            out.append(Responsible(person, name, "actual_controller", True, chain))
    return out


def responsible_persons(store: GraphStore, uscc: str, d: str) -> list[Responsible]:
    """Everyone who answers for ``uscc`` on ``d``: declared role holders, and the inferred
    actual controller where none is declared that day."""
    held = [r for r in declared_roles(store, [uscc]) if in_force(r, d)]
    out = [
        Responsible(sid("person", r["person_key"]), r.get("person_name"), r["role"], False, [r])
        for r in held
    ]
    if not any(r["role"] == "actual_controller" for r in held):
        out += inferred_controllers(store, uscc, d)
    return sorted(out, key=lambda r: (r.person_sid, r.role))
