"""Notices to superior units and employers (clause 十二)."""

from __future__ import annotations

from pathlib import Path

from graph_service.engine.notices import notices
from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario


def _world(store: GraphStore, tmp_path: Path) -> dict[str, str]:
    s = Scenario()
    organ = s.entity("石家庄市国资委", region="130100", org_type="state_organ")
    soe = s.entity(
        "石家庄市城市建设投资集团有限公司",
        region="130100",
        org_type="state_owned_enterprise",
        superior=organ,
    )
    school = s.entity("灵寿县第一中学", org_type="public_institution")
    x = s.entity("灵寿县恒昌建材有限公司")
    clean = s.entity("灵寿县清白商贸有限公司")
    p, q = s.person("马超"), s.person("黄蓉")
    s.role(p, x, "legal_rep", "2016-01-01")
    s.role(p, school, "staff", "2010-09-01")
    s.role(q, clean, "legal_rep", "2016-01-01")
    s.role(q, school, "staff", "2010-09-01")
    r1 = s.record(soe, "joint_punishment_list", "2022-03-01", region_code="130100")
    r2 = s.record(x, "joint_punishment_list", "2022-04-01")
    s.record(x, "watch_list", "2021-01-01")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    return {
        "organ": organ,
        "soe": soe,
        "school": school,
        "x": x,
        "p": p,
        "q": q,
        "r1": r1,
        "r2": r2,
    }


def test_listing_of_a_state_owned_enterprise_notifies_its_superior_and_audit(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _world(store, tmp_path)
    found = [(n["kind"], n["record_id"], n["to"].get("uscc")) for n in notices(store, "2023-01-01")]
    assert ("superior_unit", ids["r1"], ids["organ"]) in found
    assert ("audit_department", ids["r1"], None) in found


def test_listing_that_reaches_a_public_employee_notifies_the_employer(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _world(store, tmp_path)
    employer = [n for n in notices(store, "2023-01-01") if n["kind"] == "employer_unit"]
    assert [(n["record_id"], n["to"]["uscc"], n["about"]["name"]) for n in employer] == [
        (ids["r2"], ids["school"], "马超")
    ]
    assert [e.get("role") for e in employer[0]["evidence"][1:]] == ["legal_rep", "staff"]


def test_no_notice_before_the_listing(store: GraphStore, tmp_path: Path) -> None:
    _world(store, tmp_path)
    assert notices(store, "2022-02-28") == []
