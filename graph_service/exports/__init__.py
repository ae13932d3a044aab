"""Exports of a store for the tools investigators already use.

==========  =================================================================================
format      files (under the output directory)
==========  =================================================================================
csv         ``csv/<table>.csv`` — every table (:mod:`.snapshot`), UTF-8 with BOM
parquet     ``parquet/<table>.parquet`` — every table, typed
graphml     ``graph.graphml`` — the whole graph (networkx), for yEd, Cytoscape, networkx
gexf        ``graph.gexf`` — the same graph for Gephi
cypher      ``graph.cypher`` — a rerunnable script that loads it into another Neo4j
ftm         ``entities.ftm.json`` — FollowTheMoney entities (JSON lines), validated
==========  =================================================================================

``manifest.json`` lists what was written, with row counts and when, and what a format had
to skip (``skipped``: each entity with its reason).

Example
-------
>>> from graph_service.stores import open_store
>>> with open_store("data/reg.cgraph") as store:                       # doctest: +SKIP
...     export_store(store, Path("out"), formats=("csv", "graphml"))
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from tqdm.auto import tqdm

from graph_service.exports.cypher import write_cypher
from graph_service.exports.ftm import write_ftm
from graph_service.exports.graphs import to_networkx, write_gexf, write_graphml
from graph_service.exports.snapshot import TABLES, Snapshot, StoreTables, Tables, read_snapshot
from graph_service.exports.tables import write_csv, write_parquet
from graph_service.stores.base import GraphStore

log = logging.getLogger("graph_service.exports")

Format = Literal["csv", "parquet", "graphml", "gexf", "cypher", "ftm"]
FORMATS: tuple[Format, ...] = ("csv", "parquet", "graphml", "gexf", "cypher", "ftm")

__all__ = [
    "FORMATS",
    "TABLES",
    "Format",
    "Snapshot",
    "StoreTables",
    "Tables",
    "export_snapshot",
    "export_store",
    "read_snapshot",
    "to_networkx",
]


def export_snapshot(
    snapshot: Tables,
    out_dir: Path,
    formats: Iterable[Format] = FORMATS,
    *,
    progress: bool = True,
) -> dict[str, list[str]]:
    """Write ``snapshot`` (a :class:`Snapshot`, or a store's :class:`StoreTables` read as it
    goes) in each of ``formats`` under ``out_dir`` (see the module docstring) and
    ``manifest.json``; returns the files written per format."""
    chosen = list(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format {unknown[0]!r}: use {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[str]] = {}
    skipped: dict[str, list[dict[str, str]]] = {}
    for fmt in tqdm(chosen, desc="export", unit="format", disable=not progress):
        paths: list[Path]
        if fmt == "csv":
            paths = write_csv(snapshot, out_dir / "csv", progress=progress)
        elif fmt == "parquet":
            paths = write_parquet(snapshot, out_dir / "parquet", progress=progress)
        elif fmt in ("graphml", "gexf"):
            writer = write_graphml if fmt == "graphml" else write_gexf
            paths = [writer(snapshot, out_dir / f"graph.{fmt}")]
        elif fmt == "cypher":
            paths = [write_cypher(snapshot, out_dir / "graph.cypher", progress=progress)]
        else:
            path, skipped["ftm"] = write_ftm(
                snapshot, out_dir / "entities.ftm.json", progress=progress
            )
            paths = [path]
        written[fmt] = [str(p.relative_to(out_dir)) for p in paths]
    manifest = {
        "backend": snapshot.backend,
        "taken_at": snapshot.taken_at,
        "rows": snapshot.counts(),
        "files": written,
        "skipped": skipped,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    log.info("export written", extra={"out_dir": str(out_dir), "formats": ",".join(chosen)})
    return written


def export_store(
    store: GraphStore,
    out_dir: Path,
    formats: Iterable[Format] = FORMATS,
    *,
    progress: bool = True,
) -> dict[str, list[str]]:
    """Write the tables of ``store`` as :func:`export_snapshot` does, streaming: each table
    is read from the store a batch at a time as it is written, so memory does not grow with
    the store (see :class:`StoreTables`)."""
    with StoreTables(store) as tables:
        return export_snapshot(tables, out_dir, formats, progress=progress)
