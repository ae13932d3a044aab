"""What handlers take from the app: the store (through its holder) and the caller's access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from graph_service.api.state import StoreHolder
from graph_service.services.access import Access, Principal
from graph_service.stores.base import GraphStore

T = TypeVar("T")


@contextmanager
def store_of(request: Request) -> Iterator[GraphStore]:
    """The store for this request (raises StoreUnavailable → 503 when it cannot be reached)."""
    holder: StoreHolder = request.app.state.holder
    with holder.use() as store:
        yield store


def in_store(holder: StoreHolder, work: Callable[[GraphStore], T]) -> T:
    """``work`` over the holder's store (under the embedded store's lock)."""
    with holder.use() as store:
        return work(store)


async def answer_light(
    request: Request, work: Callable[[GraphStore], T], *, inline: bool = True
) -> T:
    """``work`` over the request's store, for an async handler whose work is light (a check:
    well under a millisecond of CPU). With ``inline`` and the embedded store free, on the
    event loop — a hop through the threadpool costs more than such an answer; else (Neo4j,
    the store busy, or work that writes the fsynced audit log) in the threadpool."""
    holder: StoreHolder = request.app.state.holder
    if inline:
        with holder.use_if_free() as store:
            if store is not None:
                return work(store)
    return await run_in_threadpool(in_store, holder, work)


def networked(request: Request) -> GraphStore | None:
    """The store when it is a server's (Neo4j: no lock per request, reads worth batching),
    None for the embedded store; raises StoreUnavailable when it cannot be reached."""
    store = request.app.state.holder.unlocked()
    return None if store.backend == "embedded" else store


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
