"""Everyone a record reaches, and what it restricts them from (the reverse of a check).

Used when a record is revoked (to list every restriction that was wrongly applied, clause
十七: "wrongly applied punishment is undone and its effects removed"), for notices to superior
units (clause 十二), and for the personal credit record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_service.engine.measures import Catalogue, catalogue
from graph_service.engine.responsibility import declared_roles, responsible_persons
from graph_service.stores.base import GraphStore, sid


def _actions(rules: list[Any], sector: str | None) -> list[str]:
    out: set[str] = set()
    for rule in rules:
        for action in rule.measure.restricts:
            out.add(f"{action}:{sector}" if action == "enter_sector" else action)
    return sorted(out)


def reached_by(
    store: GraphStore, record: Mapping[str, Any], measures: Catalogue | None = None
) -> list[dict[str, Any]]:
    """Who ``record`` restricts and from what: its subject, and (for an entity) the persons
    its rules reach — role holders on the decision date, or over the record's life for rules
    judged on the date asked. Each item names the rule ids and the evidence."""
    cat = measures or catalogue()
    kind, sector = record["kind"], record.get("sector")
    subject_rules = [r for r in cat.rules if r.kind == kind and r.reaches == "subject"]
    out: list[dict[str, Any]] = []
    if subject_rules:
        out.append(
            {
                "sid": sid(record["subject_type"], record["subject_key"]),
                "via": "subject",
                "rules": [r.id for r in subject_rules],
                "actions": _actions(subject_rules, sector),
            }
        )
    if record["subject_type"] != "entity":
        return out
    uscc = record["subject_key"]
    person_rules = [r for r in cat.rules if r.kind == kind and r.reaches == "responsible_persons"]
    at_decision = [r for r in person_rules if r.role_time == "decided_on"]
    when_asked = [r for r in person_rules if r.role_time == "asked"]
    if at_decision:
        for p in responsible_persons(store, uscc, record["decided_on"]):
            out.append(
                {
                    "sid": p.person_sid,
                    "name": p.person_name,
                    "via": p.role,
                    "inferred": p.inferred,
                    "rules": [r.id for r in at_decision],
                    "actions": _actions(at_decision, sector),
                    "evidence": p.evidence,
                }
            )
    if when_asked:
        for role in declared_roles(store, [uscc]):
            out.append(
                {
                    "sid": sid("person", role["person_key"]),
                    "name": role.get("person_name"),
                    "via": role["role"],
                    "inferred": False,
                    "rules": [r.id for r in when_asked],
                    "actions": _actions(when_asked, sector),
                    "while": [role["start_date"], role.get("end_date")],
                    "evidence": [role],
                }
            )
    return out
