"""Exports: every table as CSV and Parquet, the graph as GraphML and GEXF, a Cypher script
for another Neo4j, and FollowTheMoney entities.

The round trips run on a generated registry of a few thousand entities: GraphML read back by
networkx has the same nodes and edges (attributes included), the tables read back equal the
snapshot, and every FtM entity passes the ``followthemoney`` library's validation. The Cypher
script is loaded into the real Neo4j (when ``NEO4J_TEST_URI`` is set) and the service's own
Neo4j store reads back the same tables.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from graph_service.cli import main
from graph_service.exports import FORMATS, export_snapshot, read_snapshot, to_networkx
from graph_service.exports.cypher import literal, map_key, script_statements, write_cypher
from graph_service.exports.ftm import InvalidEntity, ftm_entities, problems, read_ftm, validate
from graph_service.exports.snapshot import TABLES, Snapshot
from graph_service.exports.tables import read_csv_table
from graph_service.logging import OWN_LOGGERS
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore
from graph_service.synth import generate
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario

ENTITIES = 3000
SEED = 11
#: Text that must survive every format: quotes, backslashes, a line break, a tab, Unicode.
AWKWARD = 'O\'Brien \\ "恒达"\n第二行\t（有限）'


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A generated registry loaded into an embedded store file."""
    tmp = tmp_path_factory.mktemp("registry")
    generate(tmp / "in", ENTITIES, SEED, progress=False)
    path = tmp / "reg.graph"
    load_directory(tmp / "in", EmbeddedStore(path), RING, progress=False)
    yield path


@pytest.fixture(scope="module")
def snapshot(registry: Path) -> Snapshot:
    return read_snapshot(EmbeddedStore(registry), progress=False)


@pytest.fixture(scope="module")
def exported(snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every format but GEXF (tested on a small registry: reading it back is slow)."""
    out = tmp_path_factory.mktemp("export")
    export_snapshot(snapshot, out, [f for f in FORMATS if f != "gexf"], progress=False)
    return out


@pytest.fixture(scope="module")
def graph(snapshot: Snapshot) -> Any:
    return to_networkx(snapshot)


@pytest.fixture
def awkward(tmp_path: Path) -> tuple[Snapshot, dict[str, str]]:
    """The awkward registry's snapshot, and its identifiers."""
    ids = awkward_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "s.graph")
    load_directory(tmp_path / "in", store, RING, progress=False)
    return read_snapshot(store, progress=False), ids


def _edges(g: Any) -> list[tuple[str, str, str, tuple[tuple[str, Any], ...]]]:
    return sorted(
        (u, v, k, tuple(sorted(d.items()))) for u, v, k, d in g.edges(keys=True, data=True)
    )


def awkward_registry(directory: Path) -> dict[str, str]:
    """A few entities whose texts need escaping everywhere, with every kind of relationship."""
    s = Scenario()
    organ = s.entity("县人民政府", org_type="state_organ")
    a = s.entity(AWKWARD, superior=organ, org_type="state_owned_enterprise")
    b = s.entity("深圳恒达贸易有限公司", region="440305")
    p = s.person("O'Neil 张\\伟")
    s.role(p, a, "legal_rep", "2015-01-01")
    s.role(p, b, "director", "2016-01-01", "2020-12-31")
    s.holds(p, a, 60)
    s.holds(a, b, 80, "2016-01-01")
    s.moves(b, "110101", "2021-03-01")
    listed = s.record(a, "joint_punishment_list", "2019-05-20", basis=AWKWARD)
    s.event(listed, "object", "2019-06-01", reason=AWKWARD)  # events: a list on the record
    s.names(listed, p, "direct_responsible")
    s.record(p, "dishonest_judgment_debtor", "2021-09-01", authority="法院 'A' \\ B")
    s.rows["entities"][1]["kind"] = "国有 / state"  # an extra column named like a graph field
    s.write(directory)
    return {"a": a, "b": b, "p": p, "organ": organ}


# -- snapshot --------------------------------------------------------------------------------


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_snapshot_has_every_node_and_relationship_the_store_counts(
    registry: Path, snapshot: Snapshot
) -> None:
    counts = EmbeddedStore(registry).counts()
    rows = snapshot.counts()
    assert rows["entities"] == counts["Entity"] == ENTITIES
    assert rows["persons"] == counts["Person"]
    assert rows["regions"] == counts["Region"]
    assert rows["records"] == counts["Record"] == counts["CONCERNS"]
    assert rows["registrations"] == counts["REGISTERED_IN"]
    assert rows["roles"] == counts["ROLE"]
    assert rows["holdings"] == counts["HOLDS"]
    assert rows["supervision"] == counts["SUPERVISED_BY"]
    assert rows["record_persons"] == counts["NAMES"]


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_snapshot_never_carries_sealed_ids_or_internal_hashes(snapshot: Snapshot) -> None:
    for name in TABLES:
        assert not {"id_sealed", "_h", "_src", "sid"} & set(snapshot[name].columns), name
    assert snapshot["persons"]["id_masked"].str.contains(r"\*{8}").all()


def test_snapshot_is_the_same_from_both_stores(store: GraphStore, tmp_path: Path) -> None:
    awkward_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    reference = EmbeddedStore(tmp_path / "ref.graph")
    load_directory(tmp_path / "in", reference, RING, progress=False)
    ours, theirs = read_snapshot(store, progress=False), read_snapshot(reference, progress=False)
    for name in TABLES:
        drop = ["batch_id", "loaded_at", "first_batch_id"]  # two loads, two batches
        a = ours[name].drop(columns=drop, errors="ignore")
        b = theirs[name].drop(columns=drop, errors="ignore")
        pd.testing.assert_frame_equal(a, b, obj=name)


# -- tables ----------------------------------------------------------------------------------


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_csv_and_parquet_tables_read_back_equal_to_the_snapshot(
    snapshot: Snapshot, exported: Path
) -> None:
    for name in TABLES:
        expected = snapshot[name].astype(object).where(snapshot[name].notna(), None)
        from_csv = read_csv_table(exported / "csv" / f"{name}.csv")
        from_csv = from_csv.astype(object).where(from_csv.notna() & (from_csv != ""), None)
        pd.testing.assert_frame_equal(from_csv, expected, obj=f"csv {name}", check_dtype=False)
        from_parquet = pd.read_parquet(exported / "parquet" / f"{name}.parquet")
        from_parquet = from_parquet.astype(object).where(from_parquet.notna(), None)
        pd.testing.assert_frame_equal(from_parquet, expected, obj=f"parquet {name}")


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_manifest_lists_every_file_written(exported: Path, snapshot: Snapshot) -> None:
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"] == snapshot.counts()
    for files in manifest["files"].values():
        for f in files:
            assert (exported / f).is_file()
    assert set(manifest["files"]) == set(FORMATS) - {"gexf"}


# -- graphs ----------------------------------------------------------------------------------


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_graphml_read_back_by_networkx_has_the_same_nodes_and_edges(
    graph: Any, exported: Path
) -> None:
    expected = graph
    back = nx.read_graphml(exported / "graph.graphml")
    assert isinstance(back, nx.MultiDiGraph)
    assert back.number_of_nodes() == expected.number_of_nodes() > ENTITIES
    assert dict(back.nodes(data=True)) == dict(expected.nodes(data=True))
    assert _edges(back) == _edges(expected)


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_graph_has_one_node_per_row_and_one_edge_per_relationship(
    graph: Any, snapshot: Snapshot
) -> None:
    g = graph
    kinds = pd.Series([d["kind"] for _, d in g.nodes(data=True)]).value_counts()
    rows = snapshot.counts()
    assert kinds["Entity"] == rows["entities"] and kinds["Person"] == rows["persons"]
    assert kinds["Region"] == rows["regions"] and kinds["Record"] == rows["records"]
    relations = pd.Series([d["relation"] for _, _, d in g.edges(data=True)]).value_counts()
    assert relations["ROLE"] == rows["roles"] and relations["HOLDS"] == rows["holdings"]
    assert relations["CONCERNS"] == rows["records"]


def test_gexf_opens_in_networkx_with_the_same_nodes_and_edges(
    awkward: tuple[Snapshot, dict[str, str]], tmp_path: Path
) -> None:
    snap, _ = awkward
    export_snapshot(snap, tmp_path / "out", ["gexf"], progress=False)
    expected = to_networkx(snap)
    back = nx.read_gexf(tmp_path / "out" / "graph.gexf")
    assert set(back.nodes) == set(expected.nodes)
    assert sorted(back.edges(keys=True)) == sorted(expected.edges(keys=True))
    some = next(iter(expected.nodes))
    assert back.nodes[some]["label"] == expected.nodes[some]["label"]


def test_awkward_texts_survive_graphml(
    awkward: tuple[Snapshot, dict[str, str]], tmp_path: Path
) -> None:
    snap, ids = awkward
    export_snapshot(snap, tmp_path / "out", ["graphml"], progress=False)
    back = nx.read_graphml(tmp_path / "out" / "graph.graphml")
    assert back.nodes["E:" + ids["a"]]["name"] == AWKWARD
    assert back.nodes["E:" + ids["a"]]["kind"] == "Entity"
    assert back.nodes["E:" + ids["a"]]["prop_kind"] == "国有 / state"  # kept, renamed
    key = RING.key(ids["p"])
    assert back.nodes["P:" + key]["key"] == key
    assert dict(back.nodes(data=True)) == dict(to_networkx(snap).nodes(data=True))


# -- FollowTheMoney ----------------------------------------------------------------------------


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_followthemoney_entities_validate(exported: Path, snapshot: Snapshot) -> None:
    entities = list(read_ftm(exported / "entities.ftm.json"))
    validate(entities)  # the library's schema validation, and no dangling reference
    by_schema = pd.Series([e["schema"] for e in entities]).value_counts()
    rows = snapshot.counts()
    assert by_schema["Company"] == rows["entities"]
    assert by_schema["Person"] == rows["persons"]
    assert by_schema["Ownership"] == rows["holdings"]
    assert by_schema["Directorship"] == rows["roles"]
    assert by_schema["Sanction"] == rows["records"]


def test_followthemoney_validation_catches_what_the_schema_forbids() -> None:
    good = {"id": "cg-company-x", "schema": "Company", "properties": {"name": ["甲公司"]}}
    assert problems(good) == []
    bad_date = {**good, "properties": {"name": ["甲"], "incorporationDate": ["2015-13-45"]}}
    assert problems(bad_date)
    unknown = {**good, "properties": {"name": ["甲"], "colour": ["red"]}}
    assert any("colour" in p for p in problems(unknown))
    no_owner = {"id": "cg-o", "schema": "Ownership", "properties": {"asset": ["cg-company-x"]}}
    assert any("owner" in p for p in problems(no_owner))
    assert problems({"id": "中文", "schema": "Person", "properties": {"name": ["张"]}})
    assert problems({"id": "x", "schema": "Spaceship", "properties": {}})
    dangling = {
        "id": "cg-d",
        "schema": "Directorship",
        "properties": {"director": ["cg-person-nobody"], "organization": ["cg-company-x"]},
    }
    with pytest.raises(InvalidEntity, match="cg-person-nobody"):
        validate([good, dangling])


def test_followthemoney_entities_keep_evidence_of_records(
    awkward: tuple[Snapshot, dict[str, str]],
) -> None:
    snap, ids = awkward
    entities = list(ftm_entities(snap))
    validate(entities)
    sanctions = [e for e in entities if e["schema"] == "Sanction"]
    company = next(e for e in sanctions if e["properties"]["entity"] == [f"cg-company-{ids['a']}"])
    assert [" ".join(v.split()) for v in company["properties"]["provisions"]] == [
        " ".join(AWKWARD.split())  # FtM cleaning folds line breaks and tabs into spaces
    ]
    assert company["properties"]["listingDate"] == ["2019-05-20"]
    assert "失信联合惩戒对象名单" in company["properties"]["program"][0]


# -- Cypher ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("O'Brien", r"'O\'Brien'"),
        ("a\\b", r"'a\\b'"),
        ("line\nnext\ttab\r", r"'line\nnext\ttab\r'"),
        ("\x00\x1f", r"'\u0000\u001f'"),
        ("恒达", "'恒达'"),
        ("*/ MATCH (n) DETACH DELETE n //", "'*/ MATCH (n) DETACH DELETE n //'"),
        (60.0, "60.0"),
        (3, "3"),
        (True, "true"),
        (None, "null"),
        ({"a b": 1, "ok": [1, "x"]}, "{`a b`: 1, ok: [1, 'x']}"),
    ],
)
def test_cypher_literals_are_escaped(value: Any, text: str) -> None:
    assert literal(value) == text


def test_cypher_refuses_values_it_cannot_write() -> None:
    with pytest.raises(ValueError):
        literal(float("nan"))
    with pytest.raises(ValueError):
        literal(object())
    assert map_key("we`ird") == "`we``ird`"


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_cypher_script_is_one_statement_per_line(exported: Path, snapshot: Snapshot) -> None:
    lines = (exported / "graph.cypher").read_text(encoding="utf-8").splitlines()
    stmts = list(script_statements(lines))
    assert all(line.endswith(";") for line in lines if line and not line.startswith("//"))
    unwinds = [s for s in stmts if s.startswith("UNWIND [")]
    assert unwinds and all(" AS row " in s for s in unwinds)
    assert not any("$" in s.split(" AS row ", 1)[1] for s in unwinds)  # no parameters
    assert sum(s.startswith("CREATE CONSTRAINT") for s in stmts) >= 5


@pytest.mark.neo4j
def test_cypher_script_loads_into_neo4j_and_reads_back_the_same(
    neo4j_driver: Any, tmp_path: Path
) -> None:
    from graph_service.stores.neo4j import Neo4jStore
    from tests.conftest import NEO4J_URI, _wipe

    awkward_registry(tmp_path / "in")
    source = EmbeddedStore(tmp_path / "s.graph")
    load_directory(tmp_path / "in", source, RING, progress=False)
    expected = read_snapshot(source, progress=False)
    script = write_cypher(expected, tmp_path / "graph.cypher", progress=False)
    _wipe(neo4j_driver)
    with neo4j_driver.session() as session:
        for _ in range(2):  # MERGE throughout: a second run changes nothing
            for stmt in script_statements(script.read_text(encoding="utf-8").splitlines()):
                session.run(stmt).consume()  # type: ignore[arg-type]
    target = Neo4jStore(str(NEO4J_URI), driver=neo4j_driver)
    got = read_snapshot(target, progress=False)
    for name in TABLES:
        pd.testing.assert_frame_equal(got[name], expected[name], obj=name)
    assert target.counts() == source.counts()


# -- the CLI verb -----------------------------------------------------------------------------


@pytest.fixture
def cli_logging() -> Iterator[None]:
    """The CLI installs its log handler on the root logger: put the root back afterwards."""
    loggers = [logging.getLogger(), *map(logging.getLogger, OWN_LOGGERS)]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    yield
    for lg, handlers, level, propagate in saved:
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate = propagate


def test_export_verb_writes_the_formats_asked_for(tmp_path: Path, cli_logging: None) -> None:
    awkward_registry(tmp_path / "in")
    store = tmp_path / "s.graph"
    load_directory(tmp_path / "in", EmbeddedStore(store), RING, progress=False)
    out = tmp_path / "out"
    code = main(
        ["export", "--store", str(store), "--out", str(out), "--formats", "csv,ftm", "--quiet"]
    )
    assert code == 0
    assert sorted(p.name for p in (out / "csv").iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    assert (out / "entities.ftm.json").is_file() and not (out / "graph.graphml").exists()


@pytest.mark.slow  # the module's 3000-entity registry (~18 s to build)
def test_export_verb_refuses_an_unknown_format_or_a_missing_store(
    registry: Path, tmp_path: Path, cli_logging: None
) -> None:
    code = main(["export", "--store", str(registry), "--out", str(tmp_path), "--formats", "xls"])
    assert code == 2
    missing = str(tmp_path / "no.graph")
    assert main(["export", "--store", missing, "--out", str(tmp_path), "--quiet"]) == 3
    assert not (tmp_path / "no.graph").exists()  # nothing made up
