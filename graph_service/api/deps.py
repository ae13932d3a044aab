"""What handlers take from the app: the store (through its holder) and the caller's access."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from graph_service.api.state import StoreHolder
from graph_service.services.access import Access, Principal
from graph_service.stores.base import GraphStore


@contextmanager
def store_of(request: Request) -> Iterator[GraphStore]:
    """The store for this request (raises StoreUnavailable → 503 when it cannot be reached)."""
    holder: StoreHolder = request.app.state.holder
    with holder.use() as store:
        yield store


def access_of(request: Request, principal: Principal) -> Access:
    """The caller, where they call from, and the audit log their access goes to."""
    state = request.app.state
    client = request.client.host if request.client else None
    return Access(
        principal=principal,
        client=client,
        audit=state.audit,
        keyring=state.keyring,
        action=getattr(request.state, "audit_action", None),
    )
