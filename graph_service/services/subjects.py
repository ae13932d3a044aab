"""Finding subjects: search by name, USCC prefix, ID number or person key."""

from __future__ import annotations

from typing import Any

from graph_service.engine.subjects import person_key_in
from graph_service.ids.person_key import mask_resident_id
from graph_service.services.access import Access
from graph_service.services.models import SearchPage
from graph_service.stores.base import GraphStore, sid


def search(store: GraphStore, access: Access, q: str, limit: int, offset: int) -> SearchPage:
    """Entities and persons by name or USCC prefix; an ID number or person key finds the
    person it names (the ID number never echoed nor logged in full). Person hits are
    audited."""
    text = q.strip()
    items: list[dict[str, Any]]
    key = person_key_in(text, access.keyring)
    if key is not None:
        if len(text) != 32:
            text = mask_resident_id(text.upper())
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
    return SearchPage.model_validate(
        {"q": text, "items": hits, "total": total, "offset": offset, "limit": limit}
    )
