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

The parts live by capability: :mod:`.record_scores` (part 1), :mod:`.neighbourhood_risk`
(part 2 for one entity; :mod:`.propagation` the maths), :mod:`.relocation_scores` (part 3),
:mod:`.nationwide` (every entity at once) and :mod:`.explanations` (the reasons); this module
puts one entity's evaluation together and grades it.

Example
-------
>>> ev = Evaluator(store)                                      # doctest: +SKIP
>>> e = ev.evaluate("91130126T0000001XK", "2024-06-01")        # doctest: +SKIP
>>> e.grade, [p.points for p in e.parts]                       # doctest: +SKIP
('D', [50.0, 1.3, 0.0])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pandas as pd

from graph_service.engine.evaluation.config import (
    EvaluationConfig,
    Grade,
    evaluation_config,
    grade_of,
    worse,
)
from graph_service.engine.evaluation.explanations import reasons
from graph_service.engine.evaluation.models import Evaluation, Part
from graph_service.engine.evaluation.nationwide import evaluate_all
from graph_service.engine.evaluation.neighbourhood_risk import Neighbourhood, network_risk
from graph_service.engine.evaluation.record_scores import (
    binding,
    own_by_subject,
    rounded,
    score_record,
    watchable,
)
from graph_service.engine.evaluation.relocation_scores import (
    flag_points,
    flag_score,
    flags_by_entity,
    flags_near,
)
from graph_service.engine.models import Flag
from graph_service.engine.timeline import entity_active
from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore, sid


def _grade(score: float, cap: Grade | None, cfg: EvaluationConfig) -> tuple[Grade, Grade]:
    by_score = grade_of(score, cfg)
    return by_score, (worse(by_score, cap) if cap else by_score)


class Evaluator:
    """Evaluates and grades entities on any store (see the module docstring)."""

    def __init__(self, store: GraphStore, cfg: EvaluationConfig | None = None) -> None:
        self.store = store
        self.cfg = cfg or evaluation_config()
        #: seconds per phase of the last :meth:`evaluate_all` (and the graph's size)
        self.timings: dict[str, float] = {}

    def evaluate_all(self, on: str, flags: Sequence[Flag] | None = None) -> pd.DataFrame:
        """Every entity's evaluation on ``on`` as a table, by USCC
        (:func:`.nationwide.evaluate_all`; ``flags``: the relocation flags at the
        configured level, when known already)."""
        return evaluate_all(self.store, on, self.cfg, self.timings, flags)

    def _parts(self, records: float, network: float, relocation: float) -> list[Part]:
        cfg = self.cfg
        return [
            Part(
                name="records",
                raw=rounded(records),
                points=rounded(min(cfg.records.cap, records)),
                cap=cfg.records.cap,
            ),
            Part(
                name="network",
                raw=rounded(network),
                points=rounded(min(cfg.network.cap, network)),
                cap=cfg.network.cap,
            ),
            Part(
                name="relocation",
                raw=rounded(relocation),
                points=rounded(min(cfg.relocation.cap, relocation)),
                cap=cfg.relocation.cap,
            ),
        ]

    def evaluate(self, uscc: str, on: str) -> Evaluation:
        """One entity's evaluation on ``on`` with every part explained: each record and how it
        counts, each subject whose risk reaches it (with a path), each flag. Reads only its
        neighbourhood (``network.steps`` + 1 rounds of batched reads)."""
        cfg = self.cfg
        entity = self.store.entity(uscc)
        if entity is None:
            raise NotFound(f"未找到市场主体：{uscc}", f"no entity {uscc} in the store")
        me = sid("entity", uscc)
        ball = Neighbourhood.fetch(self.store, me, on, cfg)
        records = self.store.records_of(ball.within(cfg.network.steps))
        by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rec in records:
            by_subject[sid(rec["subject_type"], rec["subject_key"])].append(rec)
        own = own_by_subject(records, on, cfg)
        mine = own.get(me)
        scored = [score_record(r, on, cfg) for r in by_subject.get(me, [])]
        network_raw, contributors = network_risk(ball, own, cfg)
        # relocation flags that can name this entity
        flags = flags_by_entity(
            flags_near(self.store, me, on, cfg.relocation.level), ball.responsible_for
        ).get(uscc, [])
        flag_scores = [flag_score(f, cfg) for f in flags]
        parts = self._parts(
            mine.raw if mine else 0.0, network_raw, sum(flag_points(f, cfg) for f in flags)
        )
        score = rounded(max(0.0, cfg.base - sum(p.points for p in parts)))
        by_score, grade = _grade(score, mine.cap if mine else None, cfg)
        capped_by = binding(mine, by_score)
        rule = cfg.grades[grade]
        zh, en = reasons(
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
            watch_candidate=grade in cfg.watch_list.grades and watchable(mine, cfg),
            config_version=cfg.version,
        )
