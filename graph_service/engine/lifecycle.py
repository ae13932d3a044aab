"""The record life cycle (guideline clauses 十三, 十七; shared/DATA-CONTRACT.md edition 2).

Every event — from an authority's feed (``record_events.csv``), the API or the CLI — goes
through :func:`apply_event`. Nothing is deleted: each event writes a new version of the record
(the store keeps the earlier ones) holding the whole event list, so "what did we answer on
date D, knowing what we knew then, and was it right?" can be asked later.

The record's ``status``, ``status_on`` and ``effective_to`` are the fold of its events, in date
order, over what its source said (kept as ``base``); the events that concern persons
(``release_person``, ``add_person``, ``permit``) and lifts (``lift_consumption``, ``remove``
with outcome ``performed``) are read by :mod:`graph_service.engine.timeline`.

Events and the statuses they need::

    object            active                       → disputed
    resolve           disputed   upheld/corrected  → active   revoked → revoked
    repair            active                       → repaired
    remove            active, disputed, repaired   → removed
    revoke            any but revoked              → revoked  (never applied)
    extend            active, disputed             → (new effective_to)
    lift_consumption, release_person, add_person, permit: any but revoked

Loading the same event twice changes nothing (events are keyed by
:func:`~graph_service.engine.timeline.event_key`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from graph_service.catalogue import vocabulary
from graph_service.engine.reach import reached_by
from graph_service.engine.timeline import event_key, record_events
from graph_service.errors import Conflict, NotFound
from graph_service.stores.base import BatchMeta, GraphStore
from graph_service.stores.hashing import content_hash

#: Edition-1 event names (the API's first version) → (event, outcome).
LEGACY_EVENTS: dict[str, tuple[str, str | None]] = {
    "objection_opened": ("object", None),
    "objection_upheld": ("resolve", "upheld"),
    "objection_corrected": ("resolve", "corrected"),
    "revoked": ("revoke", None),
    "repaired": ("repair", None),
}
#: 信用修复 methods (clause 十三).
REPAIR_METHODS = (
    "commitment",
    "rectification",
    "verification",
    "training",
    "report",
    "public_service",
)
#: Fields a corrected objection may change.
CORRECTABLE = (
    "authority",
    "basis",
    "sector",
    "effective_from",
    "effective_to",
    "decided_on",
    "offence_on",
    "published_on",
    "region_code",
    "ground",
)
#: Fields events change; what the source said of them is kept as ``base``.
_FOLDED = ("status", "status_on", *CORRECTABLE)
_ANY = ("active", "disputed", "repaired", "removed")
_ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "object": ("active",),
    "resolve": ("disputed",),
    "repair": ("active",),
    "remove": ("active", "disputed", "repaired"),
    "revoke": _ANY,
    "extend": ("active", "disputed"),
    "lift_consumption": _ANY,
    "release_person": _ANY,
    "add_person": _ANY,
    "permit": _ANY,
}
_PERSON_EVENTS = ("release_person", "add_person", "permit")


class InvalidTransition(Conflict, ValueError):
    """An event that does not fit the record's status or lacks what it needs."""


@dataclass(frozen=True, slots=True)
class RecordEvent:
    """One life-cycle event on a record."""

    record_id: str
    event: str
    on: str  # the day it takes effect
    by: str = "feed"  # who decided or sent it
    reason: str = ""
    person_key: str | None = None
    action: str | None = None
    effective_to: str | None = None
    outcome: str | None = None
    method: str | None = None  # for repairs
    corrections: Mapping[str, str] | None = None  # for corrected objections
    capacity: str | None = None  # for add_person

    @classmethod
    def named(cls, record_id: str, event: str, on: str, **kw: Any) -> RecordEvent:
        """An event by its edition-2 name or its edition-1 alias (``objection_opened`` …)."""
        if event in LEGACY_EVENTS:
            event, outcome = LEGACY_EVENTS[event]
            kw["outcome"] = kw.get("outcome") or outcome
        return cls(record_id=record_id, event=event, on=on, **kw)

    def as_stored(self) -> dict[str, Any]:
        """The event as the record keeps it (when it became known is the version's
        ``loaded_at``)."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k != "record_id"}
        if self.corrections is not None:
            out["corrections"] = dict(self.corrections)
        return out


def _fail(zh: str, en: str) -> InvalidTransition:
    return InvalidTransition(zh, en)


def _check(event: RecordEvent, current: Mapping[str, Any], status: str) -> None:
    if event.event not in vocabulary("event"):
        names = ", ".join([*vocabulary("event"), *LEGACY_EVENTS])
        raise _fail(
            f"未知的事件“{event.event}”（可选：{names}）",
            f"unknown event '{event.event}' ({names})",
        )
    allowed = _ALLOWED_FROM[event.event]
    if status not in allowed:
        raise _fail(
            f"记录{event.record_id}当前状态为{status}，不能{event.event}（须为{'、'.join(allowed)}）",
            f"record {event.record_id} is {status}; {event.event} needs {' or '.join(allowed)}",
        )
    if event.on < current["decided_on"]:
        raise _fail(
            f"事件日期{event.on}早于决定日期{current['decided_on']}",
            f"event date {event.on} is before the decision date {current['decided_on']}",
        )
    if event.event in _PERSON_EVENTS and not event.person_key:
        raise _fail(f"{event.event}须指明人员（person_id）", f"{event.event} needs person_id")
    if event.event == "permit" and not event.action:
        raise _fail("准许事件须指明行为（action）", "a permit needs the action it allows")
    if event.event == "extend" and not (event.effective_to and event.effective_to >= event.on):
        raise _fail(
            "延长事件须给出不早于事件日期的新最后一日（effective_to）",
            "an extension needs a new last day (effective_to) on or after its date",
        )
    if event.event == "resolve" and event.outcome not in ("upheld", "corrected", "revoked"):
        raise _fail(
            "异议处理结果须为upheld、corrected或revoked",
            "a resolution needs an outcome: upheld, corrected or revoked",
        )
    if event.method is not None and event.method not in REPAIR_METHODS:
        raise _fail(
            f"信用修复方式须为{'、'.join(REPAIR_METHODS)}之一",
            f"a repair method is one of {', '.join(REPAIR_METHODS)}",
        )
    corrections = dict(event.corrections or {})
    bad = sorted(set(corrections) - set(CORRECTABLE))
    if bad or (corrections and (event.event, event.outcome) != ("resolve", "corrected")):
        raise _fail(
            f"不能更正字段：{'、'.join(bad) or '（仅更正异议可更正字段）'}",
            f"cannot correct {', '.join(bad) or 'fields outside a corrected objection'}; "
            f"correctable: {', '.join(CORRECTABLE)}",
        )


def fold(base: Mapping[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """The record fields the events set, applied in date order over ``base``."""
    out = {k: base.get(k) for k in _FOLDED}
    out["status"] = out["status"] or "active"
    for e in sorted(events, key=lambda e: str(e["on"])):
        name, on, outcome = e["event"], e["on"], e.get("outcome")
        if name == "object":
            out |= {"status": "disputed", "status_on": on}
        elif name == "resolve":
            out |= {"status": "revoked" if outcome == "revoked" else "active", "status_on": on}
            out |= e.get("corrections") or {}
        elif name in ("repair", "remove", "revoke"):
            out |= {"status": {"repair": "repaired", "remove": "removed"}.get(name, "revoked")}
            out["status_on"] = on
        elif name == "extend":
            out["effective_to"] = e["effective_to"]
    return out


def versioned(current: Mapping[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """A new version of the record ``current`` with ``events`` folded in (its ``base`` is
    what the source said; kept from the first event on)."""
    row = {k: v for k, v in current.items() if k not in ("batch_id", "loaded_at", "first_batch_id")}
    base = (
        json.loads(current["base"]) if current.get("base") else {k: current.get(k) for k in _FOLDED}
    )
    row |= fold(base, events)
    row["base"] = json.dumps(base, ensure_ascii=False, sort_keys=True)
    row["events"] = [json.dumps(e, ensure_ascii=False, sort_keys=True) for e in events]
    row["_h"] = content_hash(row)
    return row


def write_event(
    store: GraphStore, event: RecordEvent, meta: BatchMeta
) -> tuple[str, dict[str, Any]]:
    """Apply ``event`` inside the caller's transaction: ``("created" | "unchanged", record)``.

    Raises :class:`NotFound` for an unknown record and :class:`InvalidTransition` when the
    event does not fit (the reason says what would)."""
    outcome, row, named = _next_version(store.record(event.record_id), event)
    if outcome == "created":
        _write_versions(store, [row], [named] if named else [], meta)
    return outcome, row


def write_events(
    store: GraphStore, events: Sequence[RecordEvent], meta: BatchMeta
) -> list[tuple[str, dict[str, Any]] | NotFound | InvalidTransition]:
    """:func:`write_event` for each of ``events`` in turn, with the same outcome for each
    (a result, or the error it would raise), in a few round trips instead of two per event.

    Events of different records do not touch each other; those of one record apply in the
    order given. So the events go in rounds: each round reads the current version of every
    record with an event still to apply (one read), applies its next event and writes the new
    versions together (the store keeps each earlier version, as one by one)."""
    results: list[tuple[str, dict[str, Any]] | NotFound | InvalidTransition | None]
    results = [None] * len(events)
    queues: dict[str, list[int]] = {}
    for i, event in enumerate(events):
        queues.setdefault(event.record_id, []).append(i)
    while queues:
        current = {r["record_id"]: r for r in store.records_by_id(list(queues))}
        rows: list[dict[str, Any]] = []
        named: list[dict[str, Any]] = []
        for record_id in list(queues):
            i = queues[record_id].pop(0)
            if not queues[record_id]:
                del queues[record_id]
            try:
                outcome, row, person = _next_version(current.get(record_id), events[i])
            except (NotFound, InvalidTransition) as exc:
                results[i] = exc
                continue
            results[i] = (outcome, row)
            if outcome == "created":
                rows.append(row)
                named += [person] if person else []
        _write_versions(store, rows, named, meta)
    return [r for r in results if r is not None]


def _next_version(
    current: dict[str, Any] | None, event: RecordEvent
) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """What ``event`` makes of the record ``current``: ("unchanged", current, None) for an
    event it holds already, else ("created", the new version, the person an ``add_person``
    names or None). Raises :class:`NotFound` and :class:`InvalidTransition` as
    :func:`write_event` does."""
    if current is None:
        raise NotFound(f"未找到信用记录：{event.record_id}", f"no record {event.record_id}")
    events = record_events(current)
    stored = event.as_stored()
    if event_key(stored) in {event_key(e) for e in events}:
        return "unchanged", current, None
    before = [e for e in events if str(e["on"]) <= event.on]
    base = json.loads(current["base"]) if current.get("base") else current
    status = str(fold(base, before)["status"])
    _check(event, current, status)
    row = versioned(current, [*events, stored])
    if not (event.event == "add_person" and event.person_key):
        return "created", row, None
    named = {
        "record_id": event.record_id,
        "person_key": event.person_key,
        "capacity": event.capacity or "added",
        "since": event.on,
        "source": f"event:{event.by}",
    }
    named["_h"] = named["_src"] = content_hash(named)
    return "created", row, named


def _write_versions(
    store: GraphStore, rows: list[dict[str, Any]], named: list[dict[str, Any]], meta: BatchMeta
) -> None:
    if rows:
        store.write("records", rows, meta)
    if named:
        store.write("record_persons", named, meta)


def event_meta(now: dt.datetime) -> BatchMeta:
    """A batch id for one event from the API or the CLI."""
    return BatchMeta(
        batch_id=f"event-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}", loaded_at=now.isoformat()
    )


def apply_event(
    store: GraphStore, event: RecordEvent, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Apply one event in its own small transaction; return ``{"record": new version,
    "applied": bool, "invalidated": […]}``.

    For a revocation, ``invalidated`` lists every restriction the record imposed — who, which
    actions, reached how (named, by role on the day fixed, inferred) — each wrongly applied and
    to be undone (clause 十七)."""
    now = now or dt.datetime.now(dt.UTC)
    before = store.record(event.record_id)
    with store.transaction(small=True):
        outcome, _ = write_event(store, event, event_meta(now))
    revoking = event.event == "revoke" or (event.event, event.outcome) == ("resolve", "revoked")
    invalidated = reached_by(store, before) if revoking and before and outcome == "created" else []
    return {
        "record": store.record(event.record_id),
        "applied": outcome == "created",
        "invalidated": invalidated,
    }


def record_as_known(store: GraphStore, record_id: str, known_at: str) -> dict[str, Any] | None:
    """The version of a record that was known at ``known_at`` (an ISO timestamp or date), or
    None if the record was not yet known then."""
    known = [
        v for v in store.record_history(record_id) if v["loaded_at"][: len(known_at)] <= known_at
    ]
    return known[-1] if known else None


def rebase(row: Mapping[str, Any], stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """A source row for a record that may already carry events: the events stand, folded over
    what the source says now (a corrected source row does not erase a later revocation)."""
    if not stored or not stored.get("events"):
        return dict(row)
    base = {k: row.get(k) for k in _FOLDED}
    out = dict(row) | fold(base, record_events(stored))
    out["base"] = json.dumps(base, ensure_ascii=False, sort_keys=True)
    out["events"] = list(stored["events"])
    # _h stays the source row's: an unchanged source row still compares equal to its _src.
    return out
