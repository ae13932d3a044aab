"""The Python client for analysts: one call, :func:`connect`, to an embedded store file, to
Neo4j or to a running service, and the same answers from each — pandas DataFrames (entities,
roles over time, holdings, records, relocation flags, check results), networkx graphs of a
neighbourhood or a region, and inline pyvis views for Jupyter.

>>> from graph_service.client import connect
>>> cg = connect("data/reg.cgraph")                                          # doctest: +SKIP
>>> cg = connect("bolt://127.0.0.1:7687")                                   # doctest: +SKIP
>>> cg = connect("http://127.0.0.1:8000", api_key="demo-investigator")      # doctest: +SKIP
>>> cg.relocations(on="2024-06-01", level="city").head()                   # doctest: +SKIP
>>> cg.show(cg.region_graph("130126"))                                      # doctest: +SKIP

Locally the client uses the store and the engines directly; over HTTP it calls the service's
``/v1`` endpoints (with ``httpx``), so what a key's role may not see is refused there (403,
raised as :class:`~graph_service.problems.Forbidden`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph_service.client.backends import Backend, HttpBackend, LocalBackend, ServiceError
from graph_service.client.core import Client
from graph_service.client.views import GraphView, edge_frame, node_frame, view
from graph_service.engine.subjects import subject_kind
from graph_service.errors import StoreUnavailable
from graph_service.services.access import Role
from graph_service.stores.base import GraphStore

__all__ = [
    "Backend",
    "Client",
    "GraphView",
    "HttpBackend",
    "LocalBackend",
    "ServiceError",
    "connect",
    "edge_frame",
    "node_frame",
    "subject_kind",
    "view",
]

HTTP_SCHEMES = ("http://", "https://")


def connect(
    target: str | Path | GraphStore,
    *,
    api_key: str | None = None,
    role: Role = "regulator",
    secret: str | None = None,
    audit_log: Path | None = None,
    progress: bool = True,
    timeout: float = 60.0,
    http: Any | None = None,
) -> Client:
    """A :class:`Client` over ``target``.

    Parameters
    ----------
    target:
        An embedded store file (it must exist), a ``bolt://`` / ``neo4j://`` URI (with
        ``NEO4J_USER`` / ``NEO4J_PASSWORD`` from the settings), an ``http(s)://`` service URL,
        or an open :class:`~graph_service.stores.base.GraphStore` (left open on close).
    api_key:
        The service key (HTTP only); its role decides what the service answers.
    role:
        Locally, what answers show as that role of the service would: ``investigator`` sees
        full ID numbers (unsealed with ``secret``); others see them masked.
    secret:
        The person-key secret the data was loaded with (default ``GRAPH_PERSON_KEY_SECRET``):
        it turns ID numbers typed in questions into person keys.
    audit_log:
        Locally, a file to append person accesses to (as the service does); default none.
    progress:
        Progress bars (terminal or notebook) for long operations.
    timeout, http:
        HTTP: seconds per request, or an ``httpx.Client`` to use (e.g. a test client).

    Raises :class:`~graph_service.errors.StoreUnavailable` when the store file is missing or
    Neo4j cannot be reached.
    """
    if isinstance(target, GraphStore):
        backend: Backend = LocalBackend(
            target, secret=_secret(secret), role=role, audit_log=audit_log, owns_store=False
        )
        return Client(backend, progress=progress)
    text = str(target)
    if text.startswith(HTTP_SCHEMES):
        return Client(HttpBackend(text, api_key, timeout=timeout, http=http), progress=progress)
    from graph_service.stores import is_neo4j_uri, open_store

    if not is_neo4j_uri(text) and not Path(text).is_file():
        raise StoreUnavailable(
            f"图存储文件不存在：{text}", f"no store file at {text} (load one first)"
        )
    store = open_store(text)
    return Client(
        LocalBackend(store, secret=_secret(secret), role=role, audit_log=audit_log),
        progress=progress,
    )


def _secret(secret: str | None) -> str:
    if secret is not None:
        return secret
    from graph_service.settings import get_settings

    return get_settings().graph_person_key_secret.get_secret_value()
