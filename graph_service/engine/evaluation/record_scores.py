"""Part 1 of the evaluation: a subject's own records (see :mod:`.scoring`). Each record's
points on a date with the reason in both languages (:func:`record_terms`), and a subject's
records summed with the grade caps they set (:func:`own_by_subject`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph_service.catalogue import label, label_en, label_zh
from graph_service.engine.evaluation.config import GRADES, EvaluationConfig, Grade, worse
from graph_service.engine.evaluation.models import RecordScore
from graph_service.engine.timeline import (
    record_applies,
    record_last_day,
    record_start,
    status_stopped_on,
)
from graph_service.stores.base import sid


def rounded(x: float) -> float:
    """Points as shown: two decimals (the same rounding as :func:`_r2`)."""
    return float(np.round(float(x), 2)) + 0.0


def rounded_all(x: Any) -> Any:
    """Two decimals, element-wise."""
    return np.round(x, 2) + 0.0


def _days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


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
        points=rounded(t.points),
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
class OwnRecords:
    """A subject's own records summed: raw points, the grade caps and excluded-list flags."""

    raw: float = 0.0
    cap: Grade | None = None
    caps: tuple[tuple[str, Grade], ...] = ()  # (record id, its max_grade)
    on_excluded_list: bool = False
    counted: tuple[str, ...] = ()


def own_by_subject(
    records: Iterable[Mapping[str, Any]], on: str, cfg: EvaluationConfig
) -> dict[str, OwnRecords]:
    """Each subject's own records on ``on``, summed (by subject id)."""
    out: dict[str, OwnRecords] = defaultdict(OwnRecords)
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


def watchable(own: OwnRecords | None, cfg: EvaluationConfig) -> bool:
    """Not on an excluded list, and (if the catalogue asks) with counted records of its own."""
    if own is None:
        return not cfg.watch_list.require_own_records
    if own.on_excluded_list:
        return False
    return bool(own.counted) or not cfg.watch_list.require_own_records


def binding(own: OwnRecords | None, by_score: Grade) -> list[str]:
    """The records whose ``max_grade`` binds: no better than the grade the score gives."""
    if own is None:
        return []
    return [rid for rid, g in own.caps if GRADES.index(g) >= GRADES.index(by_score)]


def seed(own: OwnRecords | None, cfg: EvaluationConfig) -> float:
    """A subject's seed in the propagation: its own record points, capped."""
    return min(cfg.records.cap, own.raw) if own else 0.0
