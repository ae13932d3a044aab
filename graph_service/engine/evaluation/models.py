"""Answers of the evaluation engine as pydantic models (the API returns them as they are)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from graph_service.engine.evaluation.config import Grade
from graph_service.engine.models import Step


class RecordScore(BaseModel):
    """How one of the entity's own records counts on the date (or why it does not)."""

    record_id: str
    kind: str
    kind_label: str
    status: str
    status_on: str | None = None
    decided_on: str
    authority: str | None = None
    basis: str | None = None
    counted: bool
    points: float = Field(description="points × severity × decay × status factor")
    base_points: float
    severity: str
    severity_factor: float
    decay: float
    status_factor: float
    age_days: int
    max_grade: Grade | None = Field(None, description="The best grade while it applies")
    why_zh: str
    why_en: str


class Contribution(BaseModel):
    """A subject whose risk reaches the entity through the graph, and how."""

    sid: str
    name: str | None = None
    seed_points: float = Field(description="The subject's own record points")
    points: float = Field(description="What reaches the entity from it (× network weight)")
    records: list[str] = Field(default_factory=list, description="Its counted records")
    path: list[Step] = Field(default_factory=list, description="A shortest path to it")


class FlagScore(BaseModel):
    """A relocation flag that weighs on the entity."""

    flag_id: str
    pattern: Literal["phoenix", "migration", "serial"]
    score: int
    points: float
    person_name: str | None = None
    record_ids: list[str]
    since: str | None = None
    region_from: str | None = None
    region_to: str | None = None
    why_zh: str
    why_en: str
    evidence: list[Step] = Field(default_factory=list)


class Part(BaseModel):
    """One part of the score: its points (deducted), its cap and what it is made of."""

    name: Literal["records", "network", "relocation"]
    raw: float = Field(description="Points before the cap")
    points: float = Field(description="Points deducted (raw, capped)")
    cap: float


class Evaluation(BaseModel):
    """An entity's public credit evaluation on a date (clauses 六, 七), with every part."""

    uscc: str
    name: str | None = None
    region_code: str | None = None
    industry: str | None = None
    on: str
    active: bool = Field(description="Registered on the date and not deregistered")
    score: float = Field(description="0–100, higher is better")
    grade: Grade
    grade_label_zh: str
    grade_label_en: str
    score_grade: Grade = Field(description="The grade the score alone gives")
    capped_by: list[str] = Field(
        default_factory=list, description="Records whose kind caps the grade"
    )
    parts: list[Part]
    records: list[RecordScore]
    network: list[Contribution]
    relocation: list[FlagScore]
    reasons_zh: list[str]
    reasons_en: list[str]
    watch_candidate: bool = Field(description="Implied candidate for the watch list (clause 八)")
    config_version: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "uscc": "91130126T0000001XK",
                    "name": "灵寿县恒达建材有限公司",
                    "on": "2024-06-01",
                    "score": 50.0,
                    "grade": "D",
                    "parts": [{"name": "records", "raw": 50.0, "points": 50.0, "cap": 100}],
                    "reasons_en": ["joint punishment list R1 (2019-05-20): −50.0"],
                }
            ]
        }
    }
