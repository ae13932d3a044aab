"""Both stores explore the graph alike: neighbourhoods (paged, as of a date) and shortest paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph_service.errors import NotFound
from graph_service.stores.base import MAX_PATH_HOPS, GraphStore, sid
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import small_registry, write_csv


def _load(store: GraphStore, tmp_path: Path) -> dict[str, Any]:
    ids = small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    ids["k1"], ids["k2"] = RING.key(ids["p1"]), RING.key(ids["p2"])
    return ids


def _end_holding(store: GraphStore, tmp_path: Path, ids: dict[str, Any]) -> None:
    """A later file ends the holding of A in B on 2023-03-31."""
    write_csv(
        tmp_path / "later" / "shareholdings.csv",
        [
            {
                "holder_type": "entity",
                "holder_id": ids["a"],
                "uscc": ids["b"],
                "percent": "80",
                "start_date": "2019-06-10",
                "end_date": "2023-03-31",
            }
        ],
    )
    load_directory(tmp_path / "later", store, RING, progress=False)


def _ids(view: dict[str, Any]) -> list[str]:
    return [n["id"] for n in view["neighbours"]]


def _strip(edge: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in edge.items() if k != "batch_id"}


def test_neighbourhood_lists_records_persons_entities_regions_in_order(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load(store, tmp_path)
    a = sid("entity", ids["a"])
    view = store.neighbourhood(a, on=None, limit=50)
    persons = sorted([sid("person", ids["k1"]), sid("person", ids["k2"])])
    assert _ids(view) == ["C:R1", *persons, sid("entity", ids["b"]), "R:130126"]
    assert view["total"] == 5
    assert view["more"] == 0
    assert view["node"] == {
        "label": "Entity",
        "id": a,
        "name": "灵寿县恒达建材有限公司",
        "uscc": ids["a"],
        "region_code": "130126",
        "org_type": "enterprise",
        "registered_on": "2015-03-01",
    }
    record = view["neighbours"][0]
    assert record["kind"] == "dishonest_judgment_debtor"
    assert record["status"] == "active"
    assert record["authority"] == "灵寿县人民法院"
    assert record["basis"].startswith("《最高人民法院关于公布失信被执行人名单信息的若干规定》")
    person = next(n for n in view["neighbours"] if n["id"] == sid("person", ids["k1"]))
    assert person["id_masked"].startswith("130126********")
    assert "id_sealed" not in person


def test_neighbourhood_edges_carry_type_role_percent_dates_and_source(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load(store, tmp_path)
    a, p1 = sid("entity", ids["a"]), sid("person", ids["k1"])
    view = store.neighbourhood(a, on=None, limit=50)
    from_p1 = [_strip(e) for e in view["edges"] if e["from"] == p1]
    assert from_p1 == [
        {
            "type": "HOLDS",
            "from": p1,
            "to": a,
            "percent": 60.0,
            "start_date": "2015-03-01",
            "source": "shareholdings.csv",
        },
        {
            "type": "ROLE",
            "from": p1,
            "to": a,
            "role": "legal_rep",
            "start_date": "2015-03-01",
            "source": "roles.csv",
        },
    ]
    assert {e["type"] for e in view["edges"]} == {"CONCERNS", "HOLDS", "ROLE", "REGISTERED_IN"}
    assert all(e["batch_id"].startswith("load-") for e in view["edges"] if e["type"] != "CONCERNS")


def test_neighbourhood_pages_a_supernode_and_counts_the_rest(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load(store, tmp_path)
    a = sid("entity", ids["a"])
    everything = _ids(store.neighbourhood(a, on=None, limit=50))
    first = store.neighbourhood(a, on=None, limit=2)
    assert _ids(first) == everything[:2]
    assert (first["total"], first["more"]) == (5, 3)
    # only edges to the listed neighbours
    assert {e["from"] for e in first["edges"]} | {e["to"] for e in first["edges"]} <= {
        a,
        *everything[:2],
    }
    second = store.neighbourhood(a, on=None, limit=2, offset=2)
    assert _ids(second) == everything[2:4]
    assert second["more"] == 1


def test_neighbourhood_as_of_a_date_keeps_relationships_in_force_that_day(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load(store, tmp_path)
    _end_holding(store, tmp_path, ids)
    a, b = sid("entity", ids["a"]), sid("entity", ids["b"])
    # end dates are inclusive, start dates too
    assert b in _ids(store.neighbourhood(a, on="2023-03-31", limit=50))
    assert b in _ids(store.neighbourhood(a, on="2019-06-10", limit=50))
    assert b not in _ids(store.neighbourhood(a, on="2023-04-01", limit=50))
    assert b not in _ids(store.neighbourhood(a, on="2019-06-09", limit=50))
    # a record is part of the view from the day it was decided
    assert "C:R1" in _ids(store.neighbourhood(a, on="2019-05-20", limit=50))
    before = store.neighbourhood(a, on="2015-01-01", limit=50)
    assert _ids(before) == []
    assert (before["total"], before["more"]) == (0, 0)


def test_neighbourhood_of_a_region_record_or_organ(store: GraphStore, tmp_path: Path) -> None:
    ids = _load(store, tmp_path)
    region = store.neighbourhood("R:130126", on=None, limit=50)
    assert region["node"]["name"] == "灵寿县"
    assert _ids(region) == [sid("entity", ids["a"])]
    record = store.neighbourhood("C:R2", on=None, limit=50)
    assert record["node"]["status"] == "repaired"
    assert _ids(record) == [sid("person", ids["k2"])]
    organ = store.neighbourhood(sid("entity", ids["organ"]), on="2030-01-01", limit=50)
    assert _ids(organ) == [sid("entity", ids["c"])]
    assert organ["edges"][0]["type"] == "SUPERVISED_BY"


@pytest.mark.parametrize("node", ["E:91130126T0000009XX", "R:999999", "C:nope", "X:1", "P:"])
def test_neighbourhood_of_an_unknown_node_is_not_found(
    store: GraphStore, tmp_path: Path, node: str
) -> None:
    _load(store, tmp_path)
    with pytest.raises(NotFound):
        store.neighbourhood(node, on=None, limit=10)


def _path_ids(path: list[dict[str, Any]]) -> list[str]:
    return [x["id"] if "label" in x else f"{x['type']}:{x['from']}>{x['to']}" for x in path]


def test_shortest_path_follows_roles_and_holdings_in_either_direction(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load(store, tmp_path)
    p2, a, b = sid("person", ids["k2"]), sid("entity", ids["a"]), sid("entity", ids["b"])
    path = store.shortest_path(p2, b, max_hops=6)
    assert path is not None
    assert _path_ids(path) == [p2, f"ROLE:{p2}>{a}", a, f"HOLDS:{a}>{b}", b]
    assert path[1]["role"] == "supervisor"
    assert path[3]["percent"] == 80.0
    back = store.shortest_path(b, p2, max_hops=6)
    assert back is not None
    assert [x["id"] for x in back if "label" in x] == [b, a, p2]


def test_shortest_path_lists_every_relationship_between_consecutive_nodes(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load(store, tmp_path)
    p1, a = sid("person", ids["k1"]), sid("entity", ids["a"])
    path = store.shortest_path(p1, a, max_hops=1)
    assert path is not None
    assert _path_ids(path) == [p1, f"HOLDS:{p1}>{a}", f"ROLE:{p1}>{a}", a]


def test_shortest_path_breaks_ties_by_the_smallest_ids(store: GraphStore, tmp_path: Path) -> None:
    ids = _load(store, tmp_path)
    # p2 also becomes a director of b: p1 and p2 now meet at a and at b (two 2-hop paths)
    write_csv(
        tmp_path / "later" / "roles.csv",
        [
            {
                "person_id": ids["p2"],
                "uscc": ids["b"],
                "role": "director",
                "start_date": "2020-01-01",
            }
        ],
    )
    load_directory(tmp_path / "later", store, RING, progress=False)
    p1, p2 = sid("person", ids["k1"]), sid("person", ids["k2"])
    middle = min(sid("entity", ids["a"]), sid("entity", ids["b"]))
    for _ in range(3):
        path = store.shortest_path(p1, p2, max_hops=6)
        assert path is not None
        assert [x["id"] for x in path if "label" in x] == [p1, middle, p2]


def test_shortest_path_respects_the_bound_and_ignores_regions_and_records(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load(store, tmp_path)
    p2, b, c = sid("person", ids["k2"]), sid("entity", ids["b"]), sid("entity", ids["c"])
    assert store.shortest_path(p2, b, max_hops=1) is None
    # a and c share a region, which is no path
    assert store.shortest_path(sid("entity", ids["a"]), c, max_hops=MAX_PATH_HOPS) is None
    same = store.shortest_path(p2, p2)
    assert same is not None
    assert [x["id"] for x in same] == [p2]


@pytest.mark.parametrize("other", ["E:91130126T0000009XX", "R:130126", "C:R1"])
def test_shortest_path_to_something_not_a_subject_is_not_found(
    store: GraphStore, tmp_path: Path, other: str
) -> None:
    ids = _load(store, tmp_path)
    with pytest.raises(NotFound):
        store.shortest_path(sid("entity", ids["a"]), other)
