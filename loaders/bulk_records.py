"""The records a bulk load's events change, held in memory and written to the importer last.

A bulk load applies ``record_events`` through the record life cycle
(:func:`graph_service.engine.lifecycle.write_events`) while it validates, against the
importer files instead of a server: the records the events name (read from the events file
before the load, :func:`event_records`) are not written to the importer's ``Record`` file
as they come but held as the server would store them, and each event's new version is
upserted over them as ``queries/write_records.cypher`` does — the earlier version kept as a
``RecordVersion`` node ``VERSION_OF`` the record, the record given the new properties and
the load's stamps — and the persons an event names as ``write_record_persons.cypher`` does
(one ``NAMES`` per record, person and capacity). Once the events are applied the held
records, their versions and their ``NAMES`` go to files of their own
(:meth:`HeldRecords.write_files`), so the imported graph is the one the events applied over
Bolt would give.

"As the server would store them": a value the importer leaves out (null, an empty string)
is no property, a float column is a float (:func:`imported`), and a version is read back
without its hashes and empty values (:func:`~graph_service.stores.base.public`), as
``records_by_id`` answers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_service.schema import graph_schema
from graph_service.stores.base import BatchMeta, public, sid
from loaders.readers import discover, read_chunks

#: The label and relationship type of a record's earlier versions (``write_records.cypher``).
VERSION = "RecordVersion"
VERSION_OF = "VERSION_OF"
#: Between the elements of an array property in the importer's files (``events``, JSON
#: texts: JSON escapes every control character, so none holds it).
ARRAY_DELIMITER = "\x1f"
#: The importer's header type of each schema property type that is not a string.
_HEADER_TYPES = {"float": "double", "bool": "boolean", "list": "string[]"}
_TYPES = graph_schema().property_types()


def event_records(directory: Path) -> set[str]:
    """The record ids the ``record_events`` file of ``directory`` names (a cell as the loader
    reads it: stripped text), valid rows or not: the records a load's events may change."""
    sources, _ = discover(directory)
    ids: set[str] = set()
    for src in sources:
        if src.kind != "record_events":
            continue
        try:
            for chunk in read_chunks(src):
                if "record_id" in chunk.frame:
                    ids.update(r for r in chunk.frame["record_id"] if r)
        except (ValueError, OSError, UnicodeDecodeError, KeyError):
            pass  # the load itself reports the file it cannot read
    return ids


def imported(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's properties as the importer stores them: no null or empty value, the float
    properties as floats (``graph.yaml``)."""
    return {
        k: float(v) if _TYPES.get(k) == "float" else v
        for k, v in row.items()
        if v is not None and v != ""
    }


def _stamped(props: dict[str, Any], meta: BatchMeta, created: bool) -> dict[str, Any]:
    props |= {"batch_id": meta.batch_id, "loaded_at": meta.loaded_at}
    if created:
        props["first_batch_id"] = meta.batch_id
    return props


def _upsert(stored: dict[str, Any], row: Mapping[str, Any], meta: BatchMeta) -> None:
    """``SET n += row, n.batch_id = …, n.loaded_at = …``: a null removes the property."""
    for k, v in row.items():
        if v is None:
            stored.pop(k, None)
        else:
            stored[k] = v
    _stamped(stored, meta, created=False)


def _outcome(stored: Mapping[str, Any] | None, row: Mapping[str, Any]) -> str:
    """What the store's upsert makes of ``row`` over ``stored`` (``write_*.cypher``)."""
    if stored is None:
        return "created"
    return "unchanged" if row["_h"] in (stored.get("_h"), stored.get("_src")) else "updated"


@dataclass
class HeldRecords:
    """The records of :attr:`ids` as the store holds them after each write, their earlier
    versions and their ``NAMES``."""

    ids: frozenset[str] = frozenset()
    current: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Each record's earlier versions, oldest first.
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: ``NAMES`` of the held records by (record, person, capacity).
    names: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def records(self, record_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The held records among ``record_ids`` as ``records_by_id`` reads them."""
        return [public(self.current[r]) for r in record_ids if r in self.current]

    def write_record(self, row: Mapping[str, Any], meta: BatchMeta) -> str:
        """Upsert a record row: its outcome (``created`` | ``updated`` | ``unchanged``)."""
        rid = row["record_id"]
        stored = self.current.get(rid)
        outcome = _outcome(stored, row)
        if stored is None:
            self.current[rid] = _stamped(imported(row), meta, created=True)
        elif outcome == "updated":
            self.versions.setdefault(rid, []).append(dict(stored))
            _upsert(stored, row, meta)
        return outcome

    def write_name(self, row: Mapping[str, Any], meta: BatchMeta) -> str:
        """Upsert a ``NAMES`` row of a held record: its outcome."""
        key = (row["record_id"], row["person_key"], row["capacity"])
        stored = self.names.get(key)
        outcome = _outcome(stored, row)
        if stored is None:
            self.names[key] = _stamped(imported(row), meta, created=True)
        elif outcome == "updated":
            _upsert(stored, row, meta)
        return outcome

    def write_files(self, directory: Path) -> list[tuple[str, str, int]]:
        """Write the held records, versions, ``VERSION_OF`` and ``NAMES`` to importer files
        under ``directory``; (group, file stem, rows) of each file written."""
        versions = [(rid, v) for rid, vs in self.versions.items() for v in vs]
        files: list[tuple[str, str, list[str], list[list[str]], list[dict[str, Any]]]] = [
            (
                "Record",
                "Record.held",
                ["record_id:ID(Record)"],
                [[r] for r in self.current],
                list(self.current.values()),
            ),
            (
                VERSION,
                VERSION,
                [f":ID({VERSION})"],
                [[str(i)] for i in range(len(versions))],
                [v for _, v in versions],
            ),
            (
                VERSION_OF,
                VERSION_OF,
                [f":START_ID({VERSION})", ":END_ID(Record)"],
                [[str(i), rid] for i, (rid, _) in enumerate(versions)],
                [{} for _ in versions],
            ),
            (
                "NAMES",
                "NAMES.held",
                [":START_ID(Record)", ":END_ID(Subject)"],
                [[r, sid("person", p)] for r, p, _ in self.names],
                list(self.names.values()),
            ),
        ]
        written = []
        for group, stem, ids, first, rows in files:
            if rows:
                _write_csv(directory, stem, ids, first, rows)
                written.append((group, stem, len(rows)))
        return written


def _write_csv(
    directory: Path,
    stem: str,
    ids: list[str],
    first: list[list[str]],
    rows: list[dict[str, Any]],
) -> None:
    """One importer header file and data file: the id columns ``ids`` (their values
    ``first``), then every property any row has but the one an id column stores."""
    stored_id = ids[0].split(":")[0]
    names = sorted({k for r in rows for k in r} - {stored_id})
    header = [*ids, *(_header(n) for n in names)]
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"{stem}.header.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(header)
    with (directory / f"{stem}.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        for lead, row in zip(first, rows, strict=True):
            out.writerow([*lead, *(_cell(row.get(n)) for n in names)])


def _header(name: str) -> str:
    kind = _HEADER_TYPES.get(_TYPES.get(name, ""))
    return f"{name}:{kind}" if kind else name


def _cell(value: Any) -> str:
    """A value as the importer reads it back as the same value (None: no property)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        if any(ARRAY_DELIMITER in str(v) for v in value):
            raise ValueError(f"an array element holds the importer's array delimiter: {value}")
        return ARRAY_DELIMITER.join(map(str, value))
    return str(value)
