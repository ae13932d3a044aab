"""The chunked CSV reader: frames from pandas' C parser, with the rows, line numbers and
reasons of the line-by-line reader (Python ``csv``), which stays the reference."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders import readers
from loaders.readers import BadLine, Chunk, SourceFile, _CsvChunks, read_chunks, sniff_encoding


def _read(
    path: Path, encoding: str | None = None, **sizes: int
) -> tuple[list[dict[str, str]], list[int], list[BadLine]]:
    src = SourceFile(kind="entities", path=path, encoding=encoding or sniff_encoding(path))
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    bad: list[BadLine] = []
    for chunk in read_chunks(src, **sizes):
        rows += chunk.rows
        lines += chunk.lines
        bad += chunk.bad
    return rows, lines, bad


def _line_by_line(
    data: bytes, encoding: str = "utf-8-sig"
) -> tuple[list[dict[str, str]], list[int], list[BadLine]]:
    """The reference: the whole file through the line-by-line reader."""
    reader = _CsvChunks(io.BytesIO(b""), encoding, chunk_rows=50_000, chunk_bytes=1 << 20)
    chunks: list[Chunk] = list(reader._linewise(data, 1))
    rows = [row for c in chunks for row in c.rows]
    return rows, [n for c in chunks for n in c.lines], [b for c in chunks for b in c.bad]


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "entities.csv"
    path.write_bytes(data)
    return path


def test_a_bad_byte_mid_chunk_costs_that_line_only_with_its_number(tmp_path: Path) -> None:
    good = "".join(f"9{i:05d},公司{i}\n" for i in range(1, 40)).encode()
    path = _write(tmp_path, b"uscc,name\n" + good + b"\xff\xfe,broken\n" + good)
    rows, lines, bad = _read(path, chunk_rows=25)
    assert len(rows) == 78
    assert [b.line for b in bad] == [41]
    assert "byte 1" in bad[0].reason and "不是utf-8-sig编码" in bad[0].reason
    assert lines[:2] == [2, 3] and lines[39] == 42  # the row after the bad line keeps its number


def test_a_quoted_newline_keeps_the_physical_line_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, b'uscc,name\n1,"two\nlines"\n2,"a ""quote"""\n3,x\n')
    rows, lines, bad = _read(path)
    assert rows == [
        {"uscc": "1", "name": "two\nlines"},
        {"uscc": "2", "name": 'a "quote"'},
        {"uscc": "3", "name": "x"},
    ]
    assert lines == [2, 4, 5] and not bad


def test_a_short_row_is_padded_and_a_wide_one_refused_alone(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a,b,c\n1\n1,2,3,4\n,,,,\n5,6,7\n")
    rows, lines, bad = _read(path)
    assert rows == [{"a": "1", "b": "", "c": ""}, {"a": "5", "b": "6", "c": "7"}]
    assert lines == [2, 5]
    assert [(b.line, b.text) for b in bad] == [(3, "1,2,3,4")]  # an empty wide line is blank
    assert "this line has 4 cells, the header 3 columns" in bad[0].reason


def test_a_bom_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\xef\xbb\xbfuscc,name\r\n1,x\r\n")
    rows, lines, _ = _read(path)
    assert rows == [{"uscc": "1", "name": "x"}] and lines == [2]


def test_gb18030_input_is_read_and_a_utf8_line_in_it_refused(tmp_path: Path) -> None:
    data = (
        "uscc,name\n1,北京公司\n".encode("gb18030")
        + "2,上海公司\n".encode()
        + "3,广州公司\n".encode("gb18030")
    )
    path = _write(tmp_path, data)
    assert sniff_encoding(path) == "gb18030"
    rows, lines, bad = _read(path)
    assert [r["name"] for r in rows] == ["北京公司", "广州公司"] and lines == [2, 4]
    assert [b.line for b in bad] == [3] and "UTF-8" in bad[0].reason


def test_cells_are_stripped_of_what_str_strip_removes(tmp_path: Path) -> None:
    path = _write(tmp_path, 'a,b,c\n 1 ,\u30002\u3000,"3\n"\n x y ,\xa0,z\n'.encode())
    rows, _, _ = _read(path)
    assert rows == [{"a": "1", "b": "2", "c": "3"}, {"a": "x y", "b": "", "c": "z"}]


def test_a_stray_quote_sends_the_rest_of_the_file_line_by_line(tmp_path: Path) -> None:
    data = b'a,b\n1,5" screen\n2,"x\ny"\n3,z\n'
    rows, lines, bad = _read(_write(tmp_path, data), chunk_rows=1)
    assert (rows, lines, bad) == _line_by_line(data)
    assert rows[0] == {"a": "1", "b": '5" screen'} and lines == [2, 3, 5]


# Bytes that make CSV hard: delimiters, quotes, line ends, spaces of both widths, CJK, a
# byte that is not UTF-8, a BOM.
_PIECES = [b",", b'"', b'""', b"\n", b"\r\n", b"\r", b" ", "\u3000".encode(), b"a", b"1"]
_PIECES += ["中".encode(), b"\xff", b"\xef\xbb\xbf", b"\x00", b"x,y", b'"q,\n"']


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join),
    header=st.sampled_from(
        [b"a,b,c\n", b"\xef\xbb\xbfa,b,c\n", b"a,b,a\n", b"\n", b"\xff,x\na,b,c\n"]
    ),
    chunk_rows=st.integers(1, 5),
    chunk_bytes=st.integers(1, 64),
)
def test_the_chunked_reader_equals_the_line_by_line_reader(
    tmp_path_factory: pytest.TempPathFactory,
    body: bytes,
    header: bytes,
    chunk_rows: int,
    chunk_bytes: int,
) -> None:
    data = header + body
    path = tmp_path_factory.mktemp("csv") / "entities.csv"
    path.write_bytes(data)
    got = _read(path, "utf-8-sig", chunk_rows=chunk_rows, chunk_bytes=chunk_bytes)
    want = _line_by_line(data)
    assert got[0] == want[0] and got[1] == want[1]
    assert sorted(got[2], key=lambda b: b.line) == sorted(want[2], key=lambda b: b.line)


def test_a_chunk_pandas_refuses_is_read_again_line_by_line_header_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(body: bytes, columns: int, expected: int) -> object:
        raise readers._Fallback

    data = b"\xff\na,b\n1,x\n2,y\n"
    monkeypatch.setattr(readers, "_parse_records", refuse)
    rows, lines, bad = _read(_write(tmp_path, data))
    assert rows == [{"a": "1", "b": "x"}, {"a": "2", "b": "y"}] and lines == [3, 4]
    assert [b.line for b in bad] == [1]
