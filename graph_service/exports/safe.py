"""Cells a spreadsheet would run: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is a formula to Excel, WPS and LibreOffice (``=cmd|' /C calc'!A0``).
Every CSV this project writes (exports, rejects, notices, grades, flows) goes through
:func:`neutralise`, which puts a ``'`` before such a cell — the mark spreadsheets read as
"text" — and leaves numbers (``-12.5``) alone; :func:`restore` takes the mark off again.

>>> neutralise("=cmd|' /C calc'!A0"), neutralise("-12.5"), neutralise("灵寿县")
("'=cmd|' /C calc'!A0", '-12.5', '灵寿县')
>>> restore(neutralise("@SUM(A1)"))
'@SUM(A1)'
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise(value: Any) -> Any:
    """``value`` safe to open in a spreadsheet (only text cells change)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _number(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The value :func:`neutralise` was given."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and the column names) neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_frame(frame: pd.DataFrame, path: Path | str, *, index: bool = False) -> None:
    """``frame`` as UTF-8 CSV with a BOM (spreadsheets read the Chinese), neutralised."""
    safe = neutralise_frame(frame)
    if index:
        safe.index = safe.index.map(neutralise)
    safe.to_csv(path, index=index, encoding="utf-8-sig")


class SafeWriter:
    """:func:`csv.writer` whose rows are neutralised."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one neutralised row."""
        self._writer.writerow([neutralise(v) for v in row])
