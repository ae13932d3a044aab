"""Stored results of nationwide passes: what a job computed, kept in the store it read.

A nationwide pass (grading every entity, detecting every relocation, listing every notice)
is too slow for a request, so a job runs it once and the store keeps its rows; the API then
pages them. A result is keyed by :class:`ResultKey` — its kind, the as-of date and the
parameters the pass takes (the relocation level) — and carries the store's change token
read when the pass began (:meth:`~graph_service.stores.base.GraphStore.change_token`): a
reader compares it with the token now to say whether the result is stale.

Each row is the answer's JSON (``data``) with the few fields paging filters on, kept apart
so that a store can filter and count without reading the JSON. Rows are stored in the order
the API lists them (``ordinal``), so a page is a slice of the filtered rows.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

ResultKind = Literal["grades", "relocations", "notices"]
RESULT_KINDS: tuple[ResultKind, ...] = ("grades", "relocations", "notices")
#: How a tally groups rows: not at all, by province (2 digits), city (4) or industry.
TallyBy = Literal["", "province", "city", "industry"]
#: The filter fields every row carries, with their empty values.
FILTER_FIELDS: dict[str, Any] = {
    "region": "",
    "industry": "",
    "grade": "",
    "watch": False,
    "pattern": "",
    "score": 0.0,
    "active": True,
}
#: Region-code digits a tally keeps per grouping.
TALLY_DIGITS = {"province": 2, "city": 4}


@dataclass(frozen=True, slots=True)
class ResultKey:
    """What a result answers: its kind, the as-of date and the pass's parameter (``level``
    for relocations; empty for the others)."""

    kind: ResultKind
    on: str
    level: str = ""

    @property
    def id(self) -> str:
        """A name for the key, safe in a file name and a Cypher parameter."""
        return f"{self.kind}-{self.level or 'all'}-{self.on}"


@dataclass(slots=True)
class ResultInfo:
    """A stored result's header: its key, the change token of the store when the pass began,
    when it finished (UTC, ISO), its number of rows and the job that made it."""

    key: ResultKey
    token: str
    computed_at: str
    rows: int = 0
    job_id: str | None = None

    def to_json(self) -> str:
        """The header as JSON (the embedded store keeps it in the file's metadata)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> ResultInfo:
        """The header :meth:`to_json` wrote."""
        data = json.loads(text)
        return cls(**(data | {"key": ResultKey(**data["key"])}))

    def header(self) -> dict[str, Any]:
        """The header as an answer shows it."""
        return {
            "kind": self.key.kind,
            "on": self.key.on,
            "level": self.key.level or None,
            "token": self.token,
            "computed_at": self.computed_at,
            "rows": self.rows,
            "job_id": self.job_id,
        }

    def public(self, current_token: str) -> dict[str, Any]:
        """The header with ``stale``: true when the store has changed since the pass began
        (the rows are then as of ``computed_at``, not as of now)."""
        return self.header() | {"stale": self.token != current_token}


@dataclass(slots=True)
class ResultRow:
    """One row of a result: its JSON and the fields paging filters on."""

    data: dict[str, Any]
    region: str = ""
    industry: str = ""
    grade: str = ""
    watch: bool = False
    pattern: str = ""
    score: float = 0.0
    active: bool = True

    def filters(self) -> dict[str, Any]:
        """The filter fields by name (:data:`FILTER_FIELDS`)."""
        return {k: getattr(self, k) for k in FILTER_FIELDS}

    def json(self) -> str:
        """The row's data as stored (compact JSON; dates and numbers as the answer has them)."""
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(frozen=True, slots=True)
class ResultFilter:
    """Which rows a page or a tally takes: a region-code prefix, an industry section, a
    grade, pattern; only watch-list candidates; only entities active on the date. Empty
    values take every row."""

    region: str = ""
    industry: str = ""
    grade: str = ""
    pattern: str = ""
    watch: bool = False
    active: bool = False

    def params(self) -> dict[str, Any]:
        """The filter as Cypher parameters (``result_page.cypher`` and friends)."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


@dataclass(slots=True)
class Tally:
    """Rows of one group and grade: how many, their scores' sum, and how many are watch-list
    candidates (what a summary of grades is made of)."""

    group: str
    grade: str
    rows: int
    score_sum: float
    watch: int = 0
