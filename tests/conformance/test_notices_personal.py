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
    r2 = s.record(x, "dishonest_judgment_debtor", "2022-04-01", ground="1")
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


def _employer_notices(store: GraphStore, on: str) -> list[tuple[str, str]]:
    return sorted(
        (n["about"]["name"], n["about"]["reached_as"])
        for n in notices(store, on)
        if n["kind"] == "employer_unit"
    )


def _two_staff(s: Scenario, first: str, second: str) -> tuple[str, str, str]:
    """A company in 灵寿县 and two persons who work at its public school: (company, p1, p2)."""
    school = s.entity("灵寿县第一中学", org_type="public_institution")
    x = s.entity("灵寿县恒昌建材有限公司")
    p1, p2 = s.person(first), s.person(second)
    for p in (p1, p2):
        s.role(p, school, "staff", "2010-09-01")
    return x, p1, p2


def test_staff_notices_follow_who_was_reached_when_decided_not_who_holds_the_role_now(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x, old, new = _two_staff(s, "马超", "黄蓉")
    s.role(old, x, "legal_rep", "2016-01-01", "2022-06-30")  # left after the decision
    s.role(new, x, "legal_rep", "2022-07-01")  # his successor: not reached
    s.record(x, "dishonest_judgment_debtor", "2022-04-01", ground="1")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    assert _employer_notices(store, "2023-01-01") == [("马超", "roles")]


def test_a_joint_punishment_list_notifies_the_employers_of_the_persons_it_names_only(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x, rep, named = _two_staff(s, "马超", "黄蓉")
    s.role(rep, x, "legal_rep", "2016-01-01")
    rid = s.record(x, "joint_punishment_list", "2022-04-01")
    s.names(rid, named, "direct_responsible")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    assert _employer_notices(store, "2023-01-01") == [("黄蓉", "named")]


def test_no_staff_notice_for_an_advisory_reach_or_after_a_release(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x, rep, owner = _two_staff(s, "马超", "黄蓉")
    s.role(rep, x, "legal_rep", "2016-01-01")
    s.holds(owner, x, 90, "2016-01-01")  # inferred controller: an advisory
    rid = s.record(x, "dishonest_judgment_debtor", "2022-04-01", ground="1")
    s.event(rid, "release_person", "2023-03-01", person_id=rep)
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    assert _employer_notices(store, "2023-02-28") == [("马超", "roles")]
    assert _employer_notices(store, "2023-03-01") == []


def test_listed_person_working_in_a_public_body_is_notified(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    school = s.entity("灵寿县第一中学", org_type="public_institution")
    p = s.person("马超")
    s.role(p, school, "staff", "2010-09-01")
    s.record(p, "dishonest_judgment_debtor", "2022-04-01", ground="1")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    assert _employer_notices(store, "2023-01-01") == [("马超", "subject")]


def test_no_notice_before_the_listing(store: GraphStore, tmp_path: Path) -> None:
    _world(store, tmp_path)
    assert notices(store, "2022-02-28") == []
