"""Notices that a listing produces (guideline clause 十二).

* A state organ or state-owned enterprise that a list names (a record of a kind of RULES §3,
  one with measures in the catalogue): a notice to its superior unit (``superior_uscc``) and to
  the audit department of its region.
* A person the listing reaches who holds an office in a public body (state organ, public
  institution, state-owned enterprise) on the date: a notice to that unit and to the discipline
  inspection body of its region. "Reaches" is RULES §4, fixed when the record is decided
  (:func:`graph_service.engine.reach.reached_persons`): the listed person, the persons the record
  names, else the holders of the capacities its kind reaches on the offence day (else the
  decision day) — one who left the company since is still reached, one who joined later is not.
  Only firm reaches are notified: a person reached only as an advisory (an inferred
  controller, an office taken between the offence and the decision) is a matter for the
  deciding authority first, and a person the court released is no longer notified.

A notice is due while its record still bites (:func:`graph_service.engine.triggers.still_bites`).
Each notice carries its evidence: the record, and the naming, role or chain that reached the
person, and his office.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from graph_service.catalogue import label_zh
from graph_service.engine.control import holding_closure, target_sid
from graph_service.engine.measures import Catalogue, catalogue
from graph_service.engine.reach import reached_persons
from graph_service.engine.timeline import RecordState, in_force, person_held, record_state
from graph_service.engine.triggers import reach_mode, still_bites
from graph_service.ids.regions import region_name
from graph_service.stores.base import GraphStore, Touched, sid

STATE_BODIES = ("state_organ", "state_owned_enterprise")
PUBLIC_BODIES = ("state_organ", "public_institution", "state_owned_enterprise")


def listing_kinds(cat: Catalogue | None = None) -> tuple[str, ...]:
    """The record kinds that are lists (RULES §3): those with measures in the catalogue."""
    cat = cat or catalogue()
    return tuple(sorted(code for code, k in cat.kinds.items() if k.measures))


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
    """Every notice due from listings that still bite on ``on`` (optionally only for records
    decided in regions starting with ``region_prefix``), in record order."""
    cat = catalogue()
    return notices_of(store, store.records_where(listing_kinds(cat)), on, region_prefix)


def notices_of(
    store: GraphStore, records: Iterable[Mapping[str, Any]], on: str, region_prefix: str = ""
) -> list[dict[str, Any]]:
    """The notices due on ``on`` from ``records`` (those that are listings and still bite),
    in the order given."""
    cat = catalogue()
    kinds = set(listing_kinds(cat))
    out: list[dict[str, Any]] = []
    for rec in records:
        if rec["kind"] not in kinds:
            continue
        if not str(rec.get("region_code", "")).startswith(region_prefix):
            continue
        state = record_state(rec, cat)
        if not still_bites(rec, on, state, cat):
            continue
        out += _state_body_notices(store, rec)
        out += _staff_notices(store, rec, on, state, cat)
    return out


def affected_listings(
    store: GraphStore, touched: Touched, supervised: Mapping[str, str]
) -> set[str]:
    """Listing record ids whose notices a load that wrote ``touched`` could change; the
    notices of every other listing stand as they were. ``supervised`` maps the state bodies
    already notified about (their audit notices) to their superior unit's USCC.

    A listing's notices read: the record itself (its versions and events), the persons it
    names, its subject entity and that entity's officers (any time) and the holdings above it
    (an inferred controller), its subject's superior unit, and — for each person it reaches
    — that person's offices in force and the units they are in. A written row touches both
    its ends (:class:`~graph_service.stores.base.Touched`), so a listing can change only if
    it was written, or its subject or a person it names is touched, or its subject lies below
    a touched holder, or a touched person — or an officer of a touched unit — is one it
    reaches (by name, by office at its subject, by holding above it), or its subject's
    superior unit is touched."""
    people = {sid("person", p) for p in touched.persons}
    units = [sid("entity", e) for e in touched.entities]
    people |= {sid("person", r["person_key"]) for r in store.roles_of(units)} if units else set()
    entities = set(units)
    if people:
        entities |= {sid("entity", r["uscc"]) for r in store.roles_of(sorted(people))}
    below = holding_closure(store, sorted(entities | people), "down")
    entities |= {target_sid(e) for e in below}
    entities |= {sid("entity", body) for body, sup in supervised.items() if sup in touched.entities}
    found = set(touched.records)
    found |= {r["record_id"] for r in store.records_of(sorted(entities | people))}
    if people:
        found |= {n["record_id"] for n in store.naming([p[2:] for p in people])}
    kinds = set(listing_kinds())
    return {r["record_id"] for r in store.records_by_id(found) if r["kind"] in kinds}


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


def _notified(
    store: GraphStore, rec: Mapping[str, Any], on: str, state: RecordState, cat: Catalogue
) -> list[tuple[str, str, str | None, list[dict[str, Any]]]]:
    """Who a listing's staff notices are about: (person sid, reached as, capacity, evidence)
    for the listed person and every person it reaches firmly and has not released."""
    out: list[tuple[str, str, str | None, list[dict[str, Any]]]] = []
    if rec["subject_type"] == "person":
        out.append((sid("person", rec["subject_key"]), "subject", None, []))
    kind = cat.kind(str(rec["kind"]))
    for r in reached_persons(store, rec, cat):
        if not person_held(state, r.person_key, r.since, on):
            continue
        if reach_mode(kind, r.mode_key()) == "apply":
            out.append((sid("person", r.person_key), r.way, r.capacity, r.evidence))
    return out


def _staff_notices(
    store: GraphStore, rec: Mapping[str, Any], on: str, state: RecordState, cat: Catalogue
) -> list[dict[str, Any]]:
    out = []
    for person, way, capacity, reach_evidence in _notified(store, rec, on, state, cat):
        key = person[2:]
        mine = [r for r in store.roles_of([person]) if r["person_key"] == key]
        for role in mine:
            if not in_force(role, on):
                continue
            unit = store.entity(role["uscc"]) or {}
            if unit.get("org_type") not in PUBLIC_BODIES:
                continue
            about = {
                "sid": person,
                "name": role.get("person_name"),
                "reached_as": way,
                "capacity": capacity,
            }
            to = {"uscc": unit["uscc"], "name": unit.get("name")}
            text = (
                f"{role.get('person_name')}（{label_zh('role', role['role'])}）因记录"
                f"{rec['record_id']}受联合惩戒，通报所在单位及纪检监察机关。"
            )
            evidence = [dict(rec), *reach_evidence, role]
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
