"""Concurrent checks' reads gathered on the event loop (api/batching.py): each check gets its
own material, the checks that queue while a read is in flight are read in one batch, bounded;
an outage fails the batch, any other error only the check whose subject caused it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from graph_service.api.batching import MaterialBatcher
from graph_service.errors import StoreUnavailable
from graph_service.stores.base import MaterialRequest, SubjectMaterial


def _ask(n: int) -> MaterialRequest:
    return ("entity", f"u{n}", "none")


class _Store:
    """``materials`` over made-up subjects: the first read waits for ``gate`` (so that the
    others queue meanwhile); subjects ending in 9 are not found, those in ``bad`` fail a read."""

    def __init__(self, bad: frozenset[str] = frozenset(), outage: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.bad = bad
        self.outage = outage

    def materials(self, asks: Sequence[MaterialRequest]) -> dict[MaterialRequest, SubjectMaterial]:
        self.batches.append([key for _, key, _ in asks])
        if len(self.batches) == 1:
            self.gate.wait(5)
        if self.outage:
            raise StoreUnavailable("存储不可用", "the store is down")
        if failing := self.bad & {key for _, key, _ in asks}:
            raise ValueError(f"cannot read {sorted(failing)}")
        return {a: SubjectMaterial(node={"uscc": a[1]}) for a in asks if not a[1].endswith("9")}


async def _gather(
    store: _Store, keys: list[int], limit: int = 500
) -> list[SubjectMaterial | BaseException]:
    """The first key asked, then the others while its read is held; then the gate opened."""
    batcher = MaterialBatcher(store.materials, limit)
    tasks = [asyncio.create_task(batcher.get(_ask(keys[0])))]
    await asyncio.sleep(0.1)  # the first read is in flight
    tasks += [asyncio.create_task(batcher.get(_ask(n))) for n in keys[1:]]
    await asyncio.sleep(0.1)  # the others queued behind it
    store.gate.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_checks_asked_while_a_read_is_in_flight_are_read_in_one_batch() -> None:
    store = _Store()
    got = asyncio.run(_gather(store, [1, 2, 3, 2, 9]))
    assert store.batches == [["u1"], ["u2", "u3", "u9"]]  # duplicates read once
    assert [g.node for g in got if isinstance(g, SubjectMaterial)] == [
        {"uscc": "u1"},
        {"uscc": "u2"},
        {"uscc": "u3"},
        {"uscc": "u2"},
        None,  # not found: no node, as GraphStore.material answers
    ]


def test_a_batch_is_bounded_and_the_rest_read_next() -> None:
    store = _Store()
    asyncio.run(_gather(store, list(range(1, 8)), limit=3))
    assert store.batches == [["u1"], ["u2", "u3", "u4"], ["u5", "u6", "u7"]]


def test_an_outage_fails_every_check_of_the_batch() -> None:
    got = asyncio.run(_gather(_Store(outage=True), [1, 2, 3]))
    assert all(isinstance(g, StoreUnavailable) for g in got)


def test_any_other_error_fails_only_the_check_that_caused_it() -> None:
    store = _Store(bad=frozenset({"u3"}))
    got = asyncio.run(_gather(store, [1, 2, 3, 4]))
    assert isinstance(got[2], ValueError)
    assert [g.node for g in got if isinstance(g, SubjectMaterial)] == [
        {"uscc": "u1"},
        {"uscc": "u2"},
        {"uscc": "u4"},
    ]
    assert store.batches[1] == ["u2", "u3", "u4"]
    assert sorted(store.batches[2:]) == [["u2"], ["u3"], ["u4"]]  # then each alone


def test_checks_asked_in_one_turn_of_the_loop_share_the_first_read() -> None:
    store = _Store()
    store.gate.set()

    async def together() -> None:
        batcher = MaterialBatcher(store.materials)
        await asyncio.gather(*(batcher.get(_ask(n)) for n in (1, 2, 3)))

    asyncio.run(together())
    assert store.batches == [["u1", "u2", "u3"]]


def test_an_idle_batcher_reads_at_once_and_again_later() -> None:
    store = _Store()
    store.gate.set()

    async def twice() -> list[SubjectMaterial]:
        batcher = MaterialBatcher(store.materials)
        return [await batcher.get(_ask(1)), await batcher.get(_ask(2))]

    assert [m.node for m in asyncio.run(twice())] == [{"uscc": "u1"}, {"uscc": "u2"}]
    assert store.batches == [["u1"], ["u2"]]


def test_a_batch_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MaterialBatcher(_Store().materials, 0)
