"""The store as the service holds it: opened once (in the app's lifespan), reopened when it
comes back, and every failure to reach it turned into :class:`StoreUnavailable` (503).

- Neo4j: one driver for the process, with bounded timeouts so that no request waits long
  for a server that went away; the driver reconnects by itself once the server is back.
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

from neo4j.exceptions import DriverError, Neo4jError, TransientError

from graph_service.api.problems import RequestTimeout
from graph_service.errors import StoreUnavailable
from graph_service.settings import get_settings
from graph_service.stores import is_neo4j_uri
from graph_service.stores.base import GraphStore

log = logging.getLogger("graph_service.api")

#: Seconds between attempts to open a store that could not be opened.
RETRY_SECONDS = 2.0
#: Neo4j driver limits for the service (seconds).
NEO4J_CONNECT_TIMEOUT = 5.0
NEO4J_ACQUIRE_TIMEOUT = 10.0
NEO4J_RETRY_TIME = 5.0


def _open(uri: str) -> tuple[GraphStore, object | None]:
    """Open the store at ``uri``; returns it and the driver the holder owns (Neo4j)."""
    if is_neo4j_uri(uri):
        from neo4j import GraphDatabase

        from graph_service.stores.neo4j import Neo4jStore

        settings = get_settings()
        password = settings.neo4j_password.get_secret_value()
        try:
            driver = GraphDatabase.driver(
                uri,
                auth=(settings.neo4j_user, password) if password else None,
                connection_timeout=NEO4J_CONNECT_TIMEOUT,
                connection_acquisition_timeout=NEO4J_ACQUIRE_TIMEOUT,
                max_transaction_retry_time=NEO4J_RETRY_TIME,
            )
        except (ValueError, DriverError) as exc:
            raise StoreUnavailable(
                f"Neo4j地址无效：{uri}", f"not a usable Neo4j URI {uri}: {exc}"
            ) from exc
        try:
            return Neo4jStore(uri, driver=driver), driver
        except BaseException:
            driver.close()
            raise
    from graph_service.stores.embedded import EmbeddedStore

    _require_file(Path(uri))
    return EmbeddedStore(uri), None


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise StoreUnavailable(
            f"图存储文件{path}不存在：请先加载数据（python -m graph_service load）",
            f"the store file {path} does not exist: load data first (python -m graph_service load)",
        )


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
        self._driver: object | None = None
        self._last_error: StoreUnavailable | None = None
        self._last_attempt = 0.0
        self._opening = threading.Lock()
        self._embedded_lock = threading.Lock()
        #: Longest wait for the embedded store's lock before answering 504.
        self.wait = wait

    @property
    def description(self) -> str:
        """The store's URI or path, for /v1/info and logs (no credentials are in it)."""
        if self.uri is not None:
            return self.uri
        path = getattr(self._store, "path", None) or getattr(self._store, "uri", "")
        return str(path)

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
                self._store, self._driver = _open(self.uri)
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
        """The store for one request; driver and file errors come out as StoreUnavailable."""
        store = self._get()
        embedded = store.backend == "embedded"
        if embedded:
            path = getattr(store, "path", None)
            if isinstance(path, Path):
                _require_file(path)
            if not self._embedded_lock.acquire(timeout=self.wait):
                raise RequestTimeout(
                    "图存储繁忙，请稍后重试", "the graph store is busy; retry shortly"
                )
        try:
            yield store
        except (DriverError, TransientError) as exc:
            raise StoreUnavailable(
                "图存储暂不可用，请稍后重试", f"the graph store cannot be reached: {exc}"
            ) from exc
        except Neo4jError as exc:
            if exc.code and "TimedOut" in exc.code:
                raise RequestTimeout(
                    "查询超时：请缩小范围（减少跳数或邻居数）后重试",
                    "the query took too long: narrow it (fewer hops or neighbours) and retry",
                ) from exc
            if exc.code and "Unavailable" in exc.code:
                raise StoreUnavailable(
                    "图存储暂不可用，请稍后重试", f"the graph store is unavailable: {exc}"
                ) from exc
            raise
        finally:
            if embedded:
                self._embedded_lock.release()

    def close(self) -> None:
        """Close the store (and driver) if this holder opened it."""
        if self._own and self._store is not None:
            self._store.close()
            close = getattr(self._driver, "close", None)
            if callable(close):
                close()
            self._store = None
