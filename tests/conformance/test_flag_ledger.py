"""Flags over time: the ledger opens and ends flags as loads change the facts, re-examines only
what a load could affect, and agrees with a nationwide recomputation."""

from __future__ import annotations

from pathlib import Path

from graph_service.engine.flag_ledger import FlagLedger, affected_triggers
from graph_service.engine.relocations import detect_relocations
from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario, write_csv

ON = "2024-01-01"


def two_bosses() -> tuple[Scenario, dict[str, str]]:
    s = Scenario()
    ids = {}
    for i, region in enumerate(("130126", "320102")):
        x = s.entity(f"原公司{i}", region=region)
        p = s.person(f"老板{i}")
        s.role(p, x, "legal_rep", "2015-01-01")
        ids[f"r{i}"] = s.record(
            x, "dishonest_judgment_debtor", "2020-05-20", region_code=region, ground="1"
        )
        y = s.entity(f"新公司{i}", region="440305")
        s.role(p, y, "legal_rep", "2021-01-01")
        ids[f"x{i}"], ids[f"p{i}"], ids[f"y{i}"] = x, p, y
    return s, ids


def test_revocation_in_a_later_load_ends_only_its_flag(store: GraphStore, tmp_path: Path) -> None:
    s, _ = two_bosses()
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    ledger = FlagLedger(tmp_path / "flags.jsonl")
    first = ledger.update(store, ON)
    assert (len(first.opened), first.examined_records) == (2, None)
    revoked = dict(s.rows["records"][0]) | {"status": "revoked", "status_on": "2020-06-01"}
    write_csv(tmp_path / "later" / "records.csv", [revoked])
    report = load_directory(tmp_path / "later", store, RING, progress=False)
    update = ledger.update(store, ON, touched=report.touched)
    assert update.examined_records == 1  # the other boss's record was not looked at
    assert len(update.ended) == 1
    assert {f.person_name for f in ledger.open_flags("county").values()} == {"老板1"}
    history = ledger.history(update.ended[0])
    assert [e["event"] for e in history] == ["opened", "ended"]


def test_a_new_office_elsewhere_opens_a_flag_incrementally(
    store: GraphStore, tmp_path: Path
) -> None:
    s, ids = two_bosses()
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    ledger = FlagLedger(tmp_path / "flags.jsonl")
    ledger.update(store, ON)
    later = Scenario(first=100)
    z = later.entity("第三家公司", region="510104")
    later.role(ids["p0"], z, "principal", "2022-02-02")
    later.rows["persons"] = []
    report = load_directory(later.write(tmp_path / "later"), store, RING, progress=False)
    update = ledger.update(store, ON, touched=report.touched)
    assert len(update.opened) == 1 and update.ended == []
    assert update.examined_records == 1
    assert affected_triggers(store, report.touched) == {ids["r0"]}


def test_incremental_updates_agree_with_a_full_recomputation(
    store: GraphStore, tmp_path: Path
) -> None:
    s, ids = two_bosses()
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    ledger = FlagLedger(tmp_path / "flags.jsonl")
    ledger.update(store, ON)
    later = Scenario(first=200)
    h = later.entity("控股公司", region="440305")
    later.holds(ids["p1"], h, 90, "2019-01-01")
    w = later.entity("被控股公司", region="350102")
    later.holds(h, w, 60, "2022-03-03")
    later.rows["persons"] = []
    report = load_directory(later.write(tmp_path / "later"), store, RING, progress=False)
    ledger.update(store, ON, touched=report.touched)
    full = {f.flag_id for f in detect_relocations(store, ON)}
    assert set(ledger.open_flags("county")) == full
    assert len(full) == 3


def test_a_later_naming_and_a_release_update_incrementally_like_a_full_recomputation(
    store: GraphStore, tmp_path: Path
) -> None:
    s, ids = two_bosses()
    listed = s.entity("名单公司", region="130126")
    rid = s.record(listed, "joint_punishment_list", "2020-05-20")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    ledger = FlagLedger(tmp_path / "flags.jsonl")
    ledger.update(store, ON)
    later = Scenario(first=300)
    later.names(rid, ids["p1"], "direct_responsible")  # now a serial: 130126 and 320102
    later.event(ids["r0"], "release_person", "2023-06-01", person_id=ids["p0"])
    report = load_directory(later.write(tmp_path / "later"), store, RING, progress=False)
    update = ledger.update(store, ON, touched=report.touched)
    full = {f.flag_id: f for f in detect_relocations(store, ON)}
    assert set(ledger.open_flags("county")) == set(full)
    assert sorted(f.pattern for f in full.values()) == ["phoenix", "phoenix", "serial"]
    assert {f.person_name for f in full.values()} == {"老板1"}
    assert len(update.ended) == 1 and len(update.opened) == 2  # 老板0 released; 老板1 named
