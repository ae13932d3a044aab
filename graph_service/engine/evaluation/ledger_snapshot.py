"""The last grade of every entity the grade ledger has graded, kept beside the ledger
(``<ledger>.last.parquet``) as of a byte offset of it, so that a grading run reads one small
file and the lines appended since, not the whole history (a national ledger grows by up to a
line per entity a run: decoding it line by line took longer than the grading).

The snapshot is a cache: the ledger stays the record. It holds the offset it covers and a
digest of the ledger's bytes just before that offset; a snapshot whose ledger no longer has
those bytes there (replaced, restored, cut) is not used, and the grades are read from the
whole ledger again. It is written under the ledger's lock, after the lines it covers are on
disk, to a temporary file renamed over the old one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: Bytes of the ledger before the offset whose digest the snapshot keeps.
_GUARD = 4096


@dataclass(frozen=True, slots=True)
class LastGrades:
    """Each entity's last grade (``grades``: index the USCC) as the ledger's first ``offset``
    bytes leave it."""

    grades: pd.Series
    offset: int


def snapshot_path(ledger: Path) -> Path:
    """Where the snapshot of ``ledger`` is kept."""
    return ledger.with_name(ledger.name + ".last.parquet")


def read_snapshot(ledger: Path) -> LastGrades | None:
    """The snapshot of ``ledger``, or None when there is none, it cannot be read, or the
    ledger no longer begins with what it covers."""
    try:
        table = pq.read_table(snapshot_path(ledger))
        meta = table.schema.metadata or {}
        offset = int(meta[b"offset"])
        digest = meta[b"digest"].decode()
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None
    if _digest(ledger, offset) != digest:
        return None
    frame = table.to_pandas()
    return LastGrades(pd.Series(frame["grade"].to_numpy(), index=frame["uscc"]), offset)


def write_snapshot(ledger: Path, last: LastGrades) -> None:
    """Keep ``last`` as the snapshot of ``ledger`` (whose first ``last.offset`` bytes it
    covers)."""
    digest = _digest(ledger, last.offset)
    if digest is None:
        raise ValueError(f"{ledger} is shorter than the {last.offset} bytes a snapshot covers")
    table = pa.table(
        {"uscc": last.grades.index.astype(str), "grade": last.grades.astype(str).to_numpy()},
    ).replace_schema_metadata({"offset": str(last.offset), "digest": digest})
    path = snapshot_path(ledger)
    temporary = path.with_name(path.name + ".tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def _digest(ledger: Path, offset: int) -> str | None:
    """A digest of the ledger's bytes up to ``offset`` (the last :data:`_GUARD` of them, and
    the offset), or None when the ledger is shorter."""
    try:
        with ledger.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size < offset:
                return None
            start = max(0, offset - _GUARD)
            fh.seek(start)
            guarded = fh.read(offset - start)
    except FileNotFoundError:
        return None
    return hashlib.sha256(str(offset).encode() + b"\n" + guarded).hexdigest()
