"""Who a record reaches, fixed when it is decided (shared/RULES.md edition 2, §4).

* **Named persons first**: the persons the record names (``record_persons.csv``, or a court's
  ``add_person`` event from its day on) are reached whatever their roles say.
* **Else the roles at the time**: for each capacity the list reaches in which the record names
  no one, the persons who held it on ``offence_on`` when the record gives it, else on
  ``decided_on``. A later holder is not reached; one who left after that day still is.
* **Took office in between**: a holder on ``decided_on`` who was not one on ``offence_on`` is
  a *late office* reach (an advisory where the catalogue says so).
* **Controllers**: a declared ``actual_controller`` is a capacity like any other; where none
  is declared (nor named) that day, the controller inferred from holdings is an *inferred*
  reach, with the chain as evidence.
* Leaving the role frees no one: only a ``release_person`` event does
  (:func:`graph_service.engine.timeline.person_free`).

How each way of reaching counts for each measure (apply, advise, none) is the catalogue's
``reach`` of that measure.

Example
-------
>>> [(r.capacity, r.way) for r in reached_persons(store, record)]   # doctest: +SKIP
[('legal_rep', 'roles'), ('actual_controller', 'inferred')]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from graph_service.engine.control import control_on, holder_sid, holding_closure
from graph_service.engine.measures import Catalogue, ReachWay, catalogue
from graph_service.engine.timeline import in_force, record_state
from graph_service.stores.base import GraphStore, sid

Way = ReachWay | Literal["added"]
#: When one person is reached several ways, the first of these counts.
_WAY_ORDER: tuple[Way, ...] = ("named", "added", "roles", "late_office", "inferred")
#: An inferred controller: (person key, person name, HOLDS chain top first).
Controller = tuple[str, str | None, list[dict[str, Any]]]
#: Inferred controllers of an entity on a day.
Inferred = Callable[[str, str], list[Controller]]


@dataclass(frozen=True, slots=True)
class Reached:
    """A person a record reaches, how, and from when."""

    person_key: str
    person_name: str | None
    way: Way
    capacity: str
    #: The day reach was judged (offence_on, else decided_on; an add_person event's day).
    fixed_on: str
    #: The evidence: the NAMES relationship, the ROLE relationship, or the HOLDS chain.
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def since(self) -> str | None:
        """Reached from this day on (an added person), None: from the record's start."""
        return self.fixed_on if self.way == "added" else None

    def mode_key(self) -> ReachWay:
        """The catalogue's reach key for this way (an added person counts as named)."""
        return "named" if self.way == "added" else self.way


def fixed_on(record: Mapping[str, Any]) -> str:
    """The day a record's reach by role is judged: the offence, else the decision."""
    return str(record.get("offence_on") or record["decided_on"])


def reach(
    record: Mapping[str, Any],
    named: Sequence[Mapping[str, Any]],
    roles: Sequence[Mapping[str, Any]],
    inferred: Inferred | None,
    cat: Catalogue | None = None,
) -> list[Reached]:
    """Everyone ``record`` reaches besides its subject: ``named`` are its NAMES rows, ``roles``
    the ROLE relationships of its subject entity (any time), ``inferred`` finds controllers."""
    cat = cat or catalogue()
    kind = cat.kind(str(record["kind"]))
    out: list[Reached] = []
    for n in named:
        way: Way = "added" if n.get("since") else "named"
        day = str(n.get("since") or fixed_on(record))
        out.append(
            Reached(n["person_key"], n.get("person_name"), way, n["capacity"], day, [dict(n)])
        )
    if record["subject_type"] != "entity":
        return _best(out)
    state = record_state(record, cat)
    for key, (on, capacity) in state.added.items():
        if not any(r.person_key == key for r in out):
            out.append(Reached(key, None, "added", capacity, on, []))
    named_caps = {str(n["capacity"]) for n in named if not n.get("since")}
    open_caps = [c for c in kind.capacities_for(record.get("sector")) if c not in named_caps]
    day, decided = fixed_on(record), str(record["decided_on"])
    uscc = record["subject_key"]
    mine = [r for r in roles if r["uscc"] == uscc and r["role"] in open_caps]
    for role in mine:
        name = role.get("person_name")
        if in_force(role, day):
            out.append(Reached(role["person_key"], name, "roles", role["role"], day, [dict(role)]))
        elif day != decided and in_force(role, decided) and role["start_date"] > day:
            out.append(
                Reached(
                    role["person_key"], name, "late_office", role["role"], decided, [dict(role)]
                )
            )
    declared = any(r["role"] == "actual_controller" and in_force(r, day) for r in mine)
    if "actual_controller" in open_caps and not declared and inferred is not None:
        for key, name, chain in inferred(uscc, day):
            out.append(Reached(key, name, "inferred", "actual_controller", day, chain))
    return _best(out)


def _best(reached: list[Reached]) -> list[Reached]:
    best: dict[str, Reached] = {}
    for r in sorted(reached, key=lambda r: (_WAY_ORDER.index(r.way), r.capacity)):
        best.setdefault(r.person_key, r)
    return sorted(best.values(), key=lambda r: (r.person_key, r.capacity))


def store_inferred(store: GraphStore) -> Inferred:
    """Inferred controllers read from ``store`` (holdings above the entity)."""
    return inferred_from(lambda target: holding_closure(store, [target], "up"))


def inferred_from(edges_above: Callable[[str], list[dict[str, Any]]]) -> Inferred:
    """Inferred controllers from ``edges_above(entity sid)``: the HOLDS edges above an entity
    (a detector that read every holding it needs in one batch passes its own)."""

    def find(uscc: str, day: str) -> list[Controller]:
        target = sid("entity", uscc)
        edges = edges_above(target)
        out = []
        for person in sorted({holder_sid(e) for e in edges if e["holder_type"] == "person"}):
            ctl = control_on(person, edges, day)
            if target in ctl.controlled:
                chain = ctl.chain(target)
                name = next((e.get("holder_name") for e in chain if holder_sid(e) == person), None)
                out.append((person[2:], name, chain))
        return out

    return find


def reached_persons(
    store: GraphStore, record: Mapping[str, Any], cat: Catalogue | None = None
) -> list[Reached]:
    """Everyone ``record`` reaches besides its subject, read from ``store``."""
    named = store.named_in([record["record_id"]])
    roles = store.roles_of([sid("entity", record["subject_key"])]) if _entity(record) else []
    return reach(record, named, roles, store_inferred(store), cat)


def _entity(record: Mapping[str, Any]) -> bool:
    return bool(record["subject_type"] == "entity")


def reached_by(
    store: GraphStore, record: Mapping[str, Any], cat: Catalogue | None = None
) -> list[dict[str, Any]]:
    """Who ``record`` restricts or advises on, and with which measures: its subject, and the
    persons it reaches (named, by role on the day fixed, inferred). For a revocation this is
    what was wrongly applied (clause 十七); for notices, whom to tell (clause 十二)."""
    cat = cat or catalogue()
    kind = cat.kind(str(record["kind"]))
    sector = record.get("sector")
    out: list[dict[str, Any]] = []
    subject_measures = [
        m for m in kind.measures if m.to == "subject" and record["subject_type"] in m.subject_types
    ]
    if subject_measures:
        out.append(
            {
                "sid": sid(record["subject_type"], record["subject_key"]),
                "via": "subject",
                "way": "subject",
                "measures": [m.id for m in subject_measures],
                "actions": sorted({a for m in subject_measures for a in m.actions_for(sector)}),
            }
        )
    person_measures = [m for m in kind.measures if m.to == "persons"]
    for r in reached_persons(store, record, cat):
        modes = {m.id: m.reach.get(r.mode_key(), "none") for m in person_measures}
        used = [m for m in person_measures if modes[m.id] != "none"]
        out.append(
            {
                "sid": sid("person", r.person_key),
                "name": r.person_name,
                "via": r.capacity,
                "way": r.way,
                "capacity": r.capacity,
                "fixed_on": r.fixed_on,
                "inferred": r.way == "inferred",
                "measures": [m.id for m in used],
                "advisory": sorted(m.id for m in used if modes[m.id] == "advise"),
                "actions": sorted({a for m in used for a in m.actions_for(sector)}),
                "evidence": r.evidence,
            }
        )
    return out
