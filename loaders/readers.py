"""Readers for the formats users hand in: CSV (UTF-8 or GBK), XLSX, Parquet, JSON Lines.

Every reader yields chunks of rows as lists of ``dict[str, str]`` (cells stripped, empty for
missing), together with the line number a person sees in the file for each row. Decoding and
parsing go line by line: a line that cannot be read is handed back with its number and the
reason (it goes to the rejects file) and the rest of the file is read on.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from loaders.contract import FILE_KINDS, FileKind

#: Suffixes tried for each contract file, in this order.
SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl", ".json")
CHUNK_ROWS = 50_000
#: Largest CSV cell read at all (a longer one is a bad line); the contract's limits are far
#: lower and are checked, with their reasons, by the validation.
CSV_FIELD_LIMIT = 16 << 20
csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
_SNIFF_BYTES = 4 << 20


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that could not be decoded or parsed: its number, its start, and why."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """Rows of one file, with the line each row sits on (header is line 1 in CSV/XLSX), and
    the lines between them that could not be read."""

    rows: list[dict[str, str]]
    lines: list[int]
    bad: list[BadLine] = field(default_factory=list)


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
    """``utf-8-sig`` when most lines holding non-ASCII bytes in the first 4 MB decode as UTF-8
    (a BOM is dropped), else ``gb18030`` (the superset of GBK and GB 2312 that Chinese
    spreadsheets export). One stray line of the other encoding does not decide: it is
    rejected on its own when read."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    lines = head.split(b"\n")
    if len(head) == _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle of a character
    utf8 = other = 0
    for line in lines:
        if line.isascii():
            continue
        if _is_utf8(line):
            utf8 += 1
        else:
            other += 1
    return "gb18030" if other > utf8 else "utf-8-sig"


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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


def _frame_chunk(frame: pd.DataFrame, first_line: int) -> Chunk:
    columns = [str(c).strip() for c in frame.columns]
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    bad: list[BadLine] = []
    for n, vals in enumerate(frame.to_numpy(dtype=object).tolist(), start=first_line):
        try:
            rows.append(dict(zip(columns, [_cell(v) for v in vals], strict=True)))
            lines.append(n)
        except (ValueError, TypeError, OverflowError) as exc:
            bad.append(BadLine(n, "", _reason("无法读取此行", "cannot read this row", exc)))
    return Chunk(rows=rows, lines=lines, bad=bad)


def header(src: SourceFile) -> list[str]:
    """The file's column names."""
    match src.format:
        case "csv":
            with src.path.open("rb") as fh:
                first = fh.readline()
            text = first.decode(src.encoding or "utf-8-sig").lstrip("\ufeff")
            return [c.strip() for c in next(csv.reader([text]), [])]
        case "xlsx":
            return [str(c).strip() for c in pd.read_excel(src.path, dtype=str, nrows=0).columns]
        case "parquet":
            import pyarrow.parquet as pq

            return [str(c).strip() for c in pq.ParquetFile(src.path).schema_arrow.names]
        case _:
            chunk = next(iter(read_chunks(src)), None)
            return list(chunk.rows[0]) if chunk and chunk.rows else []


def read_chunks(src: SourceFile, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Yield the file's rows in chunks; cells are text, stripped, ``""`` when missing. A line
    that cannot be decoded or parsed is yielded in ``Chunk.bad`` with its number and reason,
    and the lines after it are read on."""
    match src.format:
        case "csv":
            yield from _csv_chunks(src, chunk_rows)
        case "xlsx":
            frame = pd.read_excel(src.path, dtype=object, keep_default_na=False)
            for start in range(0, len(frame), chunk_rows):
                yield _frame_chunk(frame.iloc[start : start + chunk_rows], start + 2)
        case "parquet":
            yield from _parquet_chunks(src, chunk_rows)
        case "jsonl" | "json":
            yield from _jsonl_chunks(src, chunk_rows)
        case other:
            raise ValueError(f"unsupported format {other}")


def _reason(zh: str, en: str, exc: BaseException | str) -> str:
    return f"{zh}：{exc} / {en}: {exc}"


class _Lines:
    """The text lines of a CSV file, decoded one by one: a line the file's encoding does not
    decode (or, in a GBK file, a line in UTF-8) is set aside in ``bad``. ``taken`` holds the
    numbers of the lines handed out since it was last cleared."""

    def __init__(self, fh: BinaryIO, encoding: str) -> None:
        self.fh = fh
        self.gbk = encoding == "gb18030"
        self.encoding = encoding
        self.number = 0
        self.taken: list[int] = []
        self.bad: list[BadLine] = []

    def __iter__(self) -> Iterator[str]:
        for raw in self.fh:
            self.number += 1
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if raw.isascii():
                text = raw.decode("ascii")
            elif self.gbk and _is_utf8(raw):
                self._bad(
                    raw, "此行为UTF-8编码，文件其余部分为GBK", "this line is UTF-8 in a GBK file"
                )
                continue
            else:
                try:
                    text = raw.decode(self.encoding)
                except UnicodeDecodeError as exc:
                    self._bad(
                        raw,
                        f"此行不是{self.encoding}编码（第{exc.start + 1}字节），可能为GBK",
                        f"this line is not {self.encoding} (byte {exc.start + 1}); GBK?",
                    )
                    continue
            self.taken.append(self.number)
            yield text

    def _bad(self, raw: bytes, zh: str, en: str) -> None:
        excerpt = raw[:200].decode("utf-8", errors="replace").rstrip("\r\n")
        self.bad.append(BadLine(self.number, excerpt, f"{zh} / {en}"))


def _csv_chunks(src: SourceFile, chunk_rows: int) -> Iterator[Chunk]:
    with src.path.open("rb") as fh:
        lines = _Lines(fh, src.encoding or "utf-8-sig")
        reader = csv.reader(lines)
        try:
            columns = [c.strip() for c in next(reader)]
        except StopIteration:
            return
        lines.taken.clear()
        rows: list[dict[str, str]] = []
        numbers: list[int] = []
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                line = lines.taken[0] if lines.taken else lines.number
                lines.bad.append(BadLine(line, "", _reason("CSV格式错误", "not CSV", exc)))
                lines.taken.clear()
                continue
            line = lines.taken[0] if lines.taken else lines.number
            lines.taken.clear()
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if len(cells) > len(columns):
                lines.bad.append(
                    BadLine(
                        line,
                        ",".join(cells)[:200],
                        f"此行有{len(cells)}个单元格，表头只有{len(columns)}列 / this line has "
                        f"{len(cells)} cells, the header {len(columns)} columns",
                    )
                )
                continue
            cells += [""] * (len(columns) - len(cells))
            rows.append(dict(zip(columns, [c.strip() for c in cells], strict=True)))
            numbers.append(line)
            if len(rows) >= chunk_rows:
                yield Chunk(rows, numbers, lines.bad)
                rows, numbers, lines.bad = [], [], []
        yield Chunk(rows, numbers, lines.bad)


def _jsonl_chunks(src: SourceFile, chunk_rows: int) -> Iterator[Chunk]:
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    bad: list[BadLine] = []
    with src.path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            excerpt = raw[:200].decode("utf-8", errors="replace").rstrip("\r\n")
            try:
                item = json.loads(raw)
                if not isinstance(item, dict):
                    raise ValueError("not a JSON object / 不是JSON对象")
                rows.append({str(k).strip(): _cell(v) for k, v in item.items()})
                numbers.append(n)
            except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
                bad.append(BadLine(n, excerpt, _reason("不是有效的JSON行", "not a JSON line", exc)))
            if len(rows) >= chunk_rows:
                yield Chunk(rows, numbers, bad)
                rows, numbers, bad = [], [], []
    yield Chunk(rows, numbers, bad)


def _parquet_chunks(src: SourceFile, chunk_rows: int) -> Iterator[Chunk]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(src.path)
    line = 1
    for group in range(pf.num_row_groups):
        size = pf.metadata.row_group(group).num_rows
        try:
            table = pf.read_row_group(group)
        except (pa.ArrowException, OSError) as exc:
            reason = _reason(f"行组{group}无法读取", f"row group {group} cannot be read", exc)
            yield Chunk([], [], [BadLine(n, "", reason) for n in range(line, line + size)])
            line += size
            continue
        for batch in table.to_batches(max_chunksize=chunk_rows):
            yield _frame_chunk(batch.to_pandas().astype(object), line)
            line += batch.num_rows
