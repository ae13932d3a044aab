"""Concurrent checks' store reads gathered on the event loop (a store over the network).

A check on Neo4j spends far less of its time evaluating than waiting on its read. Sent to the
threadpool one by one, thirty-two concurrent checks are thirty-two thread hops and thirty-two
threads waking for the GIL when their batch returns (``stores/coalesce.py`` batches their
reads, not their hops). :class:`MaterialBatcher` keeps them on the event loop instead: each
check queues its read (:meth:`RestrictionEngine.reads`) and awaits it; one task reads every
read queued (up to ``limit``) with one :meth:`GraphStore.materials` call in the threadpool,
and the next batch while the checks of this one are answered on the loop. A check that finds
no read in flight starts one on the loop's next turn, with every check asked in this one: an
idle service waits on nothing.

Errors stay with their own check, as in the coalescer: an outage
(:class:`~graph_service.errors.StoreUnavailable`) fails every check of the batch, anything
else makes each of them read its own subject again, alone. Nothing is kept between batches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from starlette.concurrency import run_in_threadpool

from graph_service.errors import StoreUnavailable
from graph_service.stores.base import MATERIALS_CHUNK, MaterialRequest, SubjectMaterial

#: What a batch's read answers a check: its material, or None when it must read alone.
_Waiting = asyncio.Future[SubjectMaterial | None]
Reader = Callable[[Sequence[MaterialRequest]], dict[MaterialRequest, SubjectMaterial]]


class MaterialBatcher:
    """Reads one check's material per :meth:`get`, in batches of the checks that overlap.

    ``read_many`` is :meth:`GraphStore.materials` over the request's store (called in the
    threadpool, one call at a time); ``limit`` bounds a batch."""

    def __init__(self, read_many: Reader, limit: int = MATERIALS_CHUNK) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._read_many = read_many
        self._limit = limit
        self._queue: list[tuple[MaterialRequest, _Waiting]] = []
        self._reader: asyncio.Task[None] | None = None

    async def get(self, ask: MaterialRequest) -> SubjectMaterial:
        """What the store holds for ``ask`` (a missing subject: ``node`` None); raises what
        the read raised."""
        waiting: _Waiting = asyncio.get_running_loop().create_future()
        self._queue.append((ask, waiting))
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_queued())
        found = await waiting
        if found is None:
            found = (await run_in_threadpool(self._read_many, [ask])).get(ask)
        return found or SubjectMaterial(node=None)

    async def _read_queued(self) -> None:
        """Read batches until the queue is empty (checks queue while a batch is read)."""
        try:
            while self._queue:
                batch = self._queue[: self._limit]
                del self._queue[: self._limit]
                asks = list(dict.fromkeys(ask for ask, _ in batch))
                try:
                    found = await run_in_threadpool(self._read_many, asks)
                except StoreUnavailable as exc:
                    _settle(batch, exc)
                except Exception as exc:  # each check reads alone: one bad key fails one
                    _settle(batch, exc if len(asks) == 1 else None)
                else:
                    for ask, waiting in batch:
                        if not waiting.done():  # not a check cancelled meanwhile
                            waiting.set_result(found.get(ask) or SubjectMaterial(node=None))
        finally:
            self._reader = None


def _settle(batch: list[tuple[MaterialRequest, _Waiting]], error: Exception | None) -> None:
    """Fail every check of a batch with ``error``, or with None tell each to read alone."""
    for _, waiting in batch:
        if waiting.done():
            continue
        if error is None:
            waiting.set_result(None)
        else:
            waiting.set_exception(error)
