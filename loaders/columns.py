"""Column-wise validation: the checks of :mod:`loaders.validate`, run on a whole chunk at once.

Each contract column is checked with pandas and numpy over the chunk (USCC check characters,
ID check digits and birth dates, GB/T 2260 codes, ISO dates, percentages, vocabularies,
required and conditional columns, ``not_before`` order). A row every column passes is
normalised column-wise too. Any other row — a bad cell, or a good one written in a form the
fast checks do not accept (``2024/6/1``, ``130126.0``, a lower-case USCC is fine) — goes
through the row-wise :class:`~loaders.validate.RowValidator`, which gives the verdict and the
reasons. So the reasons are the row-wise ones by construction; the fast checks only decide
which rows can skip it, and they never pass a row the row-wise check would refuse (the
property test in ``tests/test_columns.py`` holds them to that).

A column type without a column-wise check here (one the contract adds later) is checked
cell by cell with :meth:`RowValidator.check_cell` for that column only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import compress, repeat
from typing import Any

import numpy as np
import pandas as pd

from graph_service.ids.regions import current_regions, retired_regions
from graph_service.ids.resident_id import _CHECK as ID_CHECK
from graph_service.ids.resident_id import _WEIGHTS as ID_WEIGHTS
from graph_service.ids.uscc import _ORG_WEIGHTS, _WEIGHTS, ALPHABET, AUTHORITY_CATEGORIES
from loaders.contract import MAX_CELL, Column
from loaders.validate import CONTROL, Problem, RowError, RowValidator, normalise_columns

#: Column types whose fast check admits only short printable ASCII cells (no text check).
_SHAPED = frozenset({"uscc", "person_id", "party", "region_code", "date", "percent"})
#: A percentage the fast check accepts (others, e.g. ``12%``, go row by row).
_PERCENT_SHAPE = r"[0-9]{1,3}(?:\.[0-9]{1,12})?"


@dataclass
class ChunkResult:
    """The verdict on every row of a chunk: :attr:`rows` in row order, the normalised row or
    None, and the problems of each refused row (row-wise reasons).

    The rows the fast checks passed are kept column by column until :attr:`rows` is read,
    so a result sent from a worker process pickles as a few lists, not as a dict per row."""

    size: int
    #: The rows the fast checks passed, normalised, column by column; and where they sit.
    fast: dict[str, list[Any]]
    fast_at: list[int]
    #: The other rows, by position: normalised by the row-wise validator, or None.
    slow: dict[int, dict[str, Any] | None]
    problems: dict[int, list[Problem]]

    @property
    def rowwise(self) -> int:
        """How many rows the fast checks sent to the row-wise validator."""
        return len(self.slow)

    @cached_property
    def rows(self) -> list[dict[str, Any] | None]:
        """Every row in order: its normalised dict, or None when refused."""
        out: list[dict[str, Any] | None] = [None] * self.size
        if self.fast_at:
            for i, row in zip(self.fast_at, as_rows(self.fast), strict=True):
                out[i] = row
        for i, norm in self.slow.items():
            out[i] = norm
        return out


def as_rows(columns: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    """The rows of a table given column by column, as dicts (zip by map: a third faster than
    a loop)."""
    return map(dict, map(zip, repeat(list(columns)), zip(*columns.values(), strict=True)))


@cache
def _known_regions() -> frozenset[str]:
    return frozenset(current_regions()) | frozenset(retired_regions())


@cache
def _known_region_numbers() -> np.ndarray:
    return np.array(sorted(int(c) for c in _known_regions()), dtype=np.int64)


def warm() -> None:
    """Build the tables the checks read (the region codes, about a second), so that worker
    processes forked after this share them instead of each building its own."""
    _known_region_numbers()


def _table(chars: str, values: Iterable[int] | None = None) -> np.ndarray:
    """A 256-entry lookup: byte of each of ``chars`` → its value (default 1), else 0."""
    out = np.zeros(256, dtype=np.int64)
    values = list(values) if values is not None else [1] * len(chars)
    for char, value in zip(chars, values, strict=True):
        out[ord(char)] = value
    return out


_DIGITS = "0123456789"
_IS_DIGIT = _table(_DIGITS)
_IS_USCC_CHAR = _table(ALPHABET)
_USCC_VALUE = _table(ALPHABET, range(len(ALPHABET)))
_ORG_VALUE = _table(ALPHABET, (int(c) if c.isdigit() else ord(c) - 55 for c in ALPHABET))
_USCC_PAIRS = np.zeros((256, 256), dtype=bool)
for _authority, _categories in AUTHORITY_CATEGORIES.items():
    for _category in _categories:
        _USCC_PAIRS[ord(_authority), ord(_category)] = True


def _fixed_width(values: list[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    """(which cells are ``width`` ASCII characters, their bytes as an (n, width) matrix)."""
    ok = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) == width
    joined = "".join(compress(values, ok))
    if not joined.isascii():
        ok &= np.fromiter(map(str.isascii, values), dtype=bool, count=len(values))
        joined = "".join(compress(values, ok))
    matrix = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, width)
    return ok, matrix


def _number(digits: np.ndarray) -> np.ndarray:
    """Digit columns (already minus ``'0'``) read as one decimal number per row."""
    weights = 10 ** np.arange(digits.shape[1] - 1, -1, -1, dtype=np.int64)
    return np.asarray(digits @ weights)


def _known_region(digits: np.ndarray) -> np.ndarray:
    """Which rows' digits are a known region code (a binary search in the sorted codes:
    ``np.isin`` would sort the chunk's numbers with them every time)."""
    known = _known_region_numbers()
    numbers = _number(digits)
    at = np.minimum(np.searchsorted(known, numbers), len(known) - 1)
    return np.asarray(known[at] == numbers)


def uscc_ok(values: list[str]) -> np.ndarray:
    """Which cells are valid USCCs as written (upper case): GB 32100 characters, authority and
    category, both check characters (GB 11714 and GB 32100) and a GB/T 2260 region."""
    ok, b = _fixed_width(values, 18)
    if not len(b):
        return ok
    good = _IS_USCC_CHAR[b].all(axis=1) & _USCC_PAIRS[b[:, 0], b[:, 1]]
    org = _ORG_VALUE[b[:, 8:16]] @ np.array(_ORG_WEIGHTS)
    org_check = 11 - org % 11
    org_char = np.where(org_check == 10, ord("X"), np.where(org_check == 11, 48, 48 + org_check))
    check = (31 - (_USCC_VALUE[b[:, :17]] @ np.array(_WEIGHTS)) % 31) % 31
    alphabet = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    good &= (b[:, 16] == org_char) & (b[:, 17] == alphabet[check])
    region = b[:, 2:8].astype(np.int64) - 48
    good &= _IS_DIGIT[b[:, 2:8]].all(axis=1) & _known_region(region)
    ok[ok] = good
    return ok


def resident_id_ok(values: list[str], today: dt.date) -> np.ndarray:
    """Which cells are valid resident ID numbers as written (``X`` upper case): 17 digits and a
    check character, a GB/T 2260 region, a real birth date from 1900 to ``today``, and the
    GB 11643 check digit."""
    ok, b = _fixed_width(values, 18)
    if not len(b):
        return ok
    digits = b[:, :17].astype(np.int64) - 48
    good = _IS_DIGIT[b[:, :17]].all(axis=1)
    checks = np.frombuffer(ID_CHECK.encode("ascii"), dtype=np.uint8)
    good &= b[:, 17] == checks[(digits @ np.array(ID_WEIGHTS)) % 11]
    good &= _known_region(digits[:, :6])
    year, month, day = (
        _number(digits[:, 6:10]),
        _number(digits[:, 10:12]),
        _number(digits[:, 12:14]),
    )
    good &= _real_date(year, month, day) & (year >= 1900)
    good &= _number(digits[:, 6:14]) <= int(today.strftime("%Y%m%d"))
    ok[ok] = good
    return ok


def _real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    days = days + ((month == 2) & leap)
    return np.asarray((year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days))


def date_ok(values: list[str]) -> np.ndarray:
    """Which cells are real dates written ``YYYY-MM-DD``."""
    ok, b = _fixed_width(values, 10)
    if not len(b):
        return ok
    digits = b[:, [0, 1, 2, 3, 5, 6, 8, 9]]
    good = _IS_DIGIT[digits].all(axis=1) & (b[:, 4] == ord("-")) & (b[:, 7] == ord("-"))
    d = digits.astype(np.int64) - 48
    good &= _real_date(_number(d[:, :4]), _number(d[:, 4:6]), _number(d[:, 6:8]))
    ok[ok] = good
    return ok


class FrameValidator:
    """Validates and normalises chunks of one contract file column by column, with the same
    verdicts and reasons as the row-wise :class:`RowValidator` it wraps."""

    def __init__(self, row: RowValidator, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.row = row
        self.spec = row.spec
        self.today = today
        self._vocabs = {
            c.vocab: frozenset(row.vocabs[c.vocab]) for c in self.spec.columns if c.vocab
        }

    def validate(self, frame: pd.DataFrame) -> ChunkResult:
        """The verdict on every row of a chunk: a frame of text cells, stripped, one column
        per header name (:attr:`loaders.readers.Chunk.frame`)."""
        n = len(frame)
        raw = {c.name: _column(frame, c.name) for c in self.spec.columns}
        fast = np.ones(n, dtype=bool)
        values: dict[str, pd.Series] = {}
        for col in self.spec.columns:
            cells = raw[col.name]
            if col.default is not None:
                cells = cells.mask(cells == "", col.default)
            empty = (cells == "").to_numpy()
            missing = empty & (col.required or self._required_when(col, raw))
            ok, value = self._check(col, cells, raw, ~empty)
            ok = ok.copy()  # some checks hand back pandas' own read-only arrays
            if col.type not in _SHAPED or col.max_length is not None:
                ok &= _text_ok(cells, col.max_length or MAX_CELL)
            if col.type == "date" and not col.future and self.row.latest is not None:
                ok &= (cells <= self.row.latest).to_numpy(dtype=bool)
            fast &= ~missing & (ok | empty)
            values[col.name] = value.where(~empty, None)
        for col in self.spec.columns:
            if col.default_from:
                values[col.name] = values[col.name].fillna(values[col.default_from])
        for col in self.spec.columns:
            if col.not_before:
                fast &= ~_before(values[col.name], values[col.not_before])
            if col.not_after:
                fast &= ~_before(values[col.not_after], values[col.name])
        for name in [*self.row.extra, "source"]:
            if name in frame.columns:
                fast &= _text_ok(frame[name], MAX_CELL)
        if self.row.row_rules:
            fast &= self._row_rules_pass(values, fast)
        good = np.flatnonzero(fast)
        columns = self._normalise(frame, values, good) if len(good) else {}
        slow: dict[int, dict[str, Any] | None] = {}
        problems: dict[int, list[Problem]] = {}
        passed: list[tuple[int, dict[str, Any]]] = []
        bad = np.flatnonzero(~fast)
        for i, row in zip(bad.tolist(), frame.iloc[bad].to_dict("records"), strict=True):
            checked, problems_of_row = self.row.check(row)  # type: ignore[arg-type]
            slow[i] = None
            if checked is None:
                problems[i] = problems_of_row
            else:
                passed.append((i, checked))
        if passed:  # normalised together: keys and hashes cost per call, not only per row
            names = list(passed[0][1])
            table = {k: [checked[k] for _, checked in passed] for k in names}
            normal = normalise_columns(self.spec.kind, table, self.row.keyring)
            for (i, _), norm in zip(passed, as_rows(normal), strict=True):
                slow[i] = norm
        return ChunkResult(n, columns, good.tolist(), slow, problems)

    def _row_rules_pass(self, values: dict[str, pd.Series], fast: np.ndarray) -> np.ndarray:
        """Whether each row passes the rules on whole rows (only rows still ``fast`` are
        asked; a row that fails goes row by row for its reasons)."""
        ok = np.ones(len(fast), dtype=bool)
        names = list(values)
        idx = np.flatnonzero(fast)
        columns = [_none_for_nan(values[k].iloc[idx]) for k in names]
        for i, cells in zip(idx.tolist(), zip(*columns, strict=True), strict=True):
            if self.row.row_problems(dict(zip(names, cells, strict=True))):
                ok[i] = False
        return ok

    def _required_when(self, col: Column, raw: dict[str, pd.Series]) -> np.ndarray | bool:
        if not col.required_when:
            return False
        hit = np.zeros(len(next(iter(raw.values()))), dtype=bool)
        for other, wanted in col.required_when.items():
            allowed = wanted if isinstance(wanted, list) else [wanted]
            cells = raw.get(other)
            if cells is not None:
                hit |= cells.isin(allowed).to_numpy()
        return hit

    def _check(
        self, col: Column, cells: pd.Series, raw: dict[str, pd.Series], filled: np.ndarray
    ) -> tuple[np.ndarray, pd.Series]:
        """(which cells pass the fast check, their normalised values)."""
        match col.type:
            case "text":
                return np.ones(len(cells), dtype=bool), cells
            case "date":
                return date_ok(cells.tolist()), cells
            case "percent":
                ok = cells.str.fullmatch(_PERCENT_SHAPE).to_numpy(dtype=bool).copy()
                number = cells.where(ok, "0").map(float)  # float() as the row-wise check
                ok &= ((number > 0) & (number <= 100)).to_numpy(dtype=bool)
                return ok, number
            case "region_code":
                return cells.isin(_known_regions()).to_numpy(), cells
            case "uscc":
                return uscc_ok(cells.tolist()), cells
            case "person_id":
                return resident_id_ok(cells.tolist(), self.today()), cells
            case "party":
                values = cells.tolist()
                entity = (raw[col.by or ""] == "entity").to_numpy()
                ok = np.where(entity, uscc_ok(values), resident_id_ok(values, self.today()))
                return ok, cells
            case "choice":
                return cells.isin(col.choices).to_numpy(), cells
            case "vocab":
                return cells.isin(self._vocabs[col.vocab or ""]).to_numpy(), cells
        return self._cell_by_cell(col, cells, filled)

    def _cell_by_cell(
        self, col: Column, cells: pd.Series, filled: np.ndarray
    ) -> tuple[np.ndarray, pd.Series]:
        """A column type without a column-wise check: the row-wise check, cell by cell (the
        row itself is not needed: only ``party`` columns read another cell)."""
        ok = np.ones(len(cells), dtype=bool)
        out: list[Any] = cells.tolist()
        for i in np.flatnonzero(filled).tolist():
            try:
                out[i] = self.row.check_cell(col, out[i], {})
            except RowError:
                ok[i] = False
        return ok, pd.Series(out, index=cells.index, dtype=object)

    def _normalise(
        self, frame: pd.DataFrame, values: dict[str, pd.Series], good: np.ndarray
    ) -> dict[str, list[Any]]:
        columns: dict[str, list[Any]] = {
            name: _none_for_nan(v.iloc[good]) for name, v in values.items()
        }
        for name in self.row.extra:
            cells = frame[name].iloc[good]
            columns[name] = cells.where(cells != "", None).tolist()
        if "source" in frame.columns:
            src = frame["source"].iloc[good]
            columns["source"] = src.where(src != "", self.row.default_source).tolist()
        else:
            columns["source"] = [self.row.default_source] * len(good)
        return normalise_columns(self.spec.kind, columns, self.row.keyring)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def _text_ok(cells: pd.Series, limit: int) -> np.ndarray:
    """Cells within ``limit`` characters and free of control characters (as ``check_text``).
    One search over the column joined (the common case: none) before any cell by cell."""
    values = cells.tolist()
    ok = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) <= limit
    if CONTROL.search("".join(values)):
        ok &= np.fromiter(
            (CONTROL.search(v) is None for v in values), dtype=bool, count=len(values)
        )
    return ok


def _before(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """Where both are set and ``later`` sorts before ``earlier`` (ISO dates)."""
    both = (later.notna() & earlier.notna()).to_numpy()
    out = np.zeros(len(later), dtype=bool)
    out[both] = (later[both].to_numpy() < earlier[both].to_numpy()).astype(bool)
    return out


def _none_for_nan(values: pd.Series) -> list[Any]:
    """The cells as a list, None for a missing one (text columns hold None already; a
    number column holds NaN)."""
    if values.dtype == object:
        return values.tolist()
    return values.astype(object).where(values.notna(), None).tolist()
