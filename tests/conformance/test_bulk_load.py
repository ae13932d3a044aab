"""A first load through Neo4j's bulk importer gives the graph the incremental loader gives.

The bulk import replaces the test server's database, so it runs only when this suite can
restart that server itself: ``NEO4J_TEST_URI`` must be the server of ``scripts/neo4j-local``
(same ``NEO4J_BOLT_PORT``). The test puts the suite's marker back afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlparse

import pytest

from graph_service.exports.snapshot import TABLES, read_snapshot
from graph_service.queries import cypher
from graph_service.settings import get_settings
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore
from graph_service.stores.neo4j import Neo4jStore
from loaders.bulk import BulkLoadError, bulk_load
from loaders.load import load_directory
from tests.conftest import NEO4J_URI, RING
from tests.factories import small_registry, write_csv

PROVENANCE = ("batch_id", "loaded_at", "first_batch_id")


def _tables(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    snapshot = read_snapshot(store, progress=False)
    out = {}
    for name in TABLES:
        rows = [{k: v for k, v in r.items() if k not in PROVENANCE} for r in snapshot.rows(name)]
        out[name] = sorted(rows, key=repr)
    return out


def _own_server() -> bool:
    port = urlparse(NEO4J_URI or "").port
    return port is not None and str(port) == os.environ.get("NEO4J_BOLT_PORT", "7687")


@pytest.fixture
def empty_neo4j(neo4j_driver: Any) -> Any:
    """The test database, empty; marked as the suite's again afterwards."""
    with neo4j_driver.session() as session:
        session.run(cypher("wipe_test_database")).consume()  # type: ignore[arg-type]
    yield neo4j_driver
    with neo4j_driver.session() as session:
        session.run(cypher("wipe_test_database")).consume()  # type: ignore[arg-type]
        session.run(cypher("test_database_marker")).consume()  # type: ignore[arg-type]


def test_bulk_load_gives_the_incremental_graph(empty_neo4j: Any, tmp_path: Path) -> None:
    if not _own_server():
        pytest.skip("NEO4J_TEST_URI is not the server of scripts/neo4j-local (NEO4J_BOLT_PORT)")
    ids = small_registry(tmp_path / "in")
    incremental = EmbeddedStore(tmp_path / "g.graph")
    load_directory(tmp_path / "in", incremental, RING, progress=False)
    report = bulk_load(
        tmp_path / "in",
        cast(str, NEO4J_URI),
        RING,
        import_command=get_settings().neo4j_import_command,
        progress=False,
    )
    assert report.rejected == 0
    bulk = Neo4jStore(cast(str, NEO4J_URI))
    try:
        assert bulk.counts() == incremental.counts()
        assert _tables(bulk) == _tables(incremental)
        assert [x["batch_id"] for x in bulk.loads()] == [report.batch_id]
        person = bulk.person(RING.key(ids["p1"]))
        assert person is not None and person["first_batch_id"] == report.batch_id
        sealed = bulk.sealed_person_id(RING.key(ids["p1"]))
        assert sealed is not None and RING.unseal(sealed) == ids["p1"]
        # A second load of the same files over the imported graph changes nothing.
        again = load_directory(tmp_path / "in", bulk, RING, progress=False)
        assert sum(f.created + f.updated for f in again.files) == 0
    finally:
        bulk.close()


def test_bulk_load_refuses_a_database_that_is_not_empty(empty_neo4j: Any, tmp_path: Path) -> None:
    write_csv(tmp_path / "one" / "persons.csv", [{"person_id": "11010519491231002X", "name": "甲"}])
    store = Neo4jStore(cast(str, NEO4J_URI), driver=empty_neo4j)
    load_directory(tmp_path / "one", store, RING, progress=False)
    small_registry(tmp_path / "in")
    with pytest.raises(BulkLoadError, match="not empty"):
        bulk_load(tmp_path / "in", cast(str, NEO4J_URI), RING, import_command="false")
    assert store.counts() == {"Person": 1}
