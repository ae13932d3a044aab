"""Every table of a snapshot as CSV (UTF-8 with a byte-order mark, so spreadsheet programs
read the Chinese right; formula-like cells neutralised, :mod:`.safe`) and as Parquet (typed
columns: text, ``percent`` as float, ``retired`` as boolean)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from graph_service.exports.safe import restore, write_frame
from graph_service.exports.snapshot import BOOL_COLUMNS, FLOAT_COLUMNS, TABLES, Snapshot

log = logging.getLogger("graph_service.exports")

CSV_ENCODING = "utf-8-sig"


def write_csv(snapshot: Snapshot, directory: Path, *, progress: bool = True) -> list[Path]:
    """``DIR/<table>.csv`` for every table; empty cells for missing values."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name in tqdm(TABLES, desc="csv", unit="table", disable=not progress):
        path = directory / f"{name}.csv"
        write_frame(snapshot[name], path)
        log.info("table written", extra={"format": "csv", "table": name, "path": str(path)})
        out.append(path)
    return out


def read_csv_table(path: Path) -> pd.DataFrame:
    """A table written by :func:`write_csv`, with the snapshot's column types."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=CSV_ENCODING)
    frame.columns = [restore(c) for c in frame.columns]
    for column in frame.columns:
        frame[column] = frame[column].map(restore)
        if column in FLOAT_COLUMNS:
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise")
        elif column in BOOL_COLUMNS:
            frame[column] = frame[column].map({"True": True, "False": False, "": None})
    return frame


def write_parquet(snapshot: Snapshot, directory: Path, *, progress: bool = True) -> list[Path]:
    """``DIR/<table>.parquet`` for every table (pyarrow; text columns as strings)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name in tqdm(TABLES, desc="parquet", unit="table", disable=not progress):
        frame = snapshot[name]
        fields = [
            pa.field(
                c,
                pa.float64()
                if c in FLOAT_COLUMNS
                else pa.bool_()
                if c in BOOL_COLUMNS
                else pa.string(),
            )
            for c in frame.columns
        ]
        columns = [
            pa.array(
                [None if pd.isna(v) else v for v in frame[c].tolist()],
                type=f.type,
            )
            for c, f in zip(frame.columns, fields, strict=True)
        ]
        table = pa.Table.from_arrays(columns, schema=pa.schema(fields))
        path = directory / f"{name}.parquet"
        pq.write_table(table, path)
        log.info("table written", extra={"format": "parquet", "table": name, "path": str(path)})
        out.append(path)
    return out
