"""How the Neo4j store writes a load: rows whose item is missing go to the generated
``create_<table>`` queries (no ``Eager`` in their plans), the rest that differ to the upsert
``write_<table>``; a create batch that finds items stored already (a concurrent writer) is
rolled back and upserted. Whichever way a row goes, the graph is the upsert's, and a load cut
short is completed by running it again."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.queries import cypher
from graph_service.schema.creates import create_queries
from graph_service.stores.base import BatchMeta, WriteCounts
from graph_service.stores.hashing import content_hash
from graph_service.stores.neo4j import _KINDS, Neo4jStore
from graph_service.synth import generate
from loaders.load import LoadReport, load_directory
from tests.conftest import NEO4J_URI, RING, _wipe
from tests.factories import pid, uscc

#: Everything a load leaves but its log and the store's own nodes, as comparable text
#: (test-only reads: they return hashes and sealed IDs, which no store query shows).
_NODES = """MATCH (n) WHERE NOT (n:CreditGraphTestDatabase OR n:StoreVersion OR n:Load)
RETURN labels(n) AS labels, properties(n) AS props"""
_RELATIONSHIPS = """MATCH (a)-[r]->(b) RETURN type(r) AS type, properties(a) AS a,
properties(r) AS props, properties(b) AS b"""


@pytest.fixture
def neo(neo4j_driver: Any) -> Iterator[Neo4jStore]:
    _wipe(neo4j_driver)
    store = Neo4jStore(str(NEO4J_URI), driver=neo4j_driver)
    yield store
    store.close()


def _graph(store: Neo4jStore) -> list[str]:
    """Every node and relationship with its properties (a sealed ID only as being there: the
    seal is random)."""
    out = []
    for query in (_NODES, _RELATIONSHIPS):
        records, _, _ = store.driver.execute_query(query)  # type: ignore[arg-type]
        for r in records:
            item = r.data()
            for value in item.values():
                if isinstance(value, dict) and "id_sealed" in value:
                    value["id_sealed"] = "sealed"
            out.append(json.dumps(item, sort_keys=True, ensure_ascii=False))
    return sorted(out)


def _spy_creates(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each create batch the store runs from now on: (its query, whether it created the batch
    rather than falling back to the upsert)."""
    create = Neo4jStore._create
    runs: list[tuple[str, bool]] = []

    def spy(store: Neo4jStore, name: str, *args: Any) -> bool:
        done = create(store, name, *args)
        runs.append((f"create_{name}", done))
        return done

    monkeypatch.setattr(Neo4jStore, "_create", spy)
    return runs


def _meta(n: int) -> BatchMeta:
    return BatchMeta(batch_id=f"batch-{n}", loaded_at=f"2026-01-0{n}T00:00:00+00:00")


def _same_day(n: int) -> BatchMeta:
    """Load ``n`` of the first day (a row's latest date depends on the day of its load)."""
    return BatchMeta(batch_id=f"batch-{n}", loaded_at=_meta(1).loaded_at)


def _rewrite(src: Path, dst: Path, keep: int, note: bool) -> None:
    """``src``'s files in ``dst``: ``keep`` rows of 3 kept (all when 3), every fifth entity
    renamed when rows are dropped, and a column the schema does not name on roles and records
    (``note``, on every other row: a row with it goes to the upsert)."""
    dst.mkdir()
    for path in src.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        columns = list(rows[0]) if rows else []
        rows = [r for i, r in enumerate(rows) if i % 3 < keep]
        if path.stem == "entities" and keep < 3:
            for r in rows[::5]:
                r["name"] += "（更名）"
        if path.stem in ("roles", "records") and note:
            columns.append("note")
            for i, r in enumerate(rows):
                r["note"] = "备注" if i % 2 else ""
        with (dst / path.name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated registry (entities carry an extra column, ``address``), and a part of it
    with some entities renamed: loading the part, then the whole, creates, updates and
    leaves rows unchanged."""
    tmp = tmp_path_factory.mktemp("writes")
    generate(tmp / "gen", 500, 5, progress=False)
    _rewrite(tmp / "gen", tmp / "whole", 3, note=True)
    _rewrite(tmp / "whole", tmp / "part", 2, note=False)
    return tmp / "part", tmp / "whole"


def _load(store: Neo4jStore, directory: Path, meta: BatchMeta, rejects: Path) -> LoadReport:
    """Load ``directory`` in batches of 200 rows (several batches: the parallel writers each
    take a part of a file)."""
    return load_directory(
        directory, store, RING, progress=False, batch_size=200, meta=meta, rejects_path=rejects
    )


def _load_twice(store: Neo4jStore, registry: tuple[Path, Path], tmp: Path) -> list[str]:
    part, whole = registry
    for n, directory in enumerate((part, whole), start=1):
        _load(store, directory, _meta(n), tmp / f"{n}.csv")
    return _graph(store)


def test_the_create_path_gives_the_graph_the_upsert_gives(
    neo: Neo4jStore,
    neo4j_driver: Any,
    registry: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first load (every row created without a read) and a second one (the read sorts the
    rows into missing, changed and unchanged) leave the graph that upserting every row does."""
    runs = _spy_creates(monkeypatch)
    created = _load_twice(neo, registry, tmp_path)
    assert {name for name, done in runs if done} == set(create_queries())
    _wipe(neo4j_driver)
    monkeypatch.setattr(Neo4jStore, "_create", lambda *_: False)
    upserted = _load_twice(neo, registry, tmp_path)
    assert created == upserted
    assert any('"address"' in item for item in created)  # an extra node column went in
    assert any('"note"' in item for item in created)  # and an extra relationship column


def _entity_rows(n: int, name: str = "企业") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "uscc": uscc(i),
            "name": f"{name}{i}",
            "region_code": "130126",
            "org_type": "enterprise",
            "registered_on": "2020-01-01",
            "source": "test",
        }
        for i in range(n)
    ]
    for r in rows:
        r["_h"] = r["_src"] = content_hash(r)
    return rows


def _begin(store: Neo4jStore, meta: BatchMeta) -> None:
    store.begin_load({"batch_id": meta.batch_id, "directory": "t", "started_at": meta.loaded_at})


def test_a_first_load_creates_every_batch_without_falling_back(
    neo: Neo4jStore, registry: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into an empty store, every kind's rows go to its create query, none to the upsert (the
    record events of the load aside: they write new versions of records it created), and
    loading the same files again changes nothing."""
    runs = _spy_creates(monkeypatch)
    part, _ = registry
    first = _load(neo, part, _same_day(1), tmp_path / "r.csv")
    assert {name for name, _ in runs} == set(create_queries())
    assert all(done for name, done in runs if name != "create_records"), runs
    assert all(f.created == f.loaded for f in first.files if f.kind != "record_events")
    graph, runs[:] = _graph(neo), []
    again = _load(neo, part, _same_day(2), tmp_path / "r.csv")
    assert not runs and _graph(neo) == graph
    assert sum(f.created + f.updated for f in again.files) == 0


def test_a_create_batch_that_finds_nodes_made_meanwhile_is_upserted(
    neo: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database was empty when the load began (its rows are created without a read); a
    concurrent writer made three of the entities since, one of them with other content: the
    create batch is rolled back, and the upsert writes it."""
    meta, other = _meta(1), _meta(2)
    _begin(neo, meta)
    rows = _entity_rows(10)
    neo.write("entities", rows[:2] + _entity_rows(3, "别名")[2:], other)
    runs = _spy_creates(monkeypatch)
    assert neo.write("entities", rows, meta) == WriteCounts(created=7, updated=1, unchanged=2)
    assert runs == [("create_entities", False)]
    first = {e["uscc"]: e["first_batch_id"] for e in next(neo.scan_nodes("Entity"))}
    assert sorted(first.values()).count(other.batch_id) == 3
    assert neo.entity(uscc(2))["name"] == "企业2"  # type: ignore[index]
    again = _entity_rows(12)
    assert neo.write("entities", again, meta) == WriteCounts(created=2, unchanged=10)


def test_a_create_batch_that_finds_relationships_made_meanwhile_is_upserted(
    neo: Neo4jStore,
) -> None:
    meta, other = _meta(1), _meta(2)
    neo.write("entities", _entity_rows(1), other)
    person = {"key": RING.key(pid(1)), "name": "张三", "id_masked": "x", "source": "test"}
    person["_h"] = person["_src"] = content_hash(person)
    neo.write("persons", [person], other)
    _begin(neo, meta)  # roles: none stored yet
    roles: list[dict[str, Any]] = [
        {
            "person_key": person["key"],
            "uscc": uscc(0),
            "role": "legal_rep",
            "start_date": f"201{i}-01-01",
            "source": "test",
        }
        for i in range(4)
    ]
    for r in roles:
        r["_h"] = r["_src"] = content_hash(r)
    neo.write("roles", roles[:1], other)
    assert neo.write("roles", roles, meta) == WriteCounts(created=3, unchanged=1)
    stored = neo.relations("person", person["key"])["roles"]
    assert len(stored) == 4


def test_a_row_naming_a_missing_node_fails_the_create_path_as_the_upsert(
    neo: Neo4jStore,
) -> None:
    meta = _meta(1)
    _begin(neo, meta)
    role = {"person_key": "nobody", "uscc": uscc(0), "role": "legal_rep", "source": "t"}
    role |= {"start_date": "2020-01-01", "_h": "h", "_src": "h"}
    with pytest.raises(RuntimeError, match="a referenced node is missing"):
        neo.write("roles", [role], meta)
    assert not neo.relations("entity", uscc(0))["roles"]


def _operators(plan: Any) -> Iterator[str]:
    yield plan["operatorType"]
    for child in plan.get("children", []):
        yield from _operators(child)


def _without_provenance(graph: list[str]) -> list[str]:
    """``graph`` without the batch and time of the load that wrote each item."""
    out = []
    for text in graph:
        item = json.loads(text)
        for value in item.values():
            if isinstance(value, dict):
                for name in ("batch_id", "first_batch_id", "loaded_at"):
                    value.pop(name, None)
        out.append(json.dumps(item, sort_keys=True, ensure_ascii=False))
    return sorted(out)


@pytest.mark.parametrize("cut", ["create_persons", "create_roles"])
def test_a_load_cut_short_in_a_batch_is_completed_by_running_it_again(
    neo: Neo4jStore,
    neo4j_driver: Any,
    registry: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cut: str,
) -> None:
    """The second batch of a kind fails after half its rows are written (the load stops
    there, with the nodes of a fresh kind partly created); running the load again gives the
    graph one whole load gives."""
    _, whole = registry
    _load(neo, whole, _same_day(1), tmp_path / "r.csv")
    expected = _without_provenance(_graph(neo))
    _wipe(neo4j_driver)
    create, calls = Neo4jStore._create, []

    def failing(store: Neo4jStore, name: str, kind: Any, rows: list[Any], meta: Any) -> bool:
        calls.append(name)
        if f"create_{name}" == cut and calls.count(name) == 2:
            create(store, name, kind, rows[: len(rows) // 2], meta)
            raise RuntimeError("the loader died in the middle of a batch")
        return create(store, name, kind, rows, meta)

    monkeypatch.setattr(Neo4jStore, "_create", failing)
    with pytest.raises(RuntimeError, match="died"):
        _load(neo, whole, _same_day(2), tmp_path / "r.csv")
    monkeypatch.undo()
    kind = next(k for k, s in _KINDS.items() if f"create_{s.table}" == cut)
    assert 0 < neo.counts()[_KINDS[kind].name] < len(expected)  # cut short: part of the kind
    _load(neo, whole, _same_day(3), tmp_path / "r.csv")
    assert _without_provenance(_graph(neo)) == expected


@pytest.mark.parametrize("name", sorted(create_queries()))
def test_no_create_query_plans_an_eager(neo: Neo4jStore, name: str) -> None:
    """The reason the create queries exist: an ``Eager`` operator holds every row of a batch
    before the writes (a relationship ``MERGE`` with ``SET r += map`` plans one)."""
    _, summary, _ = neo.driver.execute_query(
        "EXPLAIN " + cypher(name),  # type: ignore[arg-type]
        rows=[],
        batch_id="b",
        loaded_at="t",
    )
    operators = [op.split("@")[0] for op in _operators(summary.plan)]
    assert "Merge" in operators or "LockingMerge" in operators, name
    assert "Eager" not in operators, name
