"""Load a directory of contract files into a store.

Order: entities, persons, registrations, roles, shareholdings, records (nodes before the
relationships that point at them). Each row is validated; a bad row goes to the rejects file
with its reason and the rest load. Rows identical to what the store holds change nothing, so
loading the same files twice leaves the graph unchanged; a row with the same identity and new
content (an ``end_date`` filled in) updates the stored item.
"""

from __future__ import annotations

import datetime as dt
import gc
import secrets
import time
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field, fields
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol, cast

from tqdm import tqdm

from graph_service.engine.lifecycle import RecordEvent, rebase, write_events
from graph_service.engine.timeline import event_key
from graph_service.ids.person_key import PersonKeyring, mask_resident_id
from graph_service.settings import get_settings
from graph_service.stores.base import (
    BatchMeta,
    GraphStore,
    RowKind,
    SubjectKind,
    Touched,
    WriteCounts,
    iter_batches,
    row_identity_of,
)
from loaders.columns import ChunkResult, FrameValidator
from loaders.contract import FileSpec, contract
from loaders.parallel import FileSpecKey, ValidationPool
from loaders.readers import (
    CHUNK_BYTES,
    Chunk,
    SourceFile,
    count_rows,
    discover,
    header,
    read_chunks,
)
from loaders.rejects import RejectsWriter
from loaders.validate import Problem, RowValidator


class LoadTarget(Protocol):
    """What a load writes to: a :class:`GraphStore`, or the importer files of a bulk load."""

    concurrent_writes: bool

    def transaction(self, small: bool = False) -> AbstractContextManager[None]: ...

    def existing(self, kind: SubjectKind, keys: Collection[str]) -> set[str]: ...

    def records_by_id(self, record_ids: Collection[str]) -> list[dict[str, Any]]: ...

    def write(
        self, kind: RowKind, rows: Sequence[Mapping[str, Any]], meta: BatchMeta
    ) -> WriteCounts: ...

    def link_superiors(self, meta: BatchMeta) -> None: ...

    def begin_load(self, summary: Mapping[str, Any]) -> None: ...

    def record_load(self, summary: Mapping[str, Any]) -> None: ...


#: A valid row on its way to the store: its line, the row as read, the normalised row.
_Row = tuple[int, Mapping[str, str], dict[str, Any]]


class LoadError(Exception):
    """The load could not run at all (no such directory, no contract file)."""


@dataclass(slots=True)
class FileReport:
    """What happened to one file."""

    kind: str
    file: str
    format: str
    encoding: str | None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    extra_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    #: Set when the file could not be read at all (corrupt spreadsheet, broken CSV quoting).
    error: str | None = None

    @property
    def loaded(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(slots=True)
class LoadReport:
    """What one load did, file by file; also appended to the store's load log."""

    batch_id: str
    directory: str
    started_at: str
    seconds: float = 0.0
    files: list[FileReport] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    #: Seconds per phase where a load has phases apart from reading the files (a bulk load:
    #: validate, import, schema, events); empty for an incremental load.
    phases: dict[str, float] = field(default_factory=dict)
    #: The subjects the load wrote (for incremental flag updates; not in the summary).
    touched: Touched = field(default_factory=Touched, repr=False)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--json`` and the load log)."""
        skip = ("files", "touched")
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        out["files"] = [asdict(f) for f in self.files]
        for f, fr in zip(out["files"], self.files, strict=True):
            f["loaded"] = fr.loaded
        out["rejected"] = self.rejected
        return out


def new_batch_meta(now: dt.datetime | None = None) -> BatchMeta:
    """A fresh batch id and timestamp for one load."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return BatchMeta(batch_id=f"load-{stamp}-{secrets.token_hex(3)}", loaded_at=now.isoformat())


def latest_date(meta: BatchMeta) -> str | None:
    """The latest date a row may hold (``LOAD_FUTURE_DAYS`` after the load day; None: any)."""
    days = get_settings().load_future_days
    if days < 0:
        return None
    day = dt.datetime.fromisoformat(meta.loaded_at).date()
    return (day + dt.timedelta(days=days)).isoformat()


def _ref_problem(kind: SubjectKind, column: str, raw: str) -> Problem:
    if kind == "entity":
        return Problem(
            column,
            raw,
            f"统一社会信用代码{raw}对应的主体未登记（不在entities文件和图中） / "
            f"entity {raw} is not registered (neither in entities nor in the store)",
        )
    masked = mask_resident_id(raw.upper()) if len(raw) == 18 else raw
    return Problem(
        column,
        masked,
        f"身份证号码{masked}对应的人员未登记（不在persons文件和图中） / "
        f"person {masked} is not registered (neither in persons nor in the store)",
    )


class _FileLoader:
    """Loads one file: validate, check identities and references, write, reject."""

    def __init__(
        self,
        src: SourceFile,
        spec: FileSpec,
        store: LoadTarget,
        keyring: PersonKeyring,
        rejects: RejectsWriter,
        meta: BatchMeta,
        batch_size: int,
        touched: Touched,
        writer: ThreadPoolExecutor | None = None,
        writers: ThreadPoolExecutor | None = None,
        validators: ValidationPool | None = None,
    ) -> None:
        self.src, self.spec, self.store = src, spec, store
        self.validators = validators
        self.keyring, self.rejects, self.meta = keyring, rejects, meta
        self.batch_size = batch_size
        self.seen: dict[tuple[str, ...], int] = {}
        self.identity = _identity_of(spec)
        self.report = FileReport(
            kind=spec.kind, file=src.path.name, format=src.format, encoding=src.encoding
        )
        try:
            cols = header(src)
        except READ_ERRORS as exc:
            self.report.error = _read_error(src, exc)
            cols = []
        self.missing = [c for c in spec.required if c not in cols]
        rows = RowValidator(
            spec, keyring, cols, default_source=src.path.name, latest=latest_date(meta)
        )
        self.validator = FrameValidator(rows)
        self.spec_key = FileSpecKey.of(rows, cols)
        self.report.extra_columns = rows.extra
        self.report.ignored_columns = rows.ignored
        # (column, subject kind, normalised-row field holding the key) to check against the store
        self.refs: list[tuple[str, SubjectKind | None, str]] = []
        self.record_refs = [c.name for c in spec.columns if c.ref == "record"]
        for col in spec.columns:
            if col.ref == "entity":
                self.refs.append((col.name, "entity", col.name))
            elif col.ref == "person":
                self.refs.append((col.name, "person", "person_key"))
            elif col.ref == "by":
                key_field = "holder_key" if col.name == "holder_id" else "subject_key"
                self.refs.append((col.name, None, key_field))
        self.deferred: list[_Row] = []
        self.events: list[_Row] = []
        self.touched = touched
        self.writer = writer
        self.writers = writers
        self.pending: Future[WriteCounts] | None = None

    def run(self, progress: bool) -> FileReport:
        if self.report.error:
            return self.report
        total = count_rows(self.src)
        with tqdm(
            total=total,
            desc=f"{self.spec.kind:<14}",
            unit=" rows",
            disable=not progress,
            leave=True,
        ) as bar:
            try:
                for chunk, result in self._validated(read_chunks(self.src)):
                    for bad in chunk.bad:
                        self.report.rows += 1
                        self._reject(bad.line, {"line": bad.text}, [Problem("", "", bad.reason)])
                    self._chunk(chunk, result)
                    bar.update(len(chunk) + len(chunk.bad))
            except READ_ERRORS as exc:
                # Rows before the break are loaded and counted; the report says where it broke.
                self.report.error = _read_error(self.src, exc, after_rows=self.report.rows)
            finally:
                self._drain()
        if self.deferred:  # forward references inside this file (a superior unit listed later)
            deferred, self.deferred = self.deferred, []
            self._resolve(deferred, final=True)
            self._drain()
        if self.events:
            self._apply_events()
        return self.report

    def _apply_events(self) -> None:
        """Apply the file's events in date order (then file order) through the life cycle,
        as the API does; one that does not fit its record is rejected with the reason."""
        ordered = sorted(self.events, key=lambda e: (e[2]["on"], e[0]))
        events = [
            RecordEvent(
                record_id=norm["record_id"],
                event=norm["event"],
                on=norm["on"],
                by=norm.get("source") or self.src.path.name,
                reason=norm.get("reason") or "",
                person_key=norm.get("person_key"),
                action=norm.get("action"),
                effective_to=norm.get("effective_to"),
                outcome=norm.get("outcome"),
            )
            for _, _, norm in ordered
        ]
        # Events need a real store (a bulk load applies them once imported).
        results = write_events(cast(GraphStore, self.store), events, self.meta)
        for (line, raw, norm), result in zip(ordered, results, strict=True):
            if isinstance(result, Exception):
                self._reject(line, raw, [Problem("event", norm["event"], str(result))])
            elif result[0] == "created":
                self.report.created += 1
                self.touched.add_rows("records", [result[1]])
            else:
                self.report.unchanged += 1

    def _validated(self, chunks: Iterator[Chunk]) -> Iterator[tuple[Chunk, ChunkResult | None]]:
        """Each chunk with its verdicts (by the worker processes when the load has them);
        None when the file lacks a required column (every row is refused for that)."""
        if self.missing:
            return ((chunk, None) for chunk in chunks)
        if self.validators is not None:
            return self.validators.validated(self.spec_key, chunks)
        return ((chunk, self.validator.validate(chunk.frame)) for chunk in chunks)

    def _chunk(self, chunk: Chunk, result: ChunkResult | None) -> None:
        self.report.rows += len(chunk)
        if result is None:
            problems = [
                Problem(c, "", f"文件缺少必填列{c} / the file has no column {c}")
                for c in self.missing
            ]
            for row, line in zip(chunk.rows, chunk.lines, strict=True):
                self._reject(line, row, problems)
            return
        if not result.problems and self._first_seen(result.rows, chunk.lines):
            # Every row valid and new (a clean file): no row is looked at on its own here.
            rows = cast(list[dict[str, Any]], result.rows)
            raws = map(chunk.raw, range(len(rows)))
            self._resolve(list(zip(chunk.lines, raws, rows, strict=True)), final=False)
            return
        good: list[_Row] = []
        for i, (norm, line) in enumerate(zip(result.rows, chunk.lines, strict=True)):
            # The row as read is built only for a row refused (the rejects file shows it).
            raw = chunk.raw(i)
            if norm is None:
                self._reject(line, raw, result.problems[i])
                continue
            ident = self.identity(norm)
            first = self.seen.get(ident)
            if first is not None:
                self._reject(
                    line,
                    raw,
                    [
                        Problem(
                            ",".join(self.spec.identity),
                            "",
                            f"与本文件第{first}行重复 / duplicates line {first} of this file",
                        )
                    ],
                )
                continue
            self.seen[ident] = line
            good.append((line, raw, norm))
        self._resolve(good, final=False)

    def _first_seen(self, rows: list[dict[str, Any] | None], lines: list[int]) -> bool:
        """Whether no two of ``rows`` (all valid) share an identity and none has one seen
        before in this file; if so, they are now seen, at ``lines``."""
        idents = list(map(self.identity, cast(list[dict[str, Any]], rows)))
        if len(set(idents)) < len(idents) or not self.seen.keys().isdisjoint(idents):
            return False
        self.seen.update(zip(idents, lines, strict=True))
        return True

    def _resolve(self, rows: list[_Row], final: bool) -> None:
        """Check references against the store, then write the rows that pass."""
        file_kind = self.spec.kind
        wanted: dict[SubjectKind, set[str]] = {"entity": set(), "person": set()}
        for _, kind, key_field in self.refs:
            if kind is not None:
                wanted[kind].update(key for _, _, norm in rows if (key := norm.get(key_field)))
                continue
            for _, _, norm in rows:
                if key := norm.get(key_field):
                    wanted[_by_kind(norm)].add(key)
        if file_kind == "entities":
            # Superior units listed in this very chunk count as present.
            wanted["entity"] -= {norm["uscc"] for _, _, norm in rows}
        # The subjects this load wrote or referred to are there already (a load deletes none),
        # so only the others are asked of the store: a reload of a whole registry asks none.
        wanted["entity"] -= self.touched.entities
        wanted["person"] -= self.touched.persons
        # The keys named that are neither in the store nor in this chunk: usually none, and
        # then no row needs its references checked one by one.
        missing = {k: v - self.store.existing(k, v) if v else v for k, v in wanted.items()}
        check_refs = any(missing.values())
        stored = self._stored_records(rows)
        ok: list[dict[str, Any]] = []
        if not (check_refs or stored or self.record_refs or file_kind == "record_events"):
            ok = [norm for _, _, norm in rows]  # nothing below could refuse or hold a row
            rows = []
        for line, raw, norm in rows:
            problems = []
            for column, kind, key_field in self.refs if check_refs else ():
                key = norm.get(key_field)
                k = kind or _by_kind(norm)
                if key and key in missing[k]:
                    problems.append(_ref_problem(k, column, raw.get(column, "")))
            if file_kind == "records" and norm["record_id"] in stored:
                moved = _moved_subject(stored[norm["record_id"]], norm, raw)
                if moved is not None:
                    problems.append(moved)
            for column in self.record_refs:
                if norm[column] not in stored:
                    problems.append(_record_problem(column, norm[column]))
            if not problems and file_kind == "record_events":
                self.events.append((line, raw, norm))
            elif not problems:
                ok.append(norm)
            elif file_kind == "entities" and not final:
                self.deferred.append((line, raw, norm))
            else:
                self._reject(line, raw, problems)
        if file_kind == "record_events":
            return  # applied in date order once the whole file is read (_apply_events)
        if file_kind == "records":
            # A record's events stand when its source row is loaded again (changed or not).
            ok = [rebase(norm, stored.get(norm["record_id"])) for norm in ok]
        self.touched.add_rows(file_kind, ok)
        if self.writer is None:
            self._count(self._write(file_kind, ok))
        else:
            # Validate the next chunk while this one is written. Entities wait for their own
            # write: the next chunk's superior units may be in this one.
            self._drain()
            self.pending = self.writer.submit(self._write, file_kind, ok)
            if file_kind == "entities":
                self._drain()

    def _stored_records(self, rows: list[_Row]) -> dict[str, dict[str, Any]]:
        """The stored records the rows name (by ``record_id``), for references and events."""
        if self.spec.kind != "records" and not self.record_refs:
            return {}
        ids = {norm["record_id"] for _, _, norm in rows}
        return {r["record_id"]: r for r in self.store.records_by_id(ids)} if ids else {}

    def _write(self, kind: RowKind, rows: list[dict[str, Any]]) -> WriteCounts:
        """Write ``rows`` in batches; with parallel writers, split first on the node they
        attach to, so the writers touch disjoint entities (or records) and seldom wait on
        each other's locks."""
        size = self.batch_size * (RELATIONSHIP_BATCHES if kind in RELATIONSHIPS else 1)
        if self.writers is None or len(rows) <= size:
            return self._write_batches(kind, rows, size)
        ways = get_settings().load_writers
        parts: list[list[dict[str, Any]]] = [[] for _ in range(ways)]
        key = PARTITION_KEY[kind]
        for row in rows:
            parts[hash(row[key]) % ways].append(row)
        if kind in SHARED_END:
            # The other end may be in several parts: each writer locks it in the same order.
            for part in parts:
                part.sort(key=itemgetter(*SHARED_END[kind]))
        counts = WriteCounts()
        for done in [self.writers.submit(self._write_batches, kind, p, size) for p in parts]:
            counts.add(done.result())
        return counts

    def _write_batches(self, kind: RowKind, rows: list[dict[str, Any]], size: int) -> WriteCounts:
        counts = WriteCounts()
        for batch in iter_batches(rows, size):
            counts.add(self.store.write(kind, batch, self.meta))
        return counts

    def _count(self, counts: WriteCounts) -> None:
        self.report.created += counts.created
        self.report.updated += counts.updated
        self.report.unchanged += counts.unchanged

    def _drain(self) -> None:
        """Wait for the write in flight (its error, if any, is raised here)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self._count(pending.result())

    def _reject(self, line: int, raw: Mapping[str, str], problems: list[Problem]) -> None:
        self.rejects.reject(self.src.path.name, line, raw, problems)
        self.report.rejected += 1


#: Files of relationships only: their rows are written in batches this many times larger (a
#: relationship row is small, and each batch is a transaction with its own overhead).
RELATIONSHIPS = frozenset({"registrations", "roles", "shareholdings", "record_persons"})
RELATIONSHIP_BATCHES = 4
#: The field rows are split on for parallel writers: the node each row attaches to.
PARTITION_KEY = {
    "entities": "uscc",
    "persons": "key",
    "registrations": "uscc",
    "roles": "uscc",
    "shareholdings": "uscc",
    "records": "subject_key",
    "record_persons": "record_id",
}
#: The fields of the end a relationship row shares with rows of other parts (a person in two
#: entities, a region): each part is written in their order, so two writers take those locks
#: in one order and never wait for each other in a cycle over them (a deadlock, which the
#: server breaks by failing one transaction). A holder that another part writes as a target
#: still can: its lock comes in that part's order.
SHARED_END = {
    "registrations": ("region_code",),
    "roles": ("person_key",),
    "shareholdings": ("holder_type", "holder_key"),
    "record_persons": ("person_key",),
}

#: Input (all its files) from which a load validates in worker processes: below it, forking
#: them costs more than they save.
PARALLEL_BYTES = 2 * CHUNK_BYTES

READ_ERRORS = (ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile, KeyError)


def _identity_of(spec: FileSpec) -> Callable[[Mapping[str, Any]], tuple[str, ...]]:
    """The identity of a valid row of ``spec``'s file (a later row with the same one
    duplicates it)."""
    if spec.kind == "record_events":
        return lambda norm: (norm["record_id"], event_key(norm))
    return row_identity_of(spec.kind)


def _record_problem(column: str, record_id: str) -> Problem:
    return Problem(
        column,
        record_id,
        f"信用记录{record_id}不存在（不在records文件和图中） / "
        f"no record {record_id} (neither in records nor in the store)",
    )


def _read_error(src: SourceFile, exc: Exception, after_rows: int | None = None) -> str:
    where = f"（已读{after_rows}行后）" if after_rows else ""
    where_en = f" after {after_rows} rows" if after_rows else ""
    return (
        f"文件{src.path.name}无法读取{where}：{exc} / cannot read {src.path.name}{where_en}: {exc}"
    )


def _moved_subject(
    stored: Mapping[str, Any], norm: Mapping[str, Any], raw: Mapping[str, str]
) -> Problem | None:
    """A conflict when a row would move a stored record to another subject (a correction of
    the subject is a life-cycle event, never a silent reload)."""
    new = (norm["subject_type"], norm["subject_key"])
    if new == (stored.get("subject_type"), stored.get("subject_key")):
        return None
    old_text = f"{stored.get('subject_type')} {stored.get('subject_key')}"
    shown = raw.get("subject_id", "")
    new_text = f"{new[0]} {mask_resident_id(shown.upper()) if new[0] == 'person' else shown}"
    return Problem(
        "subject_id",
        new_text,
        f"冲突：记录{norm['record_id']}的主体为{old_text}，此行改为{new_text}；"
        "更正主体须以事件办理 / "
        f"conflict: record {norm['record_id']} concerns {old_text}, this line names "
        f"{new_text}; a change of subject is a correction event, not a reload",
    )


def _by_kind(norm: Mapping[str, Any]) -> SubjectKind:
    kind = norm.get("holder_type") or norm.get("subject_type")
    return "entity" if kind == "entity" else "person"


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a load runs: a load allocates millions of
    dicts that live on (rows, graph items) and hold no cycles, and every collection of the
    oldest generation would walk them all again (it halved a 100k-entity load's time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_directory(
    directory: Path,
    store: LoadTarget,
    keyring: PersonKeyring,
    *,
    rejects_path: Path | None = None,
    progress: bool = True,
    batch_size: int = 5000,
    kinds: Collection[str] | None = None,
    meta: BatchMeta | None = None,
    validators: int | None = None,
) -> LoadReport:
    """Load every contract file found in ``directory`` into ``store`` in one transaction
    (only the files of ``kinds`` when given; ``meta``: the batch, else a new one).
    ``validators``: worker processes validating the chunks (default ``LOAD_VALIDATORS`` for
    files of :data:`PARALLEL_BYTES` or more in all, else none).

    Raises :class:`LoadError` only when nothing can be loaded at all; bad rows are reported
    in the returned :class:`LoadReport` and the rejects file, never raised.
    """
    if not directory.is_dir():
        raise LoadError(f"目录不存在：{directory} / no such directory: {directory}")
    sources, ignored = discover(directory)
    sources = [s for s in sources if kinds is None or s.kind in kinds]
    if not sources:
        names = ", ".join(f"{k}.csv" for k in contract())
        raise LoadError(
            f"{directory} 中没有约定的数据文件（{names}） / no contract file in {directory} "
            f"(expected {names}, or .xlsx/.parquet/.jsonl)"
        )
    meta = meta or new_batch_meta()
    keyring = keyring.memoised()  # roles, holdings and records key persons.csv's numbers again
    report = LoadReport(
        batch_id=meta.batch_id,
        directory=str(directory),
        started_at=meta.loaded_at,
        ignored_files=[p.name for p in ignored],
    )
    rejects_path = rejects_path or directory / "rejects" / f"{meta.batch_id}.csv"
    store.begin_load(
        {"batch_id": meta.batch_id, "directory": str(directory), "started_at": meta.loaded_at}
    )
    started = time.perf_counter()
    specs = contract()
    if validators is None:
        size = sum(src.path.stat().st_size for src in sources)
        validators = get_settings().load_validators if size >= PARALLEL_BYTES else 1
    # Started first: the workers are forked before the load has a thread of its own.
    pool = ValidationPool(keyring, validators) if validators > 1 else None
    writer = ThreadPoolExecutor(1, "load-writer") if store.concurrent_writes else None
    ways = get_settings().load_writers
    writers = ThreadPoolExecutor(ways, "load-writers") if writer and ways > 1 else None
    try:
        with _collector_paused(), RejectsWriter(rejects_path) as rejects, store.transaction():
            for src in sources:
                loader = _FileLoader(
                    src,
                    specs[src.kind],
                    store,
                    keyring,
                    rejects,
                    meta,
                    batch_size,
                    report.touched,
                    writer,
                    writers,
                    pool,
                )
                report.files.append(loader.run(progress))
                if src.kind == "entities":
                    store.link_superiors(meta)
            report.seconds = round(time.perf_counter() - started, 3)
            report.rejects_file = str(rejects_path) if rejects.rows else None
            store.record_load(report.to_dict())
    finally:
        if pool is not None:
            pool.close()
        if writer is not None:
            writer.shutdown()
        if writers is not None:
            writers.shutdown()
    return report
