"""Concurrent single reads answered by batched ones (a store over the network).

Thirty-two clients asking one check each cost thirty-two round trips, thirty-two transactions
on the server and thirty-two sessions in the driver, although the store can read five hundred
subjects in one query (the batch-screening read). :class:`Coalescer` gathers them: a caller
that finds no read in flight starts one at once (an idle service waits on nothing), and
callers that arrive while a read is in flight queue their keys; when it returns, the next
batch reads every key queued meanwhile (up to ``limit``) at once, and each caller gets its own
answer back. One batch is in flight per coalescer at a time, so a batch is as large as the
traffic of one round trip.

Two kinds of caller share the queue and its batches. A thread (:meth:`Coalescer.get`) waits
for its answer, and when handed the next batch reads it itself. A coroutine
(:meth:`Coalescer.wait`, the API's checks) never blocks its event loop: its batches are read
by the coalescer's own reader thread, which goes on with the next batch while the first
caller queued is a coroutine, and each answer comes back to its loop, one wake-up per loop and
batch — where a hop through the threadpool per check cost a thread hop each way and a thread
waking for the GIL per caller.

Errors stay with their own caller: when a batch of several fails with anything but an outage
(:class:`~graph_service.errors.StoreUnavailable`, which every caller would meet alone too),
each caller reads its own key again, alone, so that one key the server cannot answer fails
only its own request. Nothing is kept between batches: every answer is read for its request.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from graph_service.errors import StoreUnavailable

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Ask(Generic[K, V]):
    """One caller's key, and what came back for it. A thread's ask has ``done``; a
    coroutine's has ``future`` (of its ``loop``), set when the ask is answered."""

    __slots__ = ("alone", "done", "error", "future", "key", "lead", "loop", "value")

    def __init__(self, key: K, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.key = key
        self.loop = loop
        self.done = threading.Event() if loop is None else None
        self.future: asyncio.Future[None] | None = None if loop is None else loop.create_future()
        self.lead = False  # a thread's ask handed the next batch to read
        self.value: V | None = None
        self.error: BaseException | None = None
        self.alone = False  # its batch failed: read the key again alone


class Coalescer(Generic[K, V]):
    """Reads one key per call, in batches of the calls that overlap (see the module).

    ``read_many(keys)`` reads distinct keys at once and returns what it found (a key it does
    not return answers ``None``); ``limit`` bounds a batch."""

    def __init__(self, read_many: Callable[[Sequence[K]], Mapping[K, V]], limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._read_many = read_many
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: list[_Ask[K, V]] = []
        self._busy = False
        # reads the batches of coroutines' asks; one thread: one batch in flight at a time
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="coalescer")

    def get(self, key: K) -> V | None:
        """What ``read_many`` finds for ``key``, read alone or in a batch with concurrent
        callers' keys (this thread waits, and may read a batch); raises what the read raised."""
        ask: _Ask[K, V] = _Ask(key)
        if not self._enqueue(ask):
            assert ask.done is not None
            ask.done.wait()
            if not ask.lead:
                return self._answer(ask)
        try:
            self._read(self._take())
        finally:
            self._hand_on(in_reader=False)
        return self._answer(ask)

    async def wait(self, key: K) -> V | None:
        """:meth:`get` for a coroutine: awaits the answer without blocking the event loop
        (the read runs in the coalescer's reader thread)."""
        ask: _Ask[K, V] = _Ask(key, asyncio.get_running_loop())
        assert ask.future is not None
        if self._enqueue(ask):
            self._reader.submit(self._read_for_coroutines)
        await ask.future
        if ask.alone:
            return (await asyncio.to_thread(self._read_many, [key])).get(key)
        if ask.error is not None:
            raise ask.error
        return ask.value

    def close(self) -> None:
        """Let the reader thread end (a store closing); no coroutine may ask after this."""
        self._reader.shutdown(wait=False)

    def _enqueue(self, ask: _Ask[K, V]) -> bool:
        """Queue ``ask``; True when no read is in flight (the caller starts one)."""
        with self._lock:
            self._queue.append(ask)
            lead = not self._busy
            self._busy = True
        return lead

    def _take(self) -> list[_Ask[K, V]]:
        with self._lock:
            batch = self._queue[: self._limit]
            del self._queue[: self._limit]
        return batch

    def _hand_on(self, *, in_reader: bool) -> bool:
        """After a batch: hand the next one to the first ask queued — its own thread reads
        it, or for a coroutine's the reader thread — or mark the coalescer idle. True when the
        caller is the reader thread (``in_reader``) and is to read the next batch itself."""
        with self._lock:
            if not self._queue:
                self._busy = False
                return False
            following = self._queue[0]
            if following.done is not None:
                following.lead = True
                following.done.set()
                return False
        if not in_reader:
            self._reader.submit(self._read_for_coroutines)
        return in_reader

    def _read_for_coroutines(self) -> None:
        """The reader thread: read batches while the first ask queued is a coroutine's."""
        go_on = True
        while go_on:
            try:
                self._read(self._take())
            finally:
                go_on = self._hand_on(in_reader=True)

    def _read(self, batch: list[_Ask[K, V]]) -> None:
        """Read the batch's keys once and answer each ask."""
        answered = False
        try:
            try:
                found = self._read_many(list(dict.fromkeys(a.key for a in batch)))
            except StoreUnavailable as exc:
                for a in batch:
                    a.error = exc
            except Exception as exc:
                if len(batch) == 1:
                    batch[0].error = exc
                for a in batch:
                    a.alone = len(batch) > 1
            else:
                for a in batch:
                    a.value = found.get(a.key)
            answered = True
        finally:
            for a in batch:
                # an interrupted reader (not an error of the read): the others read alone
                a.alone = a.alone or not answered
            _settle(batch)

    def _answer(self, ask: _Ask[K, V]) -> V | None:
        if ask.alone:
            return self._read_many([ask.key]).get(ask.key)
        if ask.error is not None:
            raise ask.error
        return ask.value


def _settle(batch: Sequence[_Ask[K, V]]) -> None:
    """Wake each ask's caller: a thread by its event, coroutines by one call per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for a in batch:
        if a.done is not None:
            a.done.set()
        elif a.loop is not None and a.future is not None:
            by_loop.setdefault(a.loop, []).append(a.future)
    for loop, futures in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a loop closed: nobody waits for these
            loop.call_soon_threadsafe(_wake, futures)


def _wake(futures: list[asyncio.Future[None]]) -> None:
    for f in futures:
        if not f.done():  # not a caller cancelled meanwhile
            f.set_result(None)
