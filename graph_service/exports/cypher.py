"""The snapshot as a Cypher script that loads it into another Neo4j, in this project's graph
model (``stores/base.py``), so the service itself can open that database.

The script is data, written to a file: one statement per line, each ending in ``;``, runnable
with ``cypher-shell -f graph.cypher`` or statement by statement through a driver
(:func:`script_statements`). It needs no parameters: rows travel as ``UNWIND [ … ] AS row``
batches of literal maps. Every value goes through :func:`literal` (strings quoted and escaped,
numbers and booleans checked) and every map key through :func:`map_key`; labels and
relationship types are this module's own constants, never taken from the data. Statements are
``MERGE`` on each item's identity, so running a script twice changes nothing.

The constraints and indexes come first (``queries/schema.cypher``, the service's own).
Sealed ID numbers are not exported: the other database gets the person keys and masked
numbers.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from tqdm.auto import tqdm

from graph_service.exports.snapshot import KEYS, TABLES, TableName, Tables
from graph_service.queries import statements
from graph_service.stores.base import batched, sid

log = logging.getLogger("graph_service.exports")

#: Rows per UNWIND statement.
BATCH = 500
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

# One statement per table: `row` is a literal map of the batch. Labels and types are fixed.
_STATEMENTS: dict[TableName, str] = {
    "entities": "MERGE (n:Subject:Entity {sid: row.sid}) SET n += row.props",
    "persons": "MERGE (n:Subject:Person {sid: row.sid}) SET n += row.props",
    "regions": "MERGE (n:Region {code: row.code}) SET n += row.props",
    "registrations": (
        "MATCH (a:Entity {uscc: row.uscc}) MATCH (b:Region {code: row.region_code}) "
        "MERGE (a)-[r:REGISTERED_IN {start_date: row.start_date}]->(b) SET r += row.props"
    ),
    "roles": (
        "MATCH (a:Person {key: row.person_key}) MATCH (b:Entity {uscc: row.uscc}) "
        "MERGE (a)-[r:ROLE {role: row.role, start_date: row.start_date}]->(b) SET r += row.props"
    ),
    "holdings": (
        "MATCH (a:Subject {sid: row.holder_sid}) MATCH (b:Entity {uscc: row.uscc}) "
        "MERGE (a)-[r:HOLDS {start_date: row.start_date}]->(b) SET r += row.props"
    ),
    "records": (
        "MERGE (c:Record {record_id: row.record_id}) SET c += row.props "
        "WITH c, row MATCH (s:Subject {sid: row.subject_sid}) MERGE (c)-[:CONCERNS]->(s)"
    ),
    "record_persons": (
        "MATCH (c:Record {record_id: row.record_id}) MATCH (p:Person {key: row.person_key}) "
        "MERGE (c)-[r:NAMES {capacity: row.capacity}]->(p) SET r += row.props"
    ),
    "supervision": (
        "MATCH (a:Entity {uscc: row.uscc}) MATCH (b:Entity {uscc: row.superior_uscc}) "
        "MERGE (a)-[:SUPERVISED_BY]->(b)"
    ),
}


def literal(value: Any) -> str:
    """``value`` as a Cypher literal: a quoted, escaped string; a number; a boolean; null;
    a list or a map of those. Raises ``ValueError`` for anything else (NaN, infinities,
    objects)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no Cypher literal for {value!r}")
        return repr(value)
    if isinstance(value, str):
        return "'" + "".join(_escape(ch) for ch in value) + "'"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{map_key(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise ValueError(f"no Cypher literal for a {type(value).__name__}")


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ord(ch) < 0x20 or ch in "\u2028\u2029\x7f":
        return f"\\u{ord(ch):04x}"
    return ch


def map_key(name: object) -> str:
    """A map key: bare when it is a plain identifier, else back-quoted (back-quotes doubled)."""
    text = str(name)
    if _PLAIN_KEY.match(text):
        return text
    return "`" + text.replace("`", "``") + "`"


def _row(table: TableName, row: dict[str, Any]) -> dict[str, Any]:
    """What one UNWIND row carries: the identity fields the statement matches on, and the
    properties (``props``) it sets."""
    match table:
        case "entities":
            return {"sid": sid("entity", row["uscc"]), "props": row}
        case "persons":
            return {"sid": sid("person", row["key"]), "props": row}
        case "regions":
            return {"code": row["code"], "props": row}
        case "holdings":
            ident = {k: row[k] for k in KEYS[table]}
            return ident | {"holder_sid": sid(row["holder_type"], row["holder_key"]), "props": row}
        case "records":
            subject = sid(row["subject_type"], row["subject_key"])
            return {"record_id": row["record_id"], "subject_sid": subject, "props": row}
        case "supervision":
            return dict(row)
    return {k: row[k] for k in KEYS[table]} | {"props": row}


def cypher_statements(snapshot: Tables, *, progress: bool = False) -> Iterator[str]:
    """The statements of the script, in order: schema, then nodes, then relationships."""
    for stmt in statements("schema"):
        yield " ".join(stmt.split()) + ";"
    for table in tqdm(
        TABLES,  # nodes before the relationships that need them
        desc="cypher",
        unit="table",
        disable=not progress,
    ):
        body = _STATEMENTS[table]
        for batch in batched((_row(table, r) for r in snapshot.rows(table)), BATCH):
            yield f"UNWIND {literal(batch)} AS row {body};"


def write_cypher(snapshot: Tables, path: Path, *, progress: bool = True) -> Path:
    """Write the script to ``path`` (see the module docstring)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        _header(fh, snapshot)
        for stmt in cypher_statements(snapshot, progress=progress):
            fh.write(stmt + "\n")
    log.info("cypher written", extra={"format": "cypher", "path": str(path)})
    return path


def _header(fh: TextIO, snapshot: Tables) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in snapshot.counts().items())
    fh.write(f"// credit-graph export of a {snapshot.backend} store at {snapshot.taken_at}\n")
    fh.write(f"// {counts}\n")
    fh.write("// Load: cypher-shell -f THIS_FILE (one statement per line; MERGE: rerunnable)\n")


def script_statements(lines: Iterable[str]) -> Iterator[str]:
    """The statements of a script written by :func:`write_cypher` (comments skipped, the
    trailing ``;`` removed), to run one by one through a driver."""
    for line in lines:
        text = line.strip()
        if text and not text.startswith("//"):
            yield text.removesuffix(";")
