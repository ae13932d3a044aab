"""Stores behind one interface: choose by URI (a path, or ``bolt://`` / ``neo4j://``)."""

from __future__ import annotations

from graph_service.stores.base import GraphStore

NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_neo4j_uri(uri: str) -> bool:
    """True for a Neo4j URI (direct ``bolt://`` or routing ``neo4j://``, with TLS variants)."""
    return uri.startswith(NEO4J_SCHEMES)


def open_store(uri: str) -> GraphStore:
    """Open the store named by ``uri``: a file path → embedded, a Neo4j URI → Neo4j."""
    if is_neo4j_uri(uri):
        from graph_service.stores.neo4j import Neo4jStore

        return Neo4jStore(uri)
    from graph_service.stores.embedded import EmbeddedStore

    return EmbeddedStore(uri)
