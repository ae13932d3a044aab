"""Validating in worker processes (``LOAD_VALIDATORS``) loads what one process loads: the
same report, the same rejects file byte for byte (bad cells, duplicates, dangling references,
line numbers) and the same graph, with many chunks per file in flight."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from graph_service.exports.snapshot import TABLES, read_snapshot
from graph_service.stores.embedded import EmbeddedStore
from loaders import load as load_module
from loaders.columns import FrameValidator
from loaders.contract import contract
from loaders.parallel import FileSpecKey, ValidationPool
from loaders.readers import Chunk, discover, header, read_chunks
from loaders.validate import RowValidator
from tests.conftest import RING

PROVENANCE = ("batch_id", "loaded_at", "first_batch_id")


def _damaged(directory: Path) -> None:
    """A copy of the test registry with bad rows spread over its files."""
    from graph_service.synth import generate

    generate(directory, entities=500, seed=5, progress=False)
    _every(directory / "entities.csv", 11, _bad_entity)
    _every(directory / "persons.csv", 13, _bad_person)
    _every(directory / "roles.csv", 17, _bad_role)


def _every(path: Path, step: int, damage: Any) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    names = next(csv.reader([lines[0]]))
    out = [lines[0]]
    for i, line in enumerate(lines[1:], start=1):
        out.append(line)
        if i % step == 0:
            row = dict(zip(names, next(csv.reader([line])), strict=True))
            buf = io.StringIO()
            bad = damage(row, i // step)
            csv.writer(buf, lineterminator="\n").writerow([bad[n] for n in names])
            out.append(buf.getvalue())
    path.write_text("".join(out), encoding="utf-8")


def _bad_entity(row: dict[str, str], k: int) -> dict[str, str]:
    code = row["uscc"]
    return [
        row | {"uscc": code[:17] + ("A" if code[17] != "A" else "B")},  # check character
        row | {"region_code": "990101"},  # no such region
        row | {"registered_on": "2023-02-30"},  # no such day
        row,  # a duplicate
    ][k % 4]


def _bad_person(row: dict[str, str], k: int) -> dict[str, str]:
    number = row["person_id"]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    return row if k % 2 else row | {"person_id": wrong}  # a duplicate, or a bad check digit


def _bad_role(row: dict[str, str], k: int) -> dict[str, str]:
    return [
        row | {"uscc": "91130126MA0000000X"},  # an entity nobody registered
        row | {"start_date": "2024/6/31"},
        row,  # a duplicate
    ][k % 3]


def _load(directory: Path, path: Path, validators: int) -> tuple[dict[str, Any], bytes, Any]:
    store = EmbeddedStore(path)
    report = load_module.load_directory(
        directory,
        store,
        RING,
        progress=False,
        rejects_path=path.with_suffix(".rejects.csv"),
        validators=validators,
    )
    summary = report.to_dict()
    for volatile in ("batch_id", "started_at", "seconds", "rejects_file"):
        summary.pop(volatile)
    snapshot = read_snapshot(store, progress=False)
    tables = {
        name: sorted(
            ({k: v for k, v in r.items() if k not in PROVENANCE} for r in snapshot.rows(name)),
            key=repr,
        )
        for name in TABLES
    }
    return summary, path.with_suffix(".rejects.csv").read_bytes(), tables


def test_workers_load_what_one_process_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _damaged(tmp_path / "in")
    # Small chunks: many per file, several in flight at once.
    monkeypatch.setattr(load_module, "read_chunks", partial(read_chunks, chunk_rows=300))
    one = _load(tmp_path / "in", tmp_path / "one.graph", validators=1)
    two = _load(tmp_path / "in", tmp_path / "two.graph", validators=2)
    assert one[0]["rejected"] > 30
    assert one == two


def test_chunks_read_before_a_read_error_are_handed_back_first(tmp_path: Path) -> None:
    _damaged(tmp_path / "in")
    [src] = [s for s in discover(tmp_path / "in")[0] if s.kind == "roles"]
    validator = FrameValidator(RowValidator(contract()["roles"], RING, header(src), "roles.csv"))

    def broken() -> Iterator[Chunk]:
        chunks = read_chunks(src, chunk_rows=20)
        yield next(chunks)
        yield next(chunks)
        raise OSError("disk gone")

    pool = ValidationPool(RING.memoised(), 2)
    try:
        seen = []
        with pytest.raises(OSError, match="disk gone"):
            for chunk, result in pool.validated(
                FileSpecKey.of(validator.row, header(src)), broken()
            ):
                seen.append((chunk.lines, result.rows))
    finally:
        pool.close()
    expected = [
        (c.lines, validator.validate(c.frame).rows) for c in read_chunks(src, chunk_rows=20)
    ]
    assert seen == expected[:2]
