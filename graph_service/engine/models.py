"""Answers the engines give, as pydantic models (the API returns them as they are)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Step(BaseModel):
    """One relationship on an evidence path, with its dates and source (可查可核可溯)."""

    type: Literal["CONCERNS", "ROLE", "HOLDS", "REGISTERED_IN", "NAMES"]
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
    last_day: str | None = Field(
        None, description="The last day it applies by its term (effective_to or default term)"
    )
    status: str = "active"
    status_on: str | None = None
    offence_on: str | None = None
    published_on: str | None = None
    ground: str | None = None
    able_but_refuses: bool | None = None
    penalty_type: str | None = None
    amount_yuan: float | None = None
    case_no: str | None = None
    source: str | None = None
    batch_id: str | None = None


class MeasureRef(BaseModel):
    """The measure of the catalogue behind a finding, with its legal basis."""

    id: str
    type: Literal["prohibition", "consideration"]
    zh: str
    en: str
    basis: str = Field(description="The citations, as text (article marked where unverified)")
    citations: list[dict[str, Any]] = Field(default_factory=list)


FindingType = Literal["prohibition", "consideration", "advisory"]
ReachedAs = Literal["subject", "named", "added", "roles", "late_office", "inferred"]


class Finding(BaseModel):
    """One finding of a check: the record, the measure, how the subject asked about is
    reached, and the dated path from the record's subject to it."""

    type: FindingType
    record: RecordRef
    measure: MeasureRef
    reached_as: ReachedAs = Field(
        description="subject; named (record_persons); added (add_person); roles (held the "
        "capacity on the day fixed); late_office (took it between offence and decision); "
        "inferred (controller inferred from holdings)"
    )
    capacity: str | None = Field(None, description="The reached person's capacity")
    judged_on: str = Field(
        description="The day reach was fixed (or the day asked, for the subject)"
    )
    until: str | None = Field(None, description="Last day it applies as now known (None: open)")
    disputed: bool = Field(False, description="The record is under objection (异议); still applies")
    advisory_reason: str | None = Field(
        None, description="Why this is an advisory, not a prohibition (zh / en)"
    )
    path: list[Step]
    explanation_zh: str
    explanation_en: str

    @property
    def measure_id(self) -> str:
        return self.measure.id


class SubjectRef(BaseModel):
    """Who was asked about."""

    type: Literal["entity", "person"]
    id: str = Field(description="USCC, or the person key (the ID number is never echoed)")
    name: str | None = None
    id_masked: str | None = None


class CheckResult(BaseModel):
    """Answer to "may S do A on D?": ``allowed`` is false exactly when ``prohibitions`` is not
    empty; ``considerations`` are for the case to weigh; ``advisories`` need a fact the data
    lacks and go to the deciding authority."""

    subject: SubjectRef
    action: str = Field(description="The action, by its edition-2 name")
    asked_action: str | None = Field(None, description="The name asked, when an alias")
    on: str
    allowed: bool
    prohibitions: list[Finding]
    considerations: list[Finding]
    advisories: list[Finding]
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
                    "prohibitions": ["…"],
                    "considerations": [],
                    "advisories": [],
                    "catalogue_version": "2026-11-24",
                }
            ]
        }
    }

    def summary(self) -> dict[str, Any]:
        """A short form for tables: allowed, and the records behind each kind of finding."""
        return {
            "subject": self.subject.id,
            "action": self.action,
            "on": self.on,
            "allowed": self.allowed,
            "records": sorted({f.record.record_id for f in self.prohibitions}),
            "considered": sorted({f.record.record_id for f in self.considerations}),
            "advised": sorted({f.record.record_id for f in self.advisories}),
        }

    def findings(self) -> list[Finding]:
        """All findings, prohibitions first."""
        return [*self.prohibitions, *self.considerations, *self.advisories]


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
