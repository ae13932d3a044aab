"""Relocation flags over time: an append-only ledger, updated incrementally after a load.

The ledger is a JSON-lines file, shared by processes (the service's workers, the CLI): an
update reads the open flags and appends its events under an exclusive ``flock``, so two
updates never diff against the same state. Each line is an event — ``opened`` (a flag appears),
``rescored`` (its score or evidence changed), ``ended`` (its triggering record stopped applying,
or the facts behind it changed) — with the date asked and the time written. Nothing is removed,
so the flags open on any past run, and why each ended, can be read back.

After a load, only the triggering records the load could have affected are re-examined
(:func:`affected_triggers`): records it wrote (or whose named persons it wrote); records about
entities it wrote or whose officers, holdings or registrations it wrote; records about entities
reached through the holdings of what it wrote (control moves down holding chains); and every
other triggering record of the persons those records reach — by office, by holdings above, or
by name (a serial pattern spans them). Flags of other records are
kept as they are. The result equals a nationwide recomputation (tested).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graph_service.catalogue import responsible_roles
from graph_service.engine.control import holder_sid, holding_closure, target_sid
from graph_service.engine.models import Flag
from graph_service.engine.relocations import RelocationDetector
from graph_service.engine.triggers import triggering_kinds
from graph_service.ids.regions import Level
from graph_service.locked_file import locked
from graph_service.stores.base import GraphStore, Touched, sid


@dataclass(slots=True)
class LedgerUpdate:
    """What one update did."""

    on: str
    level: str
    examined_records: int | None  # None: a full recomputation
    opened: list[str] = field(default_factory=list)
    rescored: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    kept: int = 0


def affected_triggers(store: GraphStore, touched: Touched) -> set[str]:
    """Triggering record ids whose flags ``touched`` could change (see the module docstring)."""
    kinds = set(triggering_kinds())
    responsible = responsible_roles()
    entities = set(touched.entities)
    written = store.records_by_id(touched.records) if touched.records else []
    entities |= {r["subject_key"] for r in written if r["subject_type"] == "entity"}
    people = {sid("person", p) for p in touched.persons}
    people |= {sid("person", n["person_key"]) for n in _named_in(store, touched.records)}
    starts = [sid("entity", e) for e in entities] + sorted(people)
    entities |= {target_sid(e)[2:] for e in holding_closure(store, starts, "down")}
    for role in store.roles_of([sid("entity", e) for e in entities]):
        people.add(sid("person", role["person_key"]))
    # Entities these persons answer for, by office, through holdings or named by a record;
    # then every other person those records reach (a serial pattern spans all of a person's
    # records).
    for _ in range(2):
        roles = store.roles_of(sorted(people))
        entities |= {r["uscc"] for r in roles if r["role"] in responsible}
        entities |= {target_sid(e)[2:] for e in holding_closure(store, sorted(people), "down")}
        naming = {n["record_id"] for n in store.naming([p[2:] for p in people])}
        entities |= {
            r["subject_key"]
            for r in (store.records_by_id(naming) if naming else [])
            if r["subject_type"] == "entity"
        }
        xs = [sid("entity", e) for e in entities]
        people |= {
            sid("person", r["person_key"]) for r in store.roles_of(xs) if r["role"] in responsible
        }
        people |= {
            holder_sid(e) for e in holding_closure(store, xs, "up") if e["holder_type"] == "person"
        }
        records = store.records_of(xs)
        people |= {
            sid("person", n["person_key"])
            for n in _named_in(store, {r["record_id"] for r in records if r["kind"] in kinds})
        }
    records = store.records_of([sid("entity", e) for e in entities])
    return {r["record_id"] for r in records if r["kind"] in kinds} | {
        r["record_id"] for r in written if r["kind"] in kinds
    }


def _named_in(store: GraphStore, record_ids: set[str]) -> list[dict[str, Any]]:
    return store.named_in(record_ids) if record_ids else []


class FlagLedger:
    """The append-only ledger of flag events in one file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def events(self, fh: IO[str] | None = None) -> list[dict[str, Any]]:
        """Every event, oldest first."""
        if fh is None:
            if not self.path.exists():
                return []
            with self.path.open(encoding="utf-8") as own:
                return self.events(own)
        fh.seek(0)
        return [json.loads(line) for line in fh if line.strip()]

    def open_flags(self, level: str, fh: IO[str] | None = None) -> dict[str, Flag]:
        """The flags open at ``level`` after the last update, by id."""
        current: dict[str, Flag] = {}
        for ev in self.events(fh):
            if ev["level"] != level:
                continue
            if ev["event"] == "ended":
                current.pop(ev["flag_id"], None)
            else:
                current[ev["flag_id"]] = Flag(**ev["flag"])
        return current

    def history(self, flag_id: str) -> list[dict[str, Any]]:
        """The events of one flag, oldest first."""
        return [ev for ev in self.events() if ev["flag_id"] == flag_id]

    def update(
        self, store: GraphStore, on: str, level: Level = "county", touched: Touched | None = None
    ) -> LedgerUpdate:
        """Bring the ledger's open flags at ``level`` up to date on ``on``: everything when
        ``touched`` is None, else only what the load that wrote ``touched`` could affect."""
        scope = None if touched is None else affected_triggers(store, touched)
        fresh = {f.flag_id: f for f in RelocationDetector(store).detect(on, level, only=scope)}
        with locked(self.path) as fh:
            return self._diff(fh, fresh, on, level, scope)

    def _diff(
        self, fh: IO[str], fresh: dict[str, Flag], on: str, level: Level, scope: set[str] | None
    ) -> LedgerUpdate:
        """Append the events that take the ledger's open flags to ``fresh`` (the lock held)."""
        before = self.open_flags(level, fh)
        if scope is not None:  # flags outside the scope stand as they are
            before = {k: f for k, f in before.items() if set(f.record_ids) & scope}
        report = LedgerUpdate(
            on=on, level=level, examined_records=None if scope is None else len(scope)
        )
        now = dt.datetime.now(dt.UTC).isoformat()
        events = []
        for fid, flag in sorted(fresh.items()):
            old = before.get(fid)
            if old is None:
                report.opened.append(fid)
                events.append(_event("opened", flag, on, level, now))
            elif old.model_dump() != flag.model_dump():
                report.rescored.append(fid)
                events.append(_event("rescored", flag, on, level, now))
            else:
                report.kept += 1
        for fid in sorted(set(before) - set(fresh)):
            report.ended.append(fid)
            events.append(_event("ended", before[fid], on, level, now, with_flag=False))
        fh.seek(0, os.SEEK_END)
        for ev in events:
            fh.write(json.dumps(ev, ensure_ascii=False, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
        return report


def _event(
    kind: str, flag: Flag, on: str, level: str, at: str, with_flag: bool = True
) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "event": kind,
        "flag_id": flag.flag_id,
        "on": on,
        "level": level,
        "at": at,
        "pattern": flag.pattern,
        "record_ids": flag.record_ids,
    }
    if with_flag:
        ev["flag"] = flag.model_dump()
    return ev
