"""A bulk load validating in two processes (``loaders.bulk.STAGES``) writes what one process
writes: the same report, the same rejects file byte for byte (bad cells, duplicates, dangling
references, in file order) and the same importer files."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from loaders.bulk import ImportFiles, validate_files
from loaders.contract import contract
from loaders.load import new_batch_meta
from tests.conftest import RING
from tests.test_parallel_load import _damaged

#: A sealed ID number has a random nonce: it differs from one sealing to the next.
RANDOM = ("id_sealed",)


def _validate(directory: Path, out: Path, parallel: bool, meta: Any) -> tuple[Any, ...]:
    files = ImportFiles(out / "import", meta)
    report = validate_files(
        directory,
        files,
        RING,
        rejects_path=out / "rejects.csv",
        progress=False,
        kinds=[k for k in contract() if k != "record_events"],
        parallel=parallel,
    )
    args = files.finish()
    summary = report.to_dict()
    for volatile in ("seconds", "rejects_file"):
        summary.pop(volatile)
    written = {}
    for data in sorted((out / "import").glob("*.csv")):
        if data.name.endswith(".header.csv"):
            continue
        with data.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header = data.with_suffix(".header.csv").read_text(encoding="utf-8")
        names = [h.split(":")[0] for h in header.strip().split(",")]
        keep = [i for i, n in enumerate(names) if n not in RANDOM]
        written[data.name] = [[r[i] for i in keep] for r in rows]
    rel_args = sorted(a.replace(str(out), "") for a in args)
    return summary, (out / "rejects.csv").read_bytes(), written, rel_args


def test_two_processes_write_what_one_writes(tmp_path: Path) -> None:
    _damaged(tmp_path / "in")
    meta = new_batch_meta()
    one = _validate(tmp_path / "in", tmp_path / "one", parallel=False, meta=meta)
    two = _validate(tmp_path / "in", tmp_path / "two", parallel=True, meta=meta)
    assert one[0]["rejected"] > 30
    assert one[0] == two[0]
    assert one[1] == two[1]
    assert one[2] == two[2]
    assert one[3] == two[3]
    assert not list((tmp_path / "two").glob("rejects.csv.*"))  # the parts are gone
