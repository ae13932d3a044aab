"""The nationwide pass: every entity graded in one pass (a few batched reads, vectorised
propagation, one relocation scan), as a table — the same scores as
:meth:`.scoring.Evaluator.evaluate` gives one entity at a time (see :mod:`.scoring`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from graph_service.dates import entity_active_mask
from graph_service.engine.collection import collector_paused
from graph_service.engine.evaluation.config import GRADES, EvaluationConfig
from graph_service.engine.evaluation.propagation import build_network, from_others
from graph_service.engine.evaluation.record_scores import (
    binding,
    own_by_subject,
    rounded_all,
    seed,
    watchable,
)
from graph_service.engine.evaluation.registry import indexer, read_registry
from graph_service.engine.evaluation.relocation_scores import flag_points, flags_by_entity
from graph_service.engine.models import Flag
from graph_service.engine.relocations import detect_relocations
from graph_service.stores.base import GraphStore

#: Columns of the grade table :func:`evaluate_all` returns.
TABLE_COLUMNS = (
    "uscc",
    "name",
    "region_code",
    "industry",
    "org_type",
    "active",
    "records",
    "network",
    "relocation",
    "score",
    "score_grade",
    "grade",
    "capped_by",
    "watch_candidate",
)


def evaluate_all(
    store: GraphStore,
    on: str,
    cfg: EvaluationConfig,
    timings: dict[str, float],
    flags: Sequence[Flag] | None = None,
) -> pd.DataFrame:
    """Every entity's evaluation on ``on`` as a table (:data:`TABLE_COLUMNS`), by USCC.

    Reads the store once (:func:`.registry.read_registry`), propagates risk over the whole
    graph at once, and runs one relocation scan — unless ``flags`` gives every relocation
    flag at ``relocation.level`` on ``on`` already (a stored result just brought up to
    date). Seconds per phase (and the graph's size) go into ``timings``."""
    with collector_paused():
        return _evaluate_all(store, on, cfg, timings, flags)


def _evaluate_all(
    store: GraphStore,
    on: str,
    cfg: EvaluationConfig,
    timings: dict[str, float],
    flags: Sequence[Flag] | None,
) -> pd.DataFrame:
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    reg = read_registry(store, on, cfg)
    lap("read")
    own = own_by_subject(reg.records, on, cfg)
    subjects = list(own)
    owned = [own[s] for s in subjects]
    at = reg.positions(subjects)  # -1: a subject with records but no weighed relationship
    seeds = np.zeros(len(reg.nodes), dtype=np.float64)
    found = at >= 0
    seeds[at[found]] = [seed(m, cfg) for m, f in zip(owned, found, strict=True) if f]
    lap("records")
    net = build_network(len(reg.nodes), reg.u, reg.v, reg.w, cfg.network.absorb)
    reached = from_others(net, seeds, cfg.network.damping, cfg.network.steps)
    lap("propagation")
    flagged = detect_relocations(store, on, cfg.relocation.level) if flags is None else flags
    weighing = flags_by_entity(flagged, reg.responsible_for)
    lap("relocations")
    ent = reg.entities
    n = len(ent["uscc"])
    # (position, own records) of each entity with records (entities come first in the nodes)
    mine = [(int(i), m) for i, m in zip(at, owned, strict=True) if 0 <= i < n]
    own_raw = np.zeros(n, dtype=np.float64)
    cap = np.zeros(n, dtype=np.int64)
    for i, m in mine:
        own_raw[i] = m.raw
        cap[i] = GRADES.index(m.cap) if m.cap else 0
    net_raw = cfg.network.weight * reached[:n]
    reloc_raw = np.zeros(n, dtype=np.float64)
    weighed = indexer(ent["uscc"], weighing)
    for at_entity, flags_on in zip(weighed.tolist(), weighing.values(), strict=True):
        if at_entity >= 0:
            reloc_raw[at_entity] = sum(flag_points(f, cfg) for f in flags_on)
    parts = {  # as :meth:`.Evaluator.evaluate` computes them for one
        "records": rounded_all(np.minimum(cfg.records.cap, own_raw)),
        "network": rounded_all(np.minimum(cfg.network.cap, net_raw)),
        "relocation": rounded_all(np.minimum(cfg.relocation.cap, reloc_raw)),
    }
    lost = parts["records"] + parts["network"] + parts["relocation"]
    score = rounded_all(np.maximum(0.0, cfg.base - lost))
    rank = np.full(n, len(GRADES) - 1, dtype=np.int64)  # the best grade the score reaches
    for i, g in reversed(list(enumerate(GRADES))):
        rank[score >= cfg.grades[g].min] = i
    final = np.maximum(rank, cap)
    names = np.array(GRADES, dtype=object)
    by_score = names[rank]
    capped_by = np.full(n, "", dtype=object)
    watchable_ = np.full(n, watchable(None, cfg), dtype=bool)
    for i, m in mine:
        watchable_[i] = watchable(m, cfg)
        if m.caps:
            capped_by[i] = " ".join(binding(m, by_score[i]))
    watch = np.isin(final, [GRADES.index(g) for g in cfg.watch_list.grades])
    rows: dict[str, Any] = {
        "uscc": ent["uscc"],
        **{f: ent[f] for f in ("name", "region_code", "industry", "org_type")},
        "active": entity_active_mask(ent["registered_on"], ent["deregistered_on"], on),
        **parts,
        "score": score,
        "score_grade": by_score,
        "grade": names[final],
        "capped_by": capped_by,
        "watch_candidate": watch & watchable_,
    }
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS)).sort_values("uscc", ignore_index=True)
    lap("grading")
    timings["nodes"] = len(reg.nodes)
    timings["relationships"] = net.edges
    return table


def grade_counts(table: pd.DataFrame) -> dict[str, int]:
    """Entities per grade, A to D (zeros included)."""
    counts = table["grade"].value_counts()
    return {g: int(counts.get(g, 0)) for g in GRADES}
