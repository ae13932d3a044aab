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
import math
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

from graph_service.locked_file import locked

#: Text a JSON string holds as it is (no escape).
_PLAIN = re.compile(r"[0-9A-Za-z]*")


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
    """The ledger at ``path`` (created on first write)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _lines(self, fh: IO[str] | None = None) -> Iterator[dict[str, Any]]:
        if fh is None:
            if not self.path.exists():
                return
            with self.path.open(encoding="utf-8") as own:
                yield from self._lines(own)
            return
        fh.seek(0)
        for line in fh:
            if not line.endswith("\n"):
                break  # a torn last line (a crash while appending) never happened
            try:
                yield json.loads(line)
            except ValueError:
                continue

    def last_grades(self, fh: IO[str] | None = None) -> dict[str, str]:
        """Each entity's grade as the latest run that changed it left it."""
        out: dict[str, str] = {}
        for entry in self._lines(fh):
            if entry.get("type") == "change":
                out[entry["uscc"]] = entry["to"]
        return out

    def record(
        self,
        table: pd.DataFrame,
        on: str,
        config_version: str,
        now: dt.datetime | None = None,
    ) -> RunSummary:
        """Append a run of ``table`` (columns ``uscc``, ``grade``, ``score``) graded as of
        ``on``: a line for the run and one per changed grade."""
        now = now or dt.datetime.now(dt.UTC)
        run_id = f"grade-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        with locked(self.path) as fh:
            last = self.last_grades(fh)
            before = table["uscc"].map(last).astype(object)  # NaN: never graded
            grades = table["grade"].astype(str)
            changed = before.to_numpy(dtype=object) != grades.to_numpy(dtype=object)
            moved = before[changed]
            grade = grades[changed]
            counted = (moved.fillna("-").astype(str) + "→" + grade).value_counts()
            transitions = {str(k): int(v) for k, v in counted.items()}
            first = int(moved.isna().sum())
            changes = _change_lines(
                run_id, on, table["uscc"][changed], moved, grade, table["score"][changed]
            )
            summary = RunSummary(
                run_id=run_id,
                at=now.isoformat(),
                on=on,
                config_version=config_version,
                entities=len(table),
                changes=len(changes),
                first_graded=first,
                transitions=dict(sorted(transitions.items())),
            )
            fh.seek(0, os.SEEK_END)
            fh.write(json.dumps({"type": "run", **summary.to_dict()}, ensure_ascii=False) + "\n")
            fh.writelines(changes)
            fh.flush()
            os.fsync(fh.fileno())
        return summary

    def history(self, uscc: str) -> list[dict[str, Any]]:
        """Every grade change of one entity, oldest first, with the run it came from."""
        runs: dict[str, dict[str, Any]] = {}
        out: list[dict[str, Any]] = []
        for entry in self._lines():
            if entry.get("type") == "run":
                runs[entry["run_id"]] = entry
            elif entry.get("type") == "change" and entry.get("uscc") == uscc:
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


def _change_lines(
    run_id: str, on: str, uscc: pd.Series, before: pd.Series, to: pd.Series, score: pd.Series
) -> list[str]:
    """The ``change`` lines of a run, each ending in a newline: what ``json.dumps`` writes
    for each change, made by one format per line (a first run at 1M entities writes a
    million lines; a dict and a ``json.dumps`` each took seconds)."""
    head = json.dumps({"type": "change", "run_id": run_id, "on": on}, ensure_ascii=False)[:-1]
    values = score.astype(float).tolist()
    scores = map(float.__repr__ if all(map(math.isfinite, values)) else json.dumps, values)
    known = before.notna().tolist()
    froms = [t if k else "null" for t, k in zip(_json_text(before.fillna("")), known, strict=True)]
    return [
        f'{head}, "uscc": {u}, "from": {b}, "to": {g}, "score": {v}}}\n'
        for u, b, g, v in zip(_json_text(uscc), froms, _json_text(to), scores, strict=True)
    ]


def _json_text(column: pd.Series) -> list[str]:
    """Each value of a text column as a JSON string (quoted directly when nothing in it needs
    escaping: letters and digits, as USCCs and grades are)."""
    text = column.astype(str).tolist()
    if all(map(_PLAIN.fullmatch, text)):
        return [f'"{v}"' for v in text]
    return [json.dumps(v, ensure_ascii=False) for v in text]
