"""The history of grade changes (信用等级变动记录): an append-only JSON-lines ledger.

Each grading run appends one ``run`` line (when, as of which date, under which catalogue
version, how many entities and changes) and one ``change`` line per entity whose grade differs
from the grade the latest earlier run gave it (``from`` is null the first time an entity is
graded). Nothing is rewritten: the file is the history. Writers hold an exclusive ``flock`` on
the file while they read the last grades and append, so concurrent runs line up.

The file is ``GRAPH_GRADE_LEDGER`` (default ``data/grades.jsonl``).

Example line::

    {"type": "change", "run_id": "grade-20240601T…", "on": "2024-06-01",
     "uscc": "91130126T0000001XK", "from": "D", "to": "B", "score": 85.0}
"""

from __future__ import annotations

import datetime as dt
import json
import mmap
import os
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from graph_service.engine.evaluation.ledger_lines import change_lines
from graph_service.engine.evaluation.ledger_snapshot import (
    LastGrades,
    read_snapshot,
    write_snapshot,
)
from graph_service.locked_file import locked


@dataclass(slots=True)
class RunSummary:
    """What one grading run wrote to the ledger."""

    run_id: str
    at: str
    on: str
    config_version: str
    entities: int
    changes: int
    first_graded: int
    transitions: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GradeLedger:
    """The ledger at ``path`` (created on first write), with the snapshot of its last grades
    beside it (:mod:`.ledger_snapshot`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _lines(self, start: int = 0) -> Iterator[dict[str, Any]]:
        """The entries from byte ``start`` on."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            fh.seek(start)
            for line in fh:
                if not line.endswith(b"\n"):
                    break  # a torn last line (a crash while appending) never happened
                entry = _decoded(line)
                if entry is not None:
                    yield entry

    def last_grades(self) -> pd.Series:
        """Each entity's grade (index: USCC) as the latest run that changed it left it: the
        snapshot and the lines appended after it, or the whole ledger when there is no
        snapshot to trust."""
        kept = read_snapshot(self.path)
        grades = kept.grades if kept is not None else pd.Series(dtype=object)
        start = kept.offset if kept is not None else 0
        later = [(e["uscc"], e["to"]) for e in self._lines(start) if e.get("type") == "change"]
        if later:
            usccs, tos = zip(*later, strict=True)
            grades = _updated(grades, pd.Series(tos, index=list(usccs), dtype=object))
        return grades

    def record(
        self,
        table: pd.DataFrame,
        on: str,
        config_version: str,
        now: dt.datetime | None = None,
    ) -> RunSummary:
        """Append a run of ``table`` (columns ``uscc``, ``grade``, ``score``) graded as of
        ``on``: a line for the run and one per changed grade; then keep the last grades."""
        now = now or dt.datetime.now(dt.UTC)
        run_id = f"grade-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        with locked(self.path) as fh:
            last = self.last_grades()
            before = table["uscc"].map(last).astype(object)  # NaN: never graded
            grades = table["grade"].astype(str)
            changed = before.to_numpy(dtype=object) != grades.to_numpy(dtype=object)
            moved = before[changed]
            grade = grades[changed]
            counted = (moved.fillna("-").astype(str) + "→" + grade).value_counts()
            transitions = {str(k): int(v) for k, v in counted.items()}
            summary = RunSummary(
                run_id=run_id,
                at=now.isoformat(),
                on=on,
                config_version=config_version,
                entities=len(table),
                changes=len(grade),
                first_graded=int(moved.isna().sum()),
                transitions=dict(sorted(transitions.items())),
            )
            usccs = table["uscc"][changed]
            lines = change_lines(run_id, on, usccs, moved, grade, table["score"][changed])
            fh.seek(0, os.SEEK_END)
            fh.write(json.dumps({"type": "run", **summary.to_dict()}, ensure_ascii=False) + "\n")
            fh.flush()
            fh.buffer.write(lines)  # type: ignore[attr-defined]  # the text file's bytes
            fh.buffer.flush()  # type: ignore[attr-defined]
            os.fsync(fh.fileno())
            grown = _updated(last, pd.Series(grade.to_numpy(), index=usccs.to_numpy()))
            write_snapshot(self.path, LastGrades(grown, os.fstat(fh.fileno()).st_size))
        return summary

    def history(self, uscc: str) -> list[dict[str, Any]]:
        """Every grade change of one entity, oldest first, with the run it came from: the
        lines that name it, found in the ledger's bytes, and the run lines (one a run)."""
        named = b'"uscc": ' + json.dumps(uscc, ensure_ascii=False).encode("utf-8") + b","
        runs = {e["run_id"]: e for e in self._naming(b'{"type": "run"') if e.get("type") == "run"}
        out: list[dict[str, Any]] = []
        for entry in self._naming(named):
            if entry.get("type") != "change" or entry.get("uscc") != uscc:
                continue
            run = runs.get(entry["run_id"], {})
            out.append(
                {
                    "run_id": entry["run_id"],
                    "at": run.get("at"),
                    "on": entry["on"],
                    "from": entry["from"],
                    "to": entry["to"],
                    "score": entry["score"],
                    "config_version": run.get("config_version"),
                }
            )
        return out

    def _naming(self, needle: bytes) -> Iterator[dict[str, Any]]:
        """The whole lines holding ``needle``, decoded, in the ledger's order (a search of its
        bytes: an entity's history is a few lines of a ledger of millions)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
            found = m.find(needle)
            while found != -1:
                end = m.find(b"\n", found)
                if end == -1:
                    return  # a torn last line
                entry = _decoded(m[m.rfind(b"\n", 0, found) + 1 : end])
                if entry is not None:
                    yield entry
                found = m.find(needle, end)


def _decoded(line: bytes) -> dict[str, Any] | None:
    """A line's entry, or None for a line that is not one (cut by a crash, then appended to)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def _updated(grades: pd.Series, changes: pd.Series) -> pd.Series:
    """``grades`` (index: USCC) with ``changes`` applied, the later of two changes winning."""
    both = pd.concat([grades, changes]) if len(grades) else changes
    return both[~both.index.duplicated(keep="last")]
