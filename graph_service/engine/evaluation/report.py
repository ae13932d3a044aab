"""The credit report (信用报告, guideline clause 三): one document per entity that a person
and a machine can read — identity, grade and its reasons, records with their status, lists,
relationships over time, relocation flags with evidence, restrictions in force and the grade
history.

:func:`credit_report` → :class:`CreditReport`, the data (JSON: the API and
``report --format json``). Its HTML and PDF are drawn outside the engine, by
:mod:`graph_service.rendering.report`.

Persons appear by name and masked ID number only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from graph_service.catalogue import label
from graph_service.engine.evaluation.config import evaluation_config
from graph_service.engine.evaluation.ledger import GradeLedger
from graph_service.engine.evaluation.models import Evaluation
from graph_service.engine.evaluation.scoring import Evaluator
from graph_service.engine.measures import action_names
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.engine.timeline import in_force, record_applies, record_start
from graph_service.errors import NotFound
from graph_service.ids.regions import region_name
from graph_service.stores.base import GraphStore

#: Record kinds that are lists (名单) an entity can be on.
LIST_KINDS = (
    "joint_punishment_list",
    "watch_list",
    "dishonest_judgment_debtor",
    "consumption_restriction",
    "serious_illegal_dishonest",
    "major_tax_violation",
    "procurement_dishonest",
    "market_ban",
    "abnormal_operation",
)


class Identity(BaseModel):
    """Who the report is about."""

    uscc: str
    name: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    org_type: str | None = None
    org_type_label: str | None = None
    industry: str | None = None
    registered_on: str | None = None
    deregistered_on: str | None = None
    superior_uscc: str | None = None
    active: bool


class ListEntry(BaseModel):
    """A list the entity is on, on the report's date."""

    kind: str
    kind_label: str
    record_id: str
    authority: str | None = None
    since: str
    until: str | None = None
    status: str


class Relationship(BaseModel):
    """An office, holding or registration, with its dates and source."""

    type: str
    role: str | None = None
    role_label: str | None = None
    other_name: str | None = None
    other_id: str | None = Field(None, description="USCC, masked ID number or region code")
    percent: float | None = None
    start_date: str | None = None
    end_date: str | None = None
    in_force: bool
    source: str | None = None


class Restriction(BaseModel):
    """An action denied on the report's date, and the records behind it."""

    action: str
    action_label: str
    records: list[str]
    rules: list[str]


class CreditReport(BaseModel):
    """信用报告 / credit report of one entity on a date."""

    report_id: str
    title_zh: str = "公共信用信息报告"
    title_en: str = "Public credit information report"
    generated_at: str
    on: str
    identity: Identity
    evaluation: Evaluation
    lists: list[ListEntry]
    relationships: list[Relationship]
    restrictions: list[Restriction]
    grade_history: list[dict[str, Any]]
    catalogue_versions: dict[str, str]
    person_keys: list[str] = Field(
        default_factory=list, description="Keys of the persons the report shows (audit log)"
    )


def _role_label(code: str | None) -> str | None:
    return label("role", code) if code else None


def credit_report(
    store: GraphStore,
    uscc: str,
    on: str,
    *,
    ledger: GradeLedger | None = None,
    now: dt.datetime | None = None,
) -> CreditReport:
    """The credit report of ``uscc`` as of ``on`` (raises :class:`NotFound`)."""
    entity = store.entity(uscc)
    if entity is None:
        raise NotFound(f"未找到市场主体：{uscc}", f"no entity {uscc} in the store")
    evaluation = Evaluator(store).evaluate(uscc, on)
    rel = store.relations("entity", uscc)
    persons = {r["person_key"] for r in rel["roles"]} | {
        h["holder_key"] for h in rel["holdings"] if h.get("holder_type") == "person"
    }
    masked = {k: (store.person(k) or {}).get("id_masked") for k in sorted(persons)}
    relationships = [_role(r, masked, on) for r in rel["roles"]]
    relationships += [_holding(h, uscc, masked, on) for h in rel["holdings"]]
    relationships += [
        Relationship(
            type="REGISTERED_IN",
            other_name=r.get("region_name") or region_name(r["region_code"]),
            other_id=r["region_code"],
            start_date=r.get("start_date"),
            end_date=r.get("end_date"),
            in_force=in_force(r, on),
            source=r.get("source"),
        )
        for r in rel["registrations"]
    ]
    lists = [
        ListEntry(
            kind=r["kind"],
            kind_label=label("kind", r["kind"]),
            record_id=r["record_id"],
            authority=r.get("authority"),
            since=record_start(r),
            until=r.get("effective_to"),
            status=r.get("status") or "active",
        )
        for r in rel["records"]
        if r["kind"] in LIST_KINDS and record_applies(r, on)
    ]
    now = now or dt.datetime.now(dt.UTC)
    ident = f"{uscc}|{on}|{now.isoformat()}"
    org = entity.get("org_type")
    return CreditReport(
        report_id="CR-" + hashlib.blake2b(ident.encode(), digest_size=8).hexdigest(),
        generated_at=now.isoformat(timespec="seconds"),
        on=on,
        identity=Identity(
            uscc=uscc,
            name=entity.get("name"),
            region_code=entity.get("region_code"),
            region_name=region_name(entity["region_code"]) if entity.get("region_code") else None,
            org_type=org,
            org_type_label=label("org_type", org) if org else None,
            industry=entity.get("industry"),
            registered_on=entity.get("registered_on"),
            deregistered_on=entity.get("deregistered_on"),
            superior_uscc=entity.get("superior_uscc"),
            active=evaluation.active,
        ),
        evaluation=evaluation,
        lists=lists,
        relationships=relationships,
        restrictions=_restrictions(store, uscc, on),
        grade_history=ledger.history(uscc) if ledger else [],
        catalogue_versions={"evaluation": evaluation_config().version},
        person_keys=sorted(
            persons | {c.sid[2:] for c in evaluation.network if c.sid.startswith("P:")}
        ),
    )


def _role(r: Mapping[str, Any], masked: Mapping[str, Any], on: str) -> Relationship:
    return Relationship(
        type="ROLE",
        role=r["role"],
        role_label=_role_label(r["role"]),
        other_name=r.get("person_name"),
        other_id=masked.get(r["person_key"]),
        start_date=r.get("start_date"),
        end_date=r.get("end_date"),
        in_force=in_force(r, on),
        source=r.get("source"),
    )


def _holding(h: Mapping[str, Any], uscc: str, masked: Mapping[str, Any], on: str) -> Relationship:
    held_by_me = h["uscc"] != uscc  # this entity is the holder
    if held_by_me:
        other_name, other_id, kind = h.get("entity_name"), h["uscc"], "HOLDS"
    else:
        other_name = h.get("holder_name")
        other_id = masked.get(h["holder_key"]) if h["holder_type"] == "person" else h["holder_key"]
        kind = "HELD_BY"
    return Relationship(
        type=kind,
        other_name=other_name,
        other_id=other_id,
        percent=float(h["percent"]),
        start_date=h.get("start_date"),
        end_date=h.get("end_date"),
        in_force=in_force(h, on),
        source=h.get("source"),
    )


def _restrictions(store: GraphStore, uscc: str, on: str) -> list[Restriction]:
    results = RestrictionEngine(store).check_actions("entity", uscc, action_names(), on)
    return [
        Restriction(
            action=r.action,
            action_label=label("action", r.action),
            records=sorted({f.record.record_id for f in r.prohibitions}),
            rules=sorted({f.measure.id for f in r.prohibitions}),
        )
        for r in results
        if not r.allowed
    ]
