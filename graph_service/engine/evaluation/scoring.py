"""Public credit comprehensive evaluation and grading (guideline clauses 六, 七, 八).

Every entity's **score** (0–100, higher is better) is ``base`` less three capped parts, each
listing what it is made of (weights in ``catalogue/evaluation.yaml``):

1. **records** — its own credit records: ``points × severity × decay × status factor`` for
   each record that applies on the date (shared/RULES.md "When a record applies": a repaired
   record stops counting on its status date, a revoked one never counted, an expired one
   stops at ``effective_to``). Listings weigh in full while they apply; lighter records decay
   with a half-life.
2. **network** — the risk of *other* subjects (listed entities and persons) that reaches it
   along offices and holdings in force on the date: a truncated personalised PageRank seeded
   with every subject's own record points (:mod:`.propagation`).
3. **relocation** — relocated repeat offender flags (易地出现, clause 十) naming it, or naming
   a serial offender who is its responsible person on the date.

The **grade** is the best of A/B/C/D whose minimum the score reaches, and no better than the
``max_grade`` of any applying record (a listed entity is D whatever else it has). A
**watch-list candidate** (重点关注对象名单, clause 八) is an entity whose grade is among
``watch_list.grades``, with counted records of its own, and that is neither on the joint
punishment list nor on a watch list.

:meth:`Evaluator.evaluate_all` grades every entity in one pass (a few batched reads, vectorised
propagation); :meth:`Evaluator.evaluate` explains one entity from its neighbourhood only, with
each record, each contributing subject and its path, and each flag. Both give the same score.

Example
-------
>>> ev = Evaluator(store)                                      # doctest: +SKIP
>>> e = ev.evaluate("91130126T0000001XK", "2024-06-01")        # doctest: +SKIP
>>> e.grade, [p.points for p in e.parts]                       # doctest: +SKIP
('D', [50.0, 1.3, 0.0])
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from graph_service.catalogue import label, label_en, label_zh, responsible_roles
from graph_service.engine.control import holder_sid, holding_closure, target_sid
from graph_service.engine.evaluation.config import (
    GRADES,
    EvaluationConfig,
    Grade,
    evaluation_config,
    grade_of,
    worse,
)
from graph_service.engine.evaluation.models import (
    Contribution,
    Evaluation,
    FlagScore,
    Part,
    RecordScore,
)
from graph_service.engine.evaluation.propagation import build_network, contributions, from_others
from graph_service.engine.evaluation.registry import read_registry, relationship_weight
from graph_service.engine.models import Flag, Step
from graph_service.engine.relocations import RelocationDetector, detect_relocations
from graph_service.engine.restrictions import holding_step, role_step
from graph_service.engine.timeline import (
    entity_active,
    in_force,
    record_applies,
    record_last_day,
    record_start,
    status_stopped_on,
)
from graph_service.engine.triggers import triggering_kinds
from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore, sid

#: Columns of the grade table :meth:`Evaluator.evaluate_all` returns.
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


def _r(x: float) -> float:
    """Points as shown: two decimals (the same rounding as :func:`_r2`)."""
    return float(np.round(float(x), 2)) + 0.0


def _r2(x: Any) -> Any:
    """Two decimals, element-wise."""
    return np.round(x, 2) + 0.0


def _days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


# -- 1. own records --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordTerms:
    """The factors of one record's points on a date."""

    counted: bool
    points: float
    base: float
    severity: str
    severity_factor: float
    decay: float
    status_factor: float
    age_days: int
    max_grade: Grade | None
    why_zh: str
    why_en: str


def record_terms(rec: Mapping[str, Any], on: str, cfg: EvaluationConfig) -> RecordTerms:
    """How ``rec`` counts on ``on``: ``points × severity × decay × status factor`` while it
    applies (RULES.md time rules), nothing otherwise — with the reason in both languages."""
    rule = cfg.records.kinds.get(rec["kind"])
    start = record_start(rec)
    age = max(0, _days(start, on)) if start <= on else 0
    sev_cfg = cfg.records.severity
    severity = str(rec.get("severity") or sev_cfg.default)
    if severity not in sev_cfg.factors:
        severity = sev_cfg.default
    sev = sev_cfg.factors[severity]
    status = rec.get("status") or "active"
    kind_zh = label_zh("kind", rec["kind"])
    kind_en = label_en("kind", rec["kind"])

    def no(zh: str, en: str) -> RecordTerms:
        base = rule.points if rule else 0.0
        return RecordTerms(False, 0.0, base, severity, sev, 0.0, 0.0, age, None, zh, en)

    if rule is None:
        return no(f"{kind_zh}不计分", f"{kind_en}: not scored")
    if not record_applies(rec, on):
        if status == "revoked":
            return no("已撤销，视为从未适用", "revoked: never applied")
        day = status_stopped_on(rec)
        if day and on >= day:
            what_zh, what_en = (
                ("完成信用修复", "credit repaired") if status == "repaired" else ("移出", "removed")
            )
            return no(
                f"已于{day}{what_zh}，自该日起不再计分",
                f"{what_en} on {day}: stopped counting that day",
            )
        if on < start:
            return no(f"{start}起生效，尚未计分", f"in effect from {start}: not yet counted")
        end = record_last_day(rec)
        return no(f"已于{end}届满，不再计分", f"ended on {end}: no longer counted")
    decay = 0.5 ** (age / rule.half_life_days) if rule.half_life_days else 1.0
    factor = cfg.records.status_factors.get(status, 1.0)
    points = rule.points * sev * decay * factor
    zh = f"{kind_zh}：{rule.points:g}分 × 严重程度{sev:g} × 时间衰减{decay:.3f}"
    en = f"{kind_en}: {rule.points:g} × severity {sev:g} × decay {decay:.3f}"
    if status == "disputed":
        zh += f" × 异议中{factor:g}"
        en += f" × under objection {factor:g}"
    return RecordTerms(
        True, points, rule.points, severity, sev, decay, factor, age, rule.max_grade, zh, en
    )


def score_record(rec: Mapping[str, Any], on: str, cfg: EvaluationConfig) -> RecordScore:
    """One record's line in an evaluation."""
    t = record_terms(rec, on, cfg)
    return RecordScore(
        record_id=rec["record_id"],
        kind=rec["kind"],
        kind_label=label("kind", rec["kind"]),
        status=rec.get("status") or "active",
        status_on=rec.get("status_on"),
        decided_on=rec["decided_on"],
        authority=rec.get("authority"),
        basis=rec.get("basis"),
        counted=t.counted,
        points=_r(t.points),
        base_points=t.base,
        severity=t.severity,
        severity_factor=t.severity_factor,
        decay=round(t.decay, 4),
        status_factor=t.status_factor,
        age_days=t.age_days,
        max_grade=t.max_grade if t.counted else None,
        why_zh=t.why_zh,
        why_en=t.why_en,
    )


@dataclass(slots=True)
class _Own:
    """A subject's own records summed: raw points, the grade caps and excluded-list flags."""

    raw: float = 0.0
    cap: Grade | None = None
    caps: tuple[tuple[str, Grade], ...] = ()  # (record id, its max_grade)
    on_excluded_list: bool = False
    counted: tuple[str, ...] = ()


def _own_by_subject(
    records: Iterable[Mapping[str, Any]], on: str, cfg: EvaluationConfig
) -> dict[str, _Own]:
    out: dict[str, _Own] = defaultdict(_Own)
    excluded = set(cfg.watch_list.exclude_kinds)
    for rec in records:
        s = sid(rec["subject_type"], rec["subject_key"])
        t = record_terms(rec, on, cfg)
        if rec["kind"] in excluded and record_applies(rec, on):
            out[s].on_excluded_list = True
        if not t.counted:
            continue
        own = out[s]
        own.raw += t.points
        own.counted += (rec["record_id"],)
        if t.max_grade is not None:
            own.cap = t.max_grade if own.cap is None else worse(own.cap, t.max_grade)
            own.caps += ((rec["record_id"], t.max_grade),)
    return out


def _watchable(own: _Own | None, cfg: EvaluationConfig) -> bool:
    """Not on an excluded list, and (if the catalogue asks) with counted records of its own."""
    if own is None:
        return not cfg.watch_list.require_own_records
    if own.on_excluded_list:
        return False
    return bool(own.counted) or not cfg.watch_list.require_own_records


def _binding(own: _Own | None, by_score: Grade) -> list[str]:
    """The records whose ``max_grade`` binds: no better than the grade the score gives."""
    if own is None:
        return []
    return [rid for rid, g in own.caps if GRADES.index(g) >= GRADES.index(by_score)]


def _seed(own: _Own | None, cfg: EvaluationConfig) -> float:
    """A subject's seed in the propagation: its own record points, capped."""
    return min(cfg.records.cap, own.raw) if own else 0.0


# -- 3. relocation flags ---------------------------------------------------------------


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


def _flag_score(f: Flag, cfg: EvaluationConfig) -> FlagScore:
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
        points=_r(pts),
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


# -- grading ---------------------------------------------------------------------------


def _grade(score: float, cap: Grade | None, cfg: EvaluationConfig) -> tuple[Grade, Grade]:
    by_score = grade_of(score, cfg)
    return by_score, (worse(by_score, cap) if cap else by_score)


class Evaluator:
    """Evaluates and grades entities on any store (see the module docstring)."""

    def __init__(self, store: GraphStore, cfg: EvaluationConfig | None = None) -> None:
        self.store = store
        self.cfg = cfg or evaluation_config()
        self._triggering = triggering_kinds()
        #: seconds per phase of the last :meth:`evaluate_all` (and the graph's size)
        self.timings: dict[str, float] = {}

    # -- nationwide ----------------------------------------------------------------------

    def evaluate_all(self, on: str) -> pd.DataFrame:
        """Every entity's evaluation on ``on`` as a table (:data:`TABLE_COLUMNS`), by USCC.

        Reads the store once (:func:`.registry.read_registry`), propagates risk over the whole
        graph at once, and runs one relocation scan."""
        cfg = self.cfg
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            self.timings[name] = round(now - clock, 3)
            clock = now

        reg = read_registry(self.store, on, cfg)
        lap("read")
        own = _own_by_subject(reg.records, on, cfg)
        seeds = np.array([_seed(own.get(s), cfg) for s in reg.nodes], dtype=np.float64)
        lap("records")
        net = build_network(len(reg.nodes), reg.u, reg.v, reg.w, cfg.network.absorb)
        reached = from_others(net, seeds, cfg.network.damping, cfg.network.steps)
        lap("propagation")
        flags = flags_by_entity(
            detect_relocations(self.store, on, cfg.relocation.level), reg.responsible_for
        )
        lap("relocations")
        ent = reg.entities
        n = len(ent["uscc"])
        mine = [own.get(reg.nodes[i]) for i in range(n)]  # entities come first in the nodes
        own_raw = np.array([m.raw if m else 0.0 for m in mine], dtype=np.float64)
        net_raw = cfg.network.weight * reached[:n]
        reloc_raw = np.array(
            [sum(flag_points(f, cfg) for f in flags.get(u, ())) for u in ent["uscc"]],
            dtype=np.float64,
        )
        parts = {  # as :meth:`_parts` computes them for one entity
            "records": _r2(np.minimum(cfg.records.cap, own_raw)),
            "network": _r2(np.minimum(cfg.network.cap, net_raw)),
            "relocation": _r2(np.minimum(cfg.relocation.cap, reloc_raw)),
        }
        lost = parts["records"] + parts["network"] + parts["relocation"]
        score = _r2(np.maximum(0.0, cfg.base - lost))
        rank = np.full(n, len(GRADES) - 1, dtype=np.int64)  # the best grade the score reaches
        for i, g in reversed(list(enumerate(GRADES))):
            rank[score >= cfg.grades[g].min] = i
        cap = np.array([GRADES.index(m.cap) if m and m.cap else 0 for m in mine], dtype=np.int64)
        final = np.maximum(rank, cap)
        by_score = [GRADES[i] for i in rank]
        grades = [GRADES[i] for i in final]
        watch = {GRADES.index(g) for g in cfg.watch_list.grades}
        rows: dict[str, Any] = {
            "uscc": ent["uscc"],
            **{f: ent[f] for f in ("name", "region_code", "industry", "org_type")},
            "active": [
                entity_active({"registered_on": r, "deregistered_on": d}, on)
                for r, d in zip(ent["registered_on"], ent["deregistered_on"], strict=True)
            ],
            **parts,
            "score": score,
            "score_grade": by_score,
            "grade": grades,
            "capped_by": [
                " ".join(_binding(m, g)) if m and m.caps else ""
                for m, g in zip(mine, by_score, strict=True)
            ],
            "watch_candidate": [
                int(f) in watch and _watchable(m, cfg) for f, m in zip(final, mine, strict=True)
            ],
        }
        table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS)).sort_values(
            "uscc", ignore_index=True
        )
        lap("grading")
        self.timings["nodes"] = len(reg.nodes)
        self.timings["relationships"] = net.edges
        return table

    def _parts(self, records: float, network: float, relocation: float) -> list[Part]:
        cfg = self.cfg
        return [
            Part(
                name="records",
                raw=_r(records),
                points=_r(min(cfg.records.cap, records)),
                cap=cfg.records.cap,
            ),
            Part(
                name="network",
                raw=_r(network),
                points=_r(min(cfg.network.cap, network)),
                cap=cfg.network.cap,
            ),
            Part(
                name="relocation",
                raw=_r(relocation),
                points=_r(min(cfg.relocation.cap, relocation)),
                cap=cfg.relocation.cap,
            ),
        ]

    # -- one entity, explained -------------------------------------------------------------

    def evaluate(self, uscc: str, on: str) -> Evaluation:
        """One entity's evaluation on ``on`` with every part explained: each record and how it
        counts, each subject whose risk reaches it (with a path), each flag. Reads only its
        neighbourhood (``network.steps`` + 1 rounds of batched reads)."""
        cfg = self.cfg
        entity = self.store.entity(uscc)
        if entity is None:
            raise NotFound(f"未找到市场主体：{uscc}", f"no entity {uscc} in the store")
        me = sid("entity", uscc)
        ball = _Ball.fetch(self.store, me, on, cfg)
        records = self.store.records_of(ball.within(cfg.network.steps))
        by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rec in records:
            by_subject[sid(rec["subject_type"], rec["subject_key"])].append(rec)
        own = _own_by_subject(records, on, cfg)
        mine = own.get(me)
        scored = [score_record(r, on, cfg) for r in by_subject.get(me, [])]
        # the neighbourhood
        nodes = ball.nodes
        idx = {s: i for i, s in enumerate(nodes)}
        net = build_network(
            len(nodes),
            [idx[a] for a, _, _, _ in ball.edges],
            [idx[b] for _, b, _, _ in ball.edges],
            [w for _, _, w, _ in ball.edges],
            cfg.network.absorb,
        )
        seeds = np.array([_seed(own.get(s), cfg) for s in nodes], dtype=np.float64)
        shares = contributions(net, idx[me], seeds, cfg.network.damping, cfg.network.steps)
        network_raw = cfg.network.weight * sum(shares.values())
        top = sorted(shares.items(), key=lambda kv: (-kv[1], nodes[kv[0]]))
        contributors = [
            Contribution(
                sid=nodes[i],
                name=ball.names.get(nodes[i]),
                seed_points=_r(seeds[i]),
                points=_r(cfg.network.weight * share),
                records=list(own[nodes[i]].counted) if nodes[i] in own else [],
                path=ball.path(nodes[i]),
            )
            for i, share in top[: cfg.network.explain_top]
        ]
        # relocation flags that can name this entity
        flags = flags_by_entity(self._flags_near(me, on), ball.responsible_for).get(uscc, [])
        flag_scores = [_flag_score(f, cfg) for f in flags]
        parts = self._parts(
            mine.raw if mine else 0.0, network_raw, sum(flag_points(f, cfg) for f in flags)
        )
        score = _r(max(0.0, cfg.base - sum(p.points for p in parts)))
        by_score, grade = _grade(score, mine.cap if mine else None, cfg)
        capped_by = _binding(mine, by_score)
        rule = cfg.grades[grade]
        zh, en = self._reasons(
            scored, parts, contributors, flag_scores, score, by_score, grade, capped_by
        )
        return Evaluation(
            uscc=uscc,
            name=entity.get("name"),
            region_code=entity.get("region_code"),
            industry=entity.get("industry"),
            on=on,
            active=entity_active(entity, on),
            score=score,
            grade=grade,
            grade_label_zh=rule.zh,
            grade_label_en=rule.en,
            score_grade=by_score,
            capped_by=capped_by,
            parts=parts,
            records=scored,
            network=contributors,
            relocation=flag_scores,
            reasons_zh=zh,
            reasons_en=en,
            watch_candidate=grade in cfg.watch_list.grades and _watchable(mine, cfg),
            config_version=cfg.version,
        )

    def _flags_near(self, me: str, on: str) -> list[Flag]:
        """The relocation flags that can name entity ``me``: the detector run on the
        triggering records of every entity its responsible persons (declared, or holding
        above it) answered for — a superset of the records behind any flag on ``me``."""
        store = self.store
        roles = responsible_roles()
        persons = {
            sid("person", r["person_key"]) for r in store.roles_of([me]) if r["role"] in roles
        }
        persons |= {
            holder_sid(e)
            for e in holding_closure(store, [me], "up")
            if e["holder_type"] == "person"
        }
        xs = {me}
        if persons:
            xs |= {
                sid("entity", r["uscc"])
                for r in store.roles_of(sorted(persons))
                if r["role"] in roles
            }
            xs |= {target_sid(e) for e in holding_closure(store, sorted(persons), "down")}
        records = store.records_of(sorted(xs))
        # records that name these persons reach them too (RULES §4)
        named = {n["record_id"] for n in store.naming([p[2:] for p in persons])}
        if named - {r["record_id"] for r in records}:
            records += store.records_by_id(named - {r["record_id"] for r in records})
        triggers = [
            r for r in records if r["kind"] in self._triggering and r["subject_type"] == "entity"
        ]
        if not triggers:
            return []
        scoped = cast(GraphStore, _ScopedTriggers(store, triggers))
        return RelocationDetector(scoped).detect(on, self.cfg.relocation.level)

    def _reasons(
        self,
        scored: list[RecordScore],
        parts: list[Part],
        contributors: list[Contribution],
        flags: list[FlagScore],
        score: float,
        by_score: Grade,
        grade: Grade,
        capped_by: list[str],
    ) -> tuple[list[str], list[str]]:
        zh: list[str] = []
        en: list[str] = []
        for r in sorted(scored, key=lambda r: (-r.points, r.record_id)):
            if r.counted:
                zh.append(
                    f"{label_zh('kind', r.kind)} {r.record_id}（{r.decided_on}）：−{r.points}"
                )
                en.append(f"{label_en('kind', r.kind)} {r.record_id} ({r.decided_on}): −{r.points}")
        net = next(p for p in parts if p.name == "network")
        if net.points > 0:
            zh.append(f"关联主体风险（{len(contributors)}个主体）：−{net.points}")
            en.append(f"risk of related subjects ({len(contributors)}): −{net.points}")
        for f in flags:
            zh.append(f"易地出现标记：{f.why_zh}：−{f.points}")
            en.append(f"relocation flag: {f.why_en}: −{f.points}")
        zh.append(f"得分{score:g}，对应等级{by_score}")
        en.append(f"score {score:g} gives grade {by_score}")
        if capped_by:
            zh.append(f"记录{'、'.join(capped_by)}适用期间等级至多为{grade}")
            en.append(f"while record(s) {', '.join(capped_by)} apply the grade is at best {grade}")
        return zh, en


# -- the neighbourhood of one entity ----------------------------------------------------


@dataclass(slots=True)
class _Ball:
    """The subjects within ``steps`` relationships (in force, weighted) of a start, every
    relationship of each of them, and a shortest path back to the start for each."""

    start: str
    dist: dict[str, int]
    edges: list[tuple[str, str, float, tuple[str, dict[str, Any]]]]
    parent: dict[str, tuple[str, tuple[str, dict[str, Any]]]]
    names: dict[str, str]
    responsible_for: dict[str, list[str]]

    @property
    def nodes(self) -> list[str]:
        return list(self.dist)

    def within(self, steps: int) -> list[str]:
        return [s for s, d in self.dist.items() if d <= steps]

    def path(self, target: str) -> list[Step]:
        steps: list[Step] = []
        node = target
        while node != self.start and node in self.parent:
            prev, (rtype, props) = self.parent[node]
            steps.append(role_step(props) if rtype == "ROLE" else holding_step(props))
            node = prev
        return list(reversed(steps))

    @classmethod
    def fetch(cls, store: GraphStore, start: str, on: str, cfg: EvaluationConfig) -> _Ball:
        """Batched reads, one round per distance: every office and holding of the subjects
        found so far (``steps`` + 1 rounds, so the degree of every subject a walk of
        ``steps`` can reach is complete)."""
        roles = responsible_roles()
        ball = cls(start, {start: 0}, [], {}, {}, defaultdict(list))
        seen: set[tuple[str, ...]] = set()
        frontier = [start]
        for depth in range(cfg.network.steps + 1):
            if not frontier:
                break
            found: list[tuple[str, str, str, dict[str, Any]]] = []
            for r in store.roles_of(frontier):
                a, b = sid("person", r["person_key"]), sid("entity", r["uscc"])
                ident: tuple[str, ...] = ("ROLE", a, b, r["role"], r["start_date"])
                if ident not in seen:
                    seen.add(ident)
                    found.append(("ROLE", a, b, r))
                    ball.names.setdefault(a, r.get("person_name") or "")
                    ball.names.setdefault(b, r.get("entity_name") or "")
                    if r["role"] in roles and b == start and in_force(r, on):
                        ball.responsible_for[a].append(b[2:])
            entities = [s for s in frontier if s.startswith("E:")]
            held = store.holdings_of(frontier, "down")
            held += store.holdings_of(entities, "up") if entities else []
            for h in held:
                a, b = holder_sid(h), target_sid(h)
                ident = ("HOLDS", a, b, h["start_date"])
                if ident not in seen:
                    seen.add(ident)
                    found.append(("HOLDS", a, b, h))
                    ball.names.setdefault(a, h.get("holder_name") or "")
                    ball.names.setdefault(b, h.get("entity_name") or "")
            nxt: list[str] = []
            for rtype, a, b, props in found:
                w = relationship_weight(rtype, props, on, cfg)
                if w <= 0:
                    continue
                ball.edges.append((a, b, w, (rtype, props)))
                for here, there in ((a, b), (b, a)):
                    if here in ball.dist and there not in ball.dist:
                        ball.dist[there] = depth + 1
                        ball.parent[there] = (here, (rtype, props))
                        nxt.append(there)
            frontier = sorted(nxt)
        return ball


def grade_counts(table: pd.DataFrame) -> dict[str, int]:
    """Entities per grade, A to D (zeros included)."""
    counts = table["grade"].value_counts()
    return {g: int(counts.get(g, 0)) for g in GRADES}
