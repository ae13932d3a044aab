"""The data contract read from ``contract.yaml``: files, columns, types and references."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from graph_service.stores.base import ROW_KINDS, RowKind

#: What a contract file holds: rows the store writes, or events on records.
FileKind = RowKind | Literal["record_events"]
#: Every contract file, in load order (events last: they need their records).
FILE_KINDS: tuple[FileKind, ...] = (*ROW_KINDS, "record_events")

#: Extra columns are kept as properties under their own name when it is a plain identifier
#: and not one the store uses itself.
EXTRA_COLUMN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED = frozenset(
    {
        "key",
        "label",
        "type",
        "source",
        "batch_id",
        "loaded_at",
        "first_batch_id",
        "id_masked",
        "id_sealed",
        "person_key",
        "holder_key",
        "subject_key",
        "_h",
    }
)


#: Most characters of a cell whose column sets no ``max_length`` (extra columns too).
MAX_CELL = 1000


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a contract file."""

    name: str
    type: str
    required: bool = False
    vocab: str | None = None
    ref: str | None = None
    by: str | None = None
    not_before: str | None = None
    not_after: str | None = None
    choices: tuple[str, ...] = ()
    default: str | None = None
    default_from: str | None = None
    required_when: dict[str, Any] = field(default_factory=dict)
    #: Most characters a cell may hold (None: :data:`MAX_CELL`).
    max_length: int | None = None
    #: Whether a date may lie after the load day (the end of a term or of an effect).
    future: bool = False


@dataclass(frozen=True, slots=True)
class FileSpec:
    """One contract file: its kind, identity columns and columns in order."""

    kind: FileKind
    identity: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns) | {"source"}


@cache
def contract() -> dict[FileKind, FileSpec]:
    """All file specs, in load order."""
    with (Path(__file__).parent / "contract.yaml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    specs: dict[FileKind, FileSpec] = {}
    for kind in FILE_KINDS:
        entry = raw[kind]
        cols = tuple(
            Column(name=name, **(opts | {"choices": tuple(opts.get("choices", ()))}))
            for name, opts in entry["columns"].items()
        )
        specs[kind] = FileSpec(kind=kind, identity=tuple(entry["identity"]), columns=cols)
    return specs
