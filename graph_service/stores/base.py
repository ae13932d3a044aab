"""The store interface. Two implementations: :mod:`.embedded` (networkx, a local file) and
:mod:`.neo4j` (a Neo4j server). One conformance suite (``tests/conformance``) runs every
scenario against both, so they answer alike.

Graph model (labels and relationship types are the same in both stores)::

    (:Person)-[:ROLE {role, start_date, end_date}]->(:Entity)
    (:Person|:Entity)-[:HOLDS {percent, start_date, end_date}]->(:Entity)
    (:Entity)-[:REGISTERED_IN {start_date, end_date}]->(:Region)
    (:Record)-[:CONCERNS]->(:Entity|:Person)
    (:Entity)-[:SUPERVISED_BY]->(:Entity)

Dates are ISO ``YYYY-MM-DD`` strings (they order correctly as text); an empty end means open.
Every node and relationship written by a load keeps ``source``, ``batch_id``, ``loaded_at``
(of the load that last changed it) and ``first_batch_id`` (可查可核可溯).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal

#: The kinds of rows a load writes, in the order they must be written (nodes first).
RowKind = Literal["entities", "persons", "registrations", "roles", "shareholdings", "records"]
ROW_KINDS: tuple[RowKind, ...] = (
    "entities",
    "persons",
    "registrations",
    "roles",
    "shareholdings",
    "records",
)
SubjectKind = Literal["entity", "person"]
Direction = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class BatchMeta:
    """Who and when: stamped on everything a load creates or changes."""

    batch_id: str
    loaded_at: str


@dataclass(slots=True)
class WriteCounts:
    """What a write did: rows that created, changed, or matched an identical existing item."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: WriteCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(slots=True)
class Page:
    """One page of a list answer."""

    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
    extra: dict[str, Any] = field(default_factory=dict)


class GraphStore(ABC):
    """What every store does. Rows arrive validated and normalised by :mod:`loaders`."""

    #: "embedded" or "neo4j"
    backend: str

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Group the writes of one load. The embedded store persists atomically at the end;
        Neo4j commits each batch (every batch is an idempotent MERGE, so a rerun completes an
        interrupted load)."""

    @abstractmethod
    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        """Create or update ``rows`` of one kind; rows equal to what is stored change nothing."""

    @abstractmethod
    def link_superiors(self, meta: BatchMeta) -> None:
        """Draw SUPERVISED_BY from entities written in this transaction to their superior unit
        (run once entities are all in, since a superior may be listed after its subordinates)."""

    @abstractmethod
    def existing(self, kind: SubjectKind, keys: Collection[str]) -> set[str]:
        """Which of ``keys`` (USCCs or person keys) the store holds."""

    @abstractmethod
    def record_load(self, summary: Mapping[str, Any]) -> None:
        """Append a load's summary to the store's load log."""

    @abstractmethod
    def loads(self) -> list[dict[str, Any]]:
        """The load log, oldest first."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Number of nodes per label and relationships per type."""

    @abstractmethod
    def entity(self, uscc: str) -> dict[str, Any] | None:
        """An entity's properties, or None."""

    @abstractmethod
    def person(self, key: str) -> dict[str, Any] | None:
        """A person's properties (keyed; the ID number is sealed), or None."""

    @abstractmethod
    def record(self, record_id: str) -> dict[str, Any] | None:
        """A credit record's properties, or None."""

    @abstractmethod
    def relations(self, kind: SubjectKind, key: str) -> dict[str, list[dict[str, Any]]]:
        """Everything attached to a subject, over all time: ``roles`` (with the other end's
        name), ``holdings`` (held and holders), ``registrations``, ``records``."""

    @abstractmethod
    def search(self, text: str, limit: int = 20, offset: int = 0) -> Page:
        """Entities and persons whose name contains ``text``, or whose USCC starts with it."""

    # -- primitives the engines build on (batched: one call for many subjects) -----------

    @abstractmethod
    def records_of(self, sids: Collection[str]) -> list[dict[str, Any]]:
        """Credit records concerning any of the subjects ``sids`` (all statuses)."""

    @abstractmethod
    def roles_of(self, sids: Collection[str]) -> list[dict[str, Any]]:
        """ROLE relationships touching any of ``sids`` (a person's offices, or an entity's
        officers), over all time, each with ``person_name`` and ``entity_name``."""

    @abstractmethod
    def holdings_of(self, sids: Collection[str], direction: Direction) -> list[dict[str, Any]]:
        """HOLDS relationships out of ``sids`` (``down``: what they hold) or into them
        (``up``: who holds them), over all time, each with ``holder_name``/``entity_name``."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections or locks."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sid(kind: SubjectKind, key: str) -> str:
    """The subject id both stores key Entity and Person nodes by: ``E:<uscc>``, ``P:<key>``."""
    return ("E:" if kind == "entity" else "P:") + key


def split_sid(value: str) -> tuple[SubjectKind, str]:
    """``E:<uscc>`` → ("entity", uscc); ``P:<key>`` → ("person", key)."""
    return ("entity" if value.startswith("E:") else "person"), value[2:]


def row_identity(kind: RowKind, row: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields that identify a row: a later row with the same identity updates it."""
    match kind:
        case "entities":
            return (row["uscc"],)
        case "persons":
            return (row["key"],)
        case "registrations":
            return (row["uscc"], row["region_code"], row["start_date"])
        case "roles":
            return (row["person_key"], row["uscc"], row["role"], row["start_date"])
        case "shareholdings":
            return (row["holder_type"], row["holder_key"], row["uscc"], row["start_date"])
        case "records":
            return (row["record_id"],)
    raise ValueError(kind)


def iter_batches(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of ``rows`` of at most ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
