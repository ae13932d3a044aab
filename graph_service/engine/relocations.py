"""Relocated repeat offenders (易地出现, guideline clause 十): phoenix, migration, serial.

A *triggering record* is an applying ``joint_punishment_list``, ``dishonest_judgment_debtor``
or ``market_ban`` against an entity X, registered in region R on the decision date.

* **phoenix** — a person responsible for X on the decision date (declared role, or actual
  controller inferred from holdings) *becomes*, on or after that date, responsible for an
  entity Y (a new office starting then, or control that did not exist the day before the
  decision) whose region on that day differs from R. Flags Y and the person.
* **migration** — X's registration moves away from R on or after the decision date. Flags X.
* **serial** — a person was responsible, at their decision dates, for two or more entities
  with triggering records, in two or more regions. Flags the person.

"Differs" compares region codes at a level: county (6 digits), city (4), province (2). A flag
lives while its triggering record applies. Each carries evidence and a score (0-100) whose
parts are shown: how soon after the decision, how direct the link, how many prior records
(weights in ``catalogue/relocation.yaml``).

The detector reads the store in a few batched calls (all triggering records, then the
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
from graph_service.engine.models import Flag, Step
from graph_service.engine.restrictions import concerns_step, holding_step, role_step
from graph_service.engine.timeline import in_force, record_applies
from graph_service.ids.regions import Level, region_key
from graph_service.stores.base import GraphStore, sid


@dataclass(slots=True)
class _Link:
    """How a person answered for an entity on a date: an office, or control."""

    person: str  # person sid
    name: str | None
    via: str  # role name, or "control"
    inferred: bool
    evidence: list[dict[str, Any]]
    since: str = ""


@dataclass(slots=True)
class _Trigger:
    record: dict[str, Any]
    uscc: str
    region: str
    responsible: list[_Link] = field(default_factory=list)


def _day_before(d: str) -> str:
    return (dt.date.fromisoformat(d) - dt.timedelta(days=1)).isoformat()


def _days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


class RelocationDetector:
    """Detects the three patterns as of a date, at a region level, on any store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
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
        return sorted(flags, key=lambda f: (f.pattern, f.flag_id))

    def _triggers(self, on: str, only: set[str] | None = None) -> list[_Trigger]:
        kinds = self.cfg["triggering_kinds"]
        found = (
            self.store.records_where(kinds)
            if only is None
            else [r for r in self.store.records_by_id(only) if r["kind"] in kinds]
        )
        records = [r for r in found if r["subject_type"] == "entity" and record_applies(r, on)]
        self._load_registrations(r["subject_key"] for r in records)
        triggers = []
        for rec in records:
            region = self.region_on(rec["subject_key"], rec["decided_on"])
            if region is None:
                entity = self.store.entity(rec["subject_key"]) or {}
                region = entity.get("region_code")
            if region:
                triggers.append(_Trigger(rec, rec["subject_key"], region))
        self._responsible(triggers)
        return triggers

    def _responsible(self, triggers: list[_Trigger]) -> None:
        """Fill each trigger's responsible persons on its decision date (batched)."""
        xs = sorted({t.uscc for t in triggers})
        roles = [
            r
            for r in self.store.roles_of([sid("entity", x) for x in xs])
            if r["role"] in self.roles
        ]
        by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in roles:
            by_entity[r["uscc"]].append(r)
        up = holding_closure(self.store, [sid("entity", x) for x in xs], "up")
        parents: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in up:
            parents[target_sid(e)].append(e)
        for t in triggers:
            d = t.record["decided_on"]
            held = [r for r in by_entity[t.uscc] if in_force(r, d)]
            t.responsible = [
                _Link(sid("person", r["person_key"]), r.get("person_name"), r["role"], False, [r])
                for r in held
            ]
            if any(r["role"] == "actual_controller" for r in held):
                continue
            edges = _reachable(sid("entity", t.uscc), parents, holder_sid)
            target = sid("entity", t.uscc)
            for person in sorted({holder_sid(e) for e in edges if e["holder_type"] == "person"}):
                ctl = control_on(person, edges, d)
                if target in ctl.controlled:
                    chain = ctl.chain(target)
                    t.responsible.append(
                        _Link(person, chain[0].get("holder_name"), "control", True, chain)
                    )

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
        people = sorted({link.person for t in triggers for link in t.responsible})
        if not people:
            return []
        offices: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.store.roles_of(people):
            if r["role"] in self.roles:
                offices[sid("person", r["person_key"])].append(r)
        children: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in holding_closure(self.store, people, "down"):
            children[holder_sid(e)].append(e)
        priors = _count_by(link.person for t in triggers for link in t.responsible)
        candidates: list[tuple[_Trigger, _Link, _Link, str]] = []  # trigger, at X, at Y, Y uscc
        for t in triggers:
            d = t.record["decided_on"]
            for link in t.responsible:
                for r in offices[link.person]:
                    if r["uscc"] != t.uscc and d <= r["start_date"] <= on:
                        at_y = _Link(link.person, link.name, r["role"], False, [r], r["start_date"])
                        candidates.append((t, link, at_y, r["uscc"]))
                mine = _reachable(link.person, children, target_sid)
                for uscc, at_y in self._new_control(link.person, mine, d, on):
                    if uscc != t.uscc:
                        candidates.append((t, link, at_y, uscc))
        self._load_registrations(c[3] for c in candidates)
        best: dict[tuple[str, str, str], Flag] = {}
        for t, at_x, at_y, y in candidates:
            region_y = self.region_on(y, at_y.since)
            if region_y is None or region_key(region_y, level) == region_key(t.region, level):
                continue
            direct = self._directness(at_y)
            parts = self._parts(t.record["decided_on"], at_y.since, direct, priors[at_x.person] - 1)
            evidence = [
                concerns_step(t.record, None),
                *_link_steps(at_x),
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
                person=at_x,
                uscc=y,
                region_to=region_y,
                since=at_y.since,
                via=at_y.via,
                parts=parts,
                evidence=evidence,
            )
            key = (at_x.person, y, t.record["record_id"])
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
                chain = ctl.chain(target)
                name = chain[0].get("holder_name") if chain else None
                found[target] = _Link(person, name, "control", True, chain, day)
        return [(t[2:], link) for t, link in found.items()]

    def _serials(self, triggers: list[_Trigger], level: Level) -> list[Flag]:
        by_person: dict[str, list[tuple[_Trigger, _Link]]] = defaultdict(list)
        for t in triggers:
            for link in t.responsible:
                by_person[link.person].append((t, link))
        flags = []
        for person, items in sorted(by_person.items()):
            items.sort(key=lambda x: (x[0].record["decided_on"], x[0].record["record_id"]))
            entities = {t.uscc for t, _ in items}
            regions = {region_key(t.region, level) for t, _ in items}
            if len(entities) < 2 or len(regions) < 2:
                continue
            since = _serial_since(items, level)
            dates = [t.record["decided_on"] for t, _ in items]
            gap = min(_days(a, b) for a, b in itertools.pairwise(dates))
            direct = sum(self._directness(link) for _, link in items) / len(items)
            parts = self._parts("2000-01-01", "2000-01-01", direct, len(items) - 1)
            parts["soon"] = round(0.5 ** (gap / self.cfg["score"]["half_life_days"]), 4)
            evidence = [
                step
                for t, link in items
                for step in [concerns_step(t.record, None), *_link_steps(link)]
            ]
            first = items[0][1]
            flags.append(
                Flag(
                    flag_id=_flag_id(
                        "serial", level, person, "", [t.record["record_id"] for t, _ in items]
                    ),
                    pattern="serial",
                    level=level,
                    person_key=person[2:],
                    person_name=first.name,
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

    # -- scoring and shaping --------------------------------------------------------------

    def _directness(self, link: _Link) -> float:
        weights = self.cfg["score"]["direct"]
        if link.via == "control":
            return float(weights["holding_step"]) ** max(1, len(link.evidence))
        return float(weights.get(link.via, 0.5))

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
        person: _Link | None,
        uscc: str,
        region_to: str,
        since: str,
        via: str | None,
        parts: dict[str, float],
        evidence: list[Step],
    ) -> Flag:
        return Flag(
            flag_id=_flag_id(
                pattern, level, person.person if person else "", uscc, [t.record["record_id"]]
            ),
            pattern=pattern,
            level=level,
            person_key=person.person[2:] if person else None,
            person_name=person.name if person else None,
            uscc=uscc,
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


def _serial_since(items: list[tuple[_Trigger, _Link]], level: Level) -> str:
    """The first decision date on which two entities in two regions were reached."""
    entities: set[str] = set()
    regions: set[str] = set()
    for t, _ in items:
        entities.add(t.uscc)
        regions.add(region_key(t.region, level))
        if len(entities) >= 2 and len(regions) >= 2:
            return str(t.record["decided_on"])
    return str(items[-1][0].record["decided_on"])


def _flag_id(pattern: str, level: str, person: str, uscc: str, records: list[str]) -> str:
    text = "|".join([pattern, level, person, uscc, *sorted(records)])
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


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
