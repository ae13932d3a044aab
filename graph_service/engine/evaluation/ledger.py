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
import os
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

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
            changes: list[str] = []
            transitions: dict[str, int] = {}
            first = 0
            for uscc, grade, score in zip(
                table["uscc"], table["grade"], table["score"], strict=True
            ):
                before = last.get(uscc)
                if before == grade:
                    continue
                first += before is None
                key = f"{before or '-'}→{grade}"
                transitions[key] = transitions.get(key, 0) + 1
                changes.append(
                    json.dumps(
                        {
                            "type": "change",
                            "run_id": run_id,
                            "on": on,
                            "uscc": uscc,
                            "from": before,
                            "to": grade,
                            "score": float(score),
                        },
                        ensure_ascii=False,
                    )
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
            for line in changes:
                fh.write(line + "\n")
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
