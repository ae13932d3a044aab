"""Relocated repeat offenders (易地出现, shared/RULES.md edition 2, §6): phoenix, migration,
serial.

A *triggering record* is a record of a kind the catalogue marks ``triggers_relocation`` (every
list of RULES §3 but ``licence_revoked``) against an entity X, registered in region R on the
decision date, that still bites on the day asked (:func:`.triggers.still_bites`: it applies,
or a consumption restriction that lasts until the court lifts it is not lifted).

The persons a record reaches are those of RULES §4, fixed when it is decided
(:func:`graph_service.engine.reach.reach`): the persons it names, else the holders of the
capacities its kind reaches on ``offence_on`` (else ``decided_on``), and, where the kind
reaches controllers and none is declared, the controller inferred from holdings. A person
released by the court (``release_person``) is no longer reached from that day. A person the
record reaches only as an advisory (an inferred controller, an office taken between the
offence and the decision — the catalogue's ``reach`` says which) still makes a flag, marked
``advisory`` with ``reached_as``, and scored lower (``advisory_reach`` in
``catalogue/relocation.yaml``).

* **phoenix** — a person the record reaches becomes, on or after the decision date, a
  responsible person (legal_rep, principal, actual_controller, direct_responsible: an office
  starting then) or the inferred controller (control that did not exist the day before the
  decision) of an entity Y whose region on that day differs from R. Flags Y and the person.
* **migration** — X's registration moves away from R on or after the decision date. Flags X.
* **serial** — a person reached by triggering records of two or more entities in two or more
  regions. Flags the person.

"Differs" compares region codes at a level: county (6 digits), city (4), province (2). A flag
lives while its triggering record bites and, for a person, until he is released. Each carries
evidence, the persons' masked ID numbers, the entities' names, and a score (0-100) whose parts
are shown: how soon after the decision, how direct the link, how many prior records (weights
in ``catalogue/relocation.yaml``).

The detector reads the store in a few batched calls (all triggering records, then the names,
registrations, roles and holdings of everyone involved at once), never one call per entity,
so the same code does a nationwide pass on either store.

Example
-------
>>> flags = detect_relocations(store, on="2024-01-01", level="city")   # doctest: +SKIP
>>> {f.pattern for f in flags}                                         # doctest: +SKIP
{'phoenix', 'migration', 'serial'}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graph_service.catalogue import load_yaml, responsible_roles
from graph_service.engine.control import control_on, holder_sid, holding_closure, target_sid
from graph_service.engine.measures import Catalogue, ReachMode, catalogue
from graph_service.engine.models import Flag, FlagEntity, Step
from graph_service.engine.reach import Reached, inferred_from, reach
from graph_service.engine.restrictions import (
    concerns_step,
    holding_step,
    names_step,
    reach_path,
    role_step,
)
from graph_service.engine.timeline import (
    RecordState,
    decided_by,
    in_force,
    person_held,
    record_state,
)
from graph_service.engine.triggers import reach_mode, still_bites, triggering_kinds
from graph_service.ids.regions import Level, region_key
from graph_service.stores.base import GraphStore, sid

#: When a person is reached several ways by a serial's records, the first of these is shown.
_FIRMEST = ("named", "added", "roles", "late_office", "inferred")


@dataclass(slots=True)
class _Link:
    """How a person answers for an entity Y from a day on: an office, or control."""

    person: str  # person sid
    via: str  # role name, or "control"
    evidence: list[dict[str, Any]]
    since: str


@dataclass(slots=True)
class _Reach:
    """A person a triggering record reaches, and how firmly (``apply`` or ``advise``)."""

    person: str  # person sid
    reached: Reached
    mode: ReachMode

    @property
    def advisory(self) -> bool:
        return self.mode != "apply"


@dataclass(slots=True)
class _Trigger:
    record: dict[str, Any]
    state: RecordState
    uscc: str
    region: str
    reached: list[_Reach] = field(default_factory=list)


def _day_before(d: str) -> str:
    return (dt.date.fromisoformat(d) - dt.timedelta(days=1)).isoformat()


def _days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def _group(
    rows: Iterable[dict[str, Any]], key: Callable[[Mapping[str, Any]], str]
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out


def _field(name: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda row: str(row[name])


class RelocationDetector:
    """Detects the three patterns as of a date, at a region level, on any store."""

    def __init__(self, store: GraphStore, cat: Catalogue | None = None) -> None:
        self.store = store
        self.cat = cat or catalogue()
        self.cfg = load_yaml("relocation.yaml")
        self.roles = responsible_roles()
        self._regs: dict[str, list[dict[str, Any]]] = {}

    # -- reads, batched ------------------------------------------------------------------

    def _load_registrations(self, usccs: Iterable[str]) -> None:
        missing = [u for u in set(usccs) if u not in self._regs]
        for u in missing:
            self._regs[u] = []
        for reg in self.store.registrations_of(missing) if missing else []:
            self._regs[reg["uscc"]].append(reg)

    def region_on(self, uscc: str, d: str) -> str | None:
        """The entity's registration region on ``d``; for a day before its first registration
        (an office dated before the register caught up), the first region; None if never."""
        regs = sorted(self._regs.get(uscc, []), key=lambda r: r["start_date"])
        for reg in regs:
            if in_force(reg, d):
                return str(reg["region_code"])
        later = [r for r in regs if r["start_date"] > d]
        return str(later[0]["region_code"]) if later else None

    # -- detection -------------------------------------------------------------------------

    def detect(self, on: str, level: Level = "county", only: set[str] | None = None) -> list[Flag]:
        """All flags on ``on`` at ``level``, ordered by pattern then id; with ``only``, just
        those from these triggering record ids (see :mod:`graph_service.engine.flag_ledger`)."""
        triggers = self._triggers(on, only)
        flags = self._migrations(triggers, on, level)
        flags += self._phoenixes(triggers, on, level)
        flags += self._serials(triggers, level)
        return sorted(self._named(flags), key=lambda f: (f.pattern, f.flag_id))

    def _triggers(self, on: str, only: set[str] | None = None) -> list[_Trigger]:
        kinds = triggering_kinds(self.cat)
        found = (
            self.store.records_where(kinds)
            if only is None
            else [r for r in self.store.records_by_id(only) if r["kind"] in kinds]
        )
        records = []
        for rec in found:
            if rec["subject_type"] != "entity" or not decided_by(rec["decided_on"], on):
                continue
            state = record_state(rec, self.cat)
            if still_bites(rec, on, state, self.cat):
                records.append((rec, state))
        self._load_registrations(r["subject_key"] for r, _ in records)
        triggers = []
        for rec, state in records:
            region = self.region_on(rec["subject_key"], rec["decided_on"])
            if region is None:
                entity = self.store.entity(rec["subject_key"]) or {}
                region = entity.get("region_code")
            if region:
                triggers.append(_Trigger(rec, state, rec["subject_key"], region))
        self._reach(triggers, on)
        return triggers

    def _reach(self, triggers: list[_Trigger], on: str) -> None:
        """Fill each trigger's reached persons (RULES §4), read in one batch for all."""
        if not triggers:
            return
        rids = [t.record["record_id"] for t in triggers]
        named = _group(self.store.named_in(rids), _field("record_id"))
        xs = [sid("entity", x) for x in sorted({t.uscc for t in triggers})]
        roles = _group(self.store.roles_of(xs), _field("uscc"))
        parents = _group(holding_closure(self.store, xs, "up"), target_sid)
        above: dict[str, list[dict[str, Any]]] = {}

        def edges_above(target: str) -> list[dict[str, Any]]:
            if target not in above:
                above[target] = _reachable(target, parents, holder_sid)
            return above[target]

        inferred = inferred_from(edges_above)
        for t in triggers:
            kind = self.cat.kind(str(t.record["kind"]))
            rid = t.record["record_id"]
            for r in reach(t.record, named.get(rid, []), roles.get(t.uscc, []), inferred, self.cat):
                if not person_held(t.state, r.person_key, r.since, on):
                    continue
                mode = reach_mode(kind, r.mode_key())
                if mode != "none":
                    t.reached.append(_Reach(sid("person", r.person_key), r, mode))

    def _migrations(self, triggers: list[_Trigger], on: str, level: Level) -> list[Flag]:
        flags = []
        priors = _count_by(t.uscc for t in triggers)
        for t in triggers:
            d = t.record["decided_on"]
            moves = sorted(
                (r for r in self._regs.get(t.uscc, []) if d <= r["start_date"] <= on),
                key=lambda r: r["start_date"],
            )
            away = [
                m
                for m in moves
                if region_key(m["region_code"], level) != region_key(t.region, level)
            ]
            if not away:
                continue
            first = away[0]
            parts = self._parts(d, first["start_date"], 1.0, priors[t.uscc] - 1)
            evidence = [concerns_step(t.record, None), *(_reg_step(m) for m in moves)]
            flags.append(
                self._flag(
                    "migration",
                    level,
                    t,
                    person=None,
                    uscc=t.uscc,
                    region_to=first["region_code"],
                    since=first["start_date"],
                    via=None,
                    parts=parts,
                    evidence=evidence,
                )
            )
        return flags

    def _phoenixes(self, triggers: list[_Trigger], on: str, level: Level) -> list[Flag]:
        people = sorted({rc.person for t in triggers for rc in t.reached})
        if not people:
            return []
        offices: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.store.roles_of(people):
            if r["role"] in self.roles:
                offices[sid("person", r["person_key"])].append(r)
        children = _group(holding_closure(self.store, people, "down"), holder_sid)
        priors = _count_by(rc.person for t in triggers for rc in t.reached)
        candidates: list[tuple[_Trigger, _Reach, _Link, str]] = []  # trigger, at X, at Y, Y
        for t in triggers:
            d = t.record["decided_on"]
            for rc in t.reached:
                for r in offices[rc.person]:
                    if r["uscc"] != t.uscc and d <= r["start_date"] <= on:
                        at_y = _Link(rc.person, r["role"], [r], r["start_date"])
                        candidates.append((t, rc, at_y, r["uscc"]))
                mine = _reachable(rc.person, children, target_sid)
                for uscc, at_y in self._new_control(rc.person, mine, d, on):
                    if uscc != t.uscc:
                        candidates.append((t, rc, at_y, uscc))
        self._load_registrations(c[3] for c in candidates)
        best: dict[tuple[str, str, str], Flag] = {}
        for t, rc, at_y, y in candidates:
            region_y = self.region_on(y, at_y.since)
            if region_y is None or region_key(region_y, level) == region_key(t.region, level):
                continue
            direct = self._directness(at_y.via, len(at_y.evidence), rc.advisory)
            parts = self._parts(t.record["decided_on"], at_y.since, direct, priors[rc.person] - 1)
            evidence = [
                *_reach_steps(t.record, rc.reached),
                *(
                    _reg_step(r)
                    for r in self._regs.get(t.uscc, [])
                    if in_force(r, t.record["decided_on"])
                ),
                *_link_steps(at_y),
                *(_reg_step(r) for r in self._regs.get(y, []) if r["region_code"] == region_y),
            ]
            flag = self._flag(
                "phoenix",
                level,
                t,
                person=rc,
                uscc=y,
                region_to=region_y,
                since=at_y.since,
                via=at_y.via,
                parts=parts,
                evidence=evidence,
            )
            key = (rc.person, y, t.record["record_id"])
            if key not in best or (best[key].score, best[key].flag_id) < (flag.score, flag.flag_id):
                best[key] = flag
        return list(best.values())

    def _new_control(
        self, person: str, edges: list[dict[str, Any]], d: str, on: str
    ) -> list[tuple[str, _Link]]:
        """Entities ``person`` comes to control on or after ``d`` (and did not the day before),
        with the first day of control and the chain."""
        mine = control_on(person, edges, _day_before(d)).controlled
        days = sorted({d} | {e["start_date"] for e in edges if d < e["start_date"] <= on})
        found: dict[str, _Link] = {}
        for day in days:
            ctl = control_on(person, edges, day)
            for target in sorted(ctl.controlled - mine - set(found)):
                found[target] = _Link(person, "control", ctl.chain(target), day)
        return [(t[2:], link) for t, link in found.items()]

    def _serials(self, triggers: list[_Trigger], level: Level) -> list[Flag]:
        by_person: dict[str, list[tuple[_Trigger, _Reach]]] = defaultdict(list)
        for t in triggers:
            for rc in t.reached:
                by_person[rc.person].append((t, rc))
        flags = []
        for person, items in sorted(by_person.items()):
            items.sort(key=lambda x: (x[0].record["decided_on"], x[0].record["record_id"]))
            if not _spans(items, level):
                continue
            since = _serial_since(items, level)
            dates = [t.record["decided_on"] for t, _ in items]
            gap = min(_days(a, b) for a, b in itertools.pairwise(dates))
            direct = sum(self._reach_directness(rc) for _, rc in items) / len(items)
            parts = self._parts("2000-01-01", "2000-01-01", direct, len(items) - 1)
            parts["soon"] = round(0.5 ** (gap / self.cfg["score"]["half_life_days"]), 4)
            evidence = [step for t, rc in items for step in _reach_steps(t.record, rc.reached)]
            firm = [(t, rc) for t, rc in items if not rc.advisory]
            flags.append(
                Flag(
                    flag_id=_flag_id(
                        "serial", level, person, "", [t.record["record_id"] for t, _ in items]
                    ),
                    pattern="serial",
                    level=level,
                    person_key=person[2:],
                    person_name=next((rc.reached.person_name for _, rc in items), None),
                    reached_as=min((rc.reached.way for _, rc in items), key=_FIRMEST.index),
                    advisory=not _spans(firm, level),
                    entities=[
                        FlagEntity(uscc=t.uscc, region_code=t.region, part="listed")
                        for t in _unique_entities(items)
                    ],
                    record_ids=sorted(t.record["record_id"] for t, _ in items),
                    regions=sorted({t.region for t, _ in items}),
                    since=since,
                    via=None,
                    score=self._score(parts),
                    score_parts=parts,
                    evidence=evidence,
                )
            )
        return flags

    # -- names -----------------------------------------------------------------------------

    def _named(self, flags: list[Flag]) -> list[Flag]:
        """The flags with the persons' names and masked ID numbers and the entities' names,
        read in one call."""
        wanted = {sid("person", f.person_key) for f in flags if f.person_key}
        wanted |= {sid("entity", e.uscc) for f in flags for e in f.entities}
        nodes = self.store.subjects(wanted) if wanted else {}
        out = []
        for f in flags:
            person = nodes.get(sid("person", f.person_key), {}) if f.person_key else {}
            entities = [
                e.model_copy(update={"name": nodes.get(sid("entity", e.uscc), {}).get("name")})
                for e in f.entities
            ]
            update: dict[str, Any] = {
                "entities": entities,
                "person_name": f.person_name or person.get("name"),
                "person_id_masked": person.get("id_masked"),
            }
            if f.uscc:
                update["entity_name"] = nodes.get(sid("entity", f.uscc), {}).get("name")
            out.append(f.model_copy(update=update))
        return out

    # -- scoring and shaping --------------------------------------------------------------

    def _directness(self, via: str, steps: int, advisory: bool) -> float:
        score = self.cfg["score"]
        weights = score["direct"]
        if via == "control":
            direct = float(weights["holding_step"]) ** max(1, steps)
        else:
            direct = float(weights.get(via, 0.5))
        return direct * float(score["advisory_reach"]) if advisory else direct

    def _reach_directness(self, rc: _Reach) -> float:
        """How close a reached person is to the listed entity (serial)."""
        r = rc.reached
        via = "control" if r.way == "inferred" else r.capacity
        return self._directness(via, len(r.evidence), rc.advisory)

    def _parts(self, decided: str, moved: str, direct: float, priors: int) -> dict[str, float]:
        score = self.cfg["score"]
        return {
            "soon": round(0.5 ** (max(0, _days(decided, moved)) / score["half_life_days"]), 4),
            "direct": round(direct, 4),
            "priors": round(min(1.0, max(0, priors) / score["priors_full"]), 4),
        }

    def _score(self, parts: Mapping[str, float]) -> int:
        weights = self.cfg["score"]["weights"]
        return round(100 * sum(float(weights[k]) * v for k, v in parts.items()))

    def _flag(
        self,
        pattern: Literal["phoenix", "migration"],
        level: Level,
        t: _Trigger,
        *,
        person: _Reach | None,
        uscc: str,
        region_to: str,
        since: str,
        via: str | None,
        parts: dict[str, float],
        evidence: list[Step],
    ) -> Flag:
        if pattern == "phoenix":
            entities = [
                FlagEntity(uscc=t.uscc, region_code=t.region, part="listed"),
                FlagEntity(uscc=uscc, region_code=region_to, part="new"),
            ]
        else:
            entities = [FlagEntity(uscc=uscc, region_code=region_to, part="moved")]
        return Flag(
            flag_id=_flag_id(
                pattern, level, person.person if person else "", uscc, [t.record["record_id"]]
            ),
            pattern=pattern,
            level=level,
            person_key=person.person[2:] if person else None,
            person_name=person.reached.person_name if person else None,
            reached_as=person.reached.way if person else None,
            advisory=person.advisory if person else False,
            uscc=uscc,
            entities=entities,
            record_ids=[t.record["record_id"]],
            region_from=t.region,
            region_to=region_to,
            since=since,
            via=via,
            score=self._score(parts),
            score_parts=parts,
            evidence=evidence,
        )


def detect_relocations(store: GraphStore, on: str, level: Level = "county") -> list[Flag]:
    """All relocation flags on ``on`` at ``level`` (see the module docstring)."""
    return RelocationDetector(store).detect(on, level)


def _reachable(
    start: str,
    adjacency: Mapping[str, list[dict[str, Any]]],
    there: Callable[[Mapping[str, Any]], str],
) -> list[dict[str, Any]]:
    """The holdings reachable from ``start`` through ``adjacency`` (holder → its holdings
    going down, entity → its holders going up), each once; cycles are followed once."""
    out: list[dict[str, Any]] = []
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        for e in adjacency.get(node, []):
            out.append(e)
            nxt = there(e)
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return out


def _count_by(keys: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for k in keys:
        counts[k] += 1
    return counts


def _spans(items: list[tuple[_Trigger, _Reach]], level: Level) -> bool:
    """Two or more entities in two or more regions."""
    entities = {t.uscc for t, _ in items}
    regions = {region_key(t.region, level) for t, _ in items}
    return len(entities) >= 2 and len(regions) >= 2


def _unique_entities(items: list[tuple[_Trigger, _Reach]]) -> list[_Trigger]:
    seen: dict[str, _Trigger] = {}
    for t, _ in items:
        seen.setdefault(t.uscc, t)
    return list(seen.values())


def _serial_since(items: list[tuple[_Trigger, _Reach]], level: Level) -> str:
    """The first decision date on which two entities in two regions were reached."""
    for i in range(2, len(items) + 1):
        if _spans(items[:i], level):
            return str(items[i - 1][0].record["decided_on"])
    return str(items[-1][0].record["decided_on"])


def _flag_id(pattern: str, level: str, person: str, uscc: str, records: list[str]) -> str:
    text = "|".join([pattern, level, person, uscc, *sorted(records)])
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _reach_steps(rec: Mapping[str, Any], r: Reached) -> list[Step]:
    """The record and how it reaches the person: the NAMES, ROLE or HOLDS steps (RULES §4);
    for a person a court added, the addition."""
    if r.way == "added" and not r.evidence:
        added = {
            "record_id": rec["record_id"],
            "person_key": r.person_key,
            "person_name": r.person_name,
            "capacity": r.capacity,
            "since": r.fixed_on,
            "source": "add_person",
        }
        return [concerns_step(rec, None), names_step(added)]
    return reach_path(rec, r)


def _link_steps(link: _Link) -> list[Step]:
    if link.via == "control":
        return [holding_step(e) for e in link.evidence]
    return [role_step(e) for e in link.evidence]


def _reg_step(reg: Mapping[str, Any]) -> Step:
    return Step(
        type="REGISTERED_IN",
        from_id=sid("entity", reg["uscc"]),
        to_id="R:" + reg["region_code"],
        to_name=reg.get("region_name"),
        region_code=reg["region_code"],
        start_date=reg["start_date"],
        end_date=reg.get("end_date"),
        source=reg.get("source"),
        batch_id=reg.get("batch_id"),
    )
