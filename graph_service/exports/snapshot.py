"""A snapshot of a store as tables: every node and relationship the store holds, one pandas
DataFrame per kind, the same from the embedded store and from Neo4j.

Tables (:data:`TABLES`) and their leading columns (:data:`COLUMNS`, from
``graph_service/schema/graph.yaml``; properties a load kept from extra columns follow, by
name):

==============  ===========================================================================
entities        one row per market entity (``uscc``, name, region, type, dates, superior)
persons         one row per person: ``key`` (HMAC of the ID number), name, ``id_masked``
regions         one row per region an entity was registered in (GB/T 2260 code, name, level)
registrations   REGISTERED_IN: where an entity was registered, from a date to a date
roles           ROLE: a person's office in an entity, from a date to a date
holdings        HOLDS: a holding by a person or an entity, with its percent
records         credit records (current version) with their subject
record_persons  NAMES: a person a record names as responsible, in a capacity
supervision     SUPERVISED_BY: an entity and its superior unit
==============  ===========================================================================

Every table keeps the provenance columns (``source``, ``batch_id``, ``loaded_at``,
``first_batch_id``). Sealed ID numbers and internal hashes are never part of a snapshot.

Nodes are enumerated by the store's streaming scan (``scan_nodes``, in key order);
relationships and records are read through the store interface, in batches, so both stores
give the same tables.

Two forms, one reader: :class:`StoreTables` reads the tables a batch at a time, in key order,
each time they are asked for (the exports stream from it: memory stays flat whatever the
store's size); :func:`read_snapshot` keeps them as DataFrames (:class:`Snapshot`, for analysts
and tests). Writers take either (:class:`Tables`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd
from tqdm.auto import tqdm

from graph_service.catalogue import vocabulary
from graph_service.ids.regions import region
from graph_service.schema import graph_schema
from graph_service.stores.base import GraphStore, batched, sid

log = logging.getLogger("graph_service.exports")

TableName = Literal[
    "entities",
    "persons",
    "regions",
    "registrations",
    "roles",
    "holdings",
    "records",
    "record_persons",
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
    "record_persons",
    "supervision",
)
_SCHEMA = graph_schema()
PROVENANCE = _SCHEMA.provenance_names()
#: Each table's leading columns (``graph.yaml``: its export names, then provenance).
COLUMNS: dict[TableName, tuple[str, ...]] = {t: _SCHEMA.table_columns(t) for t in TABLES}
#: The columns that identify a row of each table (the order rows are sorted in).
KEYS: dict[TableName, tuple[str, ...]] = {t: _SCHEMA.by_table(t).identity_fields() for t in TABLES}
#: Columns that are not text.
FLOAT_COLUMNS = _SCHEMA.properties_of_type("float")
BOOL_COLUMNS = _SCHEMA.properties_of_type("bool")
_DTYPES: dict[str, str] = {c: "float64" for c in FLOAT_COLUMNS} | {
    c: "boolean" for c in BOOL_COLUMNS
}
#: Internal properties a snapshot never carries (the stores hide most of them already).
_HIDDEN = frozenset({"_h", "_src", "_versions", "id_sealed", "sid", "label", "type"})
#: Subjects asked for per store call.
BATCH = 5000


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Tables(Protocol):
    """What the export writers read: a store's tables, as rows or batches of rows in key
    order, with their columns and row counts."""

    backend: str
    taken_at: str

    def columns(self, name: TableName) -> list[str]:
        """The table's columns: :data:`COLUMNS` first, extra properties after, by name."""
        ...

    def batches(self, name: TableName) -> Iterator[list[dict[str, Any]]]:
        """The table's rows, a batch at a time, in key order; empty cells left out."""
        ...

    def rows(self, name: TableName) -> Iterator[dict[str, Any]]:
        """The table's rows one at a time (as :meth:`batches`)."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        ...


@dataclass(slots=True)
class Snapshot:
    """The tables of a store at one moment, as DataFrames (see the module docstring)."""

    tables: dict[TableName, pd.DataFrame]
    backend: str
    taken_at: str = field(default_factory=_now)

    def __getitem__(self, name: TableName) -> pd.DataFrame:
        return self.tables[name]

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(frame) for name, frame in self.tables.items()}

    def columns(self, name: TableName) -> list[str]:
        """The table's columns."""
        return [str(c) for c in self.tables[name].columns]

    def rows(self, name: TableName) -> Iterator[dict[str, Any]]:
        """The rows of a table as dicts, empty cells left out."""
        frame = self.tables[name]
        for row in frame.itertuples(index=False, name=None):
            yield {
                c: v.item() if hasattr(v, "item") else v  # numpy scalars → Python
                for c, v in zip(frame.columns, row, strict=True)
                if present(v)
            }

    def batches(self, name: TableName) -> Iterator[list[dict[str, Any]]]:
        """The rows of a table in lists of at most :data:`BATCH`."""
        return batched(self.rows(name), BATCH)


def present(value: Any) -> bool:
    """False for an empty cell (None, NaN, NA or ``""``)."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and value != value:  # NaN
        return False
    return bool(value != "")


def cell(value: Any) -> Any:
    """A list or mapping (a record's ``events``, its ``base``) as JSON text: every table cell
    is a scalar."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def frame(
    name: TableName, rows: Sequence[dict[str, Any]], columns: Sequence[str] = ()
) -> pd.DataFrame:
    """``rows`` as the table ``name``: ``columns`` (default: its known columns first, extra
    properties after, by name), sorted by the table's key; text as ``object`` columns,
    percent as float; lists and mappings as JSON text."""
    if not columns:
        known = COLUMNS[name]
        extra = sorted({k for r in rows for k in r if k not in known and k not in _HIDDEN})
        columns = [*known, *extra]
    data = {c: [cell(r.get(c)) for r in rows] for c in columns}
    out = pd.DataFrame(
        {c: pd.Series(v, dtype=_DTYPES.get(c, object)) for c, v in data.items()},
        columns=list(columns),
    )
    if len(out):
        out = out.sort_values(list(KEYS[name]), kind="stable", ignore_index=True)
    return out


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the tables hold it: internal properties and empty cells left out, percent
    as float, retired as boolean."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if v is None or v == "" or k in _HIDDEN or (v.__class__ is float and v != v):
            continue
        out[k] = float(v) if k in FLOAT_COLUMNS else bool(v) if k in BOOL_COLUMNS else v
    return out


def _sorted(name: TableName, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    key = KEYS[name]
    return sorted((_clean(r) for r in rows), key=lambda r: tuple(str(r.get(k, "")) for k in key))


def subject_batches(
    store: GraphStore, label: Literal["Entity", "Person"]
) -> Iterator[list[dict[str, Any]]]:
    """Every Entity or Person node's public properties, in batches, in key order."""
    for batch in store.scan_nodes(label, batch=BATCH):
        yield [_clean(props) for props in batch]


def subjects(store: GraphStore, label: Literal["Entity", "Person"]) -> list[dict[str, Any]]:
    """Every Entity or Person node's public properties."""
    return [row for batch in subject_batches(store, label) for row in batch]


class StoreTables:
    """The tables of ``store``, each read from the store once, a batch at a time, and kept
    on disk, not in memory (see the module docstring).

    The first pass over a table reads the store and writes each batch to a spill file in a
    temporary folder; later passes (another format, the rows of a GraphML edge after its
    node) read the spill file back. Memory holds a batch, the column names and the counts.
    Use as a context manager: the spill files go with it.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.backend = store.backend
        self.taken_at = _now()
        self._scanned: dict[TableName, tuple[list[str], int]] = {}
        self._spill_counts: dict[TableName, list[int]] = {}
        self._spill = tempfile.TemporaryDirectory(prefix="credit-graph-export-")

    def __enter__(self) -> StoreTables:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the spill files."""
        self._spill.cleanup()

    def batches(self, name: TableName) -> Iterator[list[dict[str, Any]]]:
        """The rows of a table in key order, a batch at a time."""
        path = Path(self._spill.name) / f"{name}.pickle"
        if name in self._scanned:
            with path.open("rb") as fh:
                for _ in range(len(self._spill_counts[name])):
                    yield pickle.load(fh)
            return
        known = COLUMNS[name]
        extra: set[str] = set()
        sizes: list[int] = []
        with path.open("wb") as fh:
            for batch in getattr(self, f"_{name}")():
                pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
                sizes.append(len(batch))
                extra.update(k for r in batch for k in r if k not in known)
                yield batch
        self._spill_counts[name] = sizes
        self._scanned[name] = ([*known, *sorted(extra)], sum(sizes))

    def rows(self, name: TableName) -> Iterator[dict[str, Any]]:
        """The rows of a table in key order."""
        for batch in self.batches(name):
            yield from batch

    def _scan(self, name: TableName) -> tuple[list[str], int]:
        if name not in self._scanned:
            for _ in self.batches(name):
                pass
        return self._scanned[name]

    def columns(self, name: TableName) -> list[str]:
        """The table's columns (read through once, the first time)."""
        return self._scan(name)[0]

    def counts(self) -> dict[str, int]:
        """Rows per table (each read through once, the first time)."""
        return {name: self._scan(name)[1] for name in TABLES}

    def _entities(self) -> Iterator[list[dict[str, Any]]]:
        return subject_batches(self.store, "Entity")

    def _persons(self) -> Iterator[list[dict[str, Any]]]:
        return subject_batches(self.store, "Person")

    def _registrations(self) -> Iterator[list[dict[str, Any]]]:
        for batch in self.batches("entities"):
            yield _sorted("registrations", self.store.registrations_of([e["uscc"] for e in batch]))

    def _regions(self) -> Iterator[list[dict[str, Any]]]:
        codes = sorted({str(r["region_code"]) for r in self.rows("registrations")})
        rows = []
        for code in codes:
            found = region(code)
            rows.append(
                {"code": code, "name": found.name, "level": found.level, "retired": found.retired}
            )
        yield from batched(rows, BATCH)

    def _roles(self) -> Iterator[list[dict[str, Any]]]:
        for batch in self.batches("persons"):
            # every role starts at one person: no repeats across batches
            yield _sorted("roles", self.store.roles_of([sid("person", p["key"]) for p in batch]))

    def _holdings(self) -> Iterator[list[dict[str, Any]]]:
        for table, kind, key in (("entities", "entity", "uscc"), ("persons", "person", "key")):
            for batch in self.batches(table):  # type: ignore[arg-type]  # holder_type order
                holders = [sid(kind, s[key]) for s in batch]  # type: ignore[arg-type]
                yield _sorted("holdings", self.store.holdings_of(holders, "down"))

    def _records(self) -> Iterator[list[dict[str, Any]]]:
        records = self.store.records_where(list(vocabulary("kind")))
        yield from batched(_sorted("records", records), BATCH)

    def _record_persons(self) -> Iterator[list[dict[str, Any]]]:
        for batch in self.batches("records"):
            found = self.store.named_in([r["record_id"] for r in batch])
            yield _sorted("record_persons", found)

    def _supervision(self) -> Iterator[list[dict[str, Any]]]:
        pairs = [
            {"uscc": e["uscc"], "superior_uscc": e["superior_uscc"]}
            for e in self.rows("entities")
            if e.get("superior_uscc")
        ]
        superiors = {p["superior_uscc"] for p in pairs}
        known = {s for s in superiors if self.store.entity(s) is not None}
        yield from batched([p for p in pairs if p["superior_uscc"] in known], BATCH)


def read_snapshot(store: GraphStore, *, progress: bool = True) -> Snapshot:
    """Read every table of ``store`` into DataFrames (see the module docstring); ``progress``
    shows a bar (terminal or notebook) while the tables are read."""
    tables: dict[TableName, pd.DataFrame] = {}
    with StoreTables(store) as source:
        for name in tqdm(TABLES, desc="snapshot", unit="table", disable=not progress):
            tables[name] = frame(name, list(source.rows(name)))
    snap = Snapshot(tables=tables, backend=store.backend, taken_at=source.taken_at)
    log.info("snapshot read", extra={"backend": store.backend, **snap.counts()})
    return snap
