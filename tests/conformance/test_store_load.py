"""Both stores load the same files into the same graph and answer the same reads."""

from __future__ import annotations

import csv
from pathlib import Path

from graph_service.stores.base import GraphStore, sid
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import small_registry, uscc, write_csv

PROVENANCE = ("batch_id", "loaded_at", "first_batch_id")

EXPECTED_COUNTS = {
    "CONCERNS": 2,
    "Entity": 4,
    "HOLDS": 2,
    "Person": 2,
    "REGISTERED_IN": 2,
    "ROLE": 3,
    "Record": 2,
    "Region": 2,
    "SUPERVISED_BY": 1,
}


def test_store_holds_every_loaded_item(store: GraphStore, tmp_path: Path) -> None:
    small_registry(tmp_path / "in")
    report = load_directory(tmp_path / "in", store, RING, progress=False)
    assert report.rejected == 0
    assert store.counts() == EXPECTED_COUNTS
    assert [x["batch_id"] for x in store.loads()] == [report.batch_id]


def test_store_reload_changes_nothing(store: GraphStore, tmp_path: Path) -> None:
    small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    again = load_directory(tmp_path / "in", store, RING, progress=False)
    assert [(f.created, f.updated) for f in again.files] == [(0, 0)] * 6
    assert store.counts() == EXPECTED_COUNTS


def test_store_later_file_ends_a_holding(store: GraphStore, tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    first = load_directory(tmp_path / "in", store, RING, progress=False)
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
    second = load_directory(tmp_path / "later", store, RING, progress=False)
    assert second.files[0].updated == 1
    [holding] = store.holdings_of([sid("entity", ids["b"])], "up")
    assert holding["end_date"] == "2023-03-31"
    assert holding["first_batch_id"] == first.batch_id
    assert holding["batch_id"] == second.batch_id


def test_store_reload_writes_only_new_and_changed_rows(store: GraphStore, tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    first = load_directory(tmp_path / "in", store, RING, progress=False)
    with (tmp_path / "in" / "entities.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[0]["name"] = "灵寿县恒达新材料有限公司"  # a changed row beside unchanged ones
    rows.append(rows[1] | {"uscc": uscc(5), "name": "灵寿县新设有限公司"})
    write_csv(tmp_path / "again" / "entities.csv", rows)
    second = load_directory(tmp_path / "again", store, RING, progress=False)
    [entities] = second.files
    assert (entities.created, entities.updated, entities.unchanged) == (1, 1, 3)
    assert second.touched.entities == {r["uscc"] for r in rows}
    changed, kept, new = (store.entity(u) or {} for u in (ids["a"], ids["b"], uscc(5)))
    assert (changed["name"], changed["batch_id"]) == ("灵寿县恒达新材料有限公司", second.batch_id)
    assert changed["first_batch_id"] == first.batch_id
    assert (kept["batch_id"], kept["loaded_at"]) == (first.batch_id, first.started_at)
    assert (new["batch_id"], new["first_batch_id"]) == (second.batch_id, second.batch_id)


def test_store_reads_agree_on_shape_and_content(store: GraphStore, tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    entity = store.entity(ids["c"]) or {}
    assert {k: v for k, v in entity.items() if k not in PROVENANCE} == {
        "uscc": ids["c"],
        "name": "灵寿县城建投资有限公司",
        "region_code": "130126",
        "org_type": "state_owned_enterprise",
        "registered_on": "2010-01-01",
        "superior_uscc": ids["organ"],
        "source": "entities.csv",
    }
    rel = store.relations("entity", ids["a"])
    assert sorted((r["role"], r["person_name"]) for r in rel["roles"]) == [
        ("legal_rep", "张伟"),
        ("supervisor", "李娜"),
    ]
    assert [r["record_id"] for r in rel["records"]] == ["R1"]
    assert sorted(h["entity_name"] for h in rel["holdings"]) == [
        "深圳市南山区恒达贸易有限公司",
        "灵寿县恒达建材有限公司",
    ]
    assert rel["registrations"][0]["region_name"] == "灵寿县"
    person = store.person(RING.key(ids["p2"])) or {}
    assert person["id_masked"] == ids["p2"][:6] + "********" + ids["p2"][14:]
    p2 = sid("person", RING.key(ids["p2"]))
    assert [r["record_id"] for r in store.records_of([p2])] == ["R2"]
    hits = store.search("恒达")
    assert hits.total == 2
    assert [h["name"] for h in hits.items] == [
        "深圳市南山区恒达贸易有限公司",
        "灵寿县恒达建材有限公司",
    ]
