"""Stored results for the embedded store: one Parquet file per result, beside the store file.

``STORE.results/<kind>-<level>-<on>.parquet`` holds the rows in stored order: the filter
fields as columns and each row's JSON in ``row``, in row groups of :data:`ROW_GROUP` rows so
that a page reads only the groups it shows. The header (:class:`ResultInfo`) is in the
file's metadata. A result is written to a temporary file, fsynced and renamed over the old
one, as the store file is: a reader in any process sees the old result or the new one.

The filter columns of the files last read are kept in memory (small: a few columns), keyed
by the file's identity, so paging a result reads its file's footer and one row group.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from graph_service.stores.base import Page
from graph_service.stores.results import (
    FILTER_FIELDS,
    TALLY_DIGITS,
    ResultFilter,
    ResultInfo,
    ResultKey,
    ResultRow,
    Tally,
    TallyBy,
)

#: Rows per Parquet row group: the most a page reads beyond what it shows.
ROW_GROUP = 5_000
#: Rows written per batch while a result is saved (bounds the memory a save takes).
WRITE_BATCH = 50_000
_META = b"credit_graph_result"
_SCHEMA = pa.schema(
    [
        ("region", pa.string()),
        ("industry", pa.string()),
        ("grade", pa.string()),
        ("watch", pa.bool_()),
        ("pattern", pa.string()),
        ("score", pa.float64()),
        ("active", pa.bool_()),
        ("row", pa.string()),
    ]
)
#: Filter tables kept in memory (files last read).
_CACHE_SIZE = 8


class _PerFile:
    """Parts of result files read once and kept per file identity (path, inode, mtime), the
    least recently used dropped past ``size``: a page reads from memory, and a new result
    (a new file by rename) is read anew."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._parts: OrderedDict[tuple[str, int, int, Any], Any] = OrderedDict()

    def get(self, path: Path, part: Any, read: Callable[[], Any]) -> Any:
        st = path.stat()
        ident = (str(path), st.st_ino, st.st_mtime_ns, part)
        with self._lock:
            if ident in self._parts:
                self._parts.move_to_end(ident)
                return self._parts[ident]
        value = read()
        with self._lock:
            self._parts[ident] = value
            while len(self._parts) > self._size:
                self._parts.popitem(last=False)
        return value


#: The filter columns of a result file (a 1M-row result's are ~100 MB).
_FILTERS = _PerFile(_CACHE_SIZE)
#: Row groups' JSON rows (5,000 each, a few MB): the pages most asked for stay in memory.
_ROW_GROUPS = _PerFile(64)
#: A file's header and where each of its row groups starts (a page reads neither again).
_HEADS = _PerFile(32)


def _json_rows(path: Path, group: int) -> Any:
    """The ``row`` column (each row's JSON) of one row group."""
    return pq.ParquetFile(path).read_row_group(group, columns=["row"]).column("row")


def _info(path: Path) -> ResultInfo:
    return ResultInfo.from_json((pq.read_metadata(path).metadata or {})[_META])


def _group_starts(path: Path) -> np.ndarray[Any, Any]:
    """The first row of each row group, and the number of rows last."""
    meta = pq.read_metadata(path)
    return np.cumsum([0, *(meta.row_group(i).num_rows for i in range(meta.num_row_groups))])


def _filters(path: Path) -> pd.DataFrame:
    frame: pd.DataFrame = _FILTERS.get(
        path, "filters", lambda: pq.read_table(path, columns=list(FILTER_FIELDS)).to_pandas()
    )
    return frame


def _mask(frame: pd.DataFrame, where: ResultFilter) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which rows of a filter table ``where`` takes."""
    keep = np.ones(len(frame), dtype=bool)
    if where.region:
        keep &= frame["region"].str.startswith(where.region).to_numpy(dtype=bool)
    for name in ("industry", "grade", "pattern"):
        value = getattr(where, name)
        if value:
            keep &= (frame[name] == value).to_numpy(dtype=bool)
    for name in ("watch", "active"):
        if getattr(where, name):
            keep &= frame[name].to_numpy(dtype=bool)
    return keep


class EmbeddedResults:
    """The result methods of :class:`~graph_service.stores.embedded.EmbeddedStore`."""

    path: Path

    @property
    def _results_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".results")

    def _result_file(self, key: ResultKey) -> Path:
        return self._results_dir / f"{key.id}.parquet"

    def save_result(self, info: ResultInfo, rows: Iterable[ResultRow]) -> ResultInfo:
        folder = self._results_dir
        folder.mkdir(parents=True, exist_ok=True)
        final = self._result_file(info.key)
        tmp = folder / f".{final.name}.{uuid.uuid4().hex}.tmp"
        count = 0
        try:
            # the header (with the row count) goes into the footer, written on close
            with pq.ParquetWriter(tmp, _SCHEMA) as writer:
                batch: list[ResultRow] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == WRITE_BATCH:
                        writer.write_table(_table(batch), row_group_size=ROW_GROUP)
                        count += len(batch)
                        batch = []
                if batch or count == 0:
                    writer.write_table(_table(batch), row_group_size=ROW_GROUP)
                    count += len(batch)
                info.rows = count
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
            info: ResultInfo = _HEADS.get(path, "info", partial(_info, path))
        except FileNotFoundError:
            return None
        return info

    def results(self) -> list[ResultInfo]:
        if not self._results_dir.is_dir():
            return []
        found = []
        for path in sorted(self._results_dir.glob("*.parquet")):
            meta = pq.read_metadata(path).metadata or {}
            if _META in meta:
                found.append(ResultInfo.from_json(meta[_META]))
        return sorted(found, key=lambda i: (i.key.kind, i.key.on, i.key.level))

    def _selected(self, key: ResultKey, where: ResultFilter) -> np.ndarray[Any, Any] | None:
        """Positions of the rows ``where`` takes, in stored order (None: no result)."""
        path = self._result_file(key)
        try:
            frame = _filters(path)
        except FileNotFoundError:
            return None
        return np.flatnonzero(_mask(frame, where))

    def result_page(
        self, key: ResultKey, where: ResultFilter, *, offset: int = 0, limit: int = 100
    ) -> Page:
        chosen = self._selected(key, where)
        if chosen is None:
            return Page(items=[], total=0, offset=offset, limit=limit)
        shown = chosen[offset : offset + limit]
        return Page(
            items=list(self._read_rows(key, shown)),
            total=len(chosen),
            offset=offset,
            limit=limit,
        )

    def result_rows(self, key: ResultKey, where: ResultFilter) -> Iterator[dict[str, Any]]:
        chosen = self._selected(key, where)
        if chosen is not None:
            yield from self._read_rows(key, chosen)

    def _read_rows(
        self, key: ResultKey, positions: np.ndarray[Any, Any]
    ) -> Iterator[dict[str, Any]]:
        """The JSON rows at ``positions`` (ascending), reading only their row groups."""
        if not len(positions):
            return
        path = self._result_file(key)
        starts = _HEADS.get(path, "starts", partial(_group_starts, path))
        groups = np.searchsorted(starts, positions, side="right") - 1
        for group in np.unique(groups):
            column = _ROW_GROUPS.get(path, int(group), partial(_json_rows, path, int(group)))
            for pos in positions[groups == group]:
                yield json.loads(column[int(pos - starts[group])].as_py())

    def result_tally(self, key: ResultKey, where: ResultFilter, by: TallyBy = "") -> list[Tally]:
        path = self._result_file(key)
        try:
            frame = _filters(path)
        except FileNotFoundError:
            return []
        frame = frame[_mask(frame, where)]
        if by == "industry":
            groups = frame["industry"]
        elif by:
            groups = frame["region"].str[: TALLY_DIGITS[by]]
        else:
            groups = pd.Series("", index=frame.index)
        totals = frame.assign(group=groups).groupby(["group", "grade"], sort=True)
        return [
            Tally(
                group=str(group),
                grade=str(grade),
                rows=len(part),
                score_sum=float(part["score"].sum()),
                watch=int(part["watch"].sum()),
            )
            for (group, grade), part in totals
        ]


def _table(rows: list[ResultRow]) -> pa.Table:
    columns: dict[str, list[Any]] = {name: [] for name in _SCHEMA.names}
    for row in rows:
        for name, value in row.filters().items():
            columns[name].append(value)
        columns["row"].append(row.json())
    return pa.table(columns, schema=_SCHEMA)
