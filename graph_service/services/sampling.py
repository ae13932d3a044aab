"""Double-random inspection draws (双随机、一公开): draw, read a draw back, verify one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from graph_service.engine.evaluation import append_draw, make_draw, read_inspectors, verify
from graph_service.engine.evaluation.sampling import DrawError
from graph_service.errors import InvalidParameter, NotFound
from graph_service.services.access import Access
from graph_service.services.jobs import result_key
from graph_service.services.results import Freshness, result_table
from graph_service.services.shaping import Stores, today
from graph_service.stores.base import GraphStore
from graph_service.stores.results import ResultFilter


def grade_table(store: GraphStore, on: str, freshness: Freshness) -> pd.DataFrame:
    """Every entity's grade on ``on`` as the grading job stored it (the population a draw
    samples from)."""
    return result_table(store, result_key("grades", on), ResultFilter(), freshness)[0]


def brief(record: dict[str, Any]) -> dict[str, Any]:
    """The record without the population's and the pool's members."""
    out = {k: v for k, v in record.items() if k not in ("population", "inspector_pool")}
    out["population"] = {k: v for k, v in record["population"].items() if k != "members"}
    out["inspector_pool"] = {k: v for k, v in record["inspector_pool"].items() if k != "members"}
    return out


def draw(
    stores: Stores,
    access: Access,
    on: str | None,
    *,
    budget: int,
    region: str,
    industry: str,
    rates: Mapping[str, float] | None,
    seed: str | None,
    per_entity: int | None,
    inspectors: Path | None,
    log: Path,
    freshness: Freshness = "stored",
    whole: bool = False,
) -> dict[str, Any]:
    """Draws, by grade, the entities to inspect on ``on`` (default today) and their
    inspectors (from the ``inspectors`` file) with a recorded seed; keeps the whole record in
    the draw ``log`` and answers it without the population and pool members (:func:`brief`),
    or whole if ``whole`` (the CLI writes it to a file of its own). Audited."""
    if inspectors is None:
        raise DrawError(
            "未配置检查人员名录（GRAPH_INSPECTORS_FILE）",
            "no inspector pool configured (GRAPH_INSPECTORS_FILE)",
        )
    pool = read_inspectors(inspectors)
    day = on or today()
    with stores() as store:
        table = grade_table(store, day, freshness)
    record = make_draw(
        table,
        day,
        budget=budget,
        region=region,
        industry=industry,
        rates=dict(rates) if rates else None,
        seed=seed,
        pool=pool,
        per_entity=per_entity,
    )
    access.log("sampling.draw", {"draw_id": record["draw_id"]})
    append_draw(record, log)
    return record if whole else brief(record)


def read_draw(access: Access, log: Path, draw_id: str) -> dict[str, Any]:
    """The full record of a draw in the ``log``. Analysts get it without the population's
    members and grades and without the inspector pool (grades of a population are not
    theirs). Audited."""
    record = _find_draw(log, draw_id)
    access.log("sampling.read", {"draw_id": draw_id})
    if access.principal.role == "analyst":
        record = brief(record)
        record["entities"] = [
            {k: v for k, v in e.items() if k != "grade"} for e in record.get("entities", [])
        ]
    return record


def _find_draw(log: Path, draw_id: str) -> dict[str, Any]:
    if log.exists():
        with log.open(encoding="utf-8") as fh:
            for line in fh:
                if f'"draw_id": "{draw_id}"' in line:
                    record: dict[str, Any] = json.loads(line)
                    if record.get("draw_id") == draw_id:
                        return record
    raise NotFound(f"未找到抽查记录：{draw_id}", f"no draw {draw_id}")


def verify_draw(
    stores: Stores,
    record: dict[str, Any],
    *,
    against_store: bool,
    freshness: Freshness = "stored",
) -> dict[str, Any]:
    """Re-runs the draw from its record (hash, population and pool as hashed, allocation,
    entities and inspectors as recorded) and, if ``against_store``, whether the store still
    gives the same population. A record that is not a draw's is refused before any work."""
    on = _draw_date(record)
    table = None
    if against_store:
        with stores() as store:
            table = grade_table(store, on, freshness)
    try:
        return verify(record, table).to_dict()
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InvalidParameter(
            f"不是抽查记录：{type(exc).__name__}", f"not a draw record: {type(exc).__name__}"
        ) from exc


def _draw_date(record: dict[str, Any]) -> str:
    """The date a draw record was drawn on (``inputs.on``), or 422."""
    inputs = record.get("inputs")
    on = inputs.get("on") if isinstance(inputs, dict) else None
    try:
        return dt.date.fromisoformat(str(on)).isoformat()
    except ValueError:
        raise InvalidParameter(
            "不是抽查记录：inputs.on 应为日期YYYY-MM-DD",
            "not a draw record: inputs.on must be a date YYYY-MM-DD",
        ) from None
