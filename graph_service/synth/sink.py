"""The contract CSV files, written row by row as the registry is generated.

Nothing is held back in memory: each row goes straight to a buffered file. Every file is
UTF-8 with a header row of exactly the contract's column names plus ``source``, and ``\\n``
line ends, so equal inputs give byte-identical files on every platform.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

#: Contract columns of each file, in the contract's order; ``source`` is appended to all.
#: ``address`` is not a contract column: the loader keeps it as an extra property.
#: ``published_on`` (edition 2 of the contract) is kept the same way by a loader of edition 1.
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "entities": (
        "uscc", "name", "region_code", "org_type", "industry", "registered_on",
        "deregistered_on", "superior_uscc", "address",
    ),
    "persons": ("person_id", "name"),
    "roles": ("person_id", "uscc", "role", "start_date", "end_date"),
    "shareholdings": ("holder_type", "holder_id", "uscc", "percent", "start_date", "end_date"),
    "registrations": ("uscc", "region_code", "start_date", "end_date"),
    "records": (
        "record_id", "subject_type", "subject_id", "kind", "authority", "region_code",
        "decided_on", "basis", "sector", "effective_from", "effective_to", "status",
        "status_on", "published_on",
    ),
}  # fmt: skip

_BUFFER = 1 << 20


def percent_text(basis_points: int) -> str:
    """``6000`` → ``"60"``, ``3333`` → ``"33.33"`` (percent in hundredths, exact)."""
    whole, frac = divmod(basis_points, 100)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


class CsvSink:
    """Writers for the six contract files in ``out_dir``; use as a context manager."""

    def __init__(self, out_dir: Path, source: str) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.source = source
        self.counts: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self._files: list[IO[str]] = []
        self._writers: dict[str, Any] = {}
        for name, columns in COLUMNS.items():
            path = out_dir / f"{name}.csv"
            fh = path.open("w", encoding="utf-8", newline="", buffering=_BUFFER)
            self._files.append(fh)
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow((*columns, "source"))
            self._writers[name] = writer.writerow
        self._entity = self._writers["entities"]
        self._person = self._writers["persons"]
        self._role = self._writers["roles"]
        self._holding = self._writers["shareholdings"]
        self._registration = self._writers["registrations"]
        self._record = self._writers["records"]

    def paths(self) -> dict[str, Path]:
        """Path of each file, by name."""
        return {name: self.out_dir / f"{name}.csv" for name in COLUMNS}

    def entity(
        self,
        uscc: str,
        name: str,
        region_code: str,
        org_type: str,
        industry: str,
        registered_on: str,
        deregistered_on: str,
        superior_uscc: str,
        address: str,
    ) -> None:
        """One row of ``entities.csv``."""
        self._entity(
            (uscc, name, region_code, org_type, industry, registered_on, deregistered_on,
             superior_uscc, address, self.source)
        )  # fmt: skip
        self.counts["entities"] += 1

    def person(self, person_id: str, name: str) -> None:
        """One row of ``persons.csv``."""
        self._person((person_id, name, self.source))
        self.counts["persons"] += 1

    def role(self, person_id: str, uscc: str, role: str, start: str, end: str) -> None:
        """One row of ``roles.csv``."""
        self._role((person_id, uscc, role, start, end, self.source))
        self.counts["roles"] += 1

    def holding(
        self, holder_type: str, holder_id: str, uscc: str, percent: str, start: str, end: str
    ) -> None:
        """One row of ``shareholdings.csv``."""
        self._holding((holder_type, holder_id, uscc, percent, start, end, self.source))
        self.counts["shareholdings"] += 1

    def registration(self, uscc: str, region_code: str, start: str, end: str) -> None:
        """One row of ``registrations.csv``."""
        self._registration((uscc, region_code, start, end, self.source))
        self.counts["registrations"] += 1

    def record(self, row: tuple[str, ...]) -> None:
        """One row of ``records.csv``: its columns (:data:`COLUMNS`) in order."""
        self._record((*row, self.source))
        self.counts["records"] += 1

    def close(self) -> None:
        """Flush and close every file."""
        for fh in self._files:
            fh.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
