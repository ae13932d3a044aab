"""Every table of a snapshot as CSV (UTF-8 with a byte-order mark, so spreadsheet programs
read the Chinese right; formula-like cells neutralised, :mod:`.safe`) and as Parquet (typed
columns: text, ``percent`` as float, ``retired`` as boolean), written a batch of rows at a time."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from graph_service.exports.safe import neutralise_frame, restore
from graph_service.exports.snapshot import BOOL_COLUMNS, FLOAT_COLUMNS, TABLES, Tables, cell, frame

log = logging.getLogger("graph_service.exports")

CSV_ENCODING = "utf-8-sig"


def write_csv(snapshot: Tables, directory: Path, *, progress: bool = True) -> list[Path]:
    """``DIR/<table>.csv`` for every table; empty cells for missing values."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name in tqdm(TABLES, desc="csv", unit="table", disable=not progress):
        path = directory / f"{name}.csv"
        columns = snapshot.columns(name)
        header = neutralise_frame(frame(name, [], columns))
        header.to_csv(path, index=False, encoding=CSV_ENCODING)
        with path.open("a", encoding="utf-8", newline="") as fh:
            for batch in snapshot.batches(name):
                rows = neutralise_frame(frame(name, batch, columns))
                rows.to_csv(fh, index=False, header=False)
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


def write_parquet(snapshot: Tables, directory: Path, *, progress: bool = True) -> list[Path]:
    """``DIR/<table>.parquet`` for every table (pyarrow; text columns as strings), a row
    group per batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name in tqdm(TABLES, desc="parquet", unit="table", disable=not progress):
        columns = snapshot.columns(name)
        schema = pa.schema(
            [
                pa.field(
                    c,
                    pa.float64()
                    if c in FLOAT_COLUMNS
                    else pa.bool_()
                    if c in BOOL_COLUMNS
                    else pa.string(),
                )
                for c in columns
            ]
        )
        path = directory / f"{name}.parquet"
        with pq.ParquetWriter(path, schema) as writer:
            for batch in snapshot.batches(name):
                arrays = [
                    pa.array([cell(r.get(f.name)) for r in batch], type=f.type) for f in schema
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        log.info("table written", extra={"format": "parquet", "table": name, "path": str(path)})
        out.append(path)
    return out
