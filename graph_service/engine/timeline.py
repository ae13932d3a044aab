"""The one rule for time (shared/RULES.md edition 2, §2): when a record applies, when a measure
of it applies to a person, and when a dated relationship is in force.

Dates are ISO ``YYYY-MM-DD`` text, which orders correctly as text. Every other module (the
engine, the page, scoring, notices, relocations, exports, the client) asks this one; the
Cypher that filters relationships by date is tested equal to :func:`in_force`. The part that
needs no catalogue (days, terms, relationships, entities) is :mod:`graph_service.dates`, so
that the stores can use it too; its names are re-exported here.

* **Relationships** (roles, holdings, registrations) are in force from ``start_date`` to
  ``end_date``, both inclusive; an empty end is open.
* **Records** start on ``effective_from``, else on the field their kind's start rule names
  (``decided_on``; ``published_on`` for tax lists). The last day is ``effective_to``
  (inclusive); empty, the kind's default term counted by 民法典 第二百零一、二百零二条: N years from
  day d end on the same month and day N years later, or on that month's last day where that
  day does not exist (a term from 29 February). 第二百零三条 (a last day on a holiday moves on) is
  for deadlines to act, not for how long a sanction lasts: not applied.
* **Status**: ``active`` and ``disputed`` apply (an objection does not stop a decision,
  法释〔2017〕7号 第十二条); ``repaired`` and ``removed`` apply up to the day before
  ``status_on``; ``revoked`` never applied.
* **Measures** with ``lasts: until_lifted`` (consumption restrictions) outlive the listing:
  they end the day before the court lifts them (the kind's ``lifted_by`` events), whatever the
  listing's term or removal, unless the record is revoked.
* **Persons** reached by a record are freed by a ``release_person`` event from its day on; a
  ``permit`` event suspends one measure for one person from ``on`` through ``effective_to``.

Example
-------
>>> add_years("2020-02-29", 2)
'2022-02-28'
>>> rec = {"kind": "dishonest_judgment_debtor", "ground": "2", "decided_on": "2021-03-10"}
>>> record_last_day(rec)
'2023-03-10'
>>> record_applies(rec, "2023-03-10"), record_applies(rec, "2023-03-11")
(True, False)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The catalogue-free rule lives below the stores; its names are this module's too.
from graph_service.dates import FOREVER as FOREVER
from graph_service.dates import add_years as add_years
from graph_service.dates import day_before as day_before
from graph_service.dates import decided_by as decided_by
from graph_service.dates import entity_active as entity_active
from graph_service.dates import in_force as in_force
from graph_service.dates import in_force_mask as in_force_mask
from graph_service.dates import recent as recent
from graph_service.engine.measures import Catalogue, ListKind, Measure, catalogue


def _kind(record: Mapping[str, Any], cat: Catalogue | None) -> ListKind:
    return (cat or catalogue()).kind(str(record.get("kind")))


def record_start(record: Mapping[str, Any], cat: Catalogue | None = None) -> str:
    """The first day a record applies: ``effective_from``, else its kind's start field."""
    start = record.get("effective_from")
    if start:
        return str(start)
    field_name = _kind(record, cat).start
    return str(record.get(field_name) or record["decided_on"])


def record_last_day(record: Mapping[str, Any], cat: Catalogue | None = None) -> str | None:
    """The last day a record applies by its term (None: open), before status is considered."""
    end = record.get("effective_to")
    if end:
        return str(end)
    years = _kind(record, cat).default_term(record)
    return add_years(record_start(record, cat), years) if years else None


@dataclass(frozen=True, slots=True)
class Permit:
    """A court's leave for one person to do one action for a period."""

    person_key: str | None
    action: str
    start: str
    end: str | None


@dataclass(slots=True)
class RecordState:
    """What the events say beyond the record's status: lifts, releases, additions, leaves."""

    lifted_on: str | None = None
    released: dict[str, str] = field(default_factory=dict)
    added: dict[str, tuple[str, str]] = field(default_factory=dict)
    permits: list[Permit] = field(default_factory=list)


def record_events(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The life-cycle events of a record, in the order they take effect (date, then arrival)."""
    raw = record.get("events") or []
    events = [json.loads(e) if isinstance(e, str) else dict(e) for e in raw]
    return sorted(events, key=lambda e: str(e.get("on") or ""))


def _lifted_by(kind: ListKind, event: str, outcome: str | None) -> bool:
    return event in kind.lifted_by or f"{event}:{outcome}" in kind.lifted_by


def record_state(record: Mapping[str, Any], cat: Catalogue | None = None) -> RecordState:
    """Fold the record's events (and a removal given by its source) into a :class:`RecordState`."""
    kind = _kind(record, cat)
    state = RecordState()
    lifts: list[str] = []
    events = record_events(record)
    # A removal the source reports (no remove event) lifts what a plain removal lifts.
    from_source = record.get("status") == "removed" and not any(
        e.get("event") == "remove" for e in events
    )
    if from_source and record.get("status_on") and _lifted_by(kind, "remove", None):
        lifts.append(str(record["status_on"]))
    for e in events:
        name, on = e.get("event"), str(e.get("on"))
        person = e.get("person_key")
        if _lifted_by(kind, str(name), e.get("outcome")):
            lifts.append(on)
        if name == "release_person" and person:
            state.released.setdefault(person, on)
        elif name == "add_person" and person:
            state.added.setdefault(person, (on, e.get("capacity") or "added"))
        elif name == "permit":
            state.permits.append(
                Permit(person, str(e.get("action") or ""), on, e.get("effective_to"))
            )
    state.lifted_on = min(lifts) if lifts else None
    return state


def record_applies(record: Mapping[str, Any], d: str, cat: Catalogue | None = None) -> bool:
    """True when a credit record applies on ``d``: within its start and last day, and its
    status allows it (see the module docstring)."""
    status = record.get("status") or "active"
    if status == "revoked":
        return False
    if d < record_start(record, cat):
        return False
    last = record_last_day(record, cat)
    if last and d > last:
        return False
    stopped = status_stopped_on(record)
    return stopped is None or d < stopped


def status_stopped_on(record: Mapping[str, Any]) -> str | None:
    """The first day a repaired or removed record no longer applies by its status: its
    ``status_on`` (else its decision day); None for any other status."""
    if record.get("status") in ("repaired", "removed"):
        return str(record.get("status_on") or record["decided_on"])
    return None


def measure_applies(
    record: Mapping[str, Any],
    measure: Measure,
    d: str,
    state: RecordState | None = None,
    cat: Catalogue | None = None,
) -> bool:
    """True when ``measure`` of ``record`` applies on ``d`` (to anyone): the record applies,
    or — for a measure that lasts until lifted — the record was not revoked, has started, and
    the court has not lifted it by ``d``."""
    if measure.lasts == "record":
        return record_applies(record, d, cat)
    if (record.get("status") or "active") == "revoked" or d < record_start(record, cat):
        return False
    state = state or record_state(record, cat)
    return state.lifted_on is None or d < state.lifted_on


def measure_last_day(
    record: Mapping[str, Any],
    measure: Measure,
    state: RecordState | None = None,
    cat: Catalogue | None = None,
) -> str | None:
    """The last day ``measure`` of ``record`` applies as now known (None: open): the day before
    the court lifts it for a measure that lasts until lifted; else the record's last day, or the
    day before a repair or removal."""
    if measure.lasts == "until_lifted":
        lifted = (state or record_state(record, cat)).lifted_on
        return day_before(lifted) if lifted else None
    last = record_last_day(record, cat)
    stopped = status_stopped_on(record)
    if stopped:
        end = day_before(stopped)
        return min(end, last) if last else end
    return last


def law_in_force(measure: Measure, d: str) -> str:
    """Which text of the law governs ``measure`` on ``d``: ``current``, ``before`` (the
    earlier text: see ``measure.before``) or ``none`` (after ``in_force_to``)."""
    if measure.in_force_to and d > measure.in_force_to:
        return "none"
    if measure.in_force_from and d < measure.in_force_from:
        return "before"
    return "current"


def person_free(state: RecordState, person_key: str, d: str) -> bool:
    """True when the court released ``person_key`` from the record on or before ``d``."""
    released = state.released.get(person_key)
    return released is not None and released <= d


def person_held(state: RecordState, person_key: str, since: str | None, d: str) -> bool:
    """True when a person the record reaches from ``since`` (None: from the record's start)
    is held by it on ``d``: reached by then and not released."""
    return not person_free(state, person_key, d) and not (since and d < since)


def permitted(state: RecordState, person_key: str | None, actions: Iterable[str], d: str) -> bool:
    """True when a court's leave lets ``person_key`` do one of ``actions`` on ``d``."""
    wanted = set(actions)
    for p in state.permits:
        if p.person_key not in (person_key, None) or p.start > d or (p.end and d > p.end):
            continue
        if p.action in wanted or (
            p.action.endswith(":*") and any(a.startswith(p.action[:-1]) for a in wanted)
        ):
            return True
    return False


#: The fields that identify an event on its record: loading it twice changes nothing.
EVENT_IDENTITY = ("event", "on", "person_key", "action", "effective_to", "outcome")


def event_key(e: Mapping[str, Any]) -> str:
    """What identifies an event on its record (:data:`EVENT_IDENTITY`)."""
    return "|".join(str(e.get(p) or "") for p in EVENT_IDENTITY)
