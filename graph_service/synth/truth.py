"""``truth.json``: the planted cases a detector is scored against.

Format::

    {"seed": 42, "entities": 10000, "generated_on": "2026-06-30",
     "start": "2012-01-01", "end": "2026-06-30", "source": "synth:seed=42",
     "counts": {"phoenix": 57, ...},
     "cases": [{"id": "phoenix-0001", "pattern": "phoenix", ...}, ...]}

``generated_on`` is the registry's as-of date (the window's end), not the wall clock, so the
file is reproducible. Relocation cases (``phoenix``, ``migration``, ``serial``) carry
``levels``: the region levels (``county``, ``city``, ``province``) at which the rule fires.
At each level, the cases listing it are *all* the cases the rules in RULES.md produce on the
generated files. ``decoy`` cases are near misses that must not be flagged at any level.
``law`` cases (:mod:`graph_service.synth.law`) carry ``checks``: the answers RULES.md
edition 2 gives on them (subject, action, day, allowed, and the measure ids of the
prohibitions, considerations and advisories).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import IO, Any

PATTERNS = (
    "phoenix",
    "migration",
    "serial",
    "control_chain",
    "new_legal_rep_after_decision",
    "decoy",
    "law",
)

Case = dict[str, Any]


class Truth:
    """Planted cases, numbered per pattern in the order they are added.

    Cases are spooled to a temporary file as they come, so memory does not grow with the
    registry; :meth:`write` streams them into ``truth.json``, one case per line.
    """

    def __init__(self) -> None:
        # Lives as long as this object; closed by write() or close().
        self._spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._numbers: dict[str, int] = dict.fromkeys(PATTERNS, 0)

    def add(self, pattern: str, **fields: Any) -> str:
        """Record a case; returns its id, e.g. ``phoenix-0042``."""
        self._numbers[pattern] += 1
        case_id = f"{pattern.replace('_', '-')}-{self._numbers[pattern]:04d}"
        case = {"id": case_id, "pattern": pattern, **fields}
        self._spool.write(json.dumps(case, ensure_ascii=False) + "\n")
        return case_id

    def counts(self) -> dict[str, int]:
        """Number of cases per pattern."""
        return dict(self._numbers)

    def write(self, path: Path, header: dict[str, Any]) -> None:
        """Write the header fields, the counts and the cases as UTF-8 JSON; then close."""
        head = json.dumps({**header, "counts": self.counts()}, ensure_ascii=False, indent=1)
        self._spool.seek(0)
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.write(head[: head.rindex("}")].rstrip() + ',\n "cases": [')
            for i, line in enumerate(self._spool):
                out.write(("\n  " if i == 0 else ",\n  ") + line.rstrip("\n"))
            out.write("\n ]\n}\n")
        self.close()

    def close(self) -> None:
        """Drop the spool (also done by :meth:`write`)."""
        self._spool.close()


def load_truth(path: Path) -> dict[str, Any]:
    """Read a ``truth.json`` back."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
