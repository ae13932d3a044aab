"""A snapshot of a store as tables: every node and relationship the store holds, one pandas
DataFrame per kind, the same from the embedded store and from Neo4j.

Tables (:data:`TABLES`) and their leading columns (:data:`COLUMNS`; properties a load kept
from extra columns follow, by name):

==============  ===========================================================================
entities        one row per market entity (``uscc``, name, region, type, dates, superior)
persons         one row per person: ``key`` (HMAC of the ID number), name, ``id_masked``
regions         one row per region an entity was registered in (GB/T 2260 code, name, level)
registrations   REGISTERED_IN: where an entity was registered, from a date to a date
roles           ROLE: a person's office in an entity, from a date to a date
holdings        HOLDS: a holding by a person or an entity, with its percent
records         credit records (current version) with their subject
supervision     SUPERVISED_BY: an entity and its superior unit
==============  ===========================================================================

Every table keeps the provenance columns (``source``, ``batch_id``, ``loaded_at``,
``first_batch_id``). Sealed ID numbers and internal hashes are never part of a snapshot.

Nodes are enumerated per store (the embedded graph in process; Neo4j with
``queries/export_subjects.cypher``); relationships and records are read through the store
interface, in batches, so both stores give the same tables.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from tqdm.auto import tqdm

from graph_service.catalogue import vocabulary
from graph_service.ids.regions import region
from graph_service.stores.base import GraphStore, iter_batches, sid

log = logging.getLogger("graph_service.exports")

TableName = Literal[
    "entities",
    "persons",
    "regions",
    "registrations",
    "roles",
    "holdings",
    "records",
    "supervision",
]
#: Every table, nodes before the relationships that need them (the Cypher export relies on it).
TABLES: tuple[TableName, ...] = (
    "entities",
    "persons",
    "regions",
    "registrations",
    "roles",
    "holdings",
    "records",
    "supervision",
)
PROVENANCE = ("source", "batch_id", "loaded_at", "first_batch_id")
COLUMNS: dict[TableName, tuple[str, ...]] = {
    "entities": (
        "uscc",
        "name",
        "region_code",
        "org_type",
        "industry",
        "registered_on",
        "deregistered_on",
        "superior_uscc",
        *PROVENANCE,
    ),
    "persons": ("key", "name", "id_masked", *PROVENANCE),
    "regions": ("code", "name", "level", "retired"),
    "registrations": (
        "uscc",
        "region_code",
        "region_name",
        "start_date",
        "end_date",
        *PROVENANCE,
    ),
    "roles": (
        "person_key",
        "uscc",
        "role",
        "start_date",
        "end_date",
        "person_name",
        "entity_name",
        *PROVENANCE,
    ),
    "holdings": (
        "holder_type",
        "holder_key",
        "uscc",
        "percent",
        "start_date",
        "end_date",
        "holder_name",
        "entity_name",
        *PROVENANCE,
    ),
    "records": (
        "record_id",
        "subject_type",
        "subject_key",
        "kind",
        "authority",
        "region_code",
        "decided_on",
        "basis",
        "sector",
        "effective_from",
        "effective_to",
        "status",
        "status_on",
        *PROVENANCE,
    ),
    "supervision": ("uscc", "superior_uscc"),
}
#: The columns that identify a row of each table (the order rows are sorted in).
KEYS: dict[TableName, tuple[str, ...]] = {
    "entities": ("uscc",),
    "persons": ("key",),
    "regions": ("code",),
    "registrations": ("uscc", "region_code", "start_date"),
    "roles": ("person_key", "uscc", "role", "start_date"),
    "holdings": ("holder_type", "holder_key", "uscc", "start_date"),
    "records": ("record_id",),
    "supervision": ("uscc",),
}
#: Columns that are not text.
FLOAT_COLUMNS = frozenset({"percent", "amount_yuan"})
BOOL_COLUMNS = frozenset({"retired", "able_but_refuses"})
_DTYPES: dict[str, str] = {
    "percent": "float64",
    "amount_yuan": "float64",
    "retired": "boolean",
    "able_but_refuses": "boolean",
}
#: Internal properties a snapshot never carries (the stores hide most of them already).
_HIDDEN = frozenset({"_h", "_src", "_versions", "id_sealed", "sid", "label", "type"})
#: Subjects asked for per store call.
BATCH = 5000


@dataclass(slots=True)
class Snapshot:
    """The tables of a store at one moment (see the module docstring)."""

    tables: dict[TableName, pd.DataFrame]
    backend: str
    taken_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    def __getitem__(self, name: TableName) -> pd.DataFrame:
        return self.tables[name]

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(frame) for name, frame in self.tables.items()}

    def rows(self, name: TableName) -> Iterator[dict[str, Any]]:
        """The rows of a table as dicts, empty cells left out."""
        frame = self.tables[name]
        for row in frame.itertuples(index=False, name=None):
            yield {
                c: v.item() if hasattr(v, "item") else v  # numpy scalars → Python
                for c, v in zip(frame.columns, row, strict=True)
                if present(v)
            }


def present(value: Any) -> bool:
    """False for an empty cell (None, NaN, NA or ``""``)."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and value != value:  # NaN
        return False
    return bool(value != "")


def _cell(value: Any) -> Any:
    """A list or mapping (a record's ``events``, its ``base``) as JSON text: every table cell
    is a scalar."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def frame(name: TableName, rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """``rows`` as the table ``name``: its columns first, extra properties after (by name),
    sorted by the table's key; text as ``object`` columns, percent as float."""
    known = COLUMNS[name]
    extra = sorted({k for r in rows for k in r if k not in known and k not in _HIDDEN})
    columns = [*known, *extra]
    data = {c: [_cell(r.get(c)) for r in rows] for c in columns}
    out = pd.DataFrame(
        {c: pd.Series(v, dtype=_DTYPES.get(c, object)) for c, v in data.items()},
        columns=columns,
    )
    if len(out):
        out = out.sort_values(list(KEYS[name]), kind="stable", ignore_index=True)
    return out


def _embedded_subjects(store: GraphStore, label: str) -> Iterator[dict[str, Any]]:
    """Entity or Person nodes of the embedded store (its networkx graph, read in process)."""
    from graph_service.stores.embedded import EmbeddedStore, public

    assert isinstance(store, EmbeddedStore)
    store.loads()  # catch up with the file and its journal first
    for _, data in store._graph.nodes(data=True):
        if data.get("label") == label:
            yield public(data)


def _neo4j_subjects(store: GraphStore, label: str, page: int = BATCH) -> Iterator[dict[str, Any]]:
    """Entity or Person nodes of Neo4j, a page at a time (keyset paging on ``sid``)."""
    from neo4j import RoutingControl

    from graph_service.queries import cypher
    from graph_service.stores.embedded import public
    from graph_service.stores.neo4j import Neo4jStore

    assert isinstance(store, Neo4jStore)
    after = ""
    while True:
        records, _, _ = store.driver.execute_query(
            cypher("export_subjects"),  # a file in queries/, never a caller's text
            {"prefix": "E:" if label == "Entity" else "P:", "after": after, "limit": page},
            database_=store.database,
            routing_=RoutingControl.READ,
        )
        if not records:
            return
        for r in records:
            yield public(r["props"])
        after = records[-1]["sid"]


def subjects(store: GraphStore, label: Literal["Entity", "Person"]) -> list[dict[str, Any]]:
    """Every Entity or Person node's public properties."""
    read = _embedded_subjects if store.backend == "embedded" else _neo4j_subjects
    return [{k: v for k, v in props.items() if k not in _HIDDEN} for props in read(store, label)]


def _batched(sids: Sequence[str], what: str, progress: bool) -> Iterator[Sequence[str]]:
    batches = list(iter_batches(sids, BATCH))
    yield from tqdm(batches, desc=what, unit="batch", disable=not progress or len(batches) < 2)


def read_snapshot(store: GraphStore, *, progress: bool = True) -> Snapshot:
    """Read every table of ``store`` (see the module docstring); ``progress`` shows a bar
    (terminal or notebook) while relationships are read."""
    steps = tqdm(total=len(TABLES), desc="snapshot", unit="table", disable=not progress)
    with steps:
        entities = subjects(store, "Entity")
        steps.update()
        persons = subjects(store, "Person")
        steps.update()
        usccs = sorted(e["uscc"] for e in entities)
        esids = [sid("entity", u) for u in usccs]
        registrations: list[dict[str, Any]] = []
        for batch in _batched(usccs, "registrations", progress):
            registrations += store.registrations_of(batch)
        steps.update()
        codes = sorted({str(r["region_code"]) for r in registrations})
        regions = []
        for code in codes:
            found = region(code)
            regions.append(
                {"code": code, "name": found.name, "level": found.level, "retired": found.retired}
            )
        steps.update()
        roles: list[dict[str, Any]] = []
        holdings: list[dict[str, Any]] = []
        for batch in _batched(esids, "roles and holdings", progress):
            roles += store.roles_of(batch)  # every role ends at one entity: no repeats
            holdings += store.holdings_of(batch, "up")  # every holding is of one entity
        steps.update(2)
        records = store.records_where(list(vocabulary("kind")))
        steps.update()
        known = set(usccs)
        supervision = [
            {"uscc": e["uscc"], "superior_uscc": e["superior_uscc"]}
            for e in entities
            if e.get("superior_uscc") and e["superior_uscc"] in known
        ]
        steps.update()
    tables: dict[TableName, pd.DataFrame] = {
        "entities": frame("entities", entities),
        "persons": frame("persons", persons),
        "regions": frame("regions", regions),
        "registrations": frame("registrations", registrations),
        "roles": frame("roles", roles),
        "holdings": frame("holdings", holdings),
        "records": frame("records", records),
        "supervision": frame("supervision", supervision),
    }
    snap = Snapshot(tables=tables, backend=store.backend)
    log.info("snapshot read", extra={"backend": store.backend, **snap.counts()})
    return snap
