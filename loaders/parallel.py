"""Validation in worker processes: a file's chunks validated by ``LOAD_VALIDATORS`` processes
and handed back in file order.

Validating a chunk (:meth:`FrameValidator.validate`: checks, keys, seals, content hashes)
needs nothing but the chunk and the file's header, so workers can do it out of order. What
needs the whole file or the store — duplicates, references, the writes, the rejects file —
stays in the calling process, which reads the file and takes the results chunk by chunk in
order, exactly as without workers. So the rejects and the report are the same either way.

The workers are forked when the pool starts, before the load starts any thread, so they
share the region tables and the contract already read and need no keyring sent to them.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache

import pandas as pd

from graph_service.ids.person_key import PersonKeyring
from loaders.columns import ChunkResult, FrameValidator, warm
from loaders.contract import FileKind, contract
from loaders.readers import Chunk
from loaders.validate import RowValidator

#: Chunks in flight per worker: one validated while the next waits, so no worker idles
#: between two results.
_AHEAD = 2


@dataclass(frozen=True, slots=True)
class FileSpecKey:
    """What a worker needs to build the validator of a file (all of it picklable)."""

    kind: FileKind
    header: tuple[str, ...]
    default_source: str
    latest: str | None

    @classmethod
    def of(cls, row: RowValidator, header: Iterable[str]) -> FileSpecKey:
        """The key of the file ``row`` validates (``header``: its column names)."""
        return cls(row.spec.kind, tuple(header), row.default_source, row.latest)


class ValidationPool:
    """Worker processes validating chunks (until :meth:`close`)."""

    def __init__(self, keyring: PersonKeyring, workers: int) -> None:
        warm()  # built once here, shared by the forked workers
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(keyring,),
        )
        # Fork every worker now, while the load has no thread of its own yet.
        for done in [self._pool.submit(gc.isenabled) for _ in range(workers)]:
            done.result()

    def close(self) -> None:
        """End the workers (chunks still waiting are dropped)."""
        self._pool.shutdown(cancel_futures=True)

    def validated(
        self, key: FileSpecKey, chunks: Iterable[Chunk]
    ) -> Iterator[tuple[Chunk, ChunkResult]]:
        """Each chunk with its verdicts, in file order; up to two chunks per worker are in
        flight while the caller handles the one before. A read error is raised after the
        chunks read before it, as without workers."""
        flight: deque[tuple[Chunk, Future[ChunkResult]]] = deque()
        read = iter(chunks)
        while True:
            try:
                chunk = next(read, None)
            except Exception:
                yield from _in_order(flight)
                raise
            if chunk is None:
                break
            flight.append((chunk, self._pool.submit(_validate, key, chunk.frame)))
            if len(flight) >= _AHEAD * self.workers:
                yield from _in_order(flight, keep=_AHEAD * self.workers - 1)
        yield from _in_order(flight)


def _in_order(
    flight: deque[tuple[Chunk, Future[ChunkResult]]], keep: int = 0
) -> Iterator[tuple[Chunk, ChunkResult]]:
    """The oldest chunks in flight with their verdicts, until ``keep`` are left."""
    while len(flight) > keep:
        chunk, result = flight.popleft()
        yield chunk, result.result()


#: The keyring of this worker process (set when it starts).
_KEYRING: list[PersonKeyring] = []


def _start_worker(keyring: PersonKeyring) -> None:
    # A worker's rows die with each chunk: the cyclic collector would only walk them.
    gc.disable()
    _KEYRING.append(keyring)


@cache
def _validator(key: FileSpecKey) -> FrameValidator:
    row = RowValidator(
        contract()[key.kind], _KEYRING[0], list(key.header), key.default_source, key.latest
    )
    return FrameValidator(row)


def _validate(key: FileSpecKey, frame: pd.DataFrame) -> ChunkResult:
    return _validator(key).validate(frame)
