"""Answers the engines give, as pydantic models (the API returns them as they are)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Step(BaseModel):
    """One relationship on an evidence path, with its dates and source (可查可核可溯)."""

    type: Literal["CONCERNS", "ROLE", "HOLDS", "REGISTERED_IN"]
    from_id: str = Field(
        description="Subject id of the start: E:<USCC>, P:<person key>, C:<record>"
    )
    from_name: str | None = None
    to_id: str
    to_name: str | None = None
    role: str | None = None
    percent: float | None = None
    region_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    source: str | None = None
    batch_id: str | None = None


class RecordRef(BaseModel):
    """The credit record a restriction or flag comes from."""

    record_id: str
    kind: str
    kind_label: str
    subject_type: str
    subject_key: str
    authority: str | None = None
    region_code: str | None = None
    decided_on: str
    basis: str | None = None
    sector: str | None = None
    effective_from: str | None = None
    effective_to: str | None = None
    status: str = "active"
    status_on: str | None = None
    source: str | None = None
    batch_id: str | None = None


class MeasureRef(BaseModel):
    """The measure of the list that restricts the action."""

    code: str
    zh: str
    en: str
    category: str
    basis: str


class Reason(BaseModel):
    """Why an action is denied: the record, the measure and rule, and the path."""

    record: RecordRef
    measure: MeasureRef
    rule_id: str
    reaches: Literal["subject", "responsible_persons"]
    role_time: Literal["decided_on", "asked"] | None = None
    judged_on: str = Field(description="The date the role or control was judged on")
    inferred: bool = Field(
        False, description="Reached as an actual controller inferred from holdings"
    )
    disputed: bool = Field(False, description="The record is under objection (异议); still applies")
    path: list[Step]
    explanation_zh: str
    explanation_en: str


class SubjectRef(BaseModel):
    """Who was asked about."""

    type: Literal["entity", "person"]
    id: str = Field(description="USCC, or the person key (the ID number is never echoed)")
    name: str | None = None
    id_masked: str | None = None


class CheckResult(BaseModel):
    """Answer to "may S do A on D?"."""

    subject: SubjectRef
    action: str
    on: str
    allowed: bool
    reasons: list[Reason]
    catalogue_version: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "subject": {
                        "type": "entity",
                        "id": "91130126T0000001XK",
                        "name": "灵寿县恒达建材有限公司",
                    },
                    "action": "bid_tender",
                    "on": "2024-06-01",
                    "allowed": False,
                    "reasons": ["…"],
                    "catalogue_version": "2026-11-24",
                }
            ]
        }
    }

    def summary(self) -> dict[str, Any]:
        """A short form for tables: allowed and the record ids behind a denial."""
        return {
            "subject": self.subject.id,
            "action": self.action,
            "on": self.on,
            "allowed": self.allowed,
            "records": sorted({r.record.record_id for r in self.reasons}),
        }


class Flag(BaseModel):
    """A relocated repeat offender (易地出现) flag, with its evidence and score."""

    flag_id: str
    pattern: Literal["phoenix", "migration", "serial"]
    level: Literal["county", "city", "province"]
    person_key: str | None = Field(None, description="The flagged person (phoenix, serial)")
    person_name: str | None = None
    uscc: str | None = Field(None, description="The flagged entity (phoenix: the new one)")
    entity_name: str | None = None
    record_ids: list[str] = Field(description="The triggering record(s)")
    region_from: str | None = None
    region_to: str | None = None
    regions: list[str] = Field(default_factory=list, description="serial: regions involved")
    since: str = Field(description="The day the pattern appeared")
    via: str | None = Field(None, description="office role, or 'control' through holdings")
    score: int = Field(description="0-100, the weighted sum of score_parts")
    score_parts: dict[str, float]
    evidence: list[Step]
