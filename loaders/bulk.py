"""A first load into an empty Neo4j through its bulk importer (``neo4j-admin database import``).

The files are read, validated, de-duplicated and checked for references exactly as an
incremental load does (the same :class:`~loaders.load._FileLoader`, rejects and report), but
the rows go to the importer's CSV files instead of ``UNWIND … MERGE``: one header file with
``:ID``/``:LABEL``/``:START_ID``/``:END_ID`` and typed properties, and one data file, per node
label and relationship type. The nodes and relationships carry the same properties as the
incremental loader's (provenance included), so both give the same graph.

The import itself runs on a stopped server (``scripts/neo4j-local import`` stops it, imports
and starts it again); then the constraints and indexes of ``queries/schema.cypher`` are
created, record events (which go through the record life cycle) are applied and the load is
logged, over Bolt.
"""

from __future__ import annotations

import csv
import shlex
import shutil
import subprocess
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graph_service.ids.person_key import PersonKeyring
from graph_service.ids.regions import region
from graph_service.schema import graph_schema
from graph_service.stores import open_neo4j
from graph_service.stores.base import BatchMeta, RowKind, SubjectKind, WriteCounts, sid
from loaders.contract import contract
from loaders.load import LoadReport, load_directory, new_batch_meta
from loaders.readers import discover

#: Importer types of the schema's property types (everything else is a string).
_TYPES = {"float": "double", "bool": "boolean"}
_SCHEMA = graph_schema()


class BulkLoadError(Exception):
    """The bulk load cannot run (the database is not empty, or the importer failed)."""


@dataclass(frozen=True, slots=True)
class _Shape:
    """How rows of one kind become importer rows: the label(s) or type, and the ids."""

    group: str  # file name stem and, for relationships, the type
    labels: str = ""  # node labels (nodes only), ';'-separated
    id_space: str = ""  # node id space (nodes only)


#: Each row kind's importer file (``graph.yaml``: labels, id space or relationship type).
_SHAPES: dict[str, _Shape] = {
    k.rows: (
        _Shape(k.name)
        if k.is_relationship
        else _Shape(k.name, ";".join(k.labels), _SCHEMA.id_space(k.name))
    )
    for k in _SCHEMA.kinds()
    if k.rows
}


def _ends(kind: str, row: Mapping[str, Any]) -> tuple[str, str]:
    """(start id, end id) of a relationship row."""
    match kind:
        case "registrations":
            return sid("entity", row["uscc"]), row["region_code"]
        case "roles":
            return sid("person", row["person_key"]), sid("entity", row["uscc"])
        case "shareholdings":
            return sid(row["holder_type"], row["holder_key"]), sid("entity", row["uscc"])
        case "record_persons":
            return row["record_id"], sid("person", row["person_key"])
    raise ValueError(kind)


#: The id spaces each relationship type's ends are looked up in (``graph.yaml``).
_END_SPACES = {
    r.name: (_SCHEMA.id_space(r.start.label), _SCHEMA.id_space(r.end.label))
    for r in _SCHEMA.relationships.values()
    if r.start and r.end
}


def _property_types() -> dict[str, str]:
    """Importer type of each property that is not a string (``graph.yaml``)."""
    return {n: _TYPES[t] for n, t in _SCHEMA.property_types().items() if t in _TYPES}


@dataclass
class _File:
    """One importer data file and its header."""

    header: list[str]
    fh: IO[str]
    writer: Any  # csv writer
    rows: int = 0


@dataclass
class ImportFiles:
    """Writes importer CSVs under ``directory`` and stands in for the store while a bulk load
    validates: it knows what it has written (for references) and counts every row created."""

    directory: Path
    meta: BatchMeta
    backend: str = "neo4j-import"
    concurrent_writes: bool = False
    _files: dict[str, _File] = field(default_factory=dict)
    _subjects: dict[SubjectKind, set[str]] = field(
        default_factory=lambda: {"entity": set(), "person": set()}
    )
    _records: set[str] = field(default_factory=set)
    _regions: set[str] = field(default_factory=set)
    _superiors: list[tuple[str, str]] = field(default_factory=list)

    # -- the part of the store interface a load uses ------------------------------------

    @contextmanager
    def transaction(self, small: bool = False) -> Iterator[None]:
        yield

    def existing(self, kind: SubjectKind, keys: Collection[str]) -> set[str]:
        """Which keys this load has written (the database was empty)."""
        return set(keys) & self._subjects[kind]

    def records_by_id(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        """Records this load has written (only their ids: nothing else is asked of them)."""
        return [{"record_id": r} for r in record_ids if r in self._records]

    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        """Append ``rows`` to the importer files of ``kind``; every row is created."""
        shape = _SHAPES[kind]
        stamp = {"batch_id": meta.batch_id, "loaded_at": meta.loaded_at}
        stamp["first_batch_id"] = meta.batch_id
        if shape.id_space:
            self._nodes(kind, shape, rows, stamp)
        else:
            for row in rows:
                start, end = _ends(kind, row)
                self._row(shape.group, {":START_ID": start, ":END_ID": end} | dict(row) | stamp)
            if kind == "registrations":
                self._regions.update(r["region_code"] for r in rows)
        return WriteCounts(created=len(rows))

    def _nodes(
        self, kind: str, shape: _Shape, rows: Sequence[Mapping[str, Any]], stamp: dict[str, str]
    ) -> None:
        for row in rows:
            if kind == "records":
                ident = row["record_id"]
                self._records.add(ident)
                subject = sid(row["subject_type"], row["subject_key"])
                self._row("CONCERNS", {":START_ID": ident, ":END_ID": subject})
                props = dict(row)
            else:
                subject_kind: SubjectKind = "entity" if kind == "entities" else "person"
                key = row["uscc"] if kind == "entities" else row["key"]
                self._subjects[subject_kind].add(key)
                ident = sid(subject_kind, key)
                props = {"sid": ident} | dict(row)
                if kind == "entities" and row.get("superior_uscc"):
                    self._superiors.append((row["uscc"], row["superior_uscc"]))
            self._row(shape.group, {":ID": ident} | props | stamp | {":LABEL": shape.labels})

    def link_superiors(self, meta: BatchMeta) -> None:
        """SUPERVISED_BY to each superior unit the load wrote."""
        for uscc, superior in self._superiors:
            if superior in self._subjects["entity"]:
                self._row(
                    "SUPERVISED_BY",
                    {":START_ID": sid("entity", uscc), ":END_ID": sid("entity", superior)},
                )
        self._superiors.clear()

    def begin_load(self, summary: Mapping[str, Any]) -> None:
        """Nothing here: the load is logged over Bolt once the import has run."""

    def record_load(self, summary: Mapping[str, Any]) -> None:
        """Nothing here: the load is logged over Bolt once the import has run."""

    # -- files ---------------------------------------------------------------------------

    def _row(self, group: str, row: Mapping[str, Any]) -> None:
        f = self._files.get(group)
        if f is None:
            f = self._open(group, list(row))
        f.writer.writerow([_cell(row.get(k)) for k in f.header])
        f.rows += 1

    def _open(self, group: str, columns: list[str]) -> _File:
        self.directory.mkdir(parents=True, exist_ok=True)
        types = _property_types()
        header = [_typed(c, group, types) for c in columns]
        with (self.directory / f"{group}.header.csv").open("w", encoding="utf-8", newline="") as h:
            csv.writer(h).writerow(header)
        fh = (self.directory / f"{group}.csv").open("w", encoding="utf-8", newline="")
        f = _File(header=columns, fh=fh, writer=csv.writer(fh))
        self._files[group] = f
        return f

    def finish(self) -> list[str]:
        """Write the Region nodes, close every file; the importer's arguments."""
        for code in sorted(self._regions):
            r = region(code)
            row = {":ID": code, "code": code, "name": r.name, "level": r.level}
            self._row("Region", row | {"retired": r.retired, ":LABEL": "Region"})
        args = [f"--report-file={self.directory / 'import.report'}"]
        for group, f in self._files.items():
            f.fh.close()
            files = f"{self.directory / f'{group}.header.csv'},{self.directory / f'{group}.csv'}"
            option = "--relationships" if group in _END_SPACES else "--nodes"
            args.append(
                f"{option}={group}={files}" if option == "--relationships" else f"{option}={files}"
            )
        return args


def _typed(column: str, group: str, types: Mapping[str, str]) -> str:
    """The importer header field of a column (id spaces, labels, typed properties)."""
    starts, ends = _END_SPACES.get(group, ("", ""))
    match column:
        case ":ID":
            return f":ID({_SCHEMA.id_space(group)})"
        case ":START_ID":
            return f":START_ID({starts})"
        case ":END_ID":
            return f":END_ID({ends})"
        case ":LABEL":
            return ":LABEL"
    kind = types.get(column)
    return f"{column}:{kind}" if kind else column


def _cell(value: Any) -> str:
    """A value as the importer reads it: empty for none (no property), booleans in lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def run_import(command: str, args: list[str]) -> None:
    """Run the importer (``command`` then ``args``); raises :class:`BulkLoadError` on failure."""
    done = subprocess.run([*shlex.split(command), *args], capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout)[-4000:]
        raise BulkLoadError(f"导入失败 / the import failed ({command}):\n{tail}")


def bulk_load(
    directory: Path,
    uri: str,
    keyring: PersonKeyring,
    *,
    import_command: str,
    work_dir: Path | None = None,
    rejects_path: Path | None = None,
    progress: bool = True,
) -> LoadReport:
    """Load ``directory`` into the empty Neo4j database at ``uri`` through the bulk importer.

    ``import_command`` runs the importer with the arguments it is given, on a stopped server
    (``scripts/neo4j-local import``). ``work_dir`` holds the importer's files (default
    ``DIR/import/<batch>``; removed after a successful import). Raises
    :class:`BulkLoadError` when the database is not empty or the import fails.
    """
    neo = open_neo4j(uri)
    empty = neo.is_empty()
    neo.close()
    if not empty:
        raise BulkLoadError(
            f"{uri} 的数据库不是空的：批量导入只用于首次装载，请用增量装载（不加--bulk） / "
            f"the database at {uri} is not empty: a bulk import is for a first load only; "
            "load without --bulk to add to it"
        )
    clock = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[phase] = round(now - clock, 1)
        clock = now

    meta = new_batch_meta()
    work_dir = work_dir or directory / "import" / meta.batch_id
    files = ImportFiles(work_dir, meta)
    kinds = [k for k in contract() if k != "record_events"]
    report = load_directory(
        directory,
        files,
        keyring,
        rejects_path=rejects_path,
        progress=progress,
        kinds=kinds,
        meta=meta,
        batch_size=50_000,
    )
    lap("validate")
    run_import(import_command, files.finish())
    shutil.rmtree(work_dir)
    lap("import")
    neo = open_neo4j(uri)  # creates the constraints and indexes
    with neo as store:
        neo.await_indexes()
        lap("schema")
        report.phases = phases  # the events' time is in the report, not in the load log
        store.record_load(report.to_dict())
        sources, _ = discover(directory)
        if any(s.kind == "record_events" for s in sources):
            events = load_directory(
                directory, store, keyring, progress=progress, kinds=["record_events"]
            )
            report.files += events.files
        lap("events")
    return report
