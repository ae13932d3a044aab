"""Relocation flags, their flows between regions, and the notices listings call for: pages
and aggregates of the stored results of their nationwide passes (:mod:`.jobs`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_service.engine.flows import FlowLevel, flow_matrix
from graph_service.engine.models import Flag
from graph_service.ids.regions import Level
from graph_service.services.access import Access
from graph_service.services.jobs import result_key
from graph_service.services.models import Flows, NoticePage, ResultHeader
from graph_service.services.results import Freshness, current_result, result_page
from graph_service.services.shaping import today
from graph_service.stores.base import GraphStore
from graph_service.stores.results import ResultFilter


@dataclass(slots=True)
class FlagPage:
    """A page of relocation flags and the stored result they come from."""

    items: list[Flag]
    total: int
    result: dict[str, Any]


def relocations(
    store: GraphStore,
    access: Access,
    on: str | None,
    level: Level,
    pattern: str | None,
    limit: int,
    offset: int,
    *,
    freshness: Freshness = "stored",
) -> FlagPage:
    """A page of the relocation flags on ``on`` (default today) at ``level`` (only
    ``pattern``'s, if given), highest score first, from the stored detection; the persons
    shown are audited."""
    key = result_key("relocations", on or today(), level)
    found = result_page(
        store,
        key,
        ResultFilter(pattern=pattern or ""),
        offset=offset,
        limit=limit,
        freshness=freshness,
    )
    shown = [Flag.model_validate(f) for f in found["items"]]
    keys = [f.person_key for f in shown if f.person_key]
    if keys:
        access.log("relocations", {"person_keys": keys})
    return FlagPage(items=shown, total=found["total"], result=found["result"])


def flows(
    store: GraphStore,
    on: str | None,
    level: Level,
    by: FlowLevel,
    *,
    freshness: Freshness = "stored",
) -> Flows:
    """The matrix of flagged moves from region to region, from the stored detection
    (aggregates only: not audited)."""
    key = result_key("relocations", on or today(), level)
    header = current_result(store, key, freshness)
    flags = (Flag.model_validate(f) for f in store.result_rows(key, ResultFilter()))
    matrix = flow_matrix(flags, by)
    return Flows(
        regions=[str(r) for r in matrix.index],
        counts=matrix.to_numpy(dtype=int).tolist() if not matrix.empty else [],
        result=ResultHeader.model_validate(header),
    )


def notices(
    store: GraphStore,
    access: Access,
    on: str | None,
    region: str,
    limit: int,
    offset: int,
    *,
    freshness: Freshness = "stored",
) -> NoticePage:
    """A page of the notices due on ``on`` (default today) for records decided in ``region``
    (a prefix), from the stored listing; the persons the page names are audited."""
    day = on or today()
    key = result_key("notices", day)
    where = ResultFilter(region=region)
    found = result_page(store, key, where, offset=offset, limit=limit, freshness=freshness)
    out = NoticePage.model_validate(found)
    persons = sorted({n["about"]["sid"][2:] for n in out.items if _is_person(n.get("about"))})
    if persons:
        access.log("notices", {"on": day, "person_keys": persons})
    return out


def _is_person(about: Any) -> bool:
    return isinstance(about, dict) and str(about.get("sid", "")).startswith("P:")
