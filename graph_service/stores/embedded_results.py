"""Stored results for the embedded store: one Parquet file per result, beside the store file.

``STORE.results/<kind>-<level>-<on>.parquet`` holds the rows in stored order: the filter
fields as columns and each row's JSON in ``row``, in row groups of about :data:`GROUP_BYTES` so
that a page reads only the groups it shows (the row groups are the chunks of
:class:`~graph_service.stores.results.StoredRows`). The header (:class:`ResultInfo`) is in
the file's metadata. A format-1 file (row groups of 5,000) reads as it is: readers take the
row groups' bounds from the file. A result is written to a temporary file, fsynced and
renamed over the old one, as the store file is: a reader in any process sees the old result
or the new one.

What readers keep of a file (its filter columns, the row groups last read) is keyed by the
file's identity (path, inode, mtime): a new result is a new file by rename, read anew.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from graph_service.stores.results import (
    CHUNK_ROWS,
    FILTER_SCHEMA,
    Lru,
    ReadChunks,
    ResultFilter,
    ResultInfo,
    ResultKey,
    ResultTable,
    StoredPage,
    StoredRows,
    Tally,
    TallyBy,
    read_filters,
)

#: JSON bytes per Parquet row group (about 256 flags): what the first read of a group costs.
GROUP_BYTES = 512 * 1024
#: Rows per row group, at least (the Neo4j store's chunk) and at most: short rows (grades) take
#: longer groups, or the filter columns of a 1M-row result are read from 4,000 groups (6 s
#: against 1.4 s from 200, the first page of each worker).
GROUP_ROWS = (CHUNK_ROWS, 5_000)
#: Rows converted and written at once while a result is saved (bounds the memory a save takes
#: beyond the rows themselves).
WRITE_BATCH = 50_000
#: Row groups' JSON rows kept per file (≈ 130,000 rows: 45 MB of flags, 40 MB of grades).
KEPT_GROUPS = 512
_META = b"credit_graph_result"
_SCHEMA = FILTER_SCHEMA.append(pa.field("row", pa.string()))
#: A file's identity: its path, inode and mtime.
_Ident = tuple[str, int, int]
#: What readers keep of the result files last read (a 1M-row result's filters are ~30 MB),
#: with the file's footer (parsed once: a 1M-row file has 4,000 row groups).
_RUNS: Lru[_Ident, tuple[StoredRows, pq.FileMetaData]] = Lru(8)
#: Result files' headers.
_HEADS: Lru[_Ident, ResultInfo] = Lru(32)


def _ident(path: Path) -> _Ident:
    st = path.stat()
    return (str(path), st.st_ino, st.st_mtime_ns)


def _stored(path: Path) -> tuple[StoredRows, pq.FileMetaData]:
    """What readers keep of the result file ``path`` and its footer (raises
    FileNotFoundError)."""

    def read() -> tuple[StoredRows, pq.FileMetaData]:
        meta = pq.read_metadata(path)
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        fmt = _info_of(meta).format
        rows = StoredRows(read_filters(path), np.cumsum([0, *sizes]), KEPT_GROUPS, persons=fmt > 1)
        return rows, meta

    return _RUNS.get(_ident(path), read)


def _reader(path: Path, meta: pq.FileMetaData) -> ReadChunks:
    """Reads row groups of ``path`` by number (its footer ``meta`` already parsed)."""

    def read(groups: Sequence[int]) -> Mapping[int, Sequence[str]]:
        fh = pq.ParquetFile(path, metadata=meta)
        return {g: fh.read_row_group(g, columns=["row"]).column("row").to_pylist() for g in groups}

    return read


class EmbeddedResults:
    """The result methods of :class:`~graph_service.stores.embedded.EmbeddedStore`."""

    path: Path

    if TYPE_CHECKING:  # the store's own

        def change_token(self) -> str: ...

    @property
    def _results_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".results")

    def _result_file(self, key: ResultKey) -> Path:
        return self._results_dir / f"{key.id}.parquet"

    def save_result(self, info: ResultInfo, rows: ResultTable) -> ResultInfo:
        folder = self._results_dir
        folder.mkdir(parents=True, exist_ok=True)
        final = self._result_file(info.key)
        tmp = folder / f".{final.name}.{uuid.uuid4().hex}.tmp"
        info.rows = len(rows)
        filters = rows.arrow_filters()
        group = _group_rows(rows.rows)
        try:
            # the header (with the row count) goes into the footer, written on close
            # no statistics: nothing reads them, and a row group's would copy its JSON
            with pq.ParquetWriter(tmp, _SCHEMA, write_statistics=False) as writer:
                for at in range(0, max(1, len(rows)), WRITE_BATCH):
                    part = filters.slice(at, WRITE_BATCH)
                    text = pa.array(rows.rows[at : at + WRITE_BATCH], pa.string())
                    writer.write_table(part.append_column("row", text), group)
                writer.add_key_value_metadata({_META: info.to_json().encode("utf-8")})
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return info

    def result_info(self, key: ResultKey) -> ResultInfo | None:
        path = self._result_file(key)
        try:
            return _HEADS.get(_ident(path), lambda: _info(path))
        except FileNotFoundError:
            return None

    def results(self) -> list[ResultInfo]:
        if not self._results_dir.is_dir():
            return []
        found = []
        for path in sorted(self._results_dir.glob("*.parquet")):
            meta = pq.read_metadata(path).metadata or {}
            if _META in meta:
                found.append(ResultInfo.from_json(meta[_META]))
        return sorted(found, key=lambda i: (i.key.kind, i.key.on, i.key.level))

    def result_view(
        self, key: ResultKey, where: ResultFilter, *, offset: int = 0, limit: int = 100
    ) -> StoredPage:
        token = self.change_token()
        path = self._result_file(key)
        try:
            info = self.result_info(key)
            stored, meta = _stored(path)
        except FileNotFoundError:
            return StoredPage(token=token, info=None, rows=[], persons=[], total=0)
        return stored.page(where, offset, limit, _reader(path, meta), token=token, info=info)

    def result_rows(self, key: ResultKey, where: ResultFilter) -> Iterator[dict[str, Any]]:
        path = self._result_file(key)
        try:
            stored, meta = _stored(path)
        except FileNotFoundError:
            return
        yield from stored.rows(where, _reader(path, meta))

    def result_tally(self, key: ResultKey, where: ResultFilter, by: TallyBy = "") -> list[Tally]:
        try:
            return _stored(self._result_file(key))[0].tally(where, by)
        except FileNotFoundError:
            return []


def _group_rows(rows: list[str]) -> int:
    """Rows per row group for ``rows``: about :data:`GROUP_BYTES` of JSON, within
    :data:`GROUP_ROWS`."""
    sample = rows[:: max(1, len(rows) // 1000)]
    mean = sum(map(len, sample)) / len(sample) if sample else 1.0
    low, high = GROUP_ROWS
    return int(min(high, max(low, GROUP_BYTES // max(1.0, mean))))


def _info(path: Path) -> ResultInfo:
    return _info_of(pq.read_metadata(path))


def _info_of(meta: pq.FileMetaData) -> ResultInfo:
    return ResultInfo.from_json((meta.metadata or {})[_META])
