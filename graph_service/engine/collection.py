"""Python's cyclic garbage collector paused for a nationwide pass.

A pass builds millions of small containers that live until it ends (the rows a scan
decodes, a registry's columns, a table's cells). The collector runs each time allocations
outnumber deallocations by a few hundred, and its older generations walk every container
still alive: over a pass those walks took most of the client's CPU (measured: 70 % of the
registry read from Neo4j at 100k entities, growing faster than the registry). The pass makes
no reference cycles worth collecting — reference counting frees what it drops — so the
collector waits until it ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    """How many blocks (in any thread) are pausing the collector, and whether it ran before
    the first of them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = True


_PAUSE = _Pause()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector (process-wide) while the block runs; it resumes when the
    last block pausing it ends, and only if it was running before the first."""
    with _PAUSE.lock:
        if _PAUSE.holders == 0:
            _PAUSE.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSE.holders += 1
    try:
        yield
    finally:
        with _PAUSE.lock:
            _PAUSE.holders -= 1
            if _PAUSE.holders == 0 and _PAUSE.was_enabled:
                gc.enable()
