"""What the endpoints do, below the routers: parse identifiers, ask the store, shape answers,
mask or unmask ID numbers by role, and write the audit log. Routers stay thin.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag

from graph_service.api.audit import AuditLog
from graph_service.api.auth import Principal
from graph_service.api.graphview import Lang, record_in_force, risk_of, vis_data
from graph_service.api.problems import ConfigError
from graph_service.catalogue import label
from graph_service.errors import InvalidIdentifier, NotFound
from graph_service.ids.person_key import PersonKeyring, mask_resident_id
from graph_service.ids.regions import region_name
from graph_service.ids.resident_id import validate_resident_id
from graph_service.ids.uscc import validate_uscc
from graph_service.stores.base import GraphStore, sid

#: Largest page any list answers.
MAX_LIMIT = 500
_KEY = re.compile(r"^[0-9a-fA-F]{32}$")


@dataclass(frozen=True, slots=True)
class Access:
    """Who asks, from where, and where their access is written down."""

    principal: Principal
    client: str | None
    audit: AuditLog
    keyring: PersonKeyring
    #: The action the route declared (:class:`~graph_service.api.audit.Audited`); None for
    #: the local client, which has no routes.
    action: str | None = None

    @property
    def unmasked(self) -> bool:
        """Whether this caller may see full ID numbers."""
        return self.principal.role == "investigator"

    def log(self, action: str, what: Mapping[str, Any]) -> None:
        """Append to the audit log. Raises
        :class:`~graph_service.api.audit.AuditUnavailable` (503) when it cannot be written:
        call it before the change is applied or the data is returned. In the service the
        action is the one the route declared (or ``<action>.failed``, written after a refused
        change)."""
        if self.action is not None and action not in (self.action, f"{self.action}.failed"):
            raise RuntimeError(f"audit action {action!r}: the route declares {self.action!r}")
        self.audit.append(
            user=self.principal.user,
            role=self.principal.role,
            action=action,
            what=what,
            client=self.client,
        )


# -- identifiers ---------------------------------------------------------------------------


def parse_uscc(value: str) -> str:
    """A USCC from a path; the reason names the wrong character (GB 32100)."""
    return validate_uscc(value, check_region=False)


def parse_person(value: str, keyring: PersonKeyring) -> str:
    """A person key from a resident ID number (keyed with the service's secret) or from a
    32-hex person key."""
    text = value.strip()
    if _KEY.match(text):
        return text.lower()
    if len(text) == 18:
        return keyring.key(validate_resident_id(text))
    raise InvalidIdentifier(
        f"人员标识应为18位身份证号码或32位人员密钥，实为{len(text)}个字符",
        f"a person is named by an 18-character ID number or a 32-hex person key, "
        f"got {len(text)} characters",
    )


def parse_node(value: str, keyring: PersonKeyring) -> str:
    """A node id: ``E:``/``P:``/``R:``/``C:`` ids as they are; a bare USCC, person key or
    resident ID number is turned into its subject id."""
    text = value.strip()
    if text[:2] in ("E:", "P:", "R:", "C:"):
        if text.startswith("E:"):
            return sid("entity", parse_uscc(text[2:]))
        if text.startswith("P:"):
            return sid("person", parse_person(text[2:], keyring))
        if len(text) > 2:
            return text
    elif len(text) == 18 and text[:17].isdigit():
        # digits only: a resident ID number, else a (rare) all-digit USCC
        try:
            return sid("person", parse_person(text, keyring))
        except InvalidIdentifier as as_person:
            try:
                return sid("entity", parse_uscc(text))
            except InvalidIdentifier:
                raise as_person from None
    elif len(text) == 18:
        return sid("entity", parse_uscc(text))
    elif _KEY.match(text):
        return sid("person", text.lower())
    raise InvalidIdentifier(
        f"节点标识“{text[:40]}”无效：应为E:统一社会信用代码、P:人员密钥、R:区划代码、C:记录编号",
        f"node id '{text[:40]}' is not one of E:<USCC>, P:<person key>, R:<region code>, "
        "C:<record id>",
    )


# -- shaping -------------------------------------------------------------------------------


def page(items: Sequence[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """One page of an in-memory list."""
    return {
        "items": list(items[offset : offset + limit]),
        "total": len(items),
        "offset": offset,
        "limit": limit,
    }


def _labelled(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        x = dict(item)
        if x.get("role"):
            x["role_label"] = label("role", x["role"])
        if x.get("kind"):
            x["kind_label"] = label("kind", x["kind"])
        if x.get("status"):
            x["status_label"] = label("status", x["status"])
        if x.get("org_type"):
            x["org_type_label"] = label("org_type", x["org_type"])
        out.append(x)
    return out


def _persons_in(items: Iterable[Mapping[str, Any]]) -> list[str]:
    keys: list[str] = []
    for x in items:
        if x.get("person_key"):
            keys.append(str(x["person_key"]))
        if x.get("holder_type") == "person" and x.get("holder_key"):
            keys.append(str(x["holder_key"]))
        if x.get("subject_type") == "person" and x.get("subject_key"):
            keys.append(str(x["subject_key"]))
    return sorted(set(keys))


# -- endpoints' work -----------------------------------------------------------------------


def _person_key_in(text: str, keyring: PersonKeyring) -> str | None:
    """The person key a search text names (a person key, or a valid ID number), else None."""
    if _KEY.match(text):
        return text.lower()
    if len(text) == 18 and text[:17].isdigit():
        try:
            return keyring.key(validate_resident_id(text))
        except InvalidIdentifier:
            return None  # e.g. an all-digit USCC: searched as text
    return None


def search(store: GraphStore, access: Access, q: str, limit: int, offset: int) -> dict[str, Any]:
    """Entities and persons by name or USCC prefix; an ID number or person key finds the
    person it names."""
    text = q.strip()
    items: list[dict[str, Any]]
    key = _person_key_in(text, access.keyring)
    if key is not None:
        if not _KEY.match(text):
            text = mask_resident_id(text.upper())  # never echoed nor logged in full
        person = store.person(key)
        items = [] if person is None else [{"type": "person", **person}]
        total = len(items)
        items = items[offset : offset + limit]
    else:
        found = store.search(text, limit=limit, offset=offset)
        items, total = found.items, found.total
    hits = []
    for hit in items:
        ident = sid("entity", hit["uscc"]) if hit["type"] == "entity" else sid("person", hit["key"])
        hits.append(
            {
                k: hit.get(k)
                for k in ("type", "uscc", "name", "region_code", "key", "id_masked")
                if hit.get(k) is not None
            }
            | {"id": ident}
        )
    persons = [h["key"] for h in hits if h["type"] == "person"]
    if persons:
        access.log("search", {"q": text, "person_keys": persons})
    return {"q": text, "items": hits, "total": total, "offset": offset, "limit": limit}


def entity_profile(
    store: GraphStore, access: Access, uscc: str, limit: int, offset: int
) -> dict[str, Any]:
    """An entity and its relations over time, each list paged."""
    code = parse_uscc(uscc)
    entity = store.entity(code)
    if entity is None:
        raise NotFound(
            f"没有统一社会信用代码为{code}的市场主体", f"no entity with USCC {code} in the graph"
        )
    rel = store.relations("entity", code)
    entity = _labelled([entity])[0]
    if entity.get("region_code"):
        entity["region_name"] = region_name(str(entity["region_code"]))
    out = {"entity": entity} | {
        name: page(_labelled(rel[name]), limit, offset)
        for name in ("roles", "holdings", "registrations", "records")
    }
    shown = [x for name in ("roles", "holdings") for x in out[name]["items"]]
    persons = _persons_in(shown)
    if persons:
        access.log("entity.profile", {"uscc": code, "person_keys": persons})
    return out


def person_profile(
    store: GraphStore, access: Access, person_id: str, limit: int, offset: int
) -> dict[str, Any]:
    """A person, their offices, holdings and records over time; the full ID number for
    investigators. Always audited."""
    key = parse_person(person_id, access.keyring)
    person = store.person(key)
    if person is None:
        raise NotFound("没有此人员", "no such person in the graph")
    rel = store.relations("person", key)
    if access.unmasked:
        sealed = store.sealed_person_id(key)
        if sealed:
            try:
                person["id_number"] = access.keyring.unseal(sealed)
            except (InvalidTag, ValueError) as exc:
                raise ConfigError(
                    "无法解密身份证号：GRAPH_PERSON_KEY_SECRET与加载数据时的不同",
                    "cannot unseal the ID number: GRAPH_PERSON_KEY_SECRET differs from the "
                    "one the data was loaded with",
                ) from exc
    access.log(
        "person.profile",
        {"person_keys": [key], "unmasked": "id_number" in person},
    )
    return {"person": person} | {
        name: page(_labelled(rel[name]), limit, offset) for name in ("roles", "holdings", "records")
    }


def record(store: GraphStore, access: Access, record_id: str) -> dict[str, Any]:
    """One credit record with its labels; a record about a person is audited."""
    found = store.record(record_id)
    if found is None:
        raise NotFound(f"没有编号为{record_id}的信用记录", f"no credit record {record_id}")
    if found.get("subject_type") == "person":
        access.log(
            "record.read", {"record_id": record_id, "person_keys": [found.get("subject_key")]}
        )
    return _labelled([found])[0]


def _with_risk(
    store: GraphStore, nodes: Sequence[dict[str, Any]], on: str | None
) -> list[dict[str, Any]]:
    """Nodes with ``risk`` (subjects: from their records in force; records: their status)."""
    day = on or dt.date.today().isoformat()
    subjects = [n["id"] for n in nodes if n["label"] in ("Entity", "Person")]
    by_subject: dict[str, list[dict[str, Any]]] = {s: [] for s in subjects}
    if subjects:
        for r in store.records_of(subjects):
            s = sid(r["subject_type"], r["subject_key"])
            if s in by_subject:
                by_subject[s].append(r)
    out = []
    for n in nodes:
        x = dict(n)
        if n["id"] in by_subject:
            x["risk"] = risk_of(by_subject[n["id"]], day)
        elif n["label"] == "Record":
            x["in_force"] = record_in_force(n, day)
            x["risk"] = risk_of([n], day)
        out.append(x)
    return out


def neighbourhood(
    store: GraphStore,
    access: Access,
    node: str,
    *,
    on: str | None,
    limit: int,
    offset: int,
    vis: Lang | None,
) -> dict[str, Any]:
    """A node and a page of its neighbours, with risk, optionally as vis-network data."""
    ident = parse_node(node, access.keyring)
    view = store.neighbourhood(ident, on=on, limit=limit, offset=offset)
    center, *neighbours = _with_risk(store, [view["node"], *view["neighbours"]], on)
    out = view | {"node": center, "neighbours": neighbours, "offset": offset, "limit": limit}
    out["on"] = on
    persons = sorted(n["id"][2:] for n in [center, *neighbours] if n["label"] == "Person")
    if persons:
        access.log("graph.neighbourhood", {"node": ident, "on": on, "person_keys": persons})
    if vis:
        out["vis"] = vis_data(
            [center, *neighbours], view["edges"], vis, more={center["id"]: view["more"]}, on=on
        )
    return out


def path(
    store: GraphStore,
    access: Access,
    a: str,
    b: str,
    *,
    max_hops: int,
    vis: Lang | None,
) -> dict[str, Any]:
    """A shortest path between two subjects (None found: ``found`` false)."""
    a_id, b_id = parse_node(a, access.keyring), parse_node(b, access.keyring)
    for ident in (a_id, b_id):
        if ident[:2] not in ("E:", "P:"):
            raise InvalidIdentifier(
                f"路径的两端须为市场主体或人员，“{ident}”不是",
                f"a path joins entities and persons; '{ident}' is neither",
            )
    found = store.shortest_path(a_id, b_id, max_hops=max_hops)
    if found is None:
        return {"found": False, "hops": None, "nodes": [], "edges": []}
    nodes = _with_risk(store, [x for x in found if "label" in x], None)
    edges = [x for x in found if "label" not in x]
    persons = sorted(n["id"][2:] for n in nodes if n["label"] == "Person")
    if persons:
        access.log("graph.path", {"from": a_id, "to": b_id, "person_keys": persons})
    out: dict[str, Any] = {"found": True, "hops": len(nodes) - 1, "nodes": nodes, "edges": edges}
    if vis:
        out["vis"] = vis_data(nodes, edges, vis)
    return out


def info(store: GraphStore) -> dict[str, Any]:
    """Counts per label and type, and the load log."""
    return {"backend": store.backend, "counts": store.counts(), "loads": store.loads()}
