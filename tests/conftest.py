"""Shared fixtures: a store of each kind, each empty at the start of a test.

The Neo4j store is the real server started by ``scripts/neo4j-local`` (``scripts/test`` does
it and sets ``NEO4J_TEST_URI``). Tests only ever wipe a database that carries the marker
node this suite created when it found the database empty: never somebody else's data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, settings
from neo4j import GraphDatabase

from graph_service.ids.person_key import PersonKeyring
from graph_service.queries import cypher
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore

# The machines are shared: generating examples may be slow, and timing is not what the
# properties test (speed is measured in bench/).
settings.register_profile("shared", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shared")

RING = PersonKeyring("test-secret")
NEO4J_URI = os.environ.get("NEO4J_TEST_URI")


@pytest.fixture(autouse=True)
def audit_log_of_the_session(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The CLI audits what the service audits, to ``GRAPH_AUDIT_LOG``: in tests that is a log
    of the test session, never ``data/audit.jsonl`` of the checkout (a test that names its own
    log sets the variable again)."""
    from graph_service.settings import get_settings

    path = tmp_path_factory.getbasetemp() / "audit.jsonl"
    monkeypatch.setenv("GRAPH_AUDIT_LOG", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def neo4j_driver() -> Iterator[object]:
    if not NEO4J_URI:
        pytest.skip("NEO4J_TEST_URI not set: run scripts/test, which starts Neo4j")
    # A connection is checked before reuse: the bulk-import test restarts the server.
    driver = GraphDatabase.driver(NEO4J_URI, auth=None, liveness_check_timeout=0)
    records, _, _ = driver.execute_query(cypher("test_database_marker"))  # type: ignore[arg-type]
    if not records[0]["marked"]:
        driver.close()
        pytest.fail(
            f"{NEO4J_URI} holds data and no test marker: refusing to use it for tests. "
            "Point NEO4J_TEST_URI at the server scripts/neo4j-local starts."
        )
    yield driver
    driver.close()


def _wipe(driver: object) -> None:
    with driver.session() as session:  # type: ignore[attr-defined]
        session.run(cypher("wipe_test_database")).consume()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each kind: the conformance suite runs every test on both."""
    if request.param == "embedded":
        yield EmbeddedStore(tmp_path / "store.graph")
        return
    from graph_service.stores.neo4j import Neo4jStore

    driver = request.getfixturevalue("neo4j_driver")
    _wipe(driver)
    neo = Neo4jStore(cast(str, NEO4J_URI), driver=driver)  # type: ignore[arg-type]
    yield neo
    neo.close()
