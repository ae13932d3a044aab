"""Relocation flags, their flows between regions, and the notices listings call for."""

from __future__ import annotations

from typing import Any

from graph_service.engine.flows import FlowLevel, flow_matrix
from graph_service.engine.models import Flag
from graph_service.engine.notices import notices as due_notices
from graph_service.engine.relocations import detect_relocations
from graph_service.ids.regions import Level
from graph_service.services.access import Access
from graph_service.services.shaping import page, today
from graph_service.stores.base import GraphStore


def relocations(
    store: GraphStore,
    access: Access,
    on: str | None,
    level: Level,
    pattern: str | None,
    limit: int,
    offset: int,
) -> list[Flag]:
    """A page of the relocation flags on ``on`` (default today) at ``level`` (only
    ``pattern``'s, if given), highest score first; the persons shown are audited."""
    flags = detect_relocations(store, on or today(), level)
    flags = [f for f in flags if pattern is None or f.pattern == pattern]
    flags.sort(key=lambda f: (-f.score, f.flag_id))
    shown = flags[offset : offset + limit]
    keys = [f.person_key for f in shown if f.person_key]
    if keys:
        access.log("relocations", {"person_keys": keys})
    return shown


def flows(store: GraphStore, on: str | None, level: Level, by: FlowLevel) -> dict[str, Any]:
    """The matrix of flagged moves from region to region (aggregates only: not audited)."""
    matrix = flow_matrix(detect_relocations(store, on or today(), level), by)
    return {
        "regions": [str(r) for r in matrix.index],
        "counts": matrix.to_numpy(dtype=int).tolist() if not matrix.empty else [],
    }


def notices(
    store: GraphStore, access: Access, on: str | None, region: str, limit: int, offset: int
) -> dict[str, Any]:
    """A page of the notices due on ``on`` (default today) for records decided in ``region``
    (a prefix); the persons the page names are audited."""
    day = on or today()
    found = due_notices(store, day, region)
    out = page(found, limit, offset)
    persons = sorted({n["about"]["sid"][2:] for n in out["items"] if _is_person(n.get("about"))})
    if persons:
        access.log("notices", {"on": day, "person_keys": persons})
    return out


def _is_person(about: Any) -> bool:
    return isinstance(about, dict) and str(about.get("sid", "")).startswith("P:")
