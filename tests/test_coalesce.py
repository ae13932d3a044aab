"""Concurrent single reads gathered into batches (stores/coalesce.py): each caller — a thread
or a coroutine awaiting on an event loop — gets its own answer, a batch holds what queued while
the previous read was in flight, bounded; errors stay with their caller."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from graph_service.errors import StoreUnavailable
from graph_service.stores.coalesce import Coalescer


class _Reader:
    """``read_many`` over a dict; the first read waits for ``gate`` (so that the others queue
    meanwhile); keys in ``bad`` make a read fail."""

    def __init__(self, bad: frozenset[int] = frozenset(), outage: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.gate = threading.Event()
        self.bad = bad
        self.outage = outage
        self._lock = threading.Lock()

    def __call__(self, keys: Sequence[int]) -> Mapping[int, str]:
        with self._lock:
            self.batches.append(list(keys))
            first = len(self.batches) == 1
        if first:
            self.gate.wait(5)
        if self.outage:
            raise StoreUnavailable("存储不可用", "the store is down")
        if self.bad & set(keys):
            raise ValueError(f"cannot read {sorted(self.bad & set(keys))}")
        return {k: f"v{k}" for k in keys if k % 10 != 9}  # keys ending in 9 are not found


def _ask_all(
    coalescer: Coalescer[int, str], reader: _Reader, keys: list[int]
) -> list[str | BaseException | None]:
    """Every key asked from its own thread while the first read is held, then released."""

    def one(k: int) -> str | BaseException | None:
        try:
            return coalescer.get(k)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(keys)) as pool:
        first = pool.submit(one, keys[0])
        while not reader.batches:
            time.sleep(0.001)
        rest = [pool.submit(one, k) for k in keys[1:]]
        time.sleep(0.2)  # the others queue behind the read in flight
        reader.gate.set()
        return [first.result(), *(f.result() for f in rest)]


def test_a_lone_call_reads_at_once_and_gets_its_answer() -> None:
    reader = _Reader()
    reader.gate.set()
    coalescer = Coalescer(reader, limit=10)
    assert coalescer.get(1) == "v1"
    assert coalescer.get(9) is None
    assert reader.batches == [[1], [9]]


def test_calls_that_queue_behind_a_read_go_in_one_batch_each_with_its_answer() -> None:
    reader = _Reader()
    coalescer = Coalescer(reader, limit=100)
    keys = [1, 2, 3, 19, 2, 5]
    got = _ask_all(coalescer, reader, keys)
    assert got == ["v1", "v2", "v3", None, "v2", "v5"]
    assert reader.batches[0] == [1]
    assert sorted(reader.batches[1]) == [2, 3, 5, 19]  # a key asked twice is read once
    assert len(reader.batches) == 2


def test_batches_are_bounded() -> None:
    reader = _Reader()
    coalescer = Coalescer(reader, limit=3)
    keys = list(range(100, 108))
    assert _ask_all(coalescer, reader, keys) == [None if k % 10 == 9 else f"v{k}" for k in keys]
    assert [len(b) for b in reader.batches] == [1, 3, 3, 1]


def test_a_key_that_fails_its_batch_fails_only_its_own_call() -> None:
    reader = _Reader(bad=frozenset({13}))
    coalescer = Coalescer(reader, limit=100)
    got = _ask_all(coalescer, reader, [1, 2, 13, 4])
    assert got[:2] == ["v1", "v2"] and got[3] == "v4"
    assert isinstance(got[2], ValueError)
    # the failed batch, then each of its keys alone
    assert sorted(map(tuple, reader.batches[2:])) == [(2,), (4,), (13,)]


def test_an_outage_fails_every_call_of_the_batch_without_reading_again() -> None:
    reader = _Reader(outage=True)
    coalescer = Coalescer(reader, limit=100)
    got = _ask_all(coalescer, reader, [1, 2, 3])
    assert all(isinstance(g, StoreUnavailable) for g in got)
    assert len(reader.batches) == 2


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        Coalescer(_Reader(), limit=0)


async def _await_all(
    coalescer: Coalescer[int, str], reader: _Reader, keys: list[int]
) -> list[str | BaseException | None]:
    """The first key awaited, then the others while its read is held; then the gate opened."""
    tasks = [asyncio.create_task(coalescer.wait(keys[0]))]
    while not reader.batches:
        await asyncio.sleep(0.001)
    tasks += [asyncio.create_task(coalescer.wait(k)) for k in keys[1:]]
    await asyncio.sleep(0.1)  # the others queue behind the read in flight
    reader.gate.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_coroutines_that_queue_behind_a_read_go_in_one_batch_each_with_its_answer() -> None:
    reader = _Reader()
    coalescer = Coalescer(reader, limit=100)
    got = asyncio.run(_await_all(coalescer, reader, [1, 2, 3, 19, 2, 5]))
    assert got == ["v1", "v2", "v3", None, "v2", "v5"]
    assert reader.batches == [[1], [2, 3, 19, 5]]  # a key asked twice is read once


def test_coroutines_batches_are_bounded_and_read_one_after_the_other() -> None:
    reader = _Reader()
    coalescer = Coalescer(reader, limit=3)
    keys = list(range(100, 108))
    got = asyncio.run(_await_all(coalescer, reader, keys))
    assert got == [None if k % 10 == 9 else f"v{k}" for k in keys]
    assert reader.batches == [[100], [101, 102, 103], [104, 105, 106], [107]]


def test_coroutines_asked_in_one_turn_of_the_loop_share_a_read() -> None:
    reader = _Reader()
    reader.gate.set()
    coalescer = Coalescer(reader, limit=100)

    async def together() -> list[str | None]:
        return list(await asyncio.gather(*(coalescer.wait(k) for k in range(1, 33))))

    assert asyncio.run(together()) == [f"v{k}" if k % 10 != 9 else None for k in range(1, 33)]
    assert len(reader.batches) < 32  # fewer round trips than checks
    assert sorted(k for b in reader.batches for k in b) == list(range(1, 33))


def test_a_coroutine_whose_key_fails_its_batch_alone_gets_the_error() -> None:
    reader = _Reader(bad=frozenset({13}))
    coalescer = Coalescer(reader, limit=100)
    got = asyncio.run(_await_all(coalescer, reader, [1, 2, 13, 4]))
    assert got[:2] == ["v1", "v2"] and got[3] == "v4"
    assert isinstance(got[2], ValueError)
    assert sorted(map(tuple, reader.batches[2:])) == [(2,), (4,), (13,)]


def test_an_outage_fails_every_coroutine_of_the_batch() -> None:
    reader = _Reader(outage=True)
    coalescer = Coalescer(reader, limit=100)
    got = asyncio.run(_await_all(coalescer, reader, [1, 2, 3]))
    assert all(isinstance(g, StoreUnavailable) for g in got)
    assert len(reader.batches) == 2


def test_threads_and_coroutines_share_batches_and_each_gets_its_answer() -> None:
    """A thread leading a read, coroutines and threads queued behind it: the next batch
    holds both kinds, and the reads go on until the queue is empty."""
    reader = _Reader()
    coalescer = Coalescer(reader, limit=4)

    async def mixed() -> tuple[list[str | None], list[str | None]]:
        with ThreadPoolExecutor(4) as pool:
            first = pool.submit(coalescer.get, 1)
            while not reader.batches:
                await asyncio.sleep(0.001)
            threads = [pool.submit(coalescer.get, k) for k in (2, 3, 4)]
            tasks = [asyncio.create_task(coalescer.wait(k)) for k in range(10, 19)]
            await asyncio.sleep(0.1)
            reader.gate.set()
            awaited = list(await asyncio.gather(*tasks))
            return [first.result(), *(f.result() for f in threads)], awaited

    by_threads, by_coroutines = asyncio.run(mixed())
    assert by_threads == ["v1", "v2", "v3", "v4"]
    assert by_coroutines == [f"v{k}" for k in range(10, 19)]
    assert sorted(k for b in reader.batches for k in b) == [1, 2, 3, 4, *range(10, 19)]
    assert all(len(b) <= 4 for b in reader.batches) and len(reader.batches) < 13


def test_a_cancelled_coroutine_leaves_the_others_their_answers() -> None:
    reader = _Reader()
    coalescer = Coalescer(reader, limit=100)

    async def one_cancelled() -> list[str | None]:
        first = asyncio.create_task(coalescer.wait(1))
        while not reader.batches:
            await asyncio.sleep(0.001)
        gone = asyncio.create_task(coalescer.wait(2))
        kept = asyncio.create_task(coalescer.wait(3))
        await asyncio.sleep(0.05)
        gone.cancel()
        reader.gate.set()
        return [await first, await kept]

    assert asyncio.run(one_cancelled()) == ["v1", "v3"]
    assert asyncio.run(_idle(coalescer)) == "v4"  # and the coalescer reads on afterwards


async def _idle(coalescer: Coalescer[int, str]) -> str | None:
    return await coalescer.wait(4)
