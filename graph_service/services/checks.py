"""Checks: may a subject do an action on a day, for one subject or a screening batch; and the
measures list they are answered from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph_service.engine.measures import Catalogue, action_names, catalogue
from graph_service.engine.models import CheckResult
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.engine.subjects import resolve_subject
from graph_service.errors import DomainError
from graph_service.ids.regions import current_regions, listed_regions, retired_regions
from graph_service.ids.resident_id import mask_id_numbers
from graph_service.services.access import Access
from graph_service.services.models import BatchAnswer, BatchItem
from graph_service.services.shaping import Stores, today
from graph_service.stores.base import GraphStore

#: Largest screening batch.
MAX_BATCH = 5000
#: Items answered per hold of the store (the embedded store answers one request at a time).
BATCH_SLICE = 100


def measures_catalogue() -> Catalogue:
    """The catalogue in force, validated (the CLI shows it as a table or as docs/legal.md)."""
    return catalogue()


def measures() -> dict[str, Any]:
    """The catalogue in force: for each record kind its measures and their legal basis."""
    return measures_catalogue().to_dict()


def check(
    store: GraphStore,
    access: Access,
    subject: str,
    action: str,
    on: str | None,
    known_at: str | None = None,
) -> CheckResult:
    """Whether the subject may do the action on ``on`` (default today), with the findings and
    their evidence, as known at ``known_at``. A check of a person is audited."""
    kind, key = resolve_subject(subject, access.keyring)
    result = RestrictionEngine(store).check(kind, key, action, on or today(), known_at=known_at)
    if kind == "person":
        access.log("check", {"person_keys": [key], "action": action, "on": result.on})
    return result


def warm_up(store: GraphStore) -> None:
    """Compute once, before the first request, the tables every check reads (the catalogue,
    the actions, the GB/T 2260 region lists — ``retired_regions`` takes half a second) and
    answer one check on the store: otherwise the first clients of a fresh process find them
    empty and every worker thread computes them at once."""
    catalogue()
    action_names()
    current_regions()
    listed_regions()
    retired_regions()
    hits = [h for h in store.search("", limit=5).items if h.get("type") == "entity"]
    if hits:
        RestrictionEngine(store).check("entity", str(hits[0]["uscc"]), "bid_tender", today())


def check_batch(
    stores: Stores, access: Access, items: Sequence[BatchItem], on: str | None
) -> list[BatchAnswer]:
    """A screening batch: every item checked on ``on`` (default today). A bad subject or
    action fails its own item (with the reason, ID numbers masked), never the batch. The
    store is held one slice of :data:`BATCH_SLICE` items at a time, so readers in between
    are not held up. The persons checked are audited at once."""
    day = on or today()
    answers: list[BatchAnswer] = []
    persons: list[str] = []
    for start in range(0, len(items), BATCH_SLICE):
        with stores() as store:
            engine = RestrictionEngine(store)
            for i, item in enumerate(items[start : start + BATCH_SLICE], start=start):
                answers.append(_answer(engine, access, i, item, day, persons))
    if persons:
        access.log("check.batch", {"person_keys": persons, "on": day})
    return answers


def _answer(
    engine: RestrictionEngine,
    access: Access,
    i: int,
    item: BatchItem,
    on: str,
    persons: list[str],
) -> BatchAnswer:
    """One item's answer (a bad subject or action fails this item only)."""
    try:
        kind, key = resolve_subject(item.subject, access.keyring)
        result = engine.check(kind, key, item.action, on)
    except DomainError as exc:
        return BatchAnswer(
            index=i,
            subject=item.subject[:6] + "…",
            action=item.action,
            error=mask_id_numbers(exc.reason),
        )
    if kind == "person":
        persons.append(key)
    return BatchAnswer(
        index=i,
        subject=result.subject.id,
        action=item.action,
        allowed=result.allowed,
        result=result,
    )
