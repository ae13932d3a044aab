"""Stored results after a load, on every store: only what the load touched is re-examined
(relocations, notices; grades reuse the refreshed flags), and each refreshed result equals a
full run, row for row."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_service.engine.notices import affected_listings
from graph_service.engine.relocations import detect_relocations
from graph_service.services.jobs import (
    compute_rows,
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
    return relocation_rows(detect_relocations(store, ON, level)).records()  # type: ignore[arg-type]


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


# -- grades and notices ----------------------------------------------------------------------

DAY = "2023-01-01"


def _public_world() -> tuple[Scenario, dict[str, str]]:
    """A state-owned enterprise under an organ, a listed company whose boss works at a public
    school, a clean company whose boss works there too, and a holding company above it."""
    s = Scenario()
    organ = s.entity("石家庄市国资委", region="130100", org_type="state_organ")
    soe = s.entity("石家庄市城建集团", region="130100", org_type="state_owned_enterprise")
    s.rows["entities"][-1]["superior_uscc"] = organ
    school = s.entity("灵寿县第一中学", org_type="public_institution")
    x, clean, parent = s.entity("恒昌建材"), s.entity("清白商贸"), s.entity("控股公司")
    p, q = s.person("马超"), s.person("黄蓉")
    s.role(p, x, "legal_rep", "2016-01-01")
    s.role(p, school, "staff", "2010-09-01")
    s.role(q, clean, "legal_rep", "2016-01-01")
    s.role(q, school, "staff", "2010-09-01")
    s.holds(parent, x, 80)
    ids = {"organ": organ, "soe": soe, "school": school, "x": x, "clean": clean, "p": p, "q": q}
    ids["r1"] = s.record(soe, "joint_punishment_list", "2022-03-01", region_code="130100")
    ids["r2"] = s.record(x, "dishonest_judgment_debtor", "2022-04-01", ground="1")
    s.record(x, "watch_list", "2021-01-01")
    return s, ids


def _later(ids: dict[str, str], change: str) -> Scenario:
    """A later load that changes one thing."""
    s = Scenario(first=500)
    if change == "a listing of the clean company":
        s.record(ids["clean"], "dishonest_judgment_debtor", "2022-06-01", ground="1")
    elif change == "the boss leaves the school":
        s.role(ids["p"], ids["school"], "staff", "2010-09-01", "2022-06-30")
    elif change == "the organ renamed":
        s.rows["entities"].append(
            {
                "uscc": ids["organ"],
                "name": "石家庄市人民政府国有资产监督管理委员会",
                "region_code": "130100",
                "org_type": "state_organ",
                "registered_on": "2010-01-01",
            }
        )
    elif change == "a new holder above the listed company":
        top = s.person("赵云")
        s.holds(top, ids["x"], 60, start="2021-01-01")
        s.role(top, ids["school"], "director", "2015-01-01")
    elif change == "a new company of the listed boss":
        y = s.entity("新恒昌", region="440305")
        s.role(ids["p"], y, "legal_rep", "2022-08-01")
    return s


CHANGES = (
    "a listing of the clean company",
    "the boss leaves the school",
    "the organ renamed",
    "a new holder above the listed company",
    "a new company of the listed boss",
)


@pytest.mark.parametrize("change", CHANGES)
def test_a_load_refreshes_stored_grades_and_notices_as_a_full_run_would(
    store: GraphStore, tmp_path: Path, change: str
) -> None:
    s, ids = _public_world()
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    for kind in ("relocations", "grades", "notices"):
        run_job(store, result_key(kind, DAY))  # type: ignore[arg-type]
    before = store.change_token()
    report = load_directory(
        _later(ids, change).write(tmp_path / "later"), store, RING, progress=False
    )
    refreshed = refresh_after_load(store, report.touched, before)
    assert sorted(i.key.kind for i in refreshed) == ["grades", "notices", "relocations"]
    assert all(i.token == store.change_token() for i in store.results())
    for kind in ("grades", "notices", "relocations"):
        key = result_key(kind, DAY)  # type: ignore[arg-type]
        assert list(store.result_rows(key, ResultFilter())) == compute_rows(store, key).records()


def test_a_load_reexamines_only_the_listings_it_can_change(
    store: GraphStore, tmp_path: Path
) -> None:
    s, ids = _public_world()
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    report = load_directory(
        _later(ids, "the boss leaves the school").write(tmp_path / "later"),
        store,
        RING,
        progress=False,
    )
    # the boss's listing, not the state-owned enterprise's (nor the watch list: not a listing)
    assert affected_listings(store, report.touched, {}) == {ids["r2"]}
