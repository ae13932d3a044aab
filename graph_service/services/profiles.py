"""Profiles of entities, persons and records, and a person's credit record."""

from __future__ import annotations

from typing import Any

from graph_service.engine.personal import personal_record
from graph_service.engine.subjects import parse_person, parse_uscc, resolve_person
from graph_service.errors import NotFound
from graph_service.ids.regions import region_name
from graph_service.services.access import Access, unseal
from graph_service.services.models import EntityProfile, PersonProfile, RecordItem
from graph_service.services.shaping import labelled, page, persons_in, today
from graph_service.stores.base import GraphStore


def entity_profile(
    store: GraphStore, access: Access, uscc: str, limit: int, offset: int
) -> EntityProfile:
    """An entity and its relations over time, each list paged; the persons shown are
    audited."""
    code = parse_uscc(uscc)
    entity = store.entity(code)
    if entity is None:
        raise NotFound(
            f"没有统一社会信用代码为{code}的市场主体", f"no entity with USCC {code} in the graph"
        )
    rel = store.relations("entity", code)
    entity = labelled([entity])[0]
    if entity.get("region_code"):
        entity["region_name"] = region_name(str(entity["region_code"]))
    out = {"entity": entity} | {
        name: page(labelled(rel[name]), limit, offset)
        for name in ("roles", "holdings", "registrations", "records")
    }
    shown = [x for name in ("roles", "holdings") for x in out[name]["items"]]
    persons = persons_in(shown)
    if persons:
        access.log("entity.profile", {"uscc": code, "person_keys": persons})
    return EntityProfile.model_validate(out)


def person_profile(
    store: GraphStore, access: Access, person_id: str, limit: int, offset: int
) -> PersonProfile:
    """A person, their offices, holdings and records over time; the full ID number for
    investigators. Always audited."""
    key = parse_person(person_id, access.keyring)
    person = store.person(key)
    if person is None:
        raise NotFound("没有此人员", "no such person in the graph")
    rel = store.relations("person", key)
    unseal(store, access, key, person)
    access.log(
        "person.profile",
        {"person_keys": [key], "unmasked": "id_number" in person},
    )
    return PersonProfile.model_validate(
        {"person": person}
        | {
            name: page(labelled(rel[name]), limit, offset)
            for name in ("roles", "holdings", "records")
        }
    )


def record(store: GraphStore, access: Access, record_id: str) -> RecordItem:
    """One credit record with its labels; a record about a person is audited."""
    found = store.record(record_id)
    if found is None:
        raise NotFound(f"没有编号为{record_id}的信用记录", f"no credit record {record_id}")
    if found.get("subject_type") == "person":
        access.log(
            "record.read", {"record_id": record_id, "person_keys": [found.get("subject_key")]}
        )
    return RecordItem.model_validate(labelled([found])[0])


def record_history(store: GraphStore, access: Access, record_id: str) -> list[dict[str, Any]]:
    """Every version of the record, oldest first: loads and life-cycle events. A record about
    a person is audited."""
    versions = store.record_history(record_id)
    persons = sorted({str(v["subject_key"]) for v in versions if v.get("subject_type") == "person"})
    if persons:
        access.log("record.history", {"record_id": record_id, "person_keys": persons})
    return versions


def credit_record(
    store: GraphStore, access: Access, person_id: str, on: str | None
) -> dict[str, Any]:
    """Everything that reaches the person, directly or through entities they answered for,
    and the restrictions in force on ``on`` (default today) with their evidence. Audited."""
    key = resolve_person(
        person_id,
        access.keyring,
        "须为身份证号码或人员密钥",
        "give a resident ID number or a person key",
    )
    out = personal_record(store, key, on or today())
    access.log("person.credit_record", {"person_keys": [key]})
    return out
