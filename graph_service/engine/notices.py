"""Notices that a listing produces (guideline clause 十二).

* A state organ or state-owned enterprise on the joint punishment list: a notice to its
  superior unit (``superior_uscc``) and to the audit department of its region.
* A person the listing reaches (the listed person, or a responsible person of the listed
  entity) who holds an office in a public body (state organ, public institution, state-owned
  enterprise) on the date: a notice to that unit and to the discipline inspection body of its
  region.

Each notice carries its evidence: the record, and the role or chain that reached the person.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from graph_service.catalogue import label_zh
from graph_service.engine.reach import reached_by
from graph_service.engine.timeline import in_force, record_applies
from graph_service.ids.regions import region_name
from graph_service.stores.base import GraphStore, sid, split_sid

LISTING_KINDS = ("joint_punishment_list",)
STATE_BODIES = ("state_organ", "state_owned_enterprise")
PUBLIC_BODIES = ("state_organ", "public_institution", "state_owned_enterprise")


def _notice(
    kind: str,
    rec: Mapping[str, Any],
    to: dict[str, Any],
    about: dict[str, Any],
    zh: str,
    evidence: list[dict[str, Any]],
) -> dict[str, Any]:
    ident = "|".join(
        [
            kind,
            rec["record_id"],
            str(to.get("uscc") or to.get("region_code")),
            str(about.get("sid")),
        ]
    )
    return {
        "notice_id": hashlib.blake2b(ident.encode(), digest_size=8).hexdigest(),
        "kind": kind,
        "record_id": rec["record_id"],
        "decided_on": rec["decided_on"],
        "authority": rec.get("authority"),
        "to": to,
        "about": about,
        "text_zh": zh,
        "evidence": evidence,
    }


def notices(store: GraphStore, on: str, region_prefix: str = "") -> list[dict[str, Any]]:
    """Every notice due from listings that apply on ``on`` (optionally only for records
    decided in regions starting with ``region_prefix``), in record order."""
    out: list[dict[str, Any]] = []
    for rec in store.records_where(LISTING_KINDS):
        if not record_applies(rec, on) or not str(rec.get("region_code", "")).startswith(
            region_prefix
        ):
            continue
        out += _state_body_notices(store, rec)
        out += _staff_notices(store, rec, on)
    return out


def _state_body_notices(store: GraphStore, rec: Mapping[str, Any]) -> list[dict[str, Any]]:
    if rec["subject_type"] != "entity":
        return []
    ent = store.entity(rec["subject_key"]) or {}
    if ent.get("org_type") not in STATE_BODIES:
        return []
    about = {"sid": sid("entity", ent["uscc"]), "name": ent.get("name")}
    kind_zh = label_zh("kind", rec["kind"])
    out = []
    sup = store.entity(ent["superior_uscc"]) if ent.get("superior_uscc") else None
    if sup is not None:
        out.append(
            _notice(
                "superior_unit",
                rec,
                {"uscc": sup["uscc"], "name": sup.get("name")},
                about,
                f"{ent.get('name')}被列入{kind_zh}（记录{rec['record_id']}），抄报上级主管单位。",
                [dict(rec)],
            )
        )
    code = ent.get("region_code", "")
    out.append(
        _notice(
            "audit_department",
            rec,
            {"region_code": code, "name": f"{region_name(code)} 审计部门"},
            about,
            f"{ent.get('name')}被列入{kind_zh}（记录{rec['record_id']}），抄报审计部门。",
            [dict(rec)],
        )
    )
    return out


def _staff_notices(store: GraphStore, rec: Mapping[str, Any], on: str) -> list[dict[str, Any]]:
    out = []
    reached = [r for r in reached_by(store, rec) if r["sid"].startswith("P:")]
    for person in reached:
        _, key = split_sid(person["sid"])
        mine = [r for r in store.roles_of([person["sid"]]) if r["person_key"] == key]
        for role in mine:
            if not in_force(role, on):
                continue
            unit = store.entity(role["uscc"]) or {}
            if unit.get("org_type") not in PUBLIC_BODIES:
                continue
            about = {"sid": person["sid"], "name": role.get("person_name")}
            to = {"uscc": unit["uscc"], "name": unit.get("name")}
            text = (
                f"{role.get('person_name')}（{label_zh('role', role['role'])}）因记录"
                f"{rec['record_id']}受联合惩戒，通报所在单位及纪检监察机关。"
            )
            evidence = [dict(rec), *person.get("evidence", []), role]
            out.append(_notice("employer_unit", rec, to, about, text, evidence))
            code = unit.get("region_code", "")
            out.append(
                _notice(
                    "discipline_inspection",
                    rec,
                    {"region_code": code, "name": f"{region_name(code)} 纪检监察机关"},
                    about,
                    text,
                    evidence,
                )
            )
    return out
