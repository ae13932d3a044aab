"""Small helpers the use cases share: pages, labels, the persons an answer shows, today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from graph_service.catalogue import label
from graph_service.stores.base import GraphStore

#: Largest page any list answers.
MAX_LIMIT = 500

#: Opens the store for a while (the API's holder hands it out per request or per slice).
Stores = Callable[[], AbstractContextManager[GraphStore]]


def today() -> str:
    """Today's ISO date (the default ``on`` of every answer)."""
    return dt.date.today().isoformat()


def page(items: Sequence[Any], limit: int, offset: int) -> dict[str, Any]:
    """One page of an in-memory list."""
    return {
        "items": list(items[offset : offset + limit]),
        "total": len(items),
        "offset": offset,
        "limit": limit,
    }


def labelled(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The items with the catalogue's labels of their role, kind, status and org type."""
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


def persons_in(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """The person keys relations name (officers, holders, record subjects), sorted."""
    keys: list[str] = []
    for x in items:
        if x.get("person_key"):
            keys.append(str(x["person_key"]))
        if x.get("holder_type") == "person" and x.get("holder_key"):
            keys.append(str(x["holder_key"]))
        if x.get("subject_type") == "person" and x.get("subject_key"):
            keys.append(str(x["subject_key"]))
    return sorted(set(keys))
