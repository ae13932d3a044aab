"""Concurrent single reads answered by batched ones (a store over the network).

Thirty-two clients asking one check each cost thirty-two round trips, thirty-two transactions
on the server and thirty-two sessions in the driver, although the store can read five hundred
subjects in one query (the batch-screening read). :class:`Coalescer` gathers them: a caller
that finds no read in flight reads at once (an idle service waits on nothing), and callers
that arrive while a read is in flight queue their keys; when it returns, the first of them
reads every key queued meanwhile (up to ``limit``) in one batch, and each caller gets its own
answer back. One batch is in flight per coalescer at a time, so a batch is as large as the
traffic of one round trip.

Errors stay with their own caller: when a batch of several fails with anything but an outage
(:class:`~graph_service.errors.StoreUnavailable`, which every caller would meet alone too),
each caller reads its own key again, alone, so that one key the server cannot answer fails
only its own request. Nothing is kept between batches: every answer is read for its request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

from graph_service.errors import StoreUnavailable

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Ask(Generic[K, V]):
    """One caller's key, and what came back for it."""

    __slots__ = ("alone", "done", "error", "key", "lead", "value")

    def __init__(self, key: K) -> None:
        self.key = key
        self.done = threading.Event()
        self.lead = False  # handed the next batch to read
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

    def get(self, key: K) -> V | None:
        """What ``read_many`` finds for ``key``, read alone or in a batch with concurrent
        callers' keys; raises what the read raised."""
        ask: _Ask[K, V] = _Ask(key)
        with self._lock:
            self._queue.append(ask)
            lead = not self._busy
            self._busy = True
        if not lead:
            ask.done.wait()
            if not ask.lead:
                return self._answer(ask)
        # The leader's ask is first in the queue: the queue was empty when nobody was reading,
        # and the lead is handed to the first ask that waits.
        with self._lock:
            batch = self._queue[: self._limit]
            del self._queue[: self._limit]
        try:
            self._read(batch)
        finally:
            with self._lock:
                if self._queue:
                    following = self._queue[0]
                    following.lead = True
                    following.done.set()
                else:
                    self._busy = False
        return self._answer(ask)

    def _read(self, batch: list[_Ask[K, V]]) -> None:
        """Read the batch's keys once and hand each ask its answer (set ``done`` on all but
        the leader's, which is first)."""
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
            for a in batch[1:]:
                # an interrupted leader (not an error of the read): the others read alone
                a.alone = a.alone or not answered
                a.done.set()

    def _answer(self, ask: _Ask[K, V]) -> V | None:
        if ask.alone:
            return self._read_many([ask.key]).get(ask.key)
        if ask.error is not None:
            raise ask.error
        return ask.value
