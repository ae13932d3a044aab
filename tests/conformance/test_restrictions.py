"""Every row of shared/RULES.md's restriction tables, on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_service.engine.measures import UnknownAction
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario

JPL_SUBJECT = [
    "issue_shares",
    "bid_tender",
    "government_procurement",
    "fiscal_funds",
    "tax_incentive",
    "obtain_credit",
    "air_travel",
    "high_speed_rail",
    "honours",
]
JPL_PERSONS = ["air_travel", "high_speed_rail", "serve_as_officer", "honours"]
DJD_SUBJECT = [
    "air_travel",
    "high_speed_rail",
    "obtain_credit",
    "bid_tender",
    "government_procurement",
    "honours",
]
DJD_PERSONS = ["air_travel", "high_speed_rail"]
Built = tuple[RestrictionEngine, dict[str, str]]
ALL_ACTIONS = sorted(set(JPL_SUBJECT + JPL_PERSONS + DJD_SUBJECT) | {"enter_sector:food_drug"})


def build(store: GraphStore, tmp_path: Path, s: Scenario) -> RestrictionEngine:
    report = load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    assert report.rejected == 0, report.to_dict()
    return RestrictionEngine(store)


def person_denied(engine: RestrictionEngine, person: str, action: str, on: str) -> bool:
    return not engine.check("person", RING.key(person), action, on).allowed


def entity_denied(engine: RestrictionEngine, uscc: str, action: str, on: str) -> bool:
    return not engine.check("entity", uscc, action, on).allowed


@pytest.fixture
def jpl(store: GraphStore, tmp_path: Path) -> Built:
    """X is listed on 2020-05-20. A was legal rep 2015–2021; B took over after the decision;
    C was principal and left the day of the decision; D a director."""
    s = Scenario()
    x = s.entity("灵寿县恒达建材有限公司")
    a, b, c, d = (s.person(n) for n in ("张伟", "王芳", "李强", "赵敏"))
    s.role(a, x, "legal_rep", "2015-01-01", "2021-03-31")
    s.role(b, x, "legal_rep", "2021-04-01")
    s.role(c, x, "principal", "2016-01-01", "2020-05-20")
    s.role(d, x, "director", "2015-01-01")
    rid = s.record(x, "joint_punishment_list", "2020-05-20")
    return build(store, tmp_path, s), {"x": x, "a": a, "b": b, "c": c, "d": d, "rid": rid}


def test_listed_entity_is_denied_exactly_the_subject_actions(jpl: Built) -> None:
    engine, ids = jpl
    for action in ALL_ACTIONS:
        assert entity_denied(engine, ids["x"], action, "2022-01-01") == (action in JPL_SUBJECT)


def test_legal_rep_on_the_decision_date_is_denied_exactly_the_person_actions(jpl: Built) -> None:
    engine, ids = jpl
    for action in ALL_ACTIONS:
        assert person_denied(engine, ids["a"], action, "2022-01-01") == (action in JPL_PERSONS)


def test_list_restriction_follows_the_person_after_leaving_office(jpl: Built) -> None:
    engine, ids = jpl
    result = engine.check("person", RING.key(ids["a"]), "air_travel", "2025-01-01")
    assert not result.allowed
    [reason] = result.reasons
    assert reason.rule_id == "R-JPL-PERS-AIR"
    assert reason.judged_on == "2020-05-20"
    assert [s.type for s in reason.path] == ["CONCERNS", "ROLE"]
    assert reason.path[1].role == "legal_rep"
    assert reason.path[1].start_date == "2015-01-01"
    assert reason.path[1].source == "roles.csv"
    assert reason.record.record_id == ids["rid"]
    assert "张伟" in reason.explanation_zh


def test_legal_rep_who_took_office_after_the_decision_is_not_restricted_by_the_list(
    jpl: Built,
) -> None:
    engine, ids = jpl
    for action in ALL_ACTIONS:
        assert not person_denied(engine, ids["b"], action, "2022-01-01")


def test_role_that_ends_the_day_of_the_decision_was_held_on_it(jpl: Built) -> None:
    engine, ids = jpl
    assert person_denied(engine, ids["c"], "serve_as_officer", "2022-01-01")


def test_director_is_not_a_responsible_person(jpl: Built) -> None:
    engine, ids = jpl
    assert not person_denied(engine, ids["d"], "air_travel", "2022-01-01")


def test_nothing_applies_before_the_decision(jpl: Built) -> None:
    engine, ids = jpl
    assert not entity_denied(engine, ids["x"], "bid_tender", "2020-05-19")
    assert not person_denied(engine, ids["a"], "air_travel", "2020-05-19")


@pytest.fixture
def djd(store: GraphStore, tmp_path: Path) -> Built:
    """X is a dishonest judgment debtor from 2021-09-01. A was legal rep until 2022-12-31,
    B from 2023-01-01."""
    s = Scenario()
    x = s.entity("石家庄市恒通物流有限公司", region="130102")
    a, b = s.person("孙涛"), s.person("周静")
    s.role(a, x, "legal_rep", "2018-01-01", "2022-12-31")
    s.role(b, x, "legal_rep", "2023-01-01")
    s.record(x, "dishonest_judgment_debtor", "2021-09-01", authority="石家庄市中级人民法院")
    return build(store, tmp_path, s), {"x": x, "a": a, "b": b}


def test_debtor_entity_is_denied_exactly_the_subject_actions(djd: Built) -> None:
    engine, ids = djd
    for action in ALL_ACTIONS:
        assert entity_denied(engine, ids["x"], action, "2022-06-01") == (action in DJD_SUBJECT)


def test_debtor_listing_reaches_whoever_holds_the_role_on_the_date_asked(djd: Built) -> None:
    engine, ids = djd
    for action in ALL_ACTIONS:
        assert person_denied(engine, ids["a"], action, "2022-06-01") == (action in DJD_PERSONS)
        assert person_denied(engine, ids["b"], action, "2024-01-01") == (action in DJD_PERSONS)
    # A left office: the debtor listing no longer reaches A; B was not yet in office in 2022.
    assert not person_denied(engine, ids["a"], "air_travel", "2024-01-01")
    assert not person_denied(engine, ids["b"], "air_travel", "2022-06-01")


@pytest.fixture
def statuses(store: GraphStore, tmp_path: Path) -> Built:
    s = Scenario()
    rep = s.entity("甲公司")
    rev = s.entity("乙公司")
    dis = s.entity("丙公司")
    exp = s.entity("丁公司")
    s.record(rep, "joint_punishment_list", "2019-01-10", status="repaired", status_on="2021-07-01")
    s.record(rev, "joint_punishment_list", "2019-01-10", status="revoked", status_on="2019-03-01")
    s.record(dis, "joint_punishment_list", "2019-01-10", status="disputed", status_on="2019-02-01")
    s.record(exp, "joint_punishment_list", "2019-01-10", effective_to="2022-01-10")
    return build(store, tmp_path, s), {"rep": rep, "rev": rev, "dis": dis, "exp": exp}


def test_repaired_record_restricts_before_its_repair_date_and_not_after(statuses: Built) -> None:
    engine, ids = statuses
    assert entity_denied(engine, ids["rep"], "bid_tender", "2021-06-30")
    assert not entity_denied(engine, ids["rep"], "bid_tender", "2021-07-01")


def test_revoked_record_never_restricts(statuses: Built) -> None:
    engine, ids = statuses
    for day in ("2019-01-10", "2019-02-01", "2025-01-01"):
        assert not entity_denied(engine, ids["rev"], "bid_tender", day)


def test_disputed_record_still_restricts_and_is_marked(statuses: Built) -> None:
    engine, ids = statuses
    result = engine.check("entity", ids["dis"], "bid_tender", "2020-01-01")
    assert not result.allowed
    assert all(r.disputed for r in result.reasons)


def test_record_ends_on_its_effective_to_date(statuses: Built) -> None:
    engine, ids = statuses
    assert entity_denied(engine, ids["exp"], "bid_tender", "2022-01-09")
    assert not entity_denied(engine, ids["exp"], "bid_tender", "2022-01-10")


@pytest.fixture
def bans(store: GraphStore, tmp_path: Path) -> Built:
    s = Scenario()
    life = s.entity("灵寿县好味食品有限公司")
    term = s.entity("灵寿县清源环保科技有限公司")
    a, b = s.person("钱进"), s.person("冯雪")
    s.role(a, life, "legal_rep", "2012-01-01")
    s.role(b, term, "principal", "2012-01-01")
    s.record(life, "market_ban", "2018-03-01", sector="food_drug")
    s.record(term, "market_ban", "2018-03-01", sector="environment", effective_to="2023-03-01")
    return build(store, tmp_path, s), {"life": life, "term": term, "a": a, "b": b}


def test_lifetime_sector_ban_never_ends(bans: Built) -> None:
    engine, ids = bans
    for day in ("2018-03-01", "2030-01-01", "2070-12-31"):
        assert entity_denied(engine, ids["life"], "enter_sector:food_drug", day)
        assert person_denied(engine, ids["a"], "enter_sector:food_drug", day)
        assert person_denied(engine, ids["a"], "serve_as_officer", day)


def test_sector_ban_covers_its_own_sector_only(bans: Built) -> None:
    engine, ids = bans
    assert not entity_denied(engine, ids["life"], "enter_sector:environment", "2020-01-01")
    assert not entity_denied(engine, ids["life"], "bid_tender", "2020-01-01")
    assert not person_denied(engine, ids["a"], "air_travel", "2020-01-01")


def test_fixed_term_sector_ban_ends(bans: Built) -> None:
    engine, ids = bans
    assert person_denied(engine, ids["b"], "enter_sector:environment", "2023-02-28")
    assert not person_denied(engine, ids["b"], "enter_sector:environment", "2023-03-01")


@pytest.fixture
def control(store: GraphStore, tmp_path: Path) -> Built:
    """P controls X two holding levels up (P 60 % of H, H 70 % of X); Q holds 44 % of Y
    (not control) and Y has no declared controller; Z has a declared controller D though
    P controls it too through H."""
    s = Scenario()
    h = s.entity("灵寿县鼎盛投资控股有限公司")
    x = s.entity("灵寿县鼎盛矿业有限公司")
    y = s.entity("灵寿县四方商贸有限公司")
    z = s.entity("灵寿县鼎盛建设工程有限公司")
    p, q, d = s.person("吴刚"), s.person("郑丽"), s.person("王磊")
    s.holds(p, h, 60, "2012-01-01")
    s.holds(h, x, 70, "2013-01-01")
    s.holds(q, y, 44, "2012-01-01")
    s.holds(h, z, 80, "2013-01-01")
    s.role(d, z, "actual_controller", "2013-01-01")
    for e in (x, y, z):
        s.record(e, "joint_punishment_list", "2020-06-01")
    return build(store, tmp_path, s), {"h": h, "x": x, "y": y, "z": z, "p": p, "q": q, "d": d}


def test_inferred_controller_two_levels_up_is_restricted_with_the_chain(control: Built) -> None:
    engine, ids = control
    result = engine.check("person", RING.key(ids["p"]), "air_travel", "2021-01-01")
    assert not result.allowed
    [reason] = result.reasons  # X only: Z has a declared controller
    assert reason.inferred
    assert reason.record.subject_key == ids["x"]
    assert [(s.type, s.percent) for s in reason.path] == [
        ("CONCERNS", None),
        ("HOLDS", 60.0),
        ("HOLDS", 70.0),
    ]
    assert reason.path[1].to_name == "灵寿县鼎盛投资控股有限公司"


def test_beneficial_owner_with_44_percent_is_not_restricted(control: Built) -> None:
    engine, ids = control
    assert not person_denied(engine, ids["q"], "air_travel", "2021-01-01")


def test_beneficial_owners_are_listed_with_effective_ownership(control: Built) -> None:
    from graph_service.engine.control import beneficial_owners

    engine, ids = control
    owners = beneficial_owners(engine.store, ids["y"], "2021-01-01")
    assert owners == [{"person_sid": "P:" + RING.key(ids["q"]), "effective": 0.44}]
    chain = beneficial_owners(engine.store, ids["x"], "2021-01-01")
    assert chain == [{"person_sid": "P:" + RING.key(ids["p"]), "effective": 0.42}]  # 60 % × 70 %


def test_declared_controller_is_restricted_and_displaces_the_inferred_one(control: Built) -> None:
    engine, ids = control
    result = engine.check("person", RING.key(ids["d"]), "air_travel", "2021-01-01")
    assert [(r.record.subject_key, r.inferred) for r in result.reasons] == [(ids["z"], False)]


def test_control_before_the_holdings_began_does_not_count(control: Built) -> None:
    engine, ids = control
    # The list looks at the decision date; holdings started 2012–2013, decision 2020: counted.
    # A holding that starts after the decision gives no control on the decision date.
    assert person_denied(engine, ids["p"], "serve_as_officer", "2021-01-01")


def test_control_together_with_controlled_entities(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    h, x = s.entity("控股公司"), s.entity("目标公司")
    p = s.person("何平")
    s.holds(p, h, 55)
    s.holds(p, x, 30)
    s.holds(h, x, 25)  # 30 + 25 = 55 % together
    s.record(x, "joint_punishment_list", "2020-06-01")
    engine = build(store, tmp_path, s)
    result = engine.check("person", RING.key(p), "high_speed_rail", "2021-01-01")
    assert not result.allowed
    assert sorted(st.percent or 0 for st in result.reasons[0].path[1:]) == [25.0, 30.0, 55.0]


def test_record_about_a_person_restricts_that_person(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    p = s.person("陈晨")
    s.record(p, "dishonest_judgment_debtor", "2022-02-02", authority="灵寿县人民法院")
    engine = build(store, tmp_path, s)
    for action in ALL_ACTIONS:
        assert person_denied(engine, p, action, "2023-01-01") == (action in DJD_SUBJECT)


@pytest.mark.parametrize(
    "kind",
    [
        "watch_list",
        "administrative_penalty",
        "commitment_breach",
        "interview",
        "abnormal_operation",
    ],
)
def test_scoring_records_restrict_nothing_by_themselves(
    store: GraphStore, tmp_path: Path, kind: str
) -> None:
    s = Scenario()
    x = s.entity("某公司")
    p = s.person("某人")
    s.role(p, x, "legal_rep", "2010-01-01")
    s.record(x, kind, "2020-01-01")
    engine = build(store, tmp_path, s)
    for action in ALL_ACTIONS:
        assert not entity_denied(engine, x, action, "2021-01-01")
        assert not person_denied(engine, p, action, "2021-01-01")


def test_unknown_subject_and_unknown_action_are_refused(jpl: Built) -> None:
    engine, ids = jpl
    with pytest.raises(NotFound):
        engine.check("entity", "91350100M000100Y43", "bid_tender", "2022-01-01")
    with pytest.raises(UnknownAction, match="one of"):
        engine.check("entity", ids["x"], "fly_to_moon", "2022-01-01")
    with pytest.raises(UnknownAction, match="unknown sector"):
        engine.check("entity", ids["x"], "enter_sector:casinos", "2022-01-01")
