"""What the store holds."""

from __future__ import annotations

from graph_service.services.models import Info
from graph_service.stores.base import GraphStore


def info(store: GraphStore) -> Info:
    """Counts per label and type, and the load log."""
    return Info(backend=store.backend, counts=store.counts(), loads=store.loads())
