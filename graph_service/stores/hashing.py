"""Content hashes (``_h``, ``_src``): a digest of a row's content, so a load can tell a row it
holds already from a changed one without reading the row back.

The digest is built column by column, for a whole table at once. Each cell is read as typed
text — a type tag and a text: ``None`` → (n, ""), a string → (s, itself), a bool → (b,
"True"/"False"), an int → (i, its digits), a float → (f, ``repr``), anything else (a list of
event texts) → (r, ``repr``) — so ``1``, ``1.0``, ``"1"`` and ``None`` differ. The text is
hashed by pandas' SipHash (``pandas.util.hash_array``) under a 16-character key, the tag and
the column name's hash of the same key are mixed in, and the columns are folded in the order
of their names. Two keys give two 64-bit halves; the digest is the first 96 bits in hex (24
characters). A row alone (:func:`content_hash`) is a table of one row: the same digest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

#: Fields a content hash leaves out: the seal is random, the hashes are its own output.
UNHASHED = frozenset({"id_sealed", "_h", "_src"})
#: The SipHash keys of the two halves (16 characters each, as pandas wants).
_KEYS = ("credit-graph/h:1", "credit-graph/h:2")
#: Mixed into a cell's hash for its type; a string is 0, the common case.
_TAGS = {"s": 0, "n": 1, "b": 2, "i": 3, "f": 4, "r": 5}
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: The fold over columns: start values of the two halves, and the multiplier.
_SEEDS = np.array([0x243F6A8885A308D3, 0x13198A2E03707344], dtype=np.uint64)
_MULTIPLIER = np.uint64(0x100000001B3)
#: Cells looked at to tell a table with many repeats.
_SAMPLE = 512
#: Fewer rows than this are typed cell by cell.
_SMALL = 64


def content_hash(row: Mapping[str, Any]) -> str:
    """A digest of a row's content (``_h``): equal digests mean a rewrite changes nothing."""
    return content_hashes({k: [v] for k, v in row.items()}, rows=1)[0]


def content_hashes(columns: Mapping[str, Sequence[Any]], rows: int) -> list[str]:
    """:func:`content_hash` of each of ``rows`` rows of a table given column by column.

    The fold over the columns, ``h = h * M + part`` from the seed, is linear, so it is taken
    at once as ``seed * M^n + sum(part_i * M^(n-1-i))``: a table costs the same few array
    operations whatever its number of columns, and a single row (a record's new version, a
    row the row-wise validator passed) is not a long series of tiny ones."""
    names = sorted(k for k in columns if k not in UNHASHED)
    if not rows:
        return []
    if rows < _SMALL:  # a few rows: the column-wise type checks would cost more than a loop
        tags, texts = _typed_cells([v for k in names for v in columns[k]])
        hashed = np.stack(_siphashes(texts))
    else:
        typed = [_typed(columns[k], rows) for k in names]
        tags = np.concatenate([t for t, _ in typed]) if typed else np.zeros(0, np.uint64)
        # Column by column: each column with many repeats (a status, a source, a date) is
        # hashed value by value even when the table's other columns are all distinct.
        hashed = np.zeros((2, 0), np.uint64)
        if typed:
            hashed = np.concatenate([np.stack(_siphashes(x)) for _, x in typed], axis=1)
    powers = _powers(len(names))
    with np.errstate(over="ignore"):
        cells = hashed + tags * _GOLDEN  # (halves, columns × rows)
        parts = _mix(cells.reshape(2, len(names), rows) ^ _name_hashes(tuple(names))[:, :, None])
        folded = (parts * powers[1:, None]).sum(axis=1, dtype=np.uint64)
        halves = _mix(folded + _SEEDS[:, None] * powers[0])
    text = halves.T.astype(">u8").tobytes().hex()
    return [text[i : i + 24] for i in range(0, 32 * rows, 32)]


@cache
def _powers(columns: int) -> np.ndarray:
    """``M^n``, ``M^(n-1)`` … ``M^0`` for ``n`` columns: the weights of the seed and of each
    column's part in the fold."""
    powers = [1]
    for _ in range(columns):
        powers.append(powers[-1] * int(_MULTIPLIER) % 2**64)
    return np.array(powers[::-1], dtype=np.uint64)


@cache
def _name_hashes(names: tuple[str, ...]) -> np.ndarray:
    """The hash of each column name under each key, (keys, names) (a table's names recur:
    cached)."""
    return np.stack(_siphashes(np.array(names, dtype=object))).reshape(2, len(names))


def _typed(values: Sequence[Any], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(the type tag of each cell as uint64, its text as an object array of str). A column of
    strings and ``None`` (nearly every column a load hashes) is typed without a cell by cell
    loop; any other goes cell by cell."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        cells = values
    else:  # fromiter: a list cell stays one cell
        cells = np.fromiter(values, dtype=object, count=rows)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":
        return np.zeros(rows, dtype=np.uint64), cells
    null: np.ndarray = cells == None  # noqa: E711 (each cell compared, not the array)
    if pd.api.types.infer_dtype(cells[~null], skipna=False) in ("string", "empty"):
        cells = cells.copy()
        cells[null] = ""
        return null.astype(np.uint64) * np.uint64(_TAGS["n"]), cells
    return _typed_cells(cells.tolist())


def _typed_cells(cells: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(tags, texts) of ``cells``, one by one."""
    pairs = [_tagged(v) for v in cells]
    tags = np.array([_TAGS[t] for t, _ in pairs], dtype=np.uint64)
    texts = np.empty(len(pairs), dtype=object)
    texts[:] = [text for _, text in pairs]
    return tags, texts


def _tagged(value: Any) -> tuple[str, str]:
    """One cell's typed text (see the module docstring)."""
    if value is None:
        return "n", ""
    if isinstance(value, str):
        return "s", value
    if isinstance(value, bool):
        return "b", repr(value)
    if isinstance(value, int):
        return "i", repr(value)
    if isinstance(value, float):
        return "f", repr(value)
    return "r", repr(value)


def _siphashes(texts: np.ndarray) -> list[np.ndarray]:
    """SipHash of each text under each of the keys (uint64; pandas' finaliser included).
    A column with many repeats (a status, a source, a date) is hashed value by value; which
    way a column goes changes the time, never the hashes."""
    sample = texts[:: max(1, len(texts) // _SAMPLE)][:_SAMPLE].tolist()
    if len(texts) >= 2 * _SAMPLE and len(set(sample)) < _SAMPLE // 2:
        codes, uniques = pd.factorize(texts)
        return [_siphash(uniques, key)[codes] for key in _KEYS]
    return [_siphash(texts, key) for key in _KEYS]


def _siphash(texts: np.ndarray, key: str) -> np.ndarray:
    hashed: np.ndarray = pd.util.hash_array(texts, hash_key=key, categorize=False)
    return hashed


_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser (in place): every input bit moves every output bit."""
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x
