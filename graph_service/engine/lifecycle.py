"""The record life cycle (guideline clauses 十三, 十七): objection, correction, revocation,
credit repair — each an event with who, when and why. Nothing is deleted: every event writes
a new version of the record and the store keeps the earlier ones, so "what did we answer on
date D, knowing what we knew then, and was it right?" can be asked later.

Transitions::

    active ──objection_opened──▶ disputed ──objection_upheld────▶ active
       │                            ├──────objection_corrected──▶ active (fields corrected)
       │                            └──────revoked──────────────▶ revoked
       ├──repaired (method)──▶ repaired  (restrictions end from that day on)
       └──revoked──────────────▶ revoked  (never applied; answers given from it were wrong)
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graph_service.engine.reach import reached_by
from graph_service.errors import Conflict, NotFound
from graph_service.stores.base import BatchMeta, GraphStore, content_hash

EventType = Literal[
    "objection_opened", "objection_upheld", "objection_corrected", "revoked", "repaired"
]
#: 信用修复 methods (clause 十三).
REPAIR_METHODS = (
    "commitment",
    "rectification",
    "verification",
    "training",
    "report",
    "public_service",
)
#: Fields an objection may correct.
CORRECTABLE = (
    "authority",
    "basis",
    "sector",
    "effective_from",
    "effective_to",
    "decided_on",
    "region_code",
)

_ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "objection_opened": ("active",),
    "objection_upheld": ("disputed",),
    "objection_corrected": ("disputed",),
    "revoked": ("active", "disputed", "repaired"),
    "repaired": ("active",),
}
_NEW_STATUS = {
    "objection_opened": "disputed",
    "objection_upheld": "active",
    "objection_corrected": "active",
    "revoked": "revoked",
    "repaired": "repaired",
}


class InvalidTransition(Conflict, ValueError):
    """An event that does not fit the record's current status."""


@dataclass(frozen=True, slots=True)
class RecordEvent:
    """One life-cycle event, as asked for by an administrator."""

    record_id: str
    type: EventType
    on: str  # the day it takes effect
    by: str  # who decided
    reason: str
    method: str | None = None  # for repairs
    corrections: Mapping[str, str] | None = None  # for corrected objections


def apply_event(
    store: GraphStore, event: RecordEvent, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Apply ``event`` to its record; return ``{"record": new version, "invalidated": […]}``.

    For a revocation, ``invalidated`` lists every restriction the record imposed (who, which
    actions, through which role or chain): each was wrongly applied and must be undone.

    Raises :class:`NotFound` for an unknown record and :class:`InvalidTransition` when the
    event does not fit the record's status (the reason says what would).
    """
    current = store.record(event.record_id)
    if current is None:
        raise NotFound(f"未找到信用记录：{event.record_id}", f"no record {event.record_id}")
    status = current.get("status", "active")
    allowed = _ALLOWED_FROM[event.type]
    if status not in allowed:
        raise InvalidTransition(
            f"记录{event.record_id}当前状态为{status}，不能{event.type}（须为{'、'.join(allowed)}）",
            f"record {event.record_id} is {status}; {event.type} needs {' or '.join(allowed)}",
        )
    if event.on < current["decided_on"]:
        raise InvalidTransition(
            f"事件日期{event.on}早于决定日期{current['decided_on']}",
            f"event date {event.on} is before the decision date {current['decided_on']}",
        )
    if event.type == "repaired" and event.method not in REPAIR_METHODS:
        raise InvalidTransition(
            f"信用修复方式须为{'、'.join(REPAIR_METHODS)}之一",
            f"a repair needs a method: one of {', '.join(REPAIR_METHODS)}",
        )
    corrections = dict(event.corrections or {})
    bad = sorted(set(corrections) - set(CORRECTABLE))
    if bad or (corrections and event.type != "objection_corrected"):
        raise InvalidTransition(
            f"不能更正字段：{'、'.join(bad) or '（仅更正异议可更正字段）'}",
            f"cannot correct {', '.join(bad) or 'fields outside a corrected objection'}; "
            f"correctable: {', '.join(CORRECTABLE)}",
        )
    now = now or dt.datetime.now(dt.UTC)
    row = {k: v for k, v in current.items() if k not in ("batch_id", "loaded_at", "first_batch_id")}
    row |= corrections
    row |= {
        "status": _NEW_STATUS[event.type],
        "status_on": event.on,
        "event_type": event.type,
        "event_by": event.by,
        "event_reason": event.reason,
        "event_method": event.method,
        "event_at": now.isoformat(),
    }
    row["_h"] = content_hash(row)
    meta = BatchMeta(
        batch_id=f"event-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}", loaded_at=now.isoformat()
    )
    invalidated = reached_by(store, current) if event.type == "revoked" else []
    with store.transaction(small=True):
        store.write("records", [row], meta)
    return {"record": store.record(event.record_id), "invalidated": invalidated}


def record_as_known(store: GraphStore, record_id: str, known_at: str) -> dict[str, Any] | None:
    """The version of a record that was known at ``known_at`` (an ISO timestamp or date), or
    None if the record was not yet known then."""
    known = [
        v for v in store.record_history(record_id) if v["loaded_at"][: len(known_at)] <= known_at
    ]
    return known[-1] if known else None
