"""Relocation flags, their flows between regions, and the notices listings call for: pages
and aggregates of the stored results of their nationwide passes (:mod:`.jobs`), and the
passes themselves run where they are asked (the CLI): every flag or notice on a day, kept as
the stored result when asked, and the relocation flag history."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from graph_service.engine.flag_ledger import FlagLedger, LedgerUpdate
from graph_service.engine.flows import FlowLevel, flow_matrix
from graph_service.engine.models import Flag
from graph_service.engine.notices import notices as notices_due
from graph_service.engine.relocations import detect_relocations
from graph_service.ids.regions import Level
from graph_service.services.access import Access
from graph_service.services.jobs import (
    keep_result,
    notice_person,
    notice_rows,
    relocation_rows,
    result_key,
)
from graph_service.services.models import Flows, NoticePage, ResultHeader
from graph_service.services.results import (
    Freshness,
    PageAsk,
    RowsPage,
    current_result,
    rows_page,
)
from graph_service.services.shaping import today
from graph_service.stores.base import GraphStore, Touched
from graph_service.stores.results import ResultFilter, ResultInfo


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
) -> RowsPage:
    """A page of the relocation flags on ``on`` (default today) at ``level`` (only
    ``pattern``'s, if given), highest score first, each with its evidence, from the stored
    detection; the persons shown are audited."""
    ask = relocations_ask(on, level, pattern, limit, offset)
    found = rows_page(store, ask, freshness=freshness)
    audit_relocations(access, found)
    return found


def relocations_ask(
    on: str | None, level: Level, pattern: str | None, limit: int, offset: int
) -> PageAsk:
    """What a page of :func:`relocations` reads (the API awaits it: ``rows_page_awaited``,
    then :func:`audit_relocations` before the page leaves)."""
    key = result_key("relocations", on or today(), level)
    return PageAsk(key, ResultFilter(pattern=pattern or ""), offset, limit)


def audit_relocations(access: Access, found: RowsPage) -> None:
    """Audit the persons a page of relocation flags shows (none: nothing written)."""
    if found.persons:
        access.log("relocations", {"person_keys": found.persons})


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
    ask = PageAsk(result_key("notices", day), ResultFilter(region=region), offset, limit)
    found = rows_page(store, ask, freshness=freshness)
    _audit_notices(access, day, found.persons)
    return NoticePage(
        items=found.items(),
        total=found.total,
        offset=offset,
        limit=limit,
        result=ResultHeader.model_validate(found.result),
    )


def _audit_notices(access: Access, on: str, persons: list[str]) -> None:
    """Audit the persons the notices shown are about."""
    if persons:
        access.log("notices", {"on": on, "person_keys": sorted(set(persons))})


@dataclass(slots=True)
class Detection:
    """Every relocation flag of a day as detected now, the stored result they were kept as
    (if asked), and the matrix of their moves between regions (if asked)."""

    flags: list[Flag]
    saved: ResultInfo | None
    flows: pd.DataFrame | None


def detect(
    store: GraphStore,
    access: Access,
    on: str,
    level: Level,
    *,
    keep: bool,
    flows_by: FlowLevel | None = None,
) -> Detection:
    """Every relocation flag on ``on`` at ``level``, detected now (a nationwide pass, run in
    the caller's process), in the order detected; kept as the stored result the API pages
    when ``keep``; with the flow matrix at ``flows_by`` when given. The persons flagged are
    audited."""
    token = store.change_token()  # before the pass: a load during it makes it stale
    found = detect_relocations(store, on, level)
    keys = sorted({f.person_key for f in found if f.person_key})
    if keys:
        access.log("relocations", {"person_keys": keys})
    saved = None
    if keep:
        saved = keep_result(
            store, result_key("relocations", on, level), token, relocation_rows(found)
        )
    matrix = flow_matrix(found, flows_by) if flows_by else None
    return Detection(flags=found, saved=saved, flows=matrix)


def notices_on(
    store: GraphStore, access: Access, on: str, region: str, *, keep: bool
) -> tuple[list[dict[str, Any]], ResultInfo | None]:
    """Every notice due on ``on`` for records decided in ``region`` (a prefix), listed now;
    with ``keep``, every region's notices are kept as the stored result the API pages (and
    ``region``'s read back from it). Returns the notices and the stored result's header; the
    persons the notices name are audited."""
    saved = None
    if keep:
        key = result_key("notices", on)
        token = store.change_token()
        saved = keep_result(store, key, token, notice_rows(store, notices_due(store, on)))
        found = list(store.result_rows(key, ResultFilter(region=region)))
    else:
        found = notices_due(store, on, region)
    _audit_notices(access, on, [p for n in found if (p := notice_person(n))])
    return found, saved


def record_flag_history(
    store: GraphStore, ledger: Path, on: str, level: Level, touched: Touched | None
) -> LedgerUpdate:
    """Bring the relocation flag history in ``ledger`` up to date on ``on`` at ``level`` for
    what ``touched`` names (None: every triggering record)."""
    return FlagLedger(ledger).update(store, on, level, touched=touched)
