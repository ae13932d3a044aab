"""The analysts' client: the same answers from a store file, from Neo4j and from the running
service over HTTP (uvicorn on a free loopback port), as DataFrames, graphs and views."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from graph_service.client import Client, connect, subject_kind
from graph_service.errors import InvalidIdentifier, NotFound, StoreUnavailable
from graph_service.problems import Forbidden, Unauthenticated
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore
from loaders.load import load_directory
from tests.api.support import KEYS, free_port, live_service
from tests.conftest import RING
from tests.factories import small_registry, uscc

ON = "2024-06-01"
SECRET = "test-secret"  # the person-key secret the test stores are loaded with


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real service (uvicorn in a thread, 127.0.0.1) over the small registry's file."""
    tmp = tmp_path_factory.mktemp("client")
    with live_service(tmp) as (url, path, ids):
        yield {"url": url, "path": path, "ids": ids, "tmp": tmp}


@pytest.fixture(scope="module")
def local(served: dict[str, Any]) -> Iterator[Client]:
    with connect(served["path"], role="investigator", secret=SECRET, progress=False) as client:
        yield client


@pytest.fixture(scope="module")
def remote(served: dict[str, Any]) -> Iterator[Client]:
    key = KEYS["investigator"]
    with connect(served["url"], api_key=key, progress=False) as client:
        yield client


Ids = dict[str, str]
TABLES: dict[str, Callable[[Client, Ids], pd.DataFrame]] = {
    "counts": lambda c, i: c.counts(),
    "search": lambda c, i: c.search("恒达"),
    "search_by_id_number": lambda c, i: c.search(i["p1"]),
    "entity_roles": lambda c, i: c.roles(i["a"]),
    "person_roles": lambda c, i: c.roles(i["p1"]),
    "roles_on_a_date": lambda c, i: c.roles(i["p1"], on="2018-01-01"),
    "holdings": lambda c, i: c.holdings(i["a"]),
    "registrations": lambda c, i: c.registrations(i["b"]),
    "records": lambda c, i: c.records([i["a"], i["p2"]]),
    "record_history": lambda c, i: c.record_history("R1"),
    "entities_of_a_county": lambda c, i: c.entities("130126"),
    "relocations": lambda c, i: c.relocations(on=ON),
    "relocations_by_city": lambda c, i: c.relocations(on=ON, level="city", pattern="phoenix"),
    "flows": lambda c, i: c.flows(on=ON),
    "checks": lambda c, i: c.checks(
        [i["a"], i["b"], i["p1"], i["p2"], "91130126T0000001XX"],
        ["bid_tender", "air_travel"],
        on=ON,
    ),
    "notices": lambda c, i: c.notices(on=ON),
    "measures": lambda c, i: c.measures(),
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_local_and_http_clients_give_the_same_tables(
    name: str, local: Client, remote: Client, served: dict[str, Any]
) -> None:
    ask = TABLES[name]
    here, there = ask(local, served["ids"]), ask(remote, served["ids"])
    pd.testing.assert_frame_equal(here, there)


def test_tables_hold_what_the_registry_says(local: Client, served: dict[str, Any]) -> None:
    ids = served["ids"]
    roles = local.roles(ids["a"])
    assert set(roles["role"]) == {"legal_rep", "supervisor"}
    assert list(roles.columns[:5]) == [
        "person_name",
        "role",
        "entity_name",
        "start_date",
        "end_date",
    ]
    assert local.roles(ids["p1"], on="2018-01-01")["uscc"].tolist() == [ids["a"]]
    flags = local.relocations(on=ON)
    assert flags.loc[0, "pattern"] == "phoenix" and flags.loc[0, "uscc"] == ids["b"]
    assert flags.loc[0, "entity_name"] == "深圳市南山区恒达贸易有限公司"
    assert str(flags.loc[0, "person_id_masked"]).startswith(ids["p1"][:6] + "********")
    checks = local.checks([ids["p1"]], "air_travel", on=ON)
    assert not checks.loc[0, "allowed"] and checks.loc[0, "records"] == ["R1"]
    bad = local.checks(["91130126T0000001XX"], "air_travel", on=ON)
    assert bad.loc[0, "allowed"] is None and "校验位" in bad.loc[0, "error"]
    flows = local.flows(on=ON)
    assert flows.to_numpy().sum() == 1 and flows.index.name == "from"


def test_same_check_answer_with_evidence_both_ways(
    local: Client, remote: Client, served: dict[str, Any]
) -> None:
    p1 = served["ids"]["p1"]
    here = local.check(p1, "consumption:air", on=ON)
    there = remote.check(p1, "consumption:air", on=ON)
    assert here == there and not here.allowed
    evidence = Client.evidence(here)
    first = evidence[evidence["step"] == 0]
    assert len(first) == len(here.prohibitions) == 1 and set(first["type"]) == {"CONCERNS"}
    # the legal representative on the day of the decision (his 60% holding adds nothing:
    # one reach per person, the strongest)
    assert set(evidence[evidence["step"] == 1]["type"]) == {"ROLE"}
    assert set(evidence["record_id"]) == {"R1"}
    assert set(evidence["type"]) == {"CONCERNS", "ROLE"}


def test_same_profiles_and_personal_record_both_ways(
    local: Client, remote: Client, served: dict[str, Any]
) -> None:
    ids = served["ids"]
    assert local.entity(ids["a"]) == remote.entity(ids["a"])
    assert local.person(ids["p1"]) == remote.person(ids["p1"])
    assert local.person(ids["p1"])["id_number"] == ids["p1"]  # investigators see it
    assert local.record("R2") == remote.record("R2")
    assert local.credit_record(ids["p1"], on=ON) == remote.credit_record(ids["p1"], on=ON)
    here, there = local.profile(ids["a"]), remote.profile(ids["a"])
    assert here.keys() == there.keys() >= {"entity", "roles", "holdings", "records"}
    pd.testing.assert_frame_equal(here["holdings"], there["holdings"])


def _same_graph(a: Any, b: Any, ignore: tuple[str, ...] = ()) -> None:
    def edges(g: Any) -> list[Any]:
        return sorted(
            (u, v, k, {n: x for n, x in d.items() if n not in ignore})
            for u, v, k, d in g.edges(keys=True, data=True)
        )

    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert edges(a) == edges(b)
    assert a.graph == b.graph


def test_same_graphs_both_ways(local: Client, remote: Client, served: dict[str, Any]) -> None:
    ids = served["ids"]
    _same_graph(
        local.neighbourhood("E:" + ids["a"], depth=2), remote.neighbourhood(ids["a"], depth=2)
    )
    _same_graph(local.region_graph("130126"), remote.region_graph("130126"))
    _same_graph(local.path(ids["p1"], ids["b"]), remote.path(ids["p1"], ids["b"]))


def test_neighbourhood_graph_is_a_networkx_graph_of_the_service_views(
    local: Client, served: dict[str, Any]
) -> None:
    ids = served["ids"]
    g = local.neighbourhood(ids["a"], depth=2)
    assert isinstance(g, nx.MultiDiGraph) and g.graph["root"] == "E:" + ids["a"]
    assert g.nodes["E:" + ids["a"]]["risk"] == "listed"
    assert g.nodes["P:" + RING.key(ids["p1"])]["label"] == "Person"
    assert {d["type"] for _, _, d in g.edges(data=True)} >= {"ROLE", "HOLDS", "CONCERNS"}
    assert "E:" + ids["b"] in g  # two steps away, through 张伟
    assert "R:440305" in g and g.degree("R:440305") == 1  # regions are not expanded
    on_date = local.neighbourhood(ids["p1"], on="2018-01-01")
    assert "E:" + ids["b"] not in on_date  # his office there began in 2019
    nodes, edges = Client.nodes(g), Client.edges(g)
    assert len(nodes) == g.number_of_nodes() and len(edges) == g.number_of_edges()
    assert {"from", "to", "type"} <= set(edges.columns)


def test_supernode_neighbours_are_paged_and_counted(local: Client, served: dict[str, Any]) -> None:
    a = "E:" + served["ids"]["a"]
    everyone = local.neighbourhood(a).number_of_nodes() - 1
    g = local.neighbourhood(a, limit=2)
    assert g.number_of_nodes() == 3 and g.graph["more"] == {a: everyone - 2}


def test_region_graph_has_the_county_entities_and_their_people(
    local: Client, served: dict[str, Any]
) -> None:
    ids = served["ids"]
    g = local.region_graph("130126")
    assert g.graph["root"] == "R:130126"
    assert "E:" + ids["a"] in g and "P:" + RING.key(ids["p1"]) in g and "C:R1" in g
    path = local.path(ids["p1"], ids["b"])
    assert path.graph["path"] == ["P:" + RING.key(ids["p1"]), "E:" + ids["b"]]


def test_show_draws_an_inline_view_that_works_offline(
    local: Client, served: dict[str, Any], tmp_path: Path
) -> None:
    graph = local.neighbourhood(served["ids"]["a"], depth=2)
    view = local.show(graph, lang="en")
    html = view._repr_html_()
    assert html.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in html
    assert "new vis.Network" in view.html and "<script src" not in view.html
    assert "<link " not in view.html  # vis-network is inlined: nothing to fetch
    data = view.html.split("var cgData = ", 1)[1].split(";\n", 1)[0]
    drawn = json.loads(data)
    assert len(drawn["nodes"]) == graph.number_of_nodes() and any(
        "legal rep" in str(e["label"]).lower() for e in drawn["edges"]
    )
    assert view.save(tmp_path / "view.html").read_text(encoding="utf-8") == view.html
    assert "vis.Network" in local.show("E:" + served["ids"]["a"]).html


def test_http_errors_raise_the_errors_the_service_names(
    remote: Client, served: dict[str, Any]
) -> None:
    with pytest.raises(InvalidIdentifier, match="expected K, got X"):
        remote.roles("91130126T0000001XX")
    with pytest.raises(NotFound):
        remote.roles(uscc(99))
    with pytest.raises(NotFound):
        remote.record("NO-SUCH-RECORD")
    analyst = connect(served["url"], api_key=KEYS["analyst"], progress=False)
    with pytest.raises(Forbidden, match="investigator"):
        analyst.person(served["ids"]["p1"])
    assert analyst.search("恒达").shape[0] == 2  # what the role may see still works
    with pytest.raises(Unauthenticated):
        connect(served["url"], api_key="not-a-key", progress=False).counts()


def test_local_errors_are_the_same_errors(local: Client) -> None:
    with pytest.raises(InvalidIdentifier, match="expected K, got X"):
        local.roles("91130126T0000001XX")
    with pytest.raises(NotFound):
        local.record("NO-SUCH-RECORD")


def test_connect_refuses_a_missing_store_and_an_unreachable_service(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="no store file"):
        connect(tmp_path / "missing.graph")
    client = connect(f"http://127.0.0.1:{free_port()}", api_key="k", timeout=2)
    with pytest.raises(StoreUnavailable, match="cannot reach the service"):
        client.counts()


def test_local_role_masks_id_numbers_and_audit_log_is_optional(
    served: dict[str, Any], tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    client = connect(served["path"], secret=SECRET, audit_log=audit, progress=False)
    person = client.person(served["ids"]["p1"])
    assert "id_number" not in person and person["id_masked"] == "130126********0118"
    entry = json.loads(audit.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["action"] == "person.profile" and entry["role"] == "regulator"


def test_subjects_are_read_as_the_service_reads_them(served: dict[str, Any]) -> None:
    ids = served["ids"]
    assert subject_kind(ids["a"]) == "entity" and subject_kind("E:" + ids["a"]) == "entity"
    assert subject_kind(ids["p1"]) == "person" and subject_kind(RING.key(ids["p1"])) == "person"


def test_client_over_each_store_gives_the_same_answers(store: GraphStore, tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    reference_store = EmbeddedStore(tmp_path / "ref.graph")
    load_directory(tmp_path / "in", reference_store, RING, progress=False)
    ours = connect(store, secret=SECRET, progress=False)
    reference = connect(reference_store, secret=SECRET, progress=False)
    for ask in (
        lambda c: c.roles(ids["p1"]),
        lambda c: c.relocations(on=ON),
        lambda c: c.checks([ids["a"], ids["p1"]], "bid_tender", on=ON),
        lambda c: c.entities("130126"),
    ):
        here, there = ask(ours), ask(reference)
        drop = [c for c in here.columns if c in ("batch_id", "loaded_at", "first_batch_id")]
        pd.testing.assert_frame_equal(here.drop(columns=drop), there.drop(columns=drop))
    _same_graph(
        ours.neighbourhood(ids["a"], depth=2),
        reference.neighbourhood(ids["a"], depth=2),
        ignore=("batch_id",),  # two loads
    )


def test_long_operations_show_a_progress_bar(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    client = connect(served["path"], secret=SECRET, progress=True)
    client.checks([served["ids"]["a"]] * 60, "bid_tender", on=ON)
    assert "checks: 100%" in capsys.readouterr().err
    quiet = connect(served["path"], secret=SECRET, progress=False)
    quiet.checks([served["ids"]["a"]] * 60, "bid_tender", on=ON)
    assert capsys.readouterr().err == ""


@pytest.mark.neo4j
def test_connect_opens_neo4j_by_its_uri(neo4j_driver: Any) -> None:
    from tests.conftest import NEO4J_URI

    with connect(str(NEO4J_URI), progress=False) as client:
        assert client.backend.kind == "neo4j"
        assert list(client.counts().columns) == ["name", "count"]


def test_same_grades_and_evaluation_both_ways(
    local: Client, remote: Client, served: dict[str, Any]
) -> None:
    pytest.importorskip("graph_service.engine.evaluation", reason="grading not in this checkout")
    ids = served["ids"]
    here, there = local.grades(on=ON), remote.grades(on=ON)
    pd.testing.assert_frame_equal(here, there)
    assert here.set_index("uscc").loc[ids["a"], "grade"] == "D"  # listed
    assert here["score"].is_monotonic_increasing  # worst first
    pd.testing.assert_frame_equal(local.grades(on=ON, grade="D"), remote.grades(on=ON, grade="D"))
    pd.testing.assert_frame_equal(
        local.grades(on=ON, region="440305"), remote.grades(on=ON, region="440305")
    )
    assert local.evaluation(ids["a"], on=ON) == remote.evaluation(ids["a"], on=ON)
    assert local.evaluation(ids["a"], on=ON).grade == "D"
