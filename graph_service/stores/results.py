"""Stored results of nationwide passes: what a job computed, kept in the store it read.

A nationwide pass (grading every entity, detecting every relocation, listing every notice)
is too slow for a request, so a job runs it once and the store keeps its rows; the API then
pages them. A result is keyed by :class:`ResultKey` — its kind, the as-of date and the
parameters the pass takes (the relocation level) — and carries the store's change token
read when the pass began (:meth:`~graph_service.stores.base.GraphStore.change_token`): a
reader compares it with the token now to say whether the result is stale.

Each row is the answer's JSON (``data``, as the API shows it) with the few fields paging
filters on and the persons it names, kept apart so that a store can filter, count and say
whom a page shows without reading the JSON. Rows are stored in the order the API lists them,
so a page is a slice of the filtered rows, and an answer sends the rows' stored text as it is
(:class:`StoredPage`).

A pass hands its rows to a store column-wise (:class:`ResultTable`: the filter fields as a
frame, each row's JSON text). Both stores keep a result as its filter columns and its JSON
rows in *chunks* of consecutive rows (Parquet row groups beside the embedded store,
``:ResultChunk`` nodes in Neo4j); :class:`StoredRows` is what readers make of one saved run,
on either store: the filter columns in memory, each filter's rows, counts and tallies
computed there and kept, and the chunks a page shows read on demand and kept. A saved run
never changes (a new save is a new run), so none of this is ever invalidated: a new run has
a new identity.
"""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ResultKind = Literal["grades", "relocations", "notices"]
RESULT_KINDS: tuple[ResultKind, ...] = ("grades", "relocations", "notices")
#: How a tally groups rows: not at all, by province (2 digits), city (4) or industry.
TallyBy = Literal["", "province", "city", "industry"]
#: The fields every row carries beside its JSON, with their empty values: what paging filters
#: on, and ``persons``, the keys of the persons the row names, space-separated (what a page
#: of it writes to the audit log).
FILTER_FIELDS: dict[str, Any] = {
    "region": "",
    "industry": "",
    "grade": "",
    "watch": False,
    "pattern": "",
    "score": 0.0,
    "active": True,
    "persons": "",
}
#: The stored format of results saved now. 2: rows as the API shows them (flags without
#: their empty fields), ``persons`` kept beside them, the embedded store's row groups of
#: about 512 KB of JSON (256 flags, ~1,900 grades). 1 (before 2026-12-03): rows as the pass
#: dumped them, no ``persons``, row groups of 5,000; still read, at the old cost
#: (docs/decisions.md).
RESULT_FORMAT = 2
#: Region-code digits a tally keeps per grouping.
TALLY_DIGITS = {"province": 2, "city": 4}


@dataclass(frozen=True, slots=True)
class ResultKey:
    """What a result answers: its kind, the as-of date and the pass's parameter (``level``
    for relocations; empty for the others)."""

    kind: ResultKind
    on: str
    level: str = ""

    @property
    def id(self) -> str:
        """A name for the key, safe in a file name and a Cypher parameter."""
        return f"{self.kind}-{self.level or 'all'}-{self.on}"


@dataclass(slots=True)
class ResultInfo:
    """A stored result's header: its key, the change token of the store when the pass began,
    when it finished (UTC, ISO), its number of rows and the job that made it."""

    key: ResultKey
    token: str
    computed_at: str
    rows: int = 0
    job_id: str | None = None
    format: int = RESULT_FORMAT

    def to_json(self) -> str:
        """The header as JSON (the embedded store keeps it in the file's metadata)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> ResultInfo:
        """The header :meth:`to_json` wrote."""
        data = json.loads(text)
        return cls(**({"format": 1} | data | {"key": ResultKey(**data["key"])}))

    def header(self) -> dict[str, Any]:
        """The header as an answer shows it."""
        return {
            "kind": self.key.kind,
            "on": self.key.on,
            "level": self.key.level or None,
            "token": self.token,
            "computed_at": self.computed_at,
            "rows": self.rows,
            "job_id": self.job_id,
        }

    def public(self, current_token: str) -> dict[str, Any]:
        """The header with ``stale``: true when the store has changed since the pass began
        (the rows are then as of ``computed_at``, not as of now)."""
        return self.header() | {"stale": self.token != current_token}


@dataclass(slots=True)
class ResultRow:
    """One row of a result: its JSON, the fields paging filters on and the persons it names
    (their keys, space-separated)."""

    data: dict[str, Any]
    region: str = ""
    industry: str = ""
    grade: str = ""
    watch: bool = False
    pattern: str = ""
    score: float = 0.0
    active: bool = True
    persons: str = ""

    def filters(self) -> dict[str, Any]:
        """The filter fields by name (:data:`FILTER_FIELDS`)."""
        return {k: getattr(self, k) for k in FILTER_FIELDS}

    def json(self) -> str:
        """The row's data as stored (compact JSON; dates and numbers as the answer has them)."""
        return row_json(self.data)


def row_json(data: Any) -> str:
    """``data`` as a stored row's text: compact JSON, dates as text."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(frozen=True, slots=True)
class ResultFilter:
    """Which rows a page or a tally takes: a region-code prefix, an industry section, a
    grade, pattern; only watch-list candidates; only entities active on the date. Empty
    values take every row."""

    region: str = ""
    industry: str = ""
    grade: str = ""
    pattern: str = ""
    watch: bool = False
    active: bool = False


@dataclass(slots=True)
class Tally:
    """Rows of one group and grade: how many, their scores' sum, and how many are watch-list
    candidates (what a summary of grades is made of)."""

    group: str
    grade: str
    rows: int
    score_sum: float
    watch: int = 0


#: The fields kept as text (categorical in memory: a filter tests each distinct value once,
#: not each row).
TEXT_FIELDS = ("region", "industry", "grade", "pattern", "persons")
#: The filter columns as stored (Parquet beside the embedded store and in Neo4j).
FILTER_SCHEMA = pa.schema(
    [
        ("region", pa.string()),
        ("industry", pa.string()),
        ("grade", pa.string()),
        ("watch", pa.bool_()),
        ("pattern", pa.string()),
        ("score", pa.float64()),
        ("active", pa.bool_()),
        ("persons", pa.string()),
    ]
)


@dataclass(slots=True)
class ResultTable:
    """A result's rows column-wise, in stored order: the filter fields (:data:`FILTER_FIELDS`)
    as a frame, and each row's JSON text (compact; what a reader decodes)."""

    filters: pd.DataFrame
    rows: list[str]

    def __post_init__(self) -> None:
        if len(self.filters) != len(self.rows):
            raise ValueError(f"{len(self.filters)} filter rows for {len(self.rows)} rows")

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def of(cls, rows: Iterable[ResultRow]) -> ResultTable:
        """The table of rows made one by one (relocation flags, notices)."""
        listed = list(rows)
        columns = {name: [getattr(r, name) for r in listed] for name in FILTER_FIELDS}
        return cls(filter_frame(columns), [r.json() for r in listed])

    def records(self) -> list[dict[str, Any]]:
        """Each row's data, as a reader gets it back."""
        return [json.loads(r) for r in self.rows]

    def arrow_filters(self) -> pa.Table:
        """The filter columns as an Arrow table (:data:`FILTER_SCHEMA`)."""
        return pa.Table.from_pandas(
            self.filters.astype({f: str for f in TEXT_FIELDS}),
            schema=FILTER_SCHEMA,
            preserve_index=False,
        )


def filter_frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """The filter columns (:data:`FILTER_FIELDS`, each a sequence or a scalar for every row)
    as readers keep them: text as categories (a missing value is empty), flags as bools."""
    frame = pd.DataFrame(dict(columns), columns=list(FILTER_FIELDS))
    for name in TEXT_FIELDS:
        frame[name] = _categories(frame[name])
    return frame.astype({"watch": bool, "active": bool, "score": float})


def _categories(column: pd.Series) -> pd.Series:
    """A text column as categories, a missing value empty. Categories read from a file stay
    as they are: a million rows turned into strings and back took seconds of a worker's
    first page."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.fillna("").astype(str).astype("category")
    if not column.isna().any():
        return column
    if "" not in column.cat.categories:
        column = column.cat.add_categories([""])
    return column.fillna("")


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as the bytes of a Parquet file (Neo4j keeps a result's filters so)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def read_filters(source: Any) -> pd.DataFrame:
    """The filter columns of a Parquet file (a path, or the bytes :func:`parquet_bytes`
    made) as :func:`filter_frame` keeps them (a format-1 file has no ``persons``: empty)."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    names = [n for n in FILTER_FIELDS if n in pq.read_schema(source).names]
    table = pq.read_table(source, columns=names, read_dictionary=TEXT_FIELDS)
    return filter_frame({name: table.column(name).to_pandas() for name in names})


K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """Values computed once and kept, the least recently used dropped past ``size``; safe
    across threads (two threads may both compute a value: the last one is kept)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[K, V] = OrderedDict()

    def find(self, key: K) -> V | None:
        """The value kept under ``key``, or None."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        return None

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key``; returns it."""
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return value

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The value under ``key``, computed now if not kept."""
        found = self.find(key)
        return self.put(key, compute()) if found is None else found


#: Rows per chunk on both stores (a Neo4j ``:ResultChunk``, an embedded row group): what a
#: page of 100 reads at most twice over, and what the first read of a chunk costs.
CHUNK_ROWS = 256
#: Reads chunks of a saved run by number: each chunk's rows' JSON, in order.
ReadChunks = Callable[[Sequence[int]], Mapping[int, Sequence[str]]]
#: Chunks read at once while every row is read (:meth:`StoredRows.rows`).
ROWS_READ_AT_ONCE = 64


@dataclass(slots=True)
class StoredPage:
    """A page of a stored result as a store reads it at once (one round trip on Neo4j): the
    store's change token, the header of the result under the key (None when none is kept),
    the stored text of the rows shown, the keys of the persons they name (None for a
    format-1 result, which does not keep them: read them from the rows) and how many rows
    the filter takes."""

    token: str
    info: ResultInfo | None
    rows: list[str]
    persons: list[str] | None
    total: int


class StoredRows:
    """What readers keep of one saved run, on every store: its filter columns, the rows each
    filter takes (and the tallies asked), and the chunks last read. ``starts`` is the first
    row of each chunk, then the number of rows; ``chunks`` chunks are kept; ``persons``:
    whether the run keeps the persons its rows name (format 2)."""

    def __init__(
        self,
        filters: pd.DataFrame,
        starts: np.ndarray[Any, Any] | Sequence[int],
        chunks: int,
        *,
        persons: bool = True,
    ) -> None:
        self.filters = filters
        self.starts = np.asarray(starts, dtype=np.int64)
        self.persons = persons
        # each row's persons as a code into the keys of each distinct value, split once: a
        # page indexing the categorical column row by row spent ~0.6 ms of pandas per 50 rows
        column = filters["persons"]
        self._person_codes = column.cat.codes.to_numpy()
        self._person_keys = [str(c).split() for c in column.cat.categories]
        self._selected: Lru[ResultFilter, np.ndarray[Any, Any]] = Lru(64)
        self._tallies: Lru[tuple[ResultFilter, str], list[Tally]] = Lru(64)
        self._chunks: Lru[int, Sequence[str]] = Lru(chunks)

    def selected(self, where: ResultFilter) -> np.ndarray[Any, Any]:
        """Positions of the rows ``where`` takes, ascending."""
        return self._selected.get(where, lambda: np.flatnonzero(_mask(self.filters, where)))

    def shown(self, where: ResultFilter, offset: int, limit: int) -> np.ndarray[Any, Any]:
        """Positions of the rows a page shows."""
        return self.selected(where)[offset : offset + max(0, limit)]

    def missing(self, positions: np.ndarray[Any, Any]) -> list[int]:
        """The chunks holding ``positions`` that are not kept (what a page must read)."""
        return [
            int(n) for n in np.unique(self._chunk_of(positions)) if self._chunks.find(n) is None
        ]

    def keep(self, chunks: Mapping[int, Sequence[str]]) -> None:
        """Keep chunks read for a page."""
        for n, chunk in chunks.items():
            self._chunks.put(int(n), chunk)

    def page(
        self,
        where: ResultFilter,
        offset: int,
        limit: int,
        read: ReadChunks,
        *,
        token: str = "",
        info: ResultInfo | None = None,
    ) -> StoredPage:
        """The page ``where``, ``offset`` and ``limit`` take (``token`` and ``info`` as the
        store read them); ``read`` reads the chunks it shows that are not kept (kept then)."""
        shown = self.shown(where, offset, limit)
        if wanted := self.missing(shown):
            self.keep(read(wanted))
        return StoredPage(
            token=token,
            info=info,
            rows=self._texts(shown, read),
            persons=self._persons(shown),
            total=len(self.selected(where)),
        )

    def rows(self, where: ResultFilter, read: ReadChunks) -> Iterator[dict[str, Any]]:
        """Every row ``where`` takes, in stored order (chunks read a batch at a time and not
        kept: a pass over a result would push out the pages asked for)."""
        chosen = self.selected(where)
        groups = self._chunk_of(chosen)  # ascending, as the positions are
        numbers = np.unique(groups)
        for at in range(0, len(numbers), ROWS_READ_AT_ONCE):
            batch = numbers[at : at + ROWS_READ_AT_ONCE]
            found = read([int(n) for n in batch])
            lo = int(np.searchsorted(groups, batch[0], side="left"))
            hi = int(np.searchsorted(groups, batch[-1], side="right"))
            for pos, n in zip(chosen[lo:hi], groups[lo:hi], strict=True):
                yield json.loads(found[int(n)][int(pos - self.starts[n])])

    def tally(self, where: ResultFilter, by: TallyBy) -> list[Tally]:
        """The rows ``where`` takes counted per group (``by``) and grade (kept)."""
        return self._tallies.get((where, by), lambda: _tally(self.filters, where, by))

    def _chunk_of(self, positions: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.searchsorted(self.starts, positions, side="right") - 1

    def _texts(self, positions: np.ndarray[Any, Any], read: ReadChunks) -> list[str]:
        """The stored text of the rows at ``positions`` (ascending), from the chunks kept
        (read again if pushed out meanwhile)."""
        groups = self._chunk_of(positions)
        have: dict[int, Sequence[str]] = {}
        for n in np.unique(groups).tolist():
            found = self._chunks.find(n)
            have[n] = found if found is not None else read([n])[n]
        at = (positions - self.starts[groups]).tolist()  # Python ints: no numpy scalar per row
        return [have[n][i] for n, i in zip(groups.tolist(), at, strict=True)]

    def _persons(self, positions: np.ndarray[Any, Any]) -> list[str] | None:
        """The keys of the persons the rows at ``positions`` name, row by row (None: not
        kept)."""
        if not self.persons:
            return None
        keys = self._person_keys
        return [k for c in self._person_codes[positions].tolist() if c >= 0 for k in keys[c]]


def _matching(column: pd.Series, test: Callable[[str], bool]) -> np.ndarray[Any, Any]:
    """Which rows of a categorical ``column`` pass ``test`` (each category tested once)."""
    hits = np.array([test(str(c)) for c in column.cat.categories] + [False], dtype=bool)
    return hits[column.cat.codes.to_numpy()]  # code -1 (none) takes the False at the end


def _mask(frame: pd.DataFrame, where: ResultFilter) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which rows of a filter frame ``where`` takes."""
    keep = np.ones(len(frame), dtype=bool)
    if where.region:
        keep &= _matching(frame["region"], lambda c: c.startswith(where.region))
    for name in ("industry", "grade", "pattern"):
        value = getattr(where, name)
        if value:
            keep &= _matching(frame[name], value.__eq__)
    for name in ("watch", "active"):
        if getattr(where, name):
            keep &= frame[name].to_numpy(dtype=bool)
    return keep


def _tally(frame: pd.DataFrame, where: ResultFilter, by: TallyBy) -> list[Tally]:
    """Rows of ``frame`` that ``where`` takes, counted per group and grade, ordered by group
    then grade."""
    taken = frame[_mask(frame, where)]
    if by == "industry":
        labels = [str(c) for c in taken["industry"].cat.categories]
        codes = taken["industry"].cat.codes.to_numpy()
    elif by:
        cut = [str(c)[: TALLY_DIGITS[by]] for c in taken["region"].cat.categories]
        labels = sorted(set(cut))
        index = {label: i for i, label in enumerate(labels)}
        codes = np.array([index[c] for c in cut] + [-1], dtype=np.int64)[
            taken["region"].cat.codes.to_numpy()
        ]
    else:
        labels, codes = [""], np.zeros(len(taken), dtype=np.int64)
    grades = [str(c) for c in taken["grade"].cat.categories]
    counted = (
        pd.DataFrame(
            {
                "group": codes,
                "grade": taken["grade"].cat.codes.to_numpy(),
                "score": taken["score"].to_numpy(),
                "watch": taken["watch"].to_numpy(dtype=np.int64),
            }
        )
        .groupby(["group", "grade"])
        .agg(rows=("score", "size"), score_sum=("score", "sum"), watch=("watch", "sum"))
    )
    found = [
        Tally(group=labels[g], grade=grades[r], rows=int(n), score_sum=float(total), watch=int(w))
        for (g, r), n, total, w in zip(
            counted.index,
            counted["rows"].to_numpy(),
            counted["score_sum"].to_numpy(),
            counted["watch"].to_numpy(),
            strict=True,
        )
    ]
    return sorted(found, key=lambda t: (t.group, t.grade))
