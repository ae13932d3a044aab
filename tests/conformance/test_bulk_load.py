"""A first load through Neo4j's bulk importer gives the graph the incremental loader gives.

The importer replaces a database and restarts its server, so these tests run their own
server (``scripts/neo4j-local`` with its own home and port, the jars shared with the test
server's home), never the shared test server. They run when the Neo4j half of the suite runs
(``NEO4J_TEST_URI`` set).
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.exports.snapshot import TABLES, read_snapshot
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore
from graph_service.stores.neo4j import Neo4jStore
from loaders.bulk import BulkLoadError, bulk_load
from loaders.load import load_directory
from tests.conftest import NEO4J_URI, RING, _wipe
from tests.factories import small_registry, write_csv

pytestmark = pytest.mark.slow  # stops and restarts Neo4j

PROVENANCE = ("batch_id", "loaded_at", "first_batch_id")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "neo4j-local"


def _tables(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    snapshot = read_snapshot(store, progress=False)
    out = {}
    for name in TABLES:
        rows = [{k: v for k, v in r.items() if k not in PROVENANCE} for r in snapshot.rows(name)]
        out[name] = sorted(rows, key=repr)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(Bolt URI, import command) of a server of this module's own."""
    if not NEO4J_URI:
        pytest.skip("NEO4J_TEST_URI not set: run scripts/test, which starts Neo4j")
    home = tmp_path_factory.mktemp("neo4j-bulk")
    shared = Path(os.environ.get("NEO4J_LOCAL_HOME", SCRIPT.parents[1] / ".cache" / "neo4j"))
    if (shared / "lib").is_dir():
        (home / "lib").symlink_to(shared / "lib")  # no second download of the jars
    env = os.environ | {"NEO4J_LOCAL_HOME": str(home), "NEO4J_BOLT_PORT": str(_free_port())}
    env.setdefault("NEO4J_START_TIMEOUT", "300")
    subprocess.run([str(SCRIPT), "start"], env=env, check=True, capture_output=True)
    saved = {k: os.environ.get(k) for k in ("NEO4J_LOCAL_HOME", "NEO4J_BOLT_PORT")}
    os.environ.update({k: env[k] for k in saved})  # the import command finds this server
    try:
        yield f"bolt://127.0.0.1:{env['NEO4J_BOLT_PORT']}", f"{shlex.quote(str(SCRIPT))} import"
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        subprocess.run([str(SCRIPT), "stop"], env=env, check=False, capture_output=True)


def test_bulk_load_gives_the_incremental_graph(own_server: tuple[str, str], tmp_path: Path) -> None:
    uri, command = own_server
    ids = small_registry(tmp_path / "in")
    incremental = EmbeddedStore(tmp_path / "g.graph")
    load_directory(tmp_path / "in", incremental, RING, progress=False)
    report = bulk_load(
        tmp_path / "in", uri, RING, import_command=command, progress=False, parallel=True
    )
    assert report.rejected == 0
    bulk = Neo4jStore(uri)
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


def _history(store: GraphStore, record_id: str) -> list[dict[str, Any]]:
    """A record's versions without provenance, the current one last (earlier ones of one
    load carry the same stamps, so the stores may list them in any order: by their events)."""
    *earlier, current = [
        {k: v for k, v in version.items() if k not in PROVENANCE}
        for version in store.record_history(record_id)
    ]
    return [*sorted(earlier, key=lambda v: len(v.get("events", []))), current]


def test_bulk_load_applies_record_events_as_the_incremental_loader_does(
    own_server: tuple[str, str], tmp_path: Path
) -> None:
    """Events, valid and not, in any order: the same graph (versions and the persons events
    name included), the same report and the same rejects as an incremental load."""
    uri, command = own_server
    ids = small_registry(tmp_path / "in")
    p1, p2 = ids["p1"], ids["p2"]
    write_csv(
        tmp_path / "in" / "record_events.csv",
        [
            {"record_id": "R1", "event": "resolve", "on": "2020-03-01", "outcome": "upheld"},
            {"record_id": "R1", "event": "object", "on": "2020-01-10", "reason": "当事人异议"},
            {"record_id": "R1", "event": "add_person", "on": "2020-04-01", "person_id": p2},
            {"record_id": "R1", "event": "add_person", "on": "2020-05-01", "person_id": p2},
            {"record_id": "R1", "event": "release_person", "on": "2020-06-01", "person_id": p1},
            {
                "record_id": "R1",
                "event": "extend",
                "on": "2020-07-01",
                "effective_to": "2030-01-01",
            },
            {"record_id": "R1", "event": "object", "on": "2020-07-01"},
            {
                "record_id": "R1",
                "event": "object",
                "on": "2020-01-10",
                "reason": "当事人异议",
            },  # dup
            {"record_id": "R2", "event": "object", "on": "2022-01-05"},  # R2 is repaired
            {"record_id": "R2", "event": "remove", "on": "2022-02-01", "outcome": "performed"},
            {"record_id": "NO-SUCH", "event": "object", "on": "2021-05-01"},
            {"record_id": "R2", "event": "object", "on": "2021-13-01"},
        ],
    )
    incremental = EmbeddedStore(tmp_path / "g.graph")
    inc = load_directory(
        tmp_path / "in", incremental, RING, rejects_path=tmp_path / "inc.csv", progress=False
    )
    earlier = Neo4jStore(uri)  # holds the graph of the test before
    _wipe(earlier.driver)
    earlier.close()
    report = bulk_load(
        tmp_path / "in",
        uri,
        RING,
        import_command=command,
        progress=False,
        parallel=True,
        rejects_path=tmp_path / "bulk.csv",
    )
    files = [(f.file, f.rows, f.created, f.updated, f.unchanged, f.rejected) for f in report.files]
    assert files == [
        (f.file, f.rows, f.created, f.updated, f.unchanged, f.rejected) for f in inc.files
    ]
    assert next(f for f in report.files if f.kind == "record_events").rejected >= 4
    assert (tmp_path / "bulk.csv").read_bytes() == (tmp_path / "inc.csv").read_bytes()
    bulk = Neo4jStore(uri)
    try:
        assert bulk.counts() == incremental.counts()
        assert _tables(bulk) == _tables(incremental)
        for record_id in ("R1", "R2"):
            assert len(bulk.record_history(record_id)) > 1
            assert _history(bulk, record_id) == _history(incremental, record_id)
        assert [x["batch_id"] for x in bulk.loads()] == [report.batch_id]
        # The events are part of the graph as imported: loading them again changes nothing.
        again = load_directory(tmp_path / "in", bulk, RING, progress=False)
        assert sum(f.created + f.updated for f in again.files) == 0
    finally:
        bulk.close()


def test_bulk_load_refuses_a_database_that_is_not_empty(
    own_server: tuple[str, str], tmp_path: Path
) -> None:
    uri, _ = own_server  # runs after the import test: the database holds its graph
    write_csv(tmp_path / "one" / "persons.csv", [{"person_id": "11010519491231002X", "name": "甲"}])
    store = Neo4jStore(uri)
    try:
        load_directory(tmp_path / "one", store, RING, progress=False)
        before = store.counts()
        small_registry(tmp_path / "in")
        with pytest.raises(BulkLoadError, match="not empty"):
            bulk_load(tmp_path / "in", uri, RING, import_command="false")
        assert store.counts() == before
    finally:
        store.close()


def test_a_load_failing_before_the_import_starts_the_server_again(
    own_server: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server is stopped while the files are validated: a validation that fails leaves it
    running again, with nothing imported."""
    uri, command = own_server
    earlier = Neo4jStore(uri)
    _wipe(earlier.driver)
    earlier.close()
    small_registry(tmp_path / "in")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr("loaders.bulk.validate_files", broken)
    with pytest.raises(OSError, match="no space"):
        bulk_load(tmp_path / "in", uri, RING, import_command=command, progress=False)
    store = Neo4jStore(uri)
    try:
        assert store.is_empty()
    finally:
        store.close()
