"""The rejects file: every refused row with its file, line, column and reason, and the row
itself as JSON so it can be fixed and loaded again. Nothing refused is lost. Cells a
spreadsheet would run as a formula are neutralised (:mod:`graph_service.exports.safe`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from graph_service.exports.safe import neutralise
from loaders.validate import Problem

COLUMNS = ("file", "line", "column", "value", "reason", "row")


class RejectsWriter:
    """Appends rejected rows to a UTF-8 CSV (with BOM, so spreadsheet programs read Chinese)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.problems = 0
        self._fh: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None

    def _open(self) -> csv.DictWriter[str]:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.DictWriter(self._fh, fieldnames=COLUMNS)
            self._writer.writeheader()
        return self._writer

    def reject(self, file: str, line: int, row: Mapping[str, str], problems: list[Problem]) -> None:
        """Write one line per problem of a refused row."""
        writer = self._open()
        raw = json.dumps(dict(row), ensure_ascii=False)
        for p in problems:
            cells = {
                "file": file,
                "line": line,
                "column": p.column,
                "value": p.value,
                "reason": p.reason,
                "row": raw,
            }
            writer.writerow({k: neutralise(v) for k, v in cells.items()})
        self.rows += 1
        self.problems += len(problems)

    def write_rows(self, rows: Sequence[Mapping[str, str]]) -> None:
        """Copy lines of another rejects file (read with their header) as they are."""
        writer = self._open()
        writer.writerows(rows)
        self.problems += len(rows)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()

    def __enter__(self) -> RejectsWriter:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
