"""Readers for the formats users hand in: CSV (UTF-8 or GBK), XLSX, Parquet, JSON Lines.

Every reader yields chunks of rows as a pandas frame of text cells (stripped, empty for
missing), together with the line number a person sees in the file for each row. A line that
cannot be read is handed back with its number and the reason (it goes to the rejects file)
and the rest of the file is read on.

CSV is read in byte chunks cut on record boundaries. A chunk that decodes as a whole and
whose quoting is plain is parsed by pandas' C parser; lines that do not decode are taken out
of the chunk (each with its reason) before it is parsed, and a line with more cells than the
header is rejected on its own. A chunk the fast path cannot vouch for (a stray quote inside
a cell, a bare carriage return, a NUL, a record longer than the field limit) sends the rest
of the file through the line-by-line reader (Python ``csv``), whose rows, line numbers and
reasons the fast path reproduces exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from loaders.contract import FILE_KINDS, FileKind

#: Suffixes tried for each contract file, in this order.
SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl", ".json")
CHUNK_ROWS = 50_000
#: Bytes read at a time from a CSV file (a chunk ends on the last record boundary in them).
CHUNK_BYTES = 16 << 20
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


class Chunk:
    """Rows of one file as a frame of stripped text cells (one column per header name), the
    line each row sits on (header is line 1 in CSV/XLSX), and the lines between them that
    could not be read."""

    def __init__(self, frame: pd.DataFrame, lines: list[int], bad: list[BadLine]) -> None:
        self.frame = frame
        self.lines = lines
        self.bad = bad
        self._asked = 0

    @classmethod
    def from_rows(cls, rows: list[dict[str, str]], lines: list[int], bad: list[BadLine]) -> Chunk:
        """A chunk of rows read one by one (in the frame, a cell a row lacks is ``""``; the
        rows themselves are kept as read, for the rejects file)."""
        frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
        chunk = cls(frame.astype(object).fillna(""), lines, bad)
        chunk.__dict__["rows"] = rows  # the cached ``rows``, already built
        return chunk

    def __len__(self) -> int:
        return len(self.lines)

    @cached_property
    def rows(self) -> list[dict[str, str]]:
        """The rows as dicts (built once, when asked)."""
        records: list[dict[str, str]] = self.frame.to_dict("records")  # type: ignore[assignment]
        return records

    def row(self, i: int) -> dict[str, str]:
        """Row ``i`` as a dict: one by one for the first few asked (a rejected row now and
        then), then all of the chunk's rows at once."""
        if "rows" in self.__dict__ or self._asked >= _ROWS_ONE_BY_ONE:
            return self.rows[i]
        self._asked += 1
        return dict(zip(self.frame.columns, self.frame.iloc[i].tolist(), strict=True))

    def raw(self, i: int) -> RawRow:
        """Row ``i`` as a mapping built only when read (most rows never are)."""
        return RawRow(self, i)


#: Rows of a chunk :meth:`Chunk.row` builds one by one before it builds them all.
_ROWS_ONE_BY_ONE = 64


class RawRow(Mapping[str, str]):
    """One row of a chunk as read, built into a dict on first use (for the rejects file)."""

    __slots__ = ("_chunk", "_i", "_row")

    def __init__(self, chunk: Chunk, i: int) -> None:
        self._chunk, self._i = chunk, i
        self._row: dict[str, str] | None = None

    def _built(self) -> dict[str, str]:
        if self._row is None:
            self._row = self._chunk.row(self._i)
        return self._row

    def __getitem__(self, key: str) -> str:
        return self._built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


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
    if _is_utf8(b"\n".join(lines)):  # each line then decodes too (a break is never inside
        return "utf-8-sig"  # a character): the common case, without a loop over lines
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
    return Chunk.from_rows(rows, lines, bad)


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
        case _:  # JSON Lines: the keys of the first object
            with src.path.open("rb") as fh:
                for raw in fh:
                    if not raw.strip():
                        continue
                    try:
                        return list(_json_row(raw))
                    except (ValueError, TypeError):
                        continue
            return []


def read_chunks(
    src: SourceFile, chunk_rows: int = CHUNK_ROWS, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[Chunk]:
    """Yield the file's rows in chunks (at most ``chunk_rows`` rows; a CSV chunk also about
    ``chunk_bytes`` at most); cells are text, stripped, ``""`` when missing. A line that
    cannot be decoded or parsed is yielded in ``Chunk.bad`` with its number and reason, and
    the lines after it are read on."""
    match src.format:
        case "csv":
            with src.path.open("rb") as fh:
                yield from _CsvChunks(fh, src.encoding or "utf-8-sig", chunk_rows, chunk_bytes)
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
    numbers of the lines handed out since it was last cleared; ``quoted_bad`` tells whether
    a line set aside held a quote (it may have opened or closed a quoted cell)."""

    def __init__(self, raw_lines: Iterable[bytes], encoding: str, number: int = 0) -> None:
        self.raw_lines = raw_lines
        self.gbk = encoding == "gb18030"
        self.encoding = encoding
        self.number = number
        self.taken: list[int] = []
        self.bad: list[BadLine] = []
        self.quoted_bad = False

    def __iter__(self) -> Iterator[str]:
        for raw in self.raw_lines:
            self.number += 1
            if self.number == 1 and raw.startswith(_BOM):
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
        self.quoted_bad = self.quoted_bad or b'"' in raw


_BOM = b"\xef\xbb\xbf"
_NEWLINE, _QUOTE, _COMMA = ord("\n"), ord('"'), ord(",")
#: What ``str.strip`` removes, as UTF-8: single bytes (ASCII; ``\r`` and ``\n`` end lines
#: and are looked at apart) and the sequences of the wider spaces (U+00A0, U+3000 …).
_SPACES = [c.encode() for c in map(chr, range(0x10000)) if c.isspace() and c not in "\r\n"]
_BYTE_SPACE = np.zeros(256, dtype=bool)
_BYTE_SPACE[[s[0] for s in _SPACES if len(s) == 1]] = True
_WIDE_SPACES = [s for s in _SPACES if len(s) > 1]
_WIDE_FIRST = np.zeros(256, dtype=bool)
_WIDE_FIRST[[s[0] for s in _WIDE_SPACES]] = True
_WIDE_LAST = np.zeros(256, dtype=bool)
_WIDE_LAST[[s[-1] for s in _WIDE_SPACES]] = True
#: ASCII bytes that make a record not blank (anything but delimiters, quotes and spaces).
_CONTENT = np.zeros(256, dtype=bool)
_CONTENT[list(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")] = True
#: Bytes a cell can begin after or end before (outside or inside quotes: a false alarm only
#: costs a strip).
_EDGE = np.zeros(256, dtype=bool)
_EDGE[list(b',\n\r"')] = True


def _may_need_strip(arr: np.ndarray) -> bool:
    """Whether a cell of the chunk may begin or end with what ``str.strip`` removes: a space
    just after or just before a comma, line break or quote (or the chunk's ends), or a line
    break just inside a quote. Exact for the spaces, vectorised: the frame is stripped only
    when this says so."""
    pad = np.concatenate((np.zeros(3, np.uint8), arr, np.zeros(3, np.uint8)))
    edges = np.flatnonzero(_EDGE[pad])
    first = np.concatenate(([3], edges + 1))  # where a cell may begin
    last = np.concatenate((edges - 1, [len(pad) - 4]))  # where a cell may end
    if _BYTE_SPACE[pad[first]].any() or _BYTE_SPACE[pad[last]].any():
        return True
    if _wide_space_at(pad, first[_WIDE_FIRST[pad[first]]], ends=False):
        return True
    if _wide_space_at(pad, last[_WIDE_LAST[pad[last]]], ends=True):
        return True
    quotes = edges[pad[edges] == _QUOTE]
    breaks = (pad[quotes - 1] == _NEWLINE) | (pad[quotes + 1] == _NEWLINE)
    return bool(breaks.any() or (pad[quotes + 1] == ord("\r")).any())


def _wide_space_at(pad: np.ndarray, at: np.ndarray, ends: bool) -> bool:
    """Whether a multi-byte space begins (or, with ``ends``, ends) at any of ``at``."""
    if not len(at):
        return False
    for space in _WIDE_SPACES:
        start = at - (len(space) - 1) if ends else at
        hit = np.ones(len(at), dtype=bool)
        for j, byte in enumerate(space):
            hit &= pad[start + j] == byte
        if hit.any():
            return True
    return False


class _Fallback(Exception):
    """The fast path cannot vouch for this chunk: read on line by line from its start."""


def _too_many(cells: int, columns: int) -> str:
    return (
        f"此行有{cells}个单元格，表头只有{columns}列 / this line has "
        f"{cells} cells, the header {columns} columns"
    )


class _CsvChunks:
    """The chunks of one CSV file (see the module docstring): fast while the file is plain,
    line by line from the first chunk that is not."""

    def __init__(self, fh: BinaryIO, encoding: str, chunk_rows: int, chunk_bytes: int) -> None:
        self.fh = fh
        self.encoding = encoding
        self.chunk_rows = chunk_rows
        self.chunk_bytes = chunk_bytes
        self.columns: list[str] | None = None
        #: Lines read but not yet yielded (bad lines before the header).
        self.pending: list[BadLine] = []
        #: Bytes :meth:`_cut` searches first (learnt from the chunks cut so far).
        self.window = chunk_bytes

    def _took(self, cut: int) -> int:
        """Note that a whole chunk took ``cut`` bytes (the next search starts with a window a
        half larger); ``cut``."""
        self.window = cut + cut // 2
        return cut

    def __iter__(self) -> Iterator[Chunk]:
        carry = b""
        line = 1  # the physical line ``carry`` starts on
        eof = short = False
        while True:
            # Read on only when what is left may not hold a chunk: the carry stays under two
            # blocks, so neither the cut nor the slicing walks the rest of a large file.
            if not eof and (short or len(carry) < self.chunk_bytes):
                more = self.fh.read(self.chunk_bytes)
                eof = not more
                carry += more
            if not carry and eof:
                return
            cut = self._cut(carry, eof)
            short = cut is None
            if cut is None:
                if len(carry) > 4 * CSV_FIELD_LIMIT:  # no record ends: let csv say why
                    yield from self._linewise(carry, line)
                    return
                continue
            piece, carry = carry[:cut], carry[cut:]
            try:
                chunk = self._parse(piece, line)
            except _Fallback:
                yield from self._linewise(piece + carry, line)
                return
            line += piece.count(b"\n")
            if chunk is not None:
                yield chunk

    def _cut(self, block: bytes, eof: bool) -> int | None:
        """Where the chunk ends in ``block`` (a record boundary, counting quotes; within its
        first ``chunk_bytes`` unless no record ends there), or None when no record ends in
        it yet (``eof``: the block is the rest of the file)."""
        whole = np.frombuffer(block, dtype=np.uint8)
        wanted = self.chunk_rows + (1 if self.columns is None else 0)
        if self.window < self.chunk_bytes:
            # First the bytes the last chunk took and a half again: the chunk nearly always
            # ends there, and the rest of the block (up to two) is not searched for breaks.
            arr = whole[: self.window]
            ends = _record_ends(arr, np.flatnonzero(arr == _NEWLINE))
            if len(ends) > wanted:
                return self._took(int(ends[wanted - 1]) + 1)
        for arr in (whole[: self.chunk_bytes], whole):
            ends = _record_ends(arr, np.flatnonzero(arr == _NEWLINE))
            if len(ends) > wanted:
                return self._took(int(ends[wanted - 1]) + 1)
            if eof and len(arr) == len(whole):
                return len(block)
            if len(ends):
                return int(ends[-1]) + 1
            if len(arr) == len(whole):
                break
        return None

    def _decoded(self, piece: bytes, first_line: int) -> tuple[bytes, np.ndarray, list[BadLine]]:
        """The piece as UTF-8 without the lines that do not decode, the physical number of
        each line left, and the lines taken out."""
        body = piece[3:] if first_line == 1 and piece.startswith(_BOM) else piece
        if self.encoding in ("utf-8", "utf-8-sig") and _BOM not in body:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                count = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
                return body, np.arange(first_line, first_line + count), []
        # Line by line: a line that does not decode, a GBK file (where a UTF-8 line is
        # refused), a BOM inside the text.
        lines = _Lines(io.BytesIO(piece), self.encoding, first_line - 1)
        text = "".join(lines)
        if lines.quoted_bad:  # the quotes left may pair up otherwise: csv decides
            raise _Fallback
        data = text.encode("utf-8")
        if _BOM in data:  # pandas would drop a BOM that starts the data, csv keeps it
            raise _Fallback
        return data, np.array(lines.taken, dtype=np.int64), lines.bad

    def _parse(self, piece: bytes, first_line: int) -> Chunk | None:
        """The rows of one piece of the file (whole records), or None for the header alone."""
        data, numbers, bad = self._decoded(piece, first_line)
        if b"\x00" in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
            raise _Fallback
        arr = np.frombuffer(data, dtype=np.uint8)
        newlines = np.flatnonzero(arr == _NEWLINE)
        quotes = np.flatnonzero(arr == _QUOTE)
        if not _plain_quotes(arr, quotes):
            raise _Fallback
        starts = np.concatenate(([0], _record_ends(arr, newlines, quotes) + 1))
        if starts[-1] == len(data):
            starts = starts[:-1]
        bounds = np.append(starts, len(data))
        if len(starts) and np.diff(bounds).max() > CSV_FIELD_LIMIT:
            raise _Fallback
        record_lines = numbers[np.searchsorted(newlines, starts)]
        columns = self.columns
        if columns is None:  # set only once the chunk is read: a fallback reads it again
            if not len(starts):
                self.pending += bad  # lines before the header go out with the first rows
                return None
            head = data[: bounds[1]].decode("utf-8")
            columns = [c.strip() for c in next(csv.reader(io.StringIO(head, newline="")))]
            starts, bounds, record_lines = starts[1:], bounds[1:], record_lines[1:]
        commas = np.flatnonzero(arr == _COMMA)
        if len(quotes):
            commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
        record_of = np.searchsorted(starts, commas, side="right") - 1
        cells = np.bincount(record_of[record_of >= 0], minlength=len(starts)) + 1
        wide = np.flatnonzero(cells > len(columns))
        keep = np.ones(len(starts), dtype=bool)
        for i in wide.tolist():
            keep[i] = False
            text = data[bounds[i] : bounds[i + 1]].decode("utf-8")
            row = next(csv.reader(io.StringIO(text, newline="")), [])
            if any(c.strip() for c in row):
                bad.append(
                    BadLine(
                        int(record_lines[i]), ",".join(row)[:200], _too_many(len(row), len(columns))
                    )
                )
        if len(wide):
            body = b"".join(data[bounds[i] : bounds[i + 1]] for i in np.flatnonzero(keep).tolist())
        else:
            body = data[bounds[0] :] if len(bounds) else b""
        frame = _parse_records(body, len(columns), int(keep.sum()))
        lines = record_lines[keep]
        if _may_need_strip(np.frombuffer(body, dtype=np.uint8)):
            frame = frame.apply(lambda cells: cells.str.strip())
        # Blank records: only those without a letter or digit in their bytes are looked at.
        filled = np.ones(len(frame), dtype=bool)
        if len(starts):
            maybe_blank = ~np.logical_or.reduceat(_CONTENT[arr], starts)[keep]
            if maybe_blank.any():
                asked = np.flatnonzero(maybe_blank)
                filled[asked] = (frame.iloc[asked] != "").to_numpy().any(axis=1)
        if not filled.all():  # blank lines
            kept = np.flatnonzero(filled)
            frame, lines = frame.iloc[kept].reset_index(drop=True), lines[kept]
        # Named as dict(zip(header, cells)) would: a repeated name keeps its last column.
        named = pd.DataFrame({name: frame[i] for i, name in enumerate(columns)}, dtype=object)
        bad = sorted(self.pending + bad, key=lambda b: b.line)
        self.columns, self.pending = columns, []
        return Chunk(named, lines.tolist(), bad)

    def _linewise(self, start: bytes, first_line: int) -> Iterator[Chunk]:
        """The rest of the file from ``start`` (the bytes read and not yet yielded), read line
        by line with Python's ``csv``."""
        if start and not start.endswith(b"\n"):
            start += self.fh.readline()
        lines = _Lines(itertools.chain(io.BytesIO(start), self.fh), self.encoding, first_line - 1)
        lines.bad, self.pending = self.pending, []
        reader = csv.reader(lines)
        if self.columns is None:
            try:
                self.columns = [c.strip() for c in next(reader)]
            except StopIteration:
                return
            lines.taken.clear()
        columns = self.columns
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
                    BadLine(line, ",".join(cells)[:200], _too_many(len(cells), len(columns)))
                )
                continue
            cells += [""] * (len(columns) - len(cells))
            rows.append(dict(zip(columns, [c.strip() for c in cells], strict=True)))
            numbers.append(line)
            if len(rows) >= self.chunk_rows:
                yield Chunk.from_rows(rows, numbers, lines.bad)
                rows, numbers, lines.bad = [], [], []
        yield Chunk.from_rows(rows, numbers, lines.bad)


def _record_ends(
    arr: np.ndarray, newlines: np.ndarray, quotes: np.ndarray | None = None
) -> np.ndarray:
    """The line breaks that end a record: those outside quoted cells (an even number of
    quotes before them; a block starts on a record boundary)."""
    if quotes is None:
        quotes = np.flatnonzero(arr == _QUOTE)
    if not len(quotes):
        return newlines
    ends: np.ndarray = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    return ends


def _plain_quotes(arr: np.ndarray, quotes: np.ndarray) -> bool:
    """Whether every quote opens a cell (at its start) or closes it (before a comma, a line
    end or the next quote of a doubled pair) and they pair up: then quote parity tells the
    records apart exactly as Python's ``csv`` does. A quote inside an unquoted cell (csv takes
    it literally) fails this."""
    if not len(quotes):
        return True
    if len(quotes) % 2:
        return False
    opening, closing = quotes[0::2], quotes[1::2]
    before = arr[np.maximum(opening - 1, 0)]
    # An opening quote right after the closing one before it is the second of a pair ("").
    after_close = np.concatenate(([False], opening[1:] - 1 == closing[:-1]))
    ok_open = (opening == 0) | (before == _COMMA) | (before == _NEWLINE) | after_close
    after = arr[np.minimum(closing + 1, len(arr) - 1)]
    ok_close = (
        (closing == len(arr) - 1)
        | (after == _COMMA)
        | (after == _NEWLINE)
        | (after == ord("\r"))
        | (after == _QUOTE)
    )
    return bool(ok_open.all() and ok_close.all())


def _parse_records(body: bytes, columns: int, expected: int) -> pd.DataFrame:
    """Whole, plainly quoted records (none wider than the header) parsed by pandas' C
    parser: one row per record, blank records included, missing cells ``""``."""
    if not expected or not columns:
        return pd.DataFrame({i: pd.Series([""] * expected, dtype=object) for i in range(columns)})
    try:
        frame = pd.read_csv(
            io.BytesIO(body),
            header=None,
            names=list(range(columns)),
            index_col=False,
            dtype=object,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            encoding="utf-8",
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        raise _Fallback from None
    if len(frame) != expected:  # the parsers disagree: let csv decide
        raise _Fallback
    return frame


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
                rows.append(_json_row(raw))
                numbers.append(n)
            except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
                bad.append(BadLine(n, excerpt, _reason("不是有效的JSON行", "not a JSON line", exc)))
            if len(rows) >= chunk_rows:
                yield Chunk.from_rows(rows, numbers, bad)
                rows, numbers, bad = [], [], []
    yield Chunk.from_rows(rows, numbers, bad)


def _json_row(raw: bytes) -> dict[str, str]:
    """One JSON Lines line as a row (ValueError when it is not a JSON object)."""
    item = json.loads(raw)
    if not isinstance(item, dict):
        raise ValueError("not a JSON object / 不是JSON对象")
    return {str(k).strip(): _cell(v) for k, v in item.items()}


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
            bad = [BadLine(n, "", reason) for n in range(line, line + size)]
            yield Chunk.from_rows([], [], bad)
            line += size
            continue
        for batch in table.to_batches(max_chunksize=chunk_rows):
            yield _frame_chunk(batch.to_pandas().astype(object), line)
            line += batch.num_rows
