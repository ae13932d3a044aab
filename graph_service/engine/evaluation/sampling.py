"""Risk-weighted "double random, one public" inspection (双随机、一公开, guideline clause 七).

"Double random": the entities to inspect and the inspectors who go are both drawn at random;
"one public": the draw and its result are published. Clause 七 ties the draw to the grades:
good credit is sampled less, bad credit more (``catalogue/evaluation.yaml`` → ``sampling``).

How a draw goes — every step is a pure function of the draw record, so anyone holding the
record can re-run it (:func:`verify`, CLI ``sample-verify``) and see it was not hand-picked:

1. **Population**: the entities active on the date, in the region (a code prefix) and industry
   (GB/T 4754 section) asked for, each with its grade on that date. Its SHA-256
   (``population.hash``) is over the lines ``USCC<TAB>grade<TAB>region`` sorted by USCC.
2. **Allocation**: each grade ``g`` asks for ``rate[g] × N[g]`` inspections. The total is
   ``min(budget, round(Σ))``; when the budget is short every rate is scaled alike. Each grade
   gets the floor of its share, and the inspections left go to the largest remainders (ties:
   the worse grade first), never more than the grade has.
3. **Entities**: within each grade, every entity is ranked by ``SHA-256(seed|USCC)`` (hex) and
   the lowest ranks are taken. The seed is 128 random bits unless given, and is recorded.
4. **Inspectors**: for each drawn entity, the inspectors of the pool whose ``region_prefix``
   the entity's region starts with are ranked by ``SHA-256(seed|USCC|inspector_id)`` and the
   lowest ``inspectors_per_entity`` go (at least two law-enforcement officers inspect together).
5. The **record** holds the inputs, the seed, the population (members and hash), the pool,
   the allocation and the result, and ``record_hash``, the SHA-256 of all of it.

SHA-256 ranks make a uniformly random subset given an unpredictable seed, do not depend on the
order rows are read in, and can be recomputed in any language.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import heapq
import json
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from graph_service.engine.evaluation.config import GRADES, EvaluationConfig, evaluation_config
from graph_service.errors import DomainError

ALGORITHM = "credit-graph/double-random-v1"
INSPECTOR_FIELDS = ("inspector_id", "name", "authority", "region_prefix")


class DrawError(DomainError, ValueError):
    """A draw that cannot be made as asked (no inspectors, a bad rate, a bad pool file)."""


# -- inputs ------------------------------------------------------------------------------


def read_inspectors(path: Path) -> list[dict[str, str]]:
    """The inspector pool from a CSV (UTF-8, columns ``inspector_id, name, authority,
    region_prefix``) or a YAML file (a list of such mappings, or ``{inspectors: [...]}``),
    sorted by id. ``region_prefix`` (optional) limits an inspector to entities whose region
    code starts with it."""
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            rows = data.get("inspectors", []) if isinstance(data, dict) else data
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
    except (OSError, yaml.YAMLError, csv.Error) as exc:
        raise DrawError(
            f"无法读取检查人员名录：{path}", f"cannot read inspectors {path}: {exc}"
        ) from exc
    pool: dict[str, dict[str, str]] = {}
    for i, row in enumerate(rows or [], start=1):
        if not isinstance(row, Mapping) or not str(row.get("inspector_id") or "").strip():
            raise DrawError(
                f"检查人员名录第{i}条缺少inspector_id", f"inspector {i} has no inspector_id"
            )
        entry = {f: str(row.get(f) or "").strip() for f in INSPECTOR_FIELDS}
        if entry["inspector_id"] in pool:
            raise DrawError(
                f"检查人员编号重复：{entry['inspector_id']}",
                f"inspector_id {entry['inspector_id']} appears twice",
            )
        pool[entry["inspector_id"]] = entry
    return [pool[k] for k in sorted(pool)]


def population(
    table: pd.DataFrame, region: str = "", industry: str = "", active_only: bool = True
) -> list[tuple[str, str, str]]:
    """``(USCC, grade, region code)`` of the entities (active on the table's date, unless
    ``active_only`` is false) in the region (code prefix) and industry (empty: all), sorted by
    USCC."""
    rows = table[table["active"]] if active_only else table
    if region:
        rows = rows[rows["region_code"].fillna("").astype(str).str.startswith(region)]
    if industry:
        rows = rows[rows["industry"].fillna("").astype(str) == industry]
    members = zip(rows["uscc"], rows["grade"], rows["region_code"].fillna(""), strict=True)
    return sorted((str(u), str(g), str(r)) for u, g, r in members)


def population_hash(members: Iterable[Sequence[str]]) -> str:
    """SHA-256 over ``USCC<TAB>grade<TAB>region`` lines, sorted."""
    text = "\n".join("\t".join(m) for m in sorted(tuple(m) for m in members))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pool_hash(pool: Iterable[Mapping[str, str]]) -> str:
    """SHA-256 over the pool's lines (its fields, tab-separated), sorted."""
    lines = sorted("\t".join(p.get(f, "") for f in INSPECTOR_FIELDS) for p in pool)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _rank(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def allocate(sizes: Mapping[str, int], rates: Mapping[str, float], budget: int) -> dict[str, int]:
    """Inspections per grade (step 2 of the module docstring)."""
    want = {g: rates.get(g, 0.0) * sizes.get(g, 0) for g in GRADES}
    total = sum(want.values())
    target = min(budget, round(total)) if total > 0 else 0
    scale = target / total if total > 0 else 0.0
    quota = {g: want[g] * scale for g in GRADES}
    out: dict[str, int] = {g: min(sizes.get(g, 0), math.floor(quota[g] + 1e-9)) for g in GRADES}
    left = target - sum(out.values())
    order = sorted(
        GRADES, key=lambda g: (-(quota[g] - math.floor(quota[g] + 1e-9)), -GRADES.index(g))
    )
    while left > 0:
        progressed = False
        for g in order:
            if left > 0 and out[g] < sizes.get(g, 0):
                out[g] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return out


def draw(
    members: Sequence[Sequence[str]],
    seed: str,
    allocation: Mapping[str, int],
    pool: Sequence[Mapping[str, str]],
    per_entity: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The drawn entities (``uscc, grade, region_code, rank``; by grade, then rank) and each
    one's inspectors (steps 3 and 4 of the module docstring)."""
    chosen: list[dict[str, Any]] = []
    for g in GRADES:
        ranked = sorted((_rank(seed, m[0]), m) for m in members if m[1] == g)
        for rank, m in ranked[: allocation.get(g, 0)]:
            chosen.append({"uscc": m[0], "grade": g, "region_code": m[2], "rank": rank})
    assignments = []
    eligible_by_region: dict[str, list[str]] = {}
    for e in chosen:
        region = e["region_code"]
        if region not in eligible_by_region:
            eligible_by_region[region] = [
                p["inspector_id"] for p in pool if region.startswith(p.get("region_prefix", ""))
            ]
        # SHA-256(seed|USCC|inspector_id), the common prefix hashed once
        prefix = hashlib.sha256(f"{seed}|{e['uscc']}|".encode())
        ranked = []
        for inspector in eligible_by_region[region]:
            h = prefix.copy()
            h.update(inspector.encode("utf-8"))
            ranked.append((h.hexdigest(), inspector))
        ids = [i for _, i in heapq.nsmallest(per_entity, ranked)]
        assignments.append({"uscc": e["uscc"], "inspectors": ids, "short": len(ids) < per_entity})
    return chosen, assignments


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON without ``record_hash``."""
    return hashlib.sha256(
        _canonical({k: v for k, v in record.items() if k != "record_hash"})
    ).hexdigest()


# -- the draw ----------------------------------------------------------------------------


def make_draw(
    table: pd.DataFrame,
    on: str,
    *,
    budget: int,
    region: str = "",
    industry: str = "",
    rates: Mapping[str, float] | None = None,
    seed: str | None = None,
    pool: Sequence[Mapping[str, str]] = (),
    per_entity: int | None = None,
    cfg: EvaluationConfig | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Draw the inspection list and inspectors from ``table`` (the grades on ``on``, from
    :meth:`.Evaluator.evaluate_all`) and return the draw record (see the module docstring).

    Raises :class:`DrawError` for a negative budget, a rate outside [0, 1], or an empty
    inspector pool."""
    cfg = cfg or evaluation_config()
    rates = {g: float(r) for g, r in (rates or cfg.sampling.rates).items()}
    bad = {g: r for g, r in rates.items() if g not in GRADES or not 0 <= r <= 1}
    if bad or budget < 0:
        raise DrawError(
            f"抽查比例须在0到1之间、预算不能为负：{bad or budget}",
            f"rates must be in [0, 1] for grades A-D and the budget >= 0: {bad or budget}",
        )
    if not pool:
        raise DrawError(
            "没有检查人员名录（GRAPH_INSPECTORS_FILE 或 --inspectors）",
            "no inspector pool: set GRAPH_INSPECTORS_FILE or pass --inspectors",
        )
    per_entity = per_entity or cfg.sampling.inspectors_per_entity
    seed = seed or secrets.token_hex(16)
    members = [list(m) for m in population(table, region, industry)]
    sizes: dict[str, int] = {g: sum(1 for m in members if m[1] == g) for g in GRADES}
    allocation = allocate(sizes, rates, budget)
    chosen, assignments = draw(members, seed, allocation, pool, per_entity)
    names = dict(zip(table["uscc"], table["name"], strict=True))
    now = now or dt.datetime.now(dt.UTC)
    record: dict[str, Any] = {
        # unguessable: 128 random bits, nothing taken from the time or the seed alone
        "draw_id": f"draw-{now:%Y%m%d}-{secrets.token_hex(16)}",
        "algorithm": ALGORITHM,
        "created_at": now.isoformat(),
        "inputs": {
            "on": on,
            "region": region,
            "industry": industry,
            "budget": budget,
            "rates": {g: rates.get(g, 0.0) for g in GRADES},
            "inspectors_per_entity": per_entity,
            "evaluation_version": cfg.version,
        },
        "seed": seed,
        "population": {
            "size": len(members),
            "by_grade": sizes,
            "hash": population_hash(members),
            "members": members,
        },
        "inspector_pool": {
            "size": len(pool),
            "hash": pool_hash(pool),
            "members": [dict(p) for p in pool],
        },
        "allocation": allocation,
        "entities": [e | {"name": names.get(e["uscc"])} for e in chosen],
        "assignments": assignments,
    }
    record["record_hash"] = record_hash(record)
    return record


def append_draw(record: Mapping[str, Any], log: Path) -> None:
    """Append a draw record to the draw log (JSON lines): every draw made is kept."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


# -- verification ------------------------------------------------------------------------


@dataclass(slots=True)
class Verification:
    """Whether a draw record re-runs to itself; each check with what it found."""

    ok: bool
    draw_id: str | None
    checks: list[dict[str, Any]] = field(default_factory=list)
    population_matches_store: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify(record: Mapping[str, Any], table: pd.DataFrame | None = None) -> Verification:
    """Re-run a draw from its record and say whether it gives the recorded result.

    Checks the record's hash (untouched since the draw), the population's and the pool's
    hashes, the allocation from the rates and budget, and the entities and inspectors drawn
    with the recorded seed. With ``table`` (the grades on the draw's date recomputed from the
    store now), also whether the store still gives the same population — it may not, with
    good reason, after a later load or a credit repair, which is why the record keeps the
    population it drew from."""
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    try:
        inputs = record["inputs"]
        pop = record["population"]
        members = [list(m) for m in pop["members"]]
        pool = list(record["inspector_pool"]["members"])
        seed = str(record["seed"])
    except (KeyError, TypeError) as exc:
        check("record_complete", False, f"missing {exc}")
        return Verification(ok=False, draw_id=record.get("draw_id"), checks=checks)
    check(
        "record_hash",
        record_hash(record) == record.get("record_hash"),
        "the record is as it was written",
    )
    check("population_hash", population_hash(members) == pop.get("hash"))
    sizes: dict[str, int] = {g: sum(1 for m in members if m[1] == g) for g in GRADES}
    check("population_by_grade", sizes == pop.get("by_grade"))
    check("inspector_pool_hash", pool_hash(pool) == record["inspector_pool"].get("hash"))
    allocation = allocate(sizes, inputs["rates"], int(inputs["budget"]))
    check("allocation", allocation == record.get("allocation"), json.dumps(allocation))
    chosen, assignments = draw(
        members, seed, allocation, pool, int(inputs["inspectors_per_entity"])
    )
    recorded = [
        {k: e.get(k) for k in ("uscc", "grade", "region_code", "rank")}
        for e in record.get("entities", [])
    ]
    check("entities", chosen == recorded, f"{len(chosen)} drawn again")
    check("inspectors", assignments == record.get("assignments"))
    result = Verification(
        ok=all(c["ok"] for c in checks), draw_id=record.get("draw_id"), checks=checks
    )
    if table is not None:
        now_members = population(table, inputs.get("region", ""), inputs.get("industry", ""))
        result.population_matches_store = population_hash(now_members) == pop.get("hash")
    return result
