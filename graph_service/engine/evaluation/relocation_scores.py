"""Part 3 of the evaluation: relocation flags (易地出现, clause 十) and what they deduct (see
:mod:`.scoring`): which flags weigh on which entity, and — for one entity — the flags that
can name it, found without a nationwide scan (:func:`flags_near`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from graph_service.catalogue import responsible_roles
from graph_service.engine.control import holder_sid, holding_closure, target_sid
from graph_service.engine.evaluation.config import EvaluationConfig
from graph_service.engine.evaluation.models import FlagScore
from graph_service.engine.evaluation.record_scores import rounded
from graph_service.engine.models import Flag
from graph_service.engine.relocations import RelocationDetector
from graph_service.engine.triggers import triggering_kinds
from graph_service.ids.regions import Level
from graph_service.stores.base import GraphStore, sid


def flag_points(flag: Flag, cfg: EvaluationConfig) -> float:
    """What one relocation flag deducts: ``points[pattern] × flag score / 100``."""
    return cfg.relocation.points.get(flag.pattern, 0.0) * flag.score / 100.0


def flags_by_entity(
    flags: Iterable[Flag], responsible_for: Mapping[str, Sequence[str]]
) -> dict[str, list[Flag]]:
    """The flags that weigh on each entity: phoenix and migration flags name it; a serial
    flag weighs on each entity its person answers for on the date."""
    out: dict[str, list[Flag]] = defaultdict(list)
    for f in flags:
        if f.pattern in ("phoenix", "migration") and f.uscc:
            out[f.uscc].append(f)
        elif f.pattern == "serial" and f.person_key:
            for uscc in sorted(set(responsible_for.get(sid("person", f.person_key), ()))):
                out[uscc].append(f)
    return out


def flag_score(f: Flag, cfg: EvaluationConfig) -> FlagScore:
    """One flag as the evaluation shows it: its points and the reason in both languages."""
    pts = flag_points(f, cfg)
    zh = {"phoenix": "易地新设", "migration": "迁址逃避", "serial": "负责人多地失信"}[f.pattern]
    en = {
        "phoenix": "phoenix (a listed entity's boss set up here)",
        "migration": "migration (moved away after listing)",
        "serial": "serial (its responsible person behind listings in several regions)",
    }[f.pattern]
    return FlagScore(
        flag_id=f.flag_id,
        pattern=f.pattern,
        score=f.score,
        points=rounded(pts),
        person_name=f.person_name,
        record_ids=f.record_ids,
        since=f.since,
        region_from=f.region_from,
        region_to=f.region_to,
        why_zh=f"{zh}（标记分{f.score}）",
        why_en=f"{en}, flag score {f.score}",
        evidence=f.evidence,
    )


class _ScopedTriggers:
    """A store whose ``records_where`` answers only from the given records: lets the
    relocation detector look at the triggering records that can name one entity, instead of
    every listing in the country. Everything else goes to the real store."""

    def __init__(self, store: GraphStore, records: list[dict[str, Any]]) -> None:
        self._store = store
        self._records = records

    def records_where(self, kinds: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(kinds)
        return [r for r in self._records if r["kind"] in wanted]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def flags_near(store: GraphStore, me: str, on: str, level: Level) -> list[Flag]:
    """The relocation flags that can name entity ``me``: the detector run on the
    triggering records of every entity its responsible persons (declared, or holding
    above it) answered for — a superset of the records behind any flag on ``me``."""
    roles = responsible_roles()
    triggering = triggering_kinds()
    persons = {sid("person", r["person_key"]) for r in store.roles_of([me]) if r["role"] in roles}
    persons |= {
        holder_sid(e) for e in holding_closure(store, [me], "up") if e["holder_type"] == "person"
    }
    xs = {me}
    if persons:
        xs |= {
            sid("entity", r["uscc"]) for r in store.roles_of(sorted(persons)) if r["role"] in roles
        }
        xs |= {target_sid(e) for e in holding_closure(store, sorted(persons), "down")}
    records = store.records_of(sorted(xs))
    # records that name these persons reach them too (RULES §4)
    named = {n["record_id"] for n in store.naming([p[2:] for p in persons])}
    if named - {r["record_id"] for r in records}:
        records += store.records_by_id(named - {r["record_id"] for r in records})
    triggers = [r for r in records if r["kind"] in triggering and r["subject_type"] == "entity"]
    if not triggers:
        return []
    scoped = cast(GraphStore, _ScopedTriggers(store, triggers))
    return RelocationDetector(scoped).detect(on, level)
