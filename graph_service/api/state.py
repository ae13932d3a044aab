"""The store as the service holds it: opened once (in the app's lifespan), reopened when it
comes back, and every failure to reach it turned into :class:`StoreUnavailable` (503).

- Neo4j: one driver for the process, with bounded timeouts (``NEO4J_CONNECT_TIMEOUT``,
  ``NEO4J_ACQUIRE_TIMEOUT``, ``NEO4J_RETRY_TIME``) so that no request waits long for a server
  that went away; the driver reconnects by itself once the server is back. The store turns
  driver errors into :class:`StoreUnavailable` and :class:`RequestTimeout` itself.
- Embedded: the store file must exist (a missing file is a store that went away, not an empty
  graph); reads are serialised by a lock, since a reload swaps the graph under a reader.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph_service.errors import RequestTimeout, StoreUnavailable
from graph_service.settings import get_settings
from graph_service.stores import is_neo4j_uri, open_store
from graph_service.stores.base import GraphStore

log = logging.getLogger("graph_service.api")

#: Seconds between attempts to open a store that could not be opened.
RETRY_SECONDS = 2.0


def _open(uri: str) -> GraphStore:
    """Open the store at ``uri`` (an embedded store's file must exist)."""
    if not is_neo4j_uri(uri):
        _require_file(Path(uri))
    return open_store(uri, get_settings())


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise StoreUnavailable(
            f"图存储文件{path}不存在：请先加载数据（python -m graph_service load）",
            f"the store file {path} does not exist: load data first (python -m graph_service load)",
        )


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime) of a store file, None when it is missing."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class StoreHolder:
    """Gives handlers the store, or raises :class:`StoreUnavailable`."""

    def __init__(
        self, uri: str | None = None, store: GraphStore | None = None, *, wait: float = 30.0
    ) -> None:
        if (uri is None) == (store is None):
            raise ValueError("give exactly one of uri and store")
        self.uri = uri
        self._store = store
        self._own = store is None
        self._last_error: StoreUnavailable | None = None
        self._last_attempt = 0.0
        self._opening = threading.Lock()
        self._embedded_lock = threading.Lock()
        #: The embedded store file as the last request under the lock saw it (inode, size,
        #: mtime): a request answered on the event loop must not be the one that reloads it.
        self._file_seen: tuple[int, int, int] | None = None
        #: Longest wait for the embedded store's lock before answering 504.
        self.wait = wait

    @property
    def description(self) -> str:
        """The store's URI or path, for /v1/info and logs (no credentials are in it)."""
        if self.uri is not None:
            return self.uri
        return str(getattr(self._store, "uri", ""))

    def open(self) -> None:
        """Try to open the store now (at start-up); failures are logged, not raised."""
        try:
            self._get()
        except StoreUnavailable as exc:
            log.warning("store not available at start: %s", exc.reason)

    def unlocked(self) -> GraphStore:
        """The open store without the per-request lock, for writes each store makes safe on
        its own (the audit checkpoint); raises StoreUnavailable."""
        return self._get()

    def _get(self) -> GraphStore:
        if self._store is not None:
            return self._store
        assert self.uri is not None
        if not self._opening.acquire(blocking=False):
            raise StoreUnavailable("正在连接图存储", "connecting to the graph store; retry shortly")
        try:
            if self._store is not None:
                return self._store
            now = time.monotonic()
            if self._last_error is not None and now - self._last_attempt < RETRY_SECONDS:
                raise self._last_error
            self._last_attempt = now
            try:
                self._store = _open(self.uri)
            except StoreUnavailable as exc:
                self._last_error = exc
                raise
            self._last_error = None
            log.info("store open: %s (%s)", self.uri, self._store.backend)
            return self._store
        finally:
            self._opening.release()

    @contextmanager
    def use(self) -> Iterator[GraphStore]:
        """The store for one request (the store reports its own outages as
        StoreUnavailable)."""
        store = self._get()
        embedded = store.backend == "embedded"
        if embedded:
            _require_file(Path(store.uri))
            if not self._embedded_lock.acquire(timeout=self.wait):
                raise RequestTimeout(
                    "图存储繁忙，请稍后重试", "the graph store is busy; retry shortly"
                )
        try:
            yield store
        finally:
            if embedded:
                self._file_seen = _file_stamp(Path(store.uri))
                self._embedded_lock.release()

    @contextmanager
    def use_if_free(self) -> Iterator[GraphStore | None]:
        """The embedded store for one request when no other request holds it right now, else
        None (and always None for Neo4j, whose queries wait on the network): for an answer
        cheap enough to compute on the event loop without a hop through the threadpool."""
        store = self._get()
        if store.backend != "embedded" or not self._embedded_lock.acquire(blocking=False):
            yield None
            return
        # A file rewritten by another process (a load) is reloaded in the threadpool, which
        # takes seconds on a big store: never on the loop, which would stop /healthz meanwhile.
        seen = self._file_seen
        if seen is None or _file_stamp(Path(store.uri)) != seen:
            self._embedded_lock.release()
            yield None
            return
        try:
            yield store
        finally:
            self._embedded_lock.release()

    @contextmanager
    def for_job(self) -> Iterator[GraphStore]:
        """The store for a background job (a nationwide pass of minutes). Neo4j: the shared
        store (its driver is thread-safe). An embedded store opened by path: a store object
        of the job's own on the same file, so the pass does not hold requests up behind the
        per-request lock. An embedded store handed in (tests): that store, under the lock."""
        store = self._get()
        if store.backend != "embedded":
            yield store
        elif self.uri is not None:
            with _open(self.uri) as own:
                yield own
        else:
            with self.use() as held:
                yield held

    def close(self) -> None:
        """Close the store (and its driver) if this holder opened it."""
        if self._own and self._store is not None:
            self._store.close()
            self._store = None
