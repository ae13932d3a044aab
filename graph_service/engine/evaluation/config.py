"""The evaluation catalogue (``catalogue/evaluation.yaml``) as a validated model.

A regulator reads and changes the YAML; the engine reads it through :func:`evaluation_config`,
which refuses a file with a missing or out-of-range number (naming it) rather than grading
with a silent default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from graph_service.catalogue import load_yaml
from graph_service.errors import DomainError

Grade = Literal["A", "B", "C", "D"]
#: Grades from best to worst.
GRADES: tuple[Grade, ...] = ("A", "B", "C", "D")


class KindRule(BaseModel):
    """How one kind of record counts."""

    points: float = Field(ge=0)
    half_life_days: float | None = Field(None, gt=0)
    max_grade: Grade | None = None


class Severity(BaseModel):
    default: str
    factors: dict[str, float]

    @model_validator(mode="after")
    def _default_known(self) -> Severity:
        if self.default not in self.factors:
            raise ValueError(f"severity default {self.default!r} is not among the factors")
        return self


class RecordsPart(BaseModel):
    cap: float = Field(ge=0)
    kinds: dict[str, KindRule]
    severity: Severity
    status_factors: dict[str, float]


class NetworkPart(BaseModel):
    damping: float = Field(gt=0, lt=1)
    steps: int = Field(ge=1, le=12)
    absorb: float = Field(ge=0)
    weight: float = Field(ge=0)
    cap: float = Field(ge=0)
    roles: dict[str, float]
    holding: float = Field(ge=0)
    explain_top: int = Field(10, ge=1, le=100)


class RelocationPart(BaseModel):
    level: Literal["county", "city", "province"] = "county"
    cap: float = Field(ge=0)
    points: dict[Literal["phoenix", "migration", "serial"], float]


class GradeRule(BaseModel):
    min: float
    zh: str
    en: str


class WatchList(BaseModel):
    grades: list[Grade]
    require_own_records: bool = True
    exclude_kinds: list[str]


class Sampling(BaseModel):
    rates: dict[Grade, float]
    inspectors_per_entity: int = Field(2, ge=1, le=10)

    @model_validator(mode="after")
    def _rates_in_range(self) -> Sampling:
        for g, r in self.rates.items():
            if not 0 <= r <= 1:
                raise ValueError(f"sampling rate of grade {g} must be in [0, 1], got {r}")
        return self


class EvaluationConfig(BaseModel):
    """``catalogue/evaluation.yaml``; see the comments in that file."""

    version: str
    base: float = 100
    records: RecordsPart
    network: NetworkPart
    relocation: RelocationPart
    grades: dict[Grade, GradeRule]
    watch_list: WatchList
    sampling: Sampling

    @model_validator(mode="after")
    def _all_grades(self) -> EvaluationConfig:
        missing = [g for g in GRADES if g not in self.grades]
        if missing:
            raise ValueError(f"grades missing: {', '.join(missing)}")
        mins = [self.grades[g].min for g in GRADES]
        if mins != sorted(mins, reverse=True):
            raise ValueError("grade minimums must fall from A to D")
        return self


class ConfigInvalid(DomainError):
    """The evaluation catalogue cannot be used as written."""


def evaluation_config() -> EvaluationConfig:
    """The evaluation catalogue in force (the shipped file, or the deployment's override)."""
    try:
        return EvaluationConfig.model_validate(load_yaml("evaluation.yaml"))
    except ValidationError as exc:
        raise ConfigInvalid(
            f"信用评价配置 evaluation.yaml 有误：{exc.errors()[0]['msg']}",
            f"evaluation.yaml is invalid: {exc}",
        ) from exc


def worse(a: Grade, b: Grade) -> Grade:
    """The worse of two grades."""
    return a if GRADES.index(a) >= GRADES.index(b) else b


def grade_of(score: float, cfg: EvaluationConfig) -> Grade:
    """The best grade whose minimum ``score`` reaches."""
    for g in GRADES:
        if score >= cfg.grades[g].min:
            return g
    return "D"
