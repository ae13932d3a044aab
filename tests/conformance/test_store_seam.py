"""Both stores answer alike what code outside ``stores/`` needs instead of their insides:
streaming scans of every node and relationship kind, a change token, paged relations with
their true total, and a search that counts every hit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graph_service.engine.lifecycle import RecordEvent, apply_event
from graph_service.engine.timeline import in_force
from graph_service.stores import open_store
from graph_service.stores.base import REL_TYPES, GraphStore, Relation, sid
from graph_service.stores.neo4j import Neo4jStore
from loaders.load import load_directory
from tests.conformance.test_time_rule import _random_world
from tests.conftest import RING
from tests.factories import Scenario

ROOT = Path(__file__).resolve().parents[2]


def _world() -> tuple[Scenario, dict[str, Any]]:
    """Every kind of node and relationship: an organ supervising X, X registered then moved,
    two officers, holdings by a person and an entity, records (one naming a person)."""
    s = Scenario()
    organ = s.entity("灵寿县市场监督管理局", org_type="state_organ")
    x = s.entity("扫描甲有限公司", superior=organ)
    y = s.entity("扫描乙有限公司", region="440305")
    p, q = s.person("赵敏"), s.person("钱进")
    s.role(p, x, "legal_rep", "2015-01-01")
    s.role(q, x, "director", "2015-01-01", "2019-12-31")
    s.holds(p, x, 60, "2015-01-01")
    s.holds(y, x, 40, "2016-05-01")
    s.moves(x, "130102", "2020-07-01")
    r1 = s.record(x, "dishonest_judgment_debtor", "2021-03-01", ground="2")
    r2 = s.record(p, "serious_illegal_dishonest", "2022-01-10")
    s.names(r1, p, "legal_rep")
    return s, {"organ": organ, "x": x, "y": y, "p": p, "q": q, "r1": r1, "r2": r2}


def _load_world(store: GraphStore, tmp_path: Path) -> dict[str, Any]:
    """The world of :func:`_world` loaded into ``store``."""
    s, world = _world()
    assert load_directory(s.write(tmp_path / "in"), store, RING, progress=False).rejected == 0
    return world


def _flat(batches: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for batch in batches:
        assert batch, "a scan yields no empty batch"
        out += batch
    return out


# -- node scans ----------------------------------------------------------------------------


def test_scan_nodes_gives_every_node_of_each_label_in_key_order_in_batches(
    store: GraphStore, tmp_path: Path
) -> None:
    _load_world(store, tmp_path)
    counts = store.counts()
    batches = list(store.scan_nodes("Entity", batch=2))
    assert all(len(b) <= 2 for b in batches)
    entities = _flat(batches)
    usccs = [e["uscc"] for e in entities]
    assert usccs == sorted(usccs) and len(usccs) == counts["Entity"] == 3
    assert entities == [store.entity(u) for u in usccs]
    persons = _flat(store.scan_nodes("Person", batch=1))
    keys = [p["key"] for p in persons]
    assert keys == sorted(keys) and len(keys) == counts["Person"]
    assert persons == [store.person(k) for k in keys]
    assert all("id_sealed" not in p and "_h" not in p for p in persons)
    records = _flat(store.scan_nodes("Record"))
    assert records == store.records_by_id([r["record_id"] for r in records])
    assert len(records) == counts["Record"] == 2
    regions = _flat(store.scan_nodes("Region"))
    assert [r["code"] for r in regions] == ["130102", "130126", "440305"]
    assert regions[0]["name"] and regions[0]["level"]


def test_scan_nodes_with_fields_gives_only_those_and_leaves_a_missing_one_out(
    store: GraphStore, tmp_path: Path
) -> None:
    _load_world(store, tmp_path)
    full = _flat(store.scan_nodes("Entity"))
    some = _flat(store.scan_nodes("Entity", fields=("uscc", "superior_uscc", "id_sealed")))
    assert some == [
        {k: e[k] for k in ("uscc", "superior_uscc") if e.get(k) is not None} for e in full
    ]


def test_scan_node_columns_gives_the_fields_scan_nodes_gives_column_wise(
    store: GraphStore, tmp_path: Path
) -> None:
    _load_world(store, tmp_path)
    fields = ("uscc", "superior_uscc", "id_sealed")
    rows = _flat(store.scan_nodes("Entity", fields=fields))
    batches = list(store.scan_node_columns("Entity", fields, batch=2))
    assert all(set(b) == set(fields) and 0 < len(b["uscc"]) <= 2 for b in batches)
    columns = {f: [v for b in batches for v in b[f]] for f in fields}
    assert columns == {f: [r.get(f) for r in rows] for f in fields}  # hidden: all None
    assert list(store.scan_node_columns("Person", ("key",))) != []


def test_scan_relationship_columns_gives_the_scan_of_the_day_column_wise(
    store: GraphStore, tmp_path: Path
) -> None:
    _load_world(store, tmp_path)
    for rtype, on in (("ROLE", "2020-06-01"), ("ROLE", None), ("HOLDS", "2015-06-01")):
        fields = ("role", "percent", "start_date", "_h")
        rows = _flat(store.scan_relationships(rtype, on=on, fields=fields))  # type: ignore[arg-type]
        batches = store.scan_relationship_columns(rtype, fields, on=on)  # type: ignore[arg-type]
        names = ("from", "to", *fields)
        found = [row for b in batches for row in zip(*(b[n] for n in names), strict=True)]
        assert sorted(found, key=repr) == sorted(
            (tuple(r.get(n) for n in names) for r in rows), key=repr
        )
        assert found and all(row[-1] is None for row in found)


def test_scan_relationship_tables_are_the_column_scans_of_each_type_joined(
    store: GraphStore, tmp_path: Path
) -> None:
    # Neo4j reads the ends of relationships between subjects by node id, then their sids
    _load_world(store, tmp_path)
    fields = ("role", "percent", "start_date")
    for on in ("2020-06-01", None):
        tables = store.scan_relationship_tables(REL_TYPES, fields, on=on)
        assert list(tables) == list(REL_TYPES)
        for rtype in REL_TYPES:
            batches = list(store.scan_relationship_columns(rtype, fields, on=on))
            for name in ("from", "to", *fields):
                assert list(tables[rtype][name]) == [v for b in batches for v in b[name]]
        assert tables["ROLE"]["from"] and tables["HOLDS"]["to"]
    assert store.scan_relationship_tables((), fields) == {}


def test_relationship_tables_name_the_ends_a_pass_over_the_subjects_missed(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not isinstance(store, Neo4jStore):
        pytest.skip("only Neo4j reads the ends' sids by node id")
    _load_world(store, tmp_path)
    ids, sids = store._subject_nodes()
    # as if every other subject had been created after the pass over the subjects
    monkeypatch.setattr(store, "_subject_nodes", lambda: (ids[::2], sids[::2]))
    tables = store.scan_relationship_tables(("ROLE", "HOLDS"), ("role",), on=None)
    for rtype in ("ROLE", "HOLDS"):
        batches = list(store.scan_relationship_columns(rtype, ("role",)))
        for name in ("from", "to"):
            assert tables[rtype][name] == [v for b in batches for v in b[name]]


def test_a_store_without_nodes_scans_to_nothing(store: GraphStore) -> None:
    assert list(store.scan_nodes("Entity")) == []
    assert list(store.scan_relationships("ROLE")) == []
    empty = {"from": [], "to": [], "role": []}
    assert store.scan_relationship_tables(("ROLE",), ("role",)) == {"ROLE": empty}


# -- relationship scans --------------------------------------------------------------------


def _ends(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["from"], r["to"]) for r in rows}


def test_scan_relationships_gives_every_relationship_of_each_type_with_its_ends(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load_world(store, tmp_path)
    counts = store.counts()
    scanned = {t: _flat(store.scan_relationships(t, batch=2)) for t in REL_TYPES}
    assert {t: len(rows) for t, rows in scanned.items() if rows} == {
        t: n for t, n in counts.items() if t in REL_TYPES
    }
    assert all(r["type"] == t for t, rows in scanned.items() for r in rows)
    x, p = sid("entity", ids["x"]), sid("person", RING.key(ids["p"]))
    roles = store.roles_of([x])
    assert _ends(scanned["ROLE"]) == {(sid("person", r["person_key"]), x) for r in roles}
    assert sorted((r["role"], r["start_date"]) for r in scanned["ROLE"]) == sorted(
        (r["role"], r["start_date"]) for r in roles
    )
    assert _ends(scanned["HOLDS"]) == {(p, x), (sid("entity", ids["y"]), x)}
    assert {r["percent"] for r in scanned["HOLDS"]} == {60.0, 40.0}
    assert _ends(scanned["REGISTERED_IN"]) == {
        (sid("entity", r["uscc"]), "R:" + r["region_code"])
        for r in store.registrations_of([ids["x"], ids["y"], ids["organ"]])
    }
    assert _ends(scanned["CONCERNS"]) == {("C:" + ids["r1"], x), ("C:" + ids["r2"], p)}
    assert _ends(scanned["NAMES"]) == {("C:" + ids["r1"], p)}
    assert scanned["NAMES"][0]["capacity"] == "legal_rep"
    assert _ends(scanned["SUPERVISED_BY"]) == {(x, sid("entity", ids["organ"]))}
    hidden = {"_h", "_src", "id_sealed", "sid", "label"}
    assert not any(hidden & set(r) for rows in scanned.values() for r in rows)


def test_scan_relationships_on_a_day_keeps_exactly_those_in_force_by_the_time_rule(
    store: GraphStore, tmp_path: Path
) -> None:
    s, _ = _random_world(3)
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    fields = ("role", "percent", "start_date", "end_date")
    every = {t: _flat(store.scan_relationships(t, fields=fields)) for t in ("ROLE", "HOLDS")}
    days = sorted({r["start_date"] for rows in every.values() for r in rows})
    days += ["2014-01-01", "2030-01-01"] + [r["end_date"] for r in every["ROLE"] if "end_date" in r]
    for d in days:
        for rtype, rows in every.items():
            got = _flat(store.scan_relationships(rtype, on=d, fields=fields))
            expected = [r for r in rows if in_force(r, d)]
            assert sorted(map(repr, got)) == sorted(map(repr, expected)), (rtype, d)


def test_scan_of_records_concerning_their_subject_on_a_day_starts_at_the_decision(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _load_world(store, tmp_path)
    on = {
        d: _ends(_flat(store.scan_relationships("CONCERNS", on=d)))
        for d in ("2021-02-28", "2021-03-01", "2022-01-10")
    }
    assert on["2021-02-28"] == set()
    assert {a for a, _ in on["2021-03-01"]} == {"C:" + ids["r1"]}
    assert len(on["2022-01-10"]) == 2


# -- the change token ----------------------------------------------------------------------


def _event(rid: str) -> RecordEvent:
    return RecordEvent.named(rid, "object", "2022-01-10", by="灵寿县人民法院 王法官", reason="异议")


def test_change_token_stays_while_reading_and_changes_with_every_kind_of_write(
    store: GraphStore, tmp_path: Path
) -> None:
    empty = store.change_token()
    ids = _load_world(store, tmp_path)
    loaded = store.change_token()
    assert loaded != empty
    store.material("person", RING.key(ids["p"]))
    store.search("扫描")
    _flat(store.scan_nodes("Entity"))
    store.neighbourhood(sid("entity", ids["x"]))
    store.keep_audit_anchor(str(tmp_path / "audit.jsonl"), 1, "abc")  # not what readers see
    assert store.change_token() == loaded
    twin = open_store(store.uri)
    try:
        assert twin.change_token() == loaded  # another store object on the same data
        seen = [loaded]
        load_directory(tmp_path / "in", store, RING, progress=False)  # only its log entry
        seen.append(store.change_token())
        apply_event(store, _event(ids["r1"]))  # a record event (a small transaction)
        seen.append(store.change_token())
        store.begin_load({"batch_id": "b-later", "directory": "x", "started_at": "2030-01-01"})
        seen.append(store.change_token())
        assert len(set(seen)) == len(seen)
        assert twin.change_token() == seen[-1]
    finally:
        twin.close()


def test_change_token_sees_a_write_made_by_another_process(
    store: GraphStore, tmp_path: Path
) -> None:
    _load_world(store, tmp_path)
    before = store.change_token()
    s = Scenario(first=100)
    s.entity("另一进程写入的公司")
    s.write(tmp_path / "other")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from graph_service.ids.person_key import PersonKeyring\n"
        "from graph_service.stores import open_store\n"
        "from loaders.load import load_directory\n"
        "ring = PersonKeyring('test-secret')\n"
        "with open_store(sys.argv[1]) as store:\n"
        "    load_directory(Path(sys.argv[2]), store, ring, progress=False)\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, store.uri, str(tmp_path / "other")],
        check=True,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    after = store.change_token()
    assert after != before
    assert store.change_token() == after
    assert store.counts()["Entity"] == 4


def test_change_token_sees_a_load_begun_by_another_process_once_the_listing_is_kept(
    store: GraphStore, tmp_path: Path
) -> None:
    _load_world(store, tmp_path)
    if store.backend == "embedded":
        folder = Path(store.uri).parent
        old = folder.stat().st_mtime - 60  # a settled directory: its listing is kept
        os.utime(folder, (old, old))
    before = store.change_token()
    assert store.change_token() == before
    code = (
        "import sys\n"
        "from graph_service.stores import open_store\n"
        "with open_store(sys.argv[1]) as store:\n"
        "    store.begin_load({'batch_id': 'b-other', 'directory': 'x', 'started_at': 'now'})\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, store.uri],
        check=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert store.change_token() != before


# -- paged relations and search ------------------------------------------------------------


def test_relations_page_pages_each_list_in_order_with_its_true_total(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    hub = s.entity("枢纽控股有限公司")
    for i in range(7):
        person = s.person(f"股东{i}")
        s.holds(person, hub, 10, f"201{i}-01-01")
        s.role(person, hub, "director", f"201{i}-02-01")
    for i in range(5):
        s.record(hub, "serious_illegal_dishonest", f"202{i}-01-10")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    whole = store.relations("entity", hub)
    lists: tuple[Relation, ...] = ("roles", "holdings", "registrations", "records")
    for name in lists:
        pages = [store.relations_page("entity", hub, name, limit=3, offset=o) for o in (0, 3, 6, 9)]
        assert {p.total for p in pages} == {len(whole[name])}
        assert [x for p in pages for x in p.items] == whole[name], name
        assert all(len(p.items) <= 3 and p.limit == 3 for p in pages)
    assert store.relations_page("entity", "NO-SUCH", "roles", limit=5).total == 0


def test_search_counts_every_hit_not_only_those_it_could_page(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    for i in range(1010):
        s.entity(f"检索公司{i:04d}")
    s.person("检索公司的人")  # a person's name matches too, and comes after the entities
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    page = store.search("检索公司", limit=10, offset=1005)
    assert page.total == 1011
    assert [h.get("name") for h in page.items] == [
        *(f"检索公司{i:04d}" for i in range(1005, 1010)),
        "检索公司的人",
    ]
    assert page.items[-1]["type"] == "person"
    first = store.search("检索公司00", limit=4, offset=2)
    assert first.total == 100
    assert [h["name"] for h in first.items] == [f"检索公司{i:04d}" for i in range(2, 6)]
