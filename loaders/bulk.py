"""A first load into an empty Neo4j through its bulk importer (``neo4j-admin database import``).

The files are read, validated, de-duplicated and checked for references exactly as an
incremental load does (the same :class:`~loaders.load._FileLoader`, rejects and report), but
the rows go to the importer's CSV files instead of ``UNWIND … MERGE``, column by column
through Arrow: one header file (the node id stored as the key property, ``sid:ID(Subject)``;
``:START_ID``/``:END_ID``; typed properties) and one data file per node label and
relationship type, the labels given on the command line. The nodes and relationships carry
the same properties as the incremental loader's (provenance included), so both give the
same graph. Record events go through the record life cycle as they do in an incremental load,
over the records they name, which are held until then and written with their earlier
versions (:mod:`loaders.bulk_records`). A large input is validated in two processes, file
group beside file group (:data:`STAGES`), with the same outcome.

The import itself runs on a stopped server (``scripts/neo4j-local import -`` stops it while
the files are validated, imports and starts it again); then, over Bolt, the constraints are
created side by side (each fills its index), the other indexes are created together and fill
in the background while the load is logged, and the load waits for them.
"""

from __future__ import annotations

import csv
import multiprocessing
import shlex
import shutil
import subprocess
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from graph_service.ids.person_key import PersonKeyring
from graph_service.ids.regions import region
from graph_service.schema import graph_schema
from graph_service.stores import open_neo4j
from graph_service.stores.base import BatchMeta, RowKind, SubjectKind, WriteCounts, sid
from loaders.bulk_records import ARRAY_DELIMITER, VERSION_OF, HeldRecords, event_records
from loaders.columns import warm
from loaders.contract import contract
from loaders.load import FileReport, LoadReport, load_directory, new_batch_meta
from loaders.readers import discover
from loaders.rejects import RejectsWriter

#: Arrow types of the schema's property types (everything else is a string), and the
#: importer's header type of each.
_ARROW = {"float": pa.float64(), "bool": pa.bool_()}
_IMPORTER = {pa.float64(): "double", pa.bool_(): "boolean"}
_SCHEMA = graph_schema()


class BulkLoadError(Exception):
    """The bulk load cannot run (the database is not empty, or the importer failed)."""


#: Each row kind's importer file: its node label or relationship type (``graph.yaml``).
_GROUPS: dict[str, str] = {k.rows: k.name for k in _SCHEMA.kinds() if k.rows}
#: Each node file's labels, as the importer's ``--nodes=A:B=…`` takes them.
_LABELS = {k.name: ":".join(k.labels) for k in _SCHEMA.kinds() if not k.is_relationship}


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


def _arrow_types() -> dict[str, pa.DataType]:
    """Arrow type of each property that is not a string (``graph.yaml``)."""
    return {n: _ARROW[t] for n, t in _SCHEMA.property_types().items() if t in _ARROW}


#: The property each id space's importer id is also stored as (``sid:ID(Subject)``): the
#: id column doubles as the node's key, so it is written once.
_ID_PROPERTY = {"Subject": "sid", "Record": "record_id", "Region": "code"}
#: The load stamps every node and relationship of the load carries, the same on each row.
_STAMPS = ("batch_id", "loaded_at", "first_batch_id")

#: A column of a batch: its values, one a row, or one value for every row (a stamp).
Column = list[Any] | str


@dataclass
class _File:
    """One importer data file (its header file is written when it opens)."""

    columns: list[str]
    schema: pa.Schema
    #: None once the file is closed (its rows all written).
    writer: pacsv.CSVWriter | None
    rows: int = 0
    #: Its node label or relationship type when not its file's name (a second file of one).
    group: str | None = None


@dataclass
class ImportFiles:
    """Writes importer CSVs under ``directory`` and stands in for the store while a bulk load
    validates: it knows what it has written (for references) and counts every row created.

    Rows are written column by column through Arrow's CSV writer, a batch at a time: a null
    is an empty field (no property), as is an empty string. The records of ``held`` (those
    the load's events name) and their ``NAMES`` are held and written last, as the events
    leave them (:mod:`loaders.bulk_records`)."""

    directory: Path
    meta: BatchMeta
    backend: str = "neo4j-import"
    concurrent_writes: bool = False
    held: HeldRecords = field(default_factory=HeldRecords)
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
        """Records this load has written: the held ones whole (their events read them), the
        others only their ids (nothing else is asked of them)."""
        held = self.held.records(record_ids)
        ids = {r["record_id"] for r in held}
        return held + [{"record_id": r} for r in record_ids if r in self._records and r not in ids]

    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        """Append ``rows`` to the importer files of ``kind``; every row is created, but those of
        held records, which are upserted (:class:`HeldRecords`)."""
        counts = WriteCounts()
        if kind in ("records", "record_persons") and self.held.ids:
            counts = self._write_held_rows(
                kind, [r for r in rows if r["record_id"] in self.held.ids], meta
            )
            rows = [r for r in rows if r["record_id"] not in self.held.ids]
        if not rows:
            return counts
        group = _GROUPS[kind]
        stamps: dict[str, Column] = {
            "batch_id": meta.batch_id,
            "loaded_at": meta.loaded_at,
            "first_batch_id": meta.batch_id,
        }
        ends: dict[str, Column] = {}
        if kind in ("entities", "persons"):
            subject: SubjectKind = "entity" if kind == "entities" else "person"
            keys = [r["uscc" if kind == "entities" else "key"] for r in rows]
            self._subjects[subject].update(keys)
            ends["sid"] = [sid(subject, k) for k in keys]
            if kind == "entities":
                self._superiors += [(r["uscc"], s) for r in rows if (s := r.get("superior_uscc"))]
        elif kind == "records":
            ids = [r["record_id"] for r in rows]
            self._records.update(ids)
            concerns = [sid(r["subject_type"], r["subject_key"]) for r in rows]
            self._append("CONCERNS", {":START_ID": ids, ":END_ID": concerns}, len(rows))
        else:
            pairs = [_ends(kind, r) for r in rows]
            ends = {":START_ID": [p[0] for p in pairs], ":END_ID": [p[1] for p in pairs]}
            if kind == "registrations":
                self._regions.update(r["region_code"] for r in rows)
        f = self._files.get(group)
        given = [c for c in rows[0] if c not in ends and c not in stamps]
        names = f.columns if f else [*ends, *given, *stamps]
        columns = {
            c: ends[c] if c in ends else [r.get(c) for r in rows] for c in names if c not in stamps
        }
        self._append(group, columns | stamps, len(rows))
        counts.created += len(rows)
        return counts

    def _write_held_rows(
        self, kind: RowKind, rows: list[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts:
        """Upsert rows of held records (a record's ``CONCERNS`` is written when it is
        created: an event never changes its subject)."""
        counts = WriteCounts()
        upsert = self.held.write_record if kind == "records" else self.held.write_name
        created = []
        for row in rows:
            outcome = upsert(row, meta)
            setattr(counts, outcome, getattr(counts, outcome) + 1)
            if kind == "records" and outcome == "created":
                created.append(row)
        if created:
            ids = [r["record_id"] for r in created]
            self._records.update(ids)
            concerns = [sid(r["subject_type"], r["subject_key"]) for r in created]
            self._append("CONCERNS", {":START_ID": ids, ":END_ID": concerns}, len(created))
        return counts

    def link_superiors(self, meta: BatchMeta) -> None:
        """SUPERVISED_BY to each superior unit the load wrote."""
        known = self._subjects["entity"]
        pairs = [(u, s) for u, s in self._superiors if s in known]
        if pairs:
            starts = [sid("entity", u) for u, _ in pairs]
            self._append(
                "SUPERVISED_BY",
                {":START_ID": starts, ":END_ID": [sid("entity", s) for _, s in pairs]},
                len(pairs),
            )
        self._superiors.clear()

    def begin_load(self, summary: Mapping[str, Any]) -> None:
        """Nothing here: the load is logged over Bolt once the import has run."""

    def record_load(self, summary: Mapping[str, Any]) -> None:
        """Nothing here: the load is logged over Bolt once the import has run."""

    # -- files ---------------------------------------------------------------------------

    def _append(self, group: str, columns: Mapping[str, Column], n: int) -> None:
        """Write ``n`` rows given as ``columns`` to the data file of ``group``."""
        f = self._files.get(group) or self._open(group, list(columns))
        arrays = []
        for name, kind in zip(f.columns, f.schema.types, strict=True):
            values = columns[name]
            if isinstance(values, str):
                arrays.append(pa.repeat(pa.scalar(values, kind), n))
            elif kind == pa.string():
                arrays.append(pa.array([v or None for v in values], kind))
            else:
                arrays.append(pa.array(values, kind))
        assert f.writer is not None, f"{group}.csv is closed"
        f.writer.write_batch(pa.record_batch(arrays, schema=f.schema))
        f.rows += n

    def _open(self, group: str, columns: list[str]) -> _File:
        self.directory.mkdir(parents=True, exist_ok=True)
        types = _arrow_types()
        header = [_typed(c, group, types) for c in columns]
        with (self.directory / f"{group}.header.csv").open("w", encoding="utf-8", newline="") as h:
            csv.writer(h).writerow(header)
        schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
        writer = pacsv.CSVWriter(
            self.directory / f"{group}.csv",
            schema,
            write_options=pacsv.WriteOptions(include_header=False, batch_size=50_000),
        )
        f = _File(columns=columns, schema=schema, writer=writer)
        self._files[group] = f
        return f

    def close_files(self) -> None:
        """Close every data file open (a stage's files are complete: its end, or a fork)."""
        for f in self._files.values():
            if f.writer is not None:
                f.writer.close()
                f.writer = None

    def _write_held(self) -> None:
        """Write the held records and what their events made (once: they are dropped)."""
        for group, stem, rows in self.held.write_files(self.directory):
            self._files[stem] = _File([], pa.schema([]), None, rows, group)
        self.held = HeldRecords(self.held.ids)

    def written(self) -> Written:
        """What this writer has written (its files closed), for the process it was forked
        from to :meth:`add`."""
        self._write_held()
        self.close_files()
        files = {g: replace(f, writer=None) for g, f in self._files.items()}
        return Written(self._subjects, self._records, self._regions, files)

    def add(self, other: Written) -> None:
        """Take in what a forked writer wrote (files of other groups than this one's)."""
        for kind, keys in other.subjects.items():
            self._subjects[kind] |= keys
        self._records |= other.records
        self._regions |= other.regions
        for group, f in other.files.items():
            self._files.setdefault(group, f)

    def finish(self) -> list[str]:
        """Write the Region nodes, close every file; the importer's arguments."""
        codes = sorted(self._regions)
        if codes:
            regions = [region(c) for c in codes]
            self._append(
                "Region",
                {
                    "code": codes,
                    "name": [r.name for r in regions],
                    "level": [r.level for r in regions],
                    "retired": [r.retired for r in regions],
                },
                len(codes),
            )
        self._write_held()
        self.close_files()
        args = [
            f"--report-file={self.directory / 'import.report'}",
            f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
        ]
        for stem, f in self._files.items():
            group = f.group or stem
            files = f"{self.directory / f'{stem}.header.csv'},{self.directory / f'{stem}.csv'}"
            if group in _END_SPACES or group == VERSION_OF:
                args.append(f"--relationships={group}={files}")
            else:
                args.append(f"--nodes={_LABELS.get(group, group)}={files}")
        return args


@dataclass
class Written:
    """What an :class:`ImportFiles` of a forked process wrote: the keys it knows and its
    files (closed)."""

    subjects: dict[SubjectKind, set[str]]
    records: set[str]
    regions: set[str]
    files: dict[str, _File]


def _typed(column: str, group: str, types: Mapping[str, pa.DataType]) -> str:
    """The importer header field of a column (ids, ends, typed properties)."""
    starts, ends = _END_SPACES.get(group, ("", ""))
    space = "" if group in _END_SPACES else _SCHEMA.id_space(group)
    if column == _ID_PROPERTY.get(space):
        return f"{column}:ID({space})"
    match column:
        case ":START_ID":
            return f":START_ID({starts})"
        case ":END_ID":
            return f":END_ID({ends})"
    kind = types.get(column)
    return f"{column}:{_IMPORTER[kind]}" if kind is not None else column


#: The files a bulk load validates side by side on two cores, stage after stage: in each stage
#: this process takes the first group and a process forked from it the second. A file names
#: only files of earlier stages or earlier in its own group, so each is validated against
#: what it would find in one process. Persons stay here: the stages forked later inherit the
#: keys of their ID numbers, which roles, holdings and records key again. Registrations name
#: entities only, so they follow them in the first stage: at 1M, persons took 22 s of CPU
#: here against 12.5 s for entities there, and roles 26 s against 27 s for the rest.
STAGES = (
    (("persons",), ("entities", "registrations")),
    (("roles",), ("shareholdings", "records", "record_persons", "record_events")),
)
#: Input (all its files) from which a bulk load validates in two processes: below it, forking
#: costs more than it saves.
PARALLEL_BYTES = 32 * 1024 * 1024

#: What the process forked for a stage validates with (set before each fork).
_FORKED: list[tuple[Path, ImportFiles, PersonKeyring, bool]] = []


def validate_files(
    directory: Path,
    files: ImportFiles,
    keyring: PersonKeyring,
    *,
    rejects_path: Path,
    progress: bool,
    kinds: Sequence[str],
    parallel: bool | None = None,
) -> LoadReport:
    """Validate the files of ``kinds`` into ``files``, as :func:`load_directory` does; with
    ``parallel`` (default: inputs of :data:`PARALLEL_BYTES` or more) the :data:`STAGES` in
    two processes. The report, the rejects file and the importer files are the same either
    way (the rejects are put in file order)."""
    sources, ignored = discover(directory)
    present = {s.kind for s in sources if s.kind in kinds}
    if parallel is None:
        parallel = sum(s.path.stat().st_size for s in sources if s.kind in present) >= (
            PARALLEL_BYTES
        )
    staged = {k for stage in STAGES for group in stage for k in group}
    if not parallel or not present <= staged:
        return _load(directory, files, keyring, rejects_path, progress, kinds)
    started = time.perf_counter()
    keyring = keyring.memoised()  # one memo for every stage of this process
    warm()  # the region tables, built once for both processes
    done: list[FileReport] = []
    parts: list[Path] = []
    for stage in STAGES:
        here, there = ([k for k in group if k in present] for group in stage)
        parts += [rejects_path.with_name(f"{rejects_path.name}.{len(parts) + i}") for i in (0, 1)]
        _FORKED[:] = [(directory, files, keyring, progress)]
        files.close_files()  # the forked process must not hold (and flush) them too
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            forked = pool.submit(_validate_forked, there, parts[-1]) if there else None
            if here:
                done += _load(directory, files, keyring, parts[-2], progress, here).files
            if forked is not None:
                reports, written = forked.result()
                done += reports
                files.add(written)
        _FORKED.clear()
    order = {s.path.name: i for i, s in enumerate(sources)}
    report = LoadReport(
        batch_id=files.meta.batch_id,
        directory=str(directory),
        started_at=files.meta.loaded_at,
        files=sorted(done, key=lambda f: order[f.file]),
        ignored_files=[p.name for p in ignored],
    )
    report.seconds = round(time.perf_counter() - started, 3)
    if merge_rejects(parts, rejects_path, order):
        report.rejects_file = str(rejects_path)
    return report


def _load(
    directory: Path,
    files: ImportFiles,
    keyring: PersonKeyring,
    rejects_path: Path,
    progress: bool,
    kinds: Sequence[str],
) -> LoadReport:
    return load_directory(
        directory,
        files,
        keyring,
        rejects_path=rejects_path,
        progress=progress,
        kinds=kinds,
        meta=files.meta,
        batch_size=50_000,
    )


def _validate_forked(kinds: Sequence[str], rejects_path: Path) -> tuple[list[FileReport], Written]:
    """A stage's second group, in the forked process: its reports and what it wrote."""
    directory, files, keyring, progress = _FORKED[0]
    report = _load(directory, files, keyring, rejects_path, progress, kinds)
    return report.files, files.written()


def merge_rejects(parts: Sequence[Path], path: Path, order: Mapping[str, int]) -> bool:
    """Write the rows of the rejects files ``parts`` to ``path`` in file order (``order``:
    each input file's position), each file's rows in their order; remove the parts. Whether
    anything was rejected."""
    rows: list[dict[str, str]] = []
    for part in parts:
        if part.exists():
            with part.open(encoding="utf-8-sig", newline="") as fh:
                rows += csv.DictReader(fh)
            part.unlink()
    if not rows:
        return False
    rows.sort(key=lambda r: order[r["file"]])
    with RejectsWriter(path) as out:
        out.write_rows(rows)
    return True


def start_import(command: str) -> subprocess.Popen[str]:
    """Start the importer's command (``command -``): it stops the server while the files are
    written and waits for its arguments (:func:`run_import`)."""
    return subprocess.Popen(
        [*shlex.split(command), "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_import(command: str, importer: subprocess.Popen[str], args: list[str] | None) -> None:
    """Hand ``args`` to the importer started by :func:`start_import` (``None``: the load failed,
    no import, the server is started again) and wait for it; raises :class:`BulkLoadError`
    when the import fails."""
    out, err = importer.communicate("".join(f"{a}\0" for a in args or ()))
    if args is not None and importer.returncode != 0:
        tail = (err or out)[-4000:]
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
    parallel: bool | None = None,
) -> LoadReport:
    """Load ``directory`` into the empty Neo4j database at ``uri`` through the bulk importer.

    ``import_command`` (``scripts/neo4j-local import``), started with the argument ``-`` as
    the validation begins, stops the server, reads the importer's arguments from its
    standard input (each ended by a NUL; none if the load failed before its files were
    ready), runs the importer with them and starts the server again. ``work_dir`` holds the
    importer's files (default ``DIR/import/<batch>``; removed after a successful import). Raises
    :class:`BulkLoadError` when the database is not empty or the import fails.
    ``parallel``: validate in two processes (:func:`validate_files`).
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
    # The server stops while the files are validated (its stop costs the load no time); it
    # is started again whatever happens to them.
    importer = start_import(import_command)
    try:
        files = ImportFiles(work_dir, meta, held=HeldRecords(frozenset(event_records(directory))))
        report = validate_files(
            directory,
            files,
            keyring,
            rejects_path=rejects_path or directory / "rejects" / f"{meta.batch_id}.csv",
            progress=progress,
            kinds=list(contract()),
            parallel=parallel,
        )
        lap("validate")
        args = files.finish()
    except BaseException:
        run_import(import_command, importer, None)
        raise
    run_import(import_command, importer, args)
    shutil.rmtree(work_dir)
    lap("import")
    # The constraints are made (and their indexes filled) as the store opens; the other
    # indexes fill in the background while the load is logged, and are awaited last.
    neo = open_neo4j(uri)
    with neo as store:
        lap("schema")
        report.phases = phases  # the indexes' time is in the report, not the log
        store.record_load(report.to_dict())
        neo.await_indexes()
        lap("indexes")
    return report
