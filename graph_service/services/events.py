"""The record life cycle: objections, corrections, revocations, credit repair."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_service.engine.lifecycle import RecordEvent, apply_event
from graph_service.engine.measures import normalise_action
from graph_service.engine.subjects import resolve_person
from graph_service.services.access import Access
from graph_service.services.shaping import Stores


def record_event(
    stores: Stores,
    access: Access,
    record_id: str,
    event: str,
    on: str,
    *,
    reason: str,
    person_id: str | None = None,
    action: str | None = None,
    effective_to: str | None = None,
    outcome: str | None = None,
    capacity: str | None = None,
    method: str | None = None,
    corrections: Mapping[str, str] | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Apply the event, decided by ``by`` (default: the caller), to the record; a revocation
    lists every restriction it invalidates. Audited before the change (no change goes
    unaudited) and again, as ``record.event.failed``, when the change is refused or the store
    fails."""
    person_key = None
    if person_id:
        person_key = resolve_person(
            person_id,
            access.keyring,
            "person_id须为身份证号码或人员密钥",
            "person_id must name a person",
        )
    named = RecordEvent.named(
        record_id,
        event,
        on,
        by=by or access.principal.user,
        reason=reason,
        person_key=person_key,
        action=normalise_action(action) if action else None,
        effective_to=effective_to,
        outcome=outcome,
        capacity=capacity,
        method=method,
        corrections=dict(corrections) if corrections is not None else None,
    )
    what = {"record_id": record_id, "type": named.event, "on": named.on}
    access.log("record.event", what)
    try:
        with stores() as store:
            return apply_event(store, named)
    except Exception as exc:
        access.log("record.event.failed", what | {"error": type(exc).__name__})
        raise
