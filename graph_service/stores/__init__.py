"""Stores behind one interface: choose by URI (a path, or ``bolt://`` / ``neo4j://``).

A path ending in ``.cgraph`` (the default's) opens the compact embedded store
(:mod:`.compact`: columnar arrays, Arrow IPC files); any other path the pickle store
(:mod:`.embedded`). A ``.cgraph`` path that does not exist beside an old ``.graph`` store is
refused with the command that migrates it.

:func:`open_store` is the one way code outside this package opens a store; it takes the
store's options from :class:`~graph_service.settings.Settings`, so the stores themselves read
no settings (and import nothing above them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph_service.settings import is_neo4j_uri
from graph_service.stores.base import GraphStore

if TYPE_CHECKING:
    from graph_service.settings import Settings
    from graph_service.stores.neo4j import Neo4jStore


def open_store(uri: str, settings: Settings | None = None) -> GraphStore:
    """Open the store named by ``uri``: a file path → embedded (compact for ``*.cgraph``,
    else pickle), a Neo4j URI → Neo4j (with
    the user, database and driver limits of ``settings``, default the process's).
    Raises :class:`~graph_service.errors.StoreUnavailable` when it cannot be reached."""
    if is_neo4j_uri(uri):
        return open_neo4j(uri, settings)
    if uri.endswith(".cgraph"):
        from graph_service.stores.compact import CompactStore, refuse_beside_an_old_store

        refuse_beside_an_old_store(uri)
        return CompactStore(uri)
    from graph_service.stores.embedded import EmbeddedStore

    return EmbeddedStore(uri)


def open_neo4j(uri: str, settings: Settings | None = None) -> Neo4jStore:
    """The Neo4j store at ``uri``, configured from ``settings`` (for what only Neo4j does:
    the bulk import's emptiness check)."""
    from graph_service.settings import get_settings
    from graph_service.stores.neo4j import Neo4jStore

    s = settings or get_settings()
    return Neo4jStore(
        uri,
        database=s.neo4j_database,
        user=s.neo4j_user,
        password=s.neo4j_password.get_secret_value(),
        connect_timeout=s.neo4j_connect_timeout,
        acquire_timeout=s.neo4j_acquire_timeout,
        retry_time=s.neo4j_retry_time,
        query_timeout=s.graph_request_timeout,
    )


__all__ = ["GraphStore", "is_neo4j_uri", "open_neo4j", "open_store"]
