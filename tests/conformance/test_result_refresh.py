"""Stored relocation results after a load, on both stores: only what the load touched is
re-examined, and the refreshed result equals a full run, row for row."""

from __future__ import annotations

from pathlib import Path

from graph_service.engine.relocations import detect_relocations
from graph_service.services.jobs import (
    refresh_after_load,
    relocation_rows,
    result_key,
    run_job,
)
from graph_service.stores.base import GraphStore
from graph_service.stores.results import ResultFilter
from loaders.load import load_directory
from tests.conformance.test_flag_ledger import ON, two_bosses
from tests.conftest import RING
from tests.factories import Scenario, write_csv


def _stored(store: GraphStore, level: str = "county") -> list[dict[str, object]]:
    return list(store.result_rows(result_key("relocations", ON, level), ResultFilter()))  # type: ignore[arg-type]


def _full(store: GraphStore, level: str = "county") -> list[dict[str, object]]:
    return [r.data for r in relocation_rows(detect_relocations(store, ON, level))]  # type: ignore[arg-type]


def test_a_load_refreshes_stored_flags_as_a_full_run_would(
    store: GraphStore, tmp_path: Path
) -> None:
    s, ids = two_bosses()
    listed = s.entity("名单公司", region="130126")
    rid = s.record(listed, "joint_punishment_list", "2020-05-20")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    run_job(store, result_key("relocations", ON))
    run_job(store, result_key("relocations", ON, "city"))
    before = store.change_token()
    later = Scenario(first=300)
    later.names(rid, ids["p1"], "direct_responsible")  # now a serial: 130126 and 320102
    later.event(ids["r0"], "release_person", "2023-06-01", person_id=ids["p0"])
    report = load_directory(later.write(tmp_path / "later"), store, RING, progress=False)
    refreshed = refresh_after_load(store, report.touched, before)
    assert {i.key.level for i in refreshed} == {"county", "city"}
    assert all(i.token == store.change_token() for i in refreshed)
    assert _stored(store) == _full(store)
    assert _stored(store, "city") == _full(store, "city")
    assert sorted(str(r["pattern"]) for r in _stored(store)) == ["phoenix", "phoenix", "serial"]


def test_a_revocation_ends_its_flag_in_the_stored_result(store: GraphStore, tmp_path: Path) -> None:
    s, _ = two_bosses()
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    run_job(store, result_key("relocations", ON))
    before = store.change_token()
    revoked = dict(s.rows["records"][0]) | {"status": "revoked", "status_on": "2020-06-01"}
    write_csv(tmp_path / "later" / "records.csv", [revoked])
    report = load_directory(tmp_path / "later", store, RING, progress=False)
    refresh_after_load(store, report.touched, before)
    assert [r["person_name"] for r in _stored(store)] == ["老板1"]
    assert _stored(store) == _full(store)


def test_a_result_already_stale_is_not_refreshed(store: GraphStore, tmp_path: Path) -> None:
    s, _ = two_bosses()
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    run_job(store, result_key("relocations", ON))
    run_job(store, result_key("grades", ON))
    report = load_directory(s.write(tmp_path / "again"), store, RING, progress=False)
    assert refresh_after_load(store, report.touched, "a token from before") == []
    assert all(i.token != store.change_token() for i in store.results())
