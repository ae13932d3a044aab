"""Readers for the formats users hand in: CSV (UTF-8 or GBK), XLSX, Parquet, JSON Lines.

Every reader yields chunks of rows as tables of text cells (stripped, empty for missing),
together with the line number a person sees in the file for each row.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd

from loaders.contract import FILE_KINDS, FileKind

#: Suffixes tried for each contract file, in this order.
SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl", ".json")
CHUNK_ROWS = 50_000
_SNIFF_BYTES = 4 << 20


@dataclass(frozen=True, slots=True)
class Chunk:
    """Rows of one file as a table of stripped text cells (``""`` when missing), with the line
    a person sees the first row on (the header is line 1 in CSV/XLSX)."""

    frame: pd.DataFrame
    first_line: int

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def lines(self) -> range:
        """The line of each row."""
        return range(self.first_line, self.first_line + len(self.frame))

    @property
    def rows(self) -> list[dict[str, str]]:
        """Every row as a dict (column → text)."""
        return cast(list[dict[str, str]], self.frame.to_dict("records"))

    def row(self, i: int) -> dict[str, str]:
        """Row ``i`` (0-based within the chunk) as a dict."""
        return {str(c): v for c, v in self.frame.iloc[i].items()}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A contract file found in the load directory."""

    kind: FileKind
    path: Path
    encoding: str | None = None

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".")


def discover(directory: Path) -> tuple[list[SourceFile], list[Path]]:
    """The contract files in ``directory`` (in load order) and the files that are not."""
    found: list[SourceFile] = []
    used: set[Path] = set()
    for kind in FILE_KINDS:
        for suffix in SUFFIXES:
            path = directory / f"{kind}{suffix}"
            if path.is_file():
                enc = sniff_encoding(path) if suffix == ".csv" else None
                found.append(SourceFile(kind=kind, path=path, encoding=enc))
                used.add(path)
                break
    ignored = sorted(
        p for p in directory.iterdir() if p.is_file() and p not in used and p.suffix in SUFFIXES
    )
    return found, ignored


def sniff_encoding(path: Path) -> str:
    """``utf-8-sig`` when the file decodes as UTF-8 (a BOM is dropped), else ``gb18030``
    (the superset of GBK and GB 2312 that Chinese spreadsheets export)."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    # A cut in the middle of a multi-byte character at the end of the sample is not an error.
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return "gb18030"
    return "utf-8-sig"


def count_rows(src: SourceFile) -> int | None:
    """Data rows in the file when cheap to know (for the progress bar), else None."""
    if src.format in ("csv", "jsonl"):
        with src.path.open("rb") as fh:
            lines = sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b""))
        return max(lines - (1 if src.format == "csv" else 0), 0)
    if src.format == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(src.path).metadata.num_rows)
    return None


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):  # pandas Timestamps too: spreadsheet date cells
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def frame_chunk(frame: pd.DataFrame, first_line: int, text_only: bool = False) -> Chunk:
    cells = {
        str(c).strip(): (col.str.strip().fillna("") if text_only else col.map(_cell)).to_numpy()
        for c, col in frame.items()
    }
    # A column name given twice keeps its last cells, as a dict of the row would.
    out = pd.DataFrame(cells, index=pd.RangeIndex(len(frame)), dtype=object)
    return Chunk(frame=out, first_line=first_line)


def header(src: SourceFile) -> list[str]:
    """The file's column names."""
    return [str(c).strip() for c in _read_head(src).columns]


def _read_head(src: SourceFile) -> pd.DataFrame:
    match src.format:
        case "csv":
            return pd.read_csv(src.path, dtype=str, nrows=0, encoding=src.encoding)
        case "xlsx":
            return pd.read_excel(src.path, dtype=str, nrows=0)
        case "parquet":
            import pyarrow.parquet as pq

            return pd.DataFrame(columns=pq.ParquetFile(src.path).schema_arrow.names)
        case _:
            first = next(iter(read_chunks(src)), None)
            return pd.DataFrame(columns=list(first.frame.columns) if first else [])


def read_chunks(src: SourceFile, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Yield the file's rows in chunks; cells are text, stripped, ``""`` when missing."""
    match src.format:
        case "csv":
            reader = pd.read_csv(
                src.path,
                dtype=object,  # plain Python strings: far faster to iterate than Arrow strings
                keep_default_na=False,
                na_filter=False,
                encoding=src.encoding,
                chunksize=chunk_rows,
            )
            line = 2
            for frame in reader:
                yield frame_chunk(frame, line, text_only=True)
                line += len(frame)
        case "xlsx":
            frame = pd.read_excel(src.path, dtype=object, keep_default_na=False)
            for start in range(0, len(frame), chunk_rows):
                yield frame_chunk(frame.iloc[start : start + chunk_rows], start + 2)
        case "parquet":
            import pyarrow.parquet as pq

            line = 1
            for batch in pq.ParquetFile(src.path).iter_batches(batch_size=chunk_rows):
                frame = batch.to_pandas()
                yield frame_chunk(frame.astype(object), line)
                line += len(frame)
        case "jsonl" | "json":
            line = 1
            for frame in pd.read_json(src.path, lines=True, dtype=False, chunksize=chunk_rows):
                yield frame_chunk(frame.astype(object), line)
                line += len(frame)
        case other:
            raise ValueError(f"unsupported format {other}")
