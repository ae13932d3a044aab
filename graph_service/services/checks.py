"""Checks: may a subject do an action on a day, for one subject or a screening batch; and the
measures list they are answered from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph_service.engine.measures import Catalogue, action_names, catalogue
from graph_service.engine.models import CheckResult
from graph_service.engine.restrictions import RestrictionEngine, material_request
from graph_service.engine.subjects import resolve_subject
from graph_service.errors import DomainError
from graph_service.ids.regions import current_regions, listed_regions, retired_regions
from graph_service.ids.resident_id import mask_id_numbers
from graph_service.services.access import Access
from graph_service.services.models import BatchAnswer, BatchItem
from graph_service.services.shaping import Stores, today
from graph_service.stores.base import (
    MATERIALS_CHUNK,
    GraphStore,
    MaterialRequest,
    SubjectKind,
    SubjectMaterial,
)

#: Largest screening batch.
MAX_BATCH = 5000
#: Items answered per hold of the store, and per store read: on Neo4j a slice's subjects are
#: read in one ``UNWIND`` query (MATERIALS_CHUNK), so the round trip is paid once per 500
#: items instead of once per item; the embedded store answers one request at a time, and 500
#: checks hold it well under a tenth of a second at its few thousand checks a second, so
#: readers between slices wait no longer than for a page.
BATCH_SLICE = MATERIALS_CHUNK


def measures_catalogue() -> Catalogue:
    """The catalogue in force, validated (the CLI shows it as a table or as docs/legal.md)."""
    return catalogue()


def measures() -> dict[str, Any]:
    """The catalogue in force: for each record kind its measures and their legal basis."""
    return measures_catalogue().to_dict()


@dataclass(frozen=True, slots=True)
class Question:
    """A check as asked, read once: the subject it names, the action, and the one store read
    that answers it (:meth:`GraphStore.material`'s arguments)."""

    kind: SubjectKind
    key: str
    action: str
    read: MaterialRequest


def question(access: Access, subject: str, action: str) -> Question:
    """The check ``subject`` and ``action`` ask (the subject resolved by the one rule of
    :mod:`graph_service.engine.subjects`); raises what :func:`check` raises for a bad
    subject or action."""
    kind, key = resolve_subject(subject, access.keyring)
    return Question(kind, key, action, material_request(kind, key, action))


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
    return answer(store, access, question(access, subject, action), on, known_at)


def answer(
    store: GraphStore,
    access: Access,
    asked: Question,
    on: str | None,
    known_at: str | None = None,
    material: SubjectMaterial | None = None,
) -> CheckResult:
    """:func:`check` of a question already read (:func:`question`). ``material``: the
    store's answer to ``asked.read``, when the caller read it (else read here)."""
    engine = RestrictionEngine(store)
    result = engine.check(asked.kind, asked.key, asked.action, on or today(), known_at, material)
    if asked.kind == "person":
        access.log("check", {"person_keys": [asked.key], "action": asked.action, "on": result.on})
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
    # The first entity of a keyset scan, not a search: an empty search counts and sorts every
    # subject (minutes at 1M on Neo4j, in each worker, before it reports ready).
    first = next(store.scan_nodes("Entity", batch=1, fields=["uscc"]), [])
    if first:
        RestrictionEngine(store).check("entity", str(first[0]["uscc"]), "bid_tender", today())


def check_batch(
    stores: Stores, access: Access, items: Sequence[BatchItem], on: str | None
) -> list[BatchAnswer]:
    """A screening batch: every item checked on ``on`` (default today). A bad subject or
    action fails its own item (with the reason, ID numbers masked), never the batch; a store
    that fails fails the batch. The store is held one slice of :data:`BATCH_SLICE` items at a
    time, so readers in between are not held up, and each slice is answered from one store
    read (:meth:`RestrictionEngine.check_many`). The persons checked are audited at once."""
    day = on or today()
    answers: list[BatchAnswer] = []
    persons: list[str] = []
    for start in range(0, len(items), BATCH_SLICE):
        part = items[start : start + BATCH_SLICE]
        subjects: list[tuple[SubjectKind, str] | DomainError] = []
        for item in part:
            try:
                subjects.append(resolve_subject(item.subject, access.keyring))
            except DomainError as exc:
                subjects.append(exc)
        asked = [
            (*s, item.action)
            for s, item in zip(subjects, part, strict=True)
            if not isinstance(s, DomainError)
        ]
        with stores() as store:
            results = iter(RestrictionEngine(store).check_many(asked, day))
        for i, (item, subject) in enumerate(zip(part, subjects, strict=True), start=start):
            got = subject if isinstance(subject, DomainError) else next(results)
            answers.append(_answer(i, item, got, persons))
    if persons:
        access.log("check.batch", {"person_keys": persons, "on": day})
    return answers


def _answer(
    i: int, item: BatchItem, got: CheckResult | DomainError, persons: list[str]
) -> BatchAnswer:
    """One item's answer, or its error (ID numbers masked); a person answered is noted in
    ``persons`` for the audit."""
    if isinstance(got, DomainError):
        return BatchAnswer(
            index=i,
            subject=item.subject[:6] + "…",
            action=item.action,
            error=mask_id_numbers(got.reason),
        )
    if got.subject.type == "person":
        persons.append(got.subject.id)
    return BatchAnswer(
        index=i,
        subject=got.subject.id,
        action=item.action,
        allowed=got.allowed,
        result=got,
    )
