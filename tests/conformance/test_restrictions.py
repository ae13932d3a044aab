"""shared/RULES.md edition 2, statement by statement, on both stores: what an answer is (§1),
when a record applies (§2), every list of §3 and the derived procurement rule, who is reached
and when that is fixed (§4). Each test builds the smallest registry that shows its rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph_service.engine.measures import UnknownAction, catalogue, parse_catalogue
from graph_service.engine.models import CheckResult
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario

CONSUMPTION = [
    "consumption:air",
    "consumption:rail_soft_sleeper",
    "consumption:rail_g_train",
    "consumption:rail_emu_first_class",
    "consumption:ship_second_class",
    "consumption:star_hotel",
    "consumption:real_estate",
    "consumption:premium_office",
    "consumption:vehicle",
    "consumption:holiday",
    "consumption:private_school",
    "consumption:premium_insurance",
]
DJD_SUBJECT = [
    "government_procurement",
    "bid_tender",
    "fiscal_funds",
    "subsidy",
    "issue_bonds",
    "issue_shares",
    "set_up_financial_company",
    "honours",
]
Ask = Callable[..., CheckResult]


class Built:
    """A loaded scenario and a way to ask it."""

    def __init__(self, store: GraphStore, engine: RestrictionEngine) -> None:
        self.store, self.engine = store, engine

    def ask(self, subject: str, action: str, on: str) -> CheckResult:
        if subject[:17].isdigit():
            return self.engine.check("person", RING.key(subject), action, on)
        return self.engine.check("entity", subject, action, on)

    def allowed(self, subject: str, action: str, on: str) -> bool:
        return self.ask(subject, action, on).allowed

    def kinds(self, subject: str, action: str, on: str) -> dict[str, list[str]]:
        """Measure ids per finding kind."""
        r = self.ask(subject, action, on)
        return {
            "prohibitions": [f.measure.id for f in r.prohibitions],
            "considerations": [f.measure.id for f in r.considerations],
            "advisories": [f.measure.id for f in r.advisories],
        }


@pytest.fixture
def build(store: GraphStore, tmp_path: Path) -> Callable[[Scenario], Built]:
    def _build(s: Scenario) -> Built:
        report = load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
        assert report.rejected == 0, report.to_dict()
        return Built(store, RestrictionEngine(store))

    return _build


def rejects(store: GraphStore, tmp_path: Path, s: Scenario) -> list[str]:
    """The reasons of every rejected row of loading ``s``."""
    report = load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    if not report.rejects_file:
        return []
    return Path(report.rejects_file).read_text(encoding="utf-8").splitlines()[1:]


# -- §1 What an answer is ---------------------------------------------------------------


def test_allowed_is_false_exactly_when_there_is_a_prohibition(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("灵寿县恒达建材有限公司")
    s.record(x, "serious_illegal_dishonest", "2022-03-01")
    b = build(s)
    for action in ("honours:market_regulation", "licensing", "bid_tender", "consumption:air"):
        r = b.ask(x, action, "2023-01-01")
        assert r.allowed is (not r.prohibitions), action
    assert not b.allowed(x, "honours:market_regulation", "2023-01-01")
    considered = b.ask(x, "licensing", "2023-01-01")
    assert considered.allowed and [f.measure.id for f in considered.considerations] == [
        "SID-CONSIDER"
    ]


def test_each_finding_names_record_measure_basis_reach_and_dated_path(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("灵寿县恒达建材有限公司")
    p = s.person("张伟")
    s.role(p, x, "legal_rep", "2015-01-01")
    rid = s.record(
        x, "dishonest_judgment_debtor", "2021-03-10", ground="2", case_no="(2021)冀01执1号"
    )
    b = build(s)
    f = b.ask(p, "consumption:air", "2021-06-01").prohibitions[0]
    assert f.record.record_id == rid and f.record.case_no == "(2021)冀01执1号"
    assert f.measure.id == "DJD-CONSUMPTION-PERSONS"
    assert "法释〔2015〕17号" in f.measure.basis and f.measure.citations
    assert (f.reached_as, f.capacity, f.judged_on) == ("roles", "legal_rep", "2021-03-10")
    assert [step.type for step in f.path] == ["CONCERNS", "ROLE"]
    assert f.path[1].start_date == "2015-01-01" and f.path[1].source == "roles.csv"
    assert f.explanation_zh and f.explanation_en


def test_edition_one_action_names_are_aliases(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "consumption_restriction", "2021-01-01")
    b = build(s)
    r = b.ask(x, "air_travel", "2021-06-01")
    assert (r.action, r.asked_action, r.allowed) == ("consumption:air", "air_travel", False)
    assert b.ask(x, "high_speed_rail", "2021-06-01").action == "consumption:rail_g_train"
    assert b.ask(x, "tax_incentive", "2021-06-01").action == "subsidy"
    assert b.ask(x, "serve_as_officer", "2021-06-01").action == "serve_as_officer:company"


def test_unknown_subject_and_unknown_action_are_refused(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    b = build(s)
    with pytest.raises(UnknownAction):
        b.ask(x, "consumption:rail_d_train_second_class", "2021-06-01")
    with pytest.raises(UnknownAction):
        b.ask(x, "enter_sector:moon", "2021-06-01")
    with pytest.raises(NotFound):
        b.engine.check("entity", "91130126T9999999XX", "bid_tender", "2021-06-01")


# -- §2 When a record applies -------------------------------------------------------------


def test_two_year_term_counts_from_the_decision_and_its_last_day_applies(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="4")
    b = build(s)
    assert not b.allowed(x, "bid_tender", "2021-03-10")  # 法释〔2017〕7号 第五条: that day
    assert not b.allowed(x, "bid_tender", "2023-03-10")  # the last day counts in full
    assert b.allowed(x, "bid_tender", "2023-03-11")
    assert b.allowed(x, "bid_tender", "2021-03-09")


def test_a_term_from_29_february_ends_on_the_last_day_of_february(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "dishonest_judgment_debtor", "2020-02-29", ground="2")
    b = build(s)
    assert not b.allowed(x, "bid_tender", "2022-02-28")
    assert b.allowed(x, "bid_tender", "2022-03-01")


def test_ground_one_listing_has_no_term(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "dishonest_judgment_debtor", "2015-06-01", ground="1")
    b = build(s)
    assert not b.allowed(x, "bid_tender", "2026-06-01")


def test_a_last_day_on_a_holiday_is_not_moved(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "serious_illegal_dishonest", "2021-10-01")  # 3 years: ends 2024-10-01, 国庆
    b = build(s)
    assert not b.allowed(x, "honours:market_regulation", "2024-10-01")
    assert b.allowed(x, "honours:market_regulation", "2024-10-02")


def test_effective_from_and_effective_to_bound_the_record_inclusively(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(
        x,
        "procurement_dishonest",
        "2021-01-05",
        effective_from="2021-02-01",
        effective_to="2022-01-31",
    )
    b = build(s)
    assert b.allowed(x, "government_procurement", "2021-01-31")
    assert not b.allowed(x, "government_procurement", "2021-02-01")
    assert not b.allowed(x, "government_procurement", "2022-01-31")
    assert b.allowed(x, "government_procurement", "2022-02-01")


def test_extend_event_sets_a_later_last_day(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    rid = s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="3")
    s.event(rid, "extend", "2023-01-01", effective_to="2024-03-10")
    b = build(s)
    assert not b.allowed(x, "bid_tender", "2024-03-10")
    assert b.allowed(x, "bid_tender", "2024-03-11")


def test_a_disputed_record_still_applies_and_is_marked(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    rid = s.record(x, "serious_illegal_dishonest", "2021-03-01")
    s.event(rid, "object", "2021-04-01", reason="当事人提出异议")
    b = build(s)
    r = b.ask(x, "honours:market_regulation", "2021-05-01")
    assert not r.allowed and r.prohibitions[0].disputed


@pytest.mark.parametrize("status", ["repaired", "removed"])
def test_repaired_or_removed_applies_up_to_the_day_before(
    build: Callable[..., Built], status: str
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "serious_illegal_dishonest", "2021-03-01", status=status, status_on="2022-05-05")
    b = build(s)
    assert not b.allowed(x, "honours:market_regulation", "2022-05-04")
    assert b.allowed(x, "honours:market_regulation", "2022-05-05")


def test_a_revoked_record_never_applied(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    p = s.person("张伟")
    s.role(p, x, "legal_rep", "2015-01-01")
    s.record(x, "dishonest_judgment_debtor", "2021-03-01", status="revoked", status_on="2021-09-01")
    b = build(s)
    assert b.allowed(x, "bid_tender", "2021-06-01")
    assert b.allowed(x, "consumption:air", "2021-06-01")
    assert b.allowed(p, "consumption:air", "2021-06-01")


def test_consumption_restriction_outlives_the_listing_until_the_court_lifts_it(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    p = s.person("张伟")
    s.role(p, x, "legal_rep", "2015-01-01")
    rid = s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="2")
    s.event(rid, "lift_consumption", "2024-02-01")
    b = build(s)
    # the listing ended on 2023-03-10; its consumption restriction did not
    assert b.allowed(x, "bid_tender", "2023-06-01")
    assert not b.allowed(x, "consumption:air", "2023-06-01")
    assert not b.allowed(p, "consumption:star_hotel", "2024-01-31")
    assert b.allowed(x, "consumption:air", "2024-02-01")
    assert b.allowed(p, "consumption:air", "2024-02-01")


def test_removal_on_performance_lifts_consumption_and_other_removals_do_not(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x, y = s.entity("甲公司"), s.entity("乙公司")
    paid = s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    settled = s.record(y, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    s.event(paid, "remove", "2022-01-10", outcome="performed")
    s.event(settled, "remove", "2022-01-10", outcome="settled")
    b = build(s)
    for who in (x, y):
        assert not b.allowed(who, "bid_tender", "2022-01-09")
        assert b.allowed(who, "bid_tender", "2022-01-10")
    assert b.allowed(x, "consumption:air", "2022-01-10")
    assert not b.allowed(y, "consumption:air", "2022-01-10")


def test_a_measure_outside_its_law_window_fires_under_the_earlier_text_as_catalogued(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    p = s.person("张伟")
    s.record(p, "dishonest_judgment_debtor", "2023-01-10", ground="2")
    b = build(s)
    before = b.kinds(p, "serve_as_officer:company", "2024-06-30")
    assert before["prohibitions"] == [] and before["advisories"] == ["DJD-OFFICE-COMPANY"]
    assert (
        "第一百四十六条"
        in b.ask(p, "serve_as_officer:company", "2024-06-30").advisories[0].measure.basis
    )
    after = b.ask(p, "serve_as_officer:company", "2024-07-01")
    assert [f.measure.id for f in after.prohibitions] == ["DJD-OFFICE-COMPANY"]
    assert "第一百七十八条" in after.prohibitions[0].measure.basis


def test_court_leave_lets_one_person_do_one_action_for_its_period(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    p, q = s.person("张伟"), s.person("王芳")
    s.role(p, x, "legal_rep", "2015-01-01")
    s.role(q, x, "principal", "2015-01-01")
    rid = s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    s.event(
        rid,
        "permit",
        "2021-05-01",
        person_id=p,
        action="consumption:air",
        effective_to="2021-05-31",
        reason="就医",
    )
    b = build(s)
    assert not b.allowed(p, "consumption:air", "2021-04-30")
    assert b.allowed(p, "consumption:air", "2021-05-01")
    assert b.allowed(p, "consumption:air", "2021-05-31")
    assert not b.allowed(p, "consumption:air", "2021-06-01")
    assert not b.allowed(p, "consumption:rail_g_train", "2021-05-15")  # one action only
    assert not b.allowed(q, "consumption:air", "2021-05-15")  # one person only


# -- §3 The lists ---------------------------------------------------------------------------


def test_debtor_entity_is_denied_exactly_its_subject_prohibitions(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    b = build(s)
    denied = {a for a in DJD_SUBJECT + CONSUMPTION if not b.allowed(x, a, "2022-01-01")}
    assert denied == set(DJD_SUBJECT + CONSUMPTION)
    assert b.kinds(x, "obtain_credit", "2022-01-01")["considerations"] == ["DJD-CREDIT"]
    for action in ("licensing", "serve_as_officer:company", "enter_sector:food_drug"):
        assert b.allowed(x, action, "2022-01-01"), action


def test_debtor_person_may_not_hold_office_in_state_owned_or_financial_companies(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    p = s.person("张伟")
    s.record(p, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    b = build(s)
    for action in ("serve_as_officer:soe", "serve_as_officer:financial"):
        assert "DJD-OFFICE-SOE-FINANCIAL" in b.kinds(p, action, "2022-01-01")["prohibitions"]
    assert b.allowed(p, "serve_as_officer:company", "2022-01-01")  # 2018 text: advisory


def test_debtor_listing_reaches_the_four_capacities_for_consumption_only(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    people = {
        c: s.person(c)
        for c in (
            "legal_rep",
            "principal",
            "direct_responsible",
            "actual_controller",
            "director",
            "financial_officer",
        )
    }
    for capacity, p in people.items():
        s.role(p, x, capacity, "2015-01-01")
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="2")
    b = build(s)
    for capacity, p in people.items():
        reached = capacity in ("legal_rep", "principal", "direct_responsible", "actual_controller")
        for action in ("consumption:air", "consumption:rail_emu_first_class"):
            assert b.allowed(p, action, "2021-06-01") is not reached, (capacity, action)
        assert b.allowed(p, "bid_tender", "2021-06-01")  # the entity's bans stay the entity's


def test_consumption_restriction_order_without_listing(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    p = s.person("张伟")
    s.role(p, x, "legal_rep", "2015-01-01")
    rid = s.record(x, "consumption_restriction", "2021-03-10")
    s.event(rid, "lift_consumption", "2026-01-01")
    b = build(s)
    assert not b.allowed(x, "consumption:holiday", "2025-12-31")  # no term: until lifted
    assert not b.allowed(p, "consumption:vehicle", "2025-12-31")
    assert b.allowed(x, "bid_tender", "2022-01-01")
    assert b.allowed(p, "consumption:holiday", "2026-01-01")


def test_serious_illegal_list_bars_regulators_honours_and_is_weighed_elsewhere(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    p = s.person("张伟")
    s.role(p, x, "legal_rep", "2015-01-01")
    s.record(x, "serious_illegal_dishonest", "2021-03-10")
    b = build(s)
    assert not b.allowed(x, "honours:market_regulation", "2024-03-10")
    assert b.allowed(x, "honours:market_regulation", "2024-03-11")  # 3 years
    for action in (
        "licensing",
        "government_procurement",
        "bid_tender",
        "commitment_approval",
        "honours",
    ):
        k = b.kinds(x, action, "2022-01-01")
        assert k["prohibitions"] == [] and k["considerations"] == ["SID-CONSIDER"], action
    assert b.allowed(x, "consumption:air", "2022-01-01")
    assert b.ask(p, "honours", "2022-01-01").findings() == []  # no persons by default


def test_major_tax_violation_runs_three_years_from_publication(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    f = s.person("财务")
    rid = s.record(x, "major_tax_violation", "2021-03-01", published_on="2021-04-15")
    s.names(rid, f, "financial_officer")
    b = build(s)
    assert b.allowed(x, "government_procurement", "2021-04-14")
    assert not b.allowed(x, "government_procurement", "2021-04-15")
    assert not b.allowed(x, "honours", "2024-04-15")
    assert b.allowed(x, "honours", "2024-04-16")
    for action in ("licensing", "bid_tender", "obtain_credit"):
        assert b.kinds(x, action, "2022-01-01")["considerations"] == ["MTV-CONSIDER"]
    assert b.ask(f, "government_procurement", "2022-01-01").findings() == []
    assert b.allowed(f, "consumption:air", "2022-01-01")


def test_procurement_ban_needs_its_term_and_ends_with_it(
    store: GraphStore, tmp_path: Path, build: Callable[..., Built]
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "procurement_dishonest", "2021-03-10", effective_to="2022-03-09")
    b = build(s)
    assert not b.allowed(x, "government_procurement", "2022-03-09")
    assert b.allowed(x, "government_procurement", "2022-03-10")  # an ended ban no longer bars
    assert b.kinds(x, "bid_tender", "2021-06-01")["considerations"] == ["PD-TENDER"]
    bad = Scenario(first=100)
    y = bad.entity("乙公司")
    bad.record(y, "procurement_dishonest", "2021-03-10")
    bad.record(y, "procurement_dishonest", "2021-03-10", effective_to="2025-03-10")
    reasons = rejects(store, tmp_path / "bad", bad)
    assert len(reasons) == 2
    assert "effective_to" in reasons[0] and "3 years" in reasons[1]


def test_food_ban_default_term_reaches_legal_rep_and_direct_responsible_not_principal(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲食品公司")
    rep, resp, head, holder = (s.person(n) for n in ("法代", "直接责任", "负责人", "股东"))
    s.role(rep, x, "legal_rep", "2015-01-01")
    s.role(resp, x, "direct_responsible", "2015-01-01")
    s.role(head, x, "principal", "2015-01-01")
    s.holds(holder, x, 40)
    s.record(x, "market_ban", "2021-03-10", sector="food_drug", offence_on="2020-11-01")
    b = build(s)
    assert not b.allowed(x, "enter_sector:food_drug", "2026-03-10")  # 5 years, 食品安全法 135
    assert b.allowed(x, "enter_sector:food_drug", "2026-03-11")
    assert b.allowed(x, "enter_sector:environment", "2022-01-01")
    for p in (rep, resp):
        assert not b.allowed(p, "enter_sector:food_drug", "2022-01-01")
        assert not b.allowed(p, "serve_as_officer:food_drug", "2022-01-01")
        assert b.allowed(p, "serve_as_officer:company", "2022-01-01")
    for p in (head, holder):
        assert b.ask(p, "enter_sector:food_drug", "2022-01-01").findings() == []


def test_market_ban_without_end_or_default_term_is_rejected_and_a_life_ban_never_ends(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "market_ban", "2021-03-10", sector="environment")
    s.record(x, "market_ban", "2021-03-10", sector="construction", effective_to="9999-12-31")
    reasons = rejects(store, tmp_path, s)
    assert len(reasons) == 1 and "environment" in reasons[0]
    engine = RestrictionEngine(store)
    assert not engine.check("entity", x, "enter_sector:construction", "2090-01-01").allowed


def test_market_ban_legal_rep_who_took_office_after_the_offence_is_an_advisory(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲食品公司")
    old, new = s.person("原法代"), s.person("新法代")
    s.role(old, x, "legal_rep", "2015-01-01", "2021-01-31")
    s.role(new, x, "legal_rep", "2021-02-01")
    s.record(x, "market_ban", "2021-03-10", sector="food_drug", offence_on="2020-11-01")
    b = build(s)
    assert b.kinds(old, "enter_sector:food_drug", "2022-01-01")["prohibitions"] == ["MB-PERSONS"]
    new_answer = b.ask(new, "enter_sector:food_drug", "2022-01-01")
    assert new_answer.allowed
    assert [(f.measure.id, f.reached_as) for f in new_answer.advisories] == [
        ("MB-PERSONS", "late_office")
    ]


def test_licence_revocation_bars_named_persons_from_company_office_for_three_years(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x, y = s.entity("甲公司"), s.entity("乙公司")
    named, unnamed = s.person("被认定者"), s.person("法代")
    s.role(unnamed, x, "legal_rep", "2015-01-01")
    s.role(unnamed, y, "legal_rep", "2015-01-01")
    r1 = s.record(x, "licence_revoked", "2024-09-01")
    s.names(r1, named, "legal_rep")
    s.record(y, "licence_revoked", "2022-09-01")
    b = build(s)
    assert x and b.ask(x, "serve_as_officer:company", "2024-10-01").findings() == []
    f = b.ask(named, "serve_as_officer:company", "2027-09-01").prohibitions[0]
    assert (f.measure.id, f.reached_as) == ("LR-OFFICER", "named")
    assert "第一百七十八条" in f.measure.basis
    assert b.allowed(named, "serve_as_officer:company", "2027-09-02")
    # named in x: the registry's legal rep of x is not reached through x
    assert all(
        f.record.subject_key != x
        for f in b.ask(unnamed, "serve_as_officer:company", "2024-10-01").findings()
    )
    # y names no one: its legal rep at the time is an advisory (2018 text before 2024-07-01)
    a = b.ask(unnamed, "serve_as_officer:company", "2023-01-01")
    assert a.allowed and [(f.measure.id, f.reached_as) for f in a.advisories] == [
        ("LR-OFFICER", "roles")
    ]
    assert "第一百四十六条" in a.advisories[0].measure.basis


def test_other_joint_punishment_lists_prohibit_nothing_by_default(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    p, q = s.person("法代"), s.person("被点名者")
    s.role(p, x, "legal_rep", "2015-01-01")
    rid = s.record(x, "joint_punishment_list", "2021-03-10", able_but_refuses="true")
    s.names(rid, q, "direct_responsible")
    b = build(s)
    for action in CONSUMPTION + DJD_SUBJECT + ["licensing", "obtain_credit"]:
        assert b.allowed(x, action, "2022-01-01"), action
    assert b.kinds(x, "bid_tender", "2022-01-01")["considerations"] == ["JPL-CONSIDER"]
    assert b.kinds(q, "bid_tender", "2022-01-01")["considerations"] == ["JPL-CONSIDER-PERSONS"]
    assert b.ask(p, "bid_tender", "2022-01-01").findings() == []  # named only
    assert b.allowed(x, "consumption:air", "2022-01-01")


def _with_measures(kind: str, change: Callable[[list[Any]], list[Any]]) -> dict[str, Any]:
    """The shipped catalogue (as parsed YAML) with ``kind``'s measures changed: a deployment's
    override."""
    from graph_service.catalogue import load_yaml

    raw = dict(load_yaml("measures.yaml"))
    kinds = dict(raw["kinds"])
    entry = dict(kinds[kind])
    entry["measures"] = change(list(entry["measures"]))
    return raw | {"kinds": kinds | {kind: entry}}


def _with_travel_ban(extra: dict[str, object]) -> dict[str, Any]:
    travel = {
        "id": "JPL-TRAVEL",
        "zh": "限制乘坐飞机、高铁",
        "en": "No flights or G-trains",
        "type": "prohibition",
        "to": "subject",
        "actions": ["consumption:air", "consumption:rail_g_train"],
        "basis": [{"instrument": "GB2020-49", "verified": False}],
        **extra,
    }
    return _with_measures("joint_punishment_list", lambda ms: [*ms, travel])


def test_a_deployments_travel_ban_fires_only_for_subjects_able_but_refusing(
    store: GraphStore, tmp_path: Path
) -> None:
    from graph_service.engine.measures import CatalogueError

    with pytest.raises(CatalogueError, match="able_but_refuses"):
        parse_catalogue(_with_travel_ban({}))
    cat = parse_catalogue(_with_travel_ban({"when": {"able_but_refuses": True}}))
    s = Scenario()
    able, unable = s.entity("有能力拒不履行"), s.entity("无能力")
    s.record(able, "joint_punishment_list", "2021-03-10", able_but_refuses="true")
    s.record(unable, "joint_punishment_list", "2021-03-10", able_but_refuses="false")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    engine = RestrictionEngine(store, cat)
    assert not engine.check("entity", able, "consumption:air", "2022-01-01").allowed
    assert engine.check("entity", unable, "consumption:air", "2022-01-01").allowed


# -- Derived rule: government procurement after a major illegal record --------------------


def test_a_large_fine_bars_procurement_for_three_years_repaired_or_not(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    big, small = s.entity("罚款三百万"), s.entity("罚款一百九十九万")
    s.record(
        big,
        "administrative_penalty",
        "2022-06-01",
        penalty_type="fine",
        amount_yuan="3000000",
        status="repaired",
        status_on="2023-01-01",
    )
    s.record(
        small, "administrative_penalty", "2022-06-01", penalty_type="fine", amount_yuan="1999999"
    )
    b = build(s)
    r = b.ask(big, "government_procurement", "2025-06-01")
    assert [f.measure.id for f in r.prohibitions] == ["PROC-MAJOR-ILLEGAL"]
    assert b.allowed(big, "government_procurement", "2025-06-02")
    assert b.allowed(big, "bid_tender", "2023-06-01")
    assert b.allowed(small, "government_procurement", "2023-06-01")


def test_criminal_penalty_suspension_and_revocation_bar_procurement_warning_does_not(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    kinds = {}
    for penalty in ("criminal", "suspension", "licence_revoked", "warning", "confiscation"):
        x = s.entity(penalty)
        s.record(x, "administrative_penalty", "2022-06-01", penalty_type=penalty)
        kinds[penalty] = x
    lr = s.entity("吊销")
    s.record(lr, "licence_revoked", "2022-06-01")
    b = build(s)
    for penalty, x in kinds.items():
        barred = penalty in ("criminal", "suspension", "licence_revoked")
        assert b.allowed(x, "government_procurement", "2023-01-01") is not barred, penalty
    assert not b.allowed(lr, "government_procurement", "2025-06-01")


def test_a_revoked_penalty_does_not_bar_and_a_fine_before_the_line_is_an_advisory(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x, y = s.entity("撤销"), s.entity("旧罚款")
    s.record(
        x,
        "administrative_penalty",
        "2022-06-01",
        penalty_type="fine",
        amount_yuan="5000000",
        status="revoked",
        status_on="2022-09-01",
    )
    s.record(y, "administrative_penalty", "2021-06-01", penalty_type="fine", amount_yuan="2500000")
    b = build(s)
    assert b.ask(x, "government_procurement", "2023-01-01").findings() == []
    early = b.kinds(y, "government_procurement", "2022-01-01")
    assert early == {"prohibitions": [], "considerations": [], "advisories": ["PROC-MAJOR-ILLEGAL"]}
    assert not b.allowed(y, "government_procurement", "2022-02-08")


# -- §4 Who is reached, and when that is fixed --------------------------------------------


def test_a_legal_rep_who_left_after_the_listing_stays_reached_and_his_successor_is_not(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    old, new = s.person("原法代"), s.person("新法代")
    s.role(old, x, "legal_rep", "2015-01-01", "2021-04-30")
    s.role(new, x, "legal_rep", "2021-05-01")
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    b = build(s)
    assert not b.allowed(old, "consumption:air", "2021-07-01")  # left; the court has not freed him
    assert b.allowed(new, "consumption:air", "2021-07-01")  # a new court decision is needed


def test_the_offence_day_fixes_reach_when_the_record_gives_it(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    then, later = s.person("行为时"), s.person("决定时")
    s.role(then, x, "principal", "2015-01-01", "2020-12-31")
    s.role(later, x, "principal", "2021-01-01")
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="2", offence_on="2020-10-01")
    b = build(s)
    assert not b.allowed(then, "consumption:air", "2021-06-01")
    a = b.ask(later, "consumption:air", "2021-06-01")
    assert a.allowed and [f.reached_as for f in a.advisories] == ["late_office"]


def test_a_role_that_ends_on_the_decision_day_was_held_on_it(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    p = s.person("张伟")
    s.role(p, x, "legal_rep", "2015-01-01", "2021-03-10")
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    b = build(s)
    assert not b.allowed(p, "consumption:air", "2022-01-01")


def test_named_persons_are_reached_whatever_their_roles_and_displace_that_capacity(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    registered, named, head = s.person("登记法代"), s.person("法院认定"), s.person("负责人")
    s.role(registered, x, "legal_rep", "2015-01-01")
    s.role(head, x, "principal", "2015-01-01")
    rid = s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    s.names(rid, named, "legal_rep")
    b = build(s)
    f = b.ask(named, "consumption:air", "2021-06-01").prohibitions[0]
    assert (f.reached_as, f.capacity, f.path[1].type) == ("named", "legal_rep", "NAMES")
    assert b.allowed(registered, "consumption:air", "2021-06-01")
    assert not b.allowed(head, "consumption:air", "2021-06-01")  # principal: by role still


def test_a_successor_is_reached_only_from_a_courts_add_person_day(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    old, new = s.person("原法代"), s.person("新法代")
    s.role(old, x, "legal_rep", "2015-01-01", "2021-04-30")
    s.role(new, x, "legal_rep", "2021-05-01")
    rid = s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    s.event(rid, "add_person", "2021-08-01", person_id=new)
    s.event(rid, "release_person", "2021-08-01", person_id=old)
    b = build(s)
    assert b.allowed(new, "consumption:air", "2021-07-31")
    assert not b.allowed(new, "consumption:air", "2021-08-01")
    assert b.ask(new, "consumption:air", "2021-08-01").prohibitions[0].reached_as == "added"
    assert not b.allowed(old, "consumption:air", "2021-07-31")
    assert b.allowed(old, "consumption:air", "2021-08-01")  # released by the court


def test_a_minor_is_never_listed_as_a_judgment_debtor(store: GraphStore, tmp_path: Path) -> None:
    import datetime as dt

    from tests.factories import pid

    s = Scenario()
    child = pid(901, born=dt.date(2008, 5, 1))
    s.rows["persons"].append({"person_id": child, "name": "未成年人"})
    s.record(child, "dishonest_judgment_debtor", "2024-01-10", ground="1")
    s.record(child, "dishonest_judgment_debtor", "2026-05-01", ground="1")  # turned 18
    reasons = rejects(store, tmp_path, s)
    assert len(reasons) == 1 and "法释〔2017〕7号" in reasons[0]


def test_declared_controller_is_reached_and_an_inferred_one_is_only_advised(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    x, h, z = s.entity("被执行公司"), s.entity("控股公司"), s.entity("另一家")
    boss, declared = s.person("幕后"), s.person("申报实控人")
    s.holds(boss, h, 60)
    s.holds(h, x, 70)
    s.holds(boss, z, 80)
    s.role(declared, z, "actual_controller", "2015-01-01")
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    s.record(z, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    b = build(s)
    a = b.ask(boss, "consumption:air", "2021-06-01")
    assert a.allowed  # on inference alone nobody is refused boarding
    assert [(f.reached_as, f.record.subject_key) for f in a.advisories] == [("inferred", x)]
    assert [step.type for step in a.advisories[0].path] == ["CONCERNS", "HOLDS", "HOLDS"]
    assert not b.allowed(declared, "consumption:air", "2021-06-01")


def test_control_before_the_holdings_began_does_not_count(build: Callable[..., Built]) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    boss = s.person("后来控股")
    s.holds(boss, x, 90, "2022-01-01")
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    b = build(s)
    assert b.ask(boss, "consumption:air", "2022-06-01").findings() == []


def test_a_deployment_may_let_inferred_control_prohibit(store: GraphStore, tmp_path: Path) -> None:
    cat = parse_catalogue(
        _with_measures(
            "dishonest_judgment_debtor",
            lambda ms: [
                m | {"reach": m["reach"] | {"inferred": "prohibit"}} if m["to"] == "persons" else m
                for m in ms
            ],
        )
    )
    s = Scenario()
    x = s.entity("甲公司")
    boss = s.person("幕后")
    s.holds(boss, x, 90)
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    engine = RestrictionEngine(store, cat)
    assert not engine.check("person", RING.key(boss), "consumption:air", "2021-06-01").allowed


def test_a_record_about_a_person_restricts_that_person_as_the_subject(
    build: Callable[..., Built],
) -> None:
    s = Scenario()
    p = s.person("张伟")
    s.record(p, "consumption_restriction", "2021-03-10")
    b = build(s)
    f = b.ask(p, "consumption:air", "2021-06-01").prohibitions[0]
    assert (f.reached_as, f.measure.id) == ("subject", "CR-CONSUMPTION")


def test_the_default_catalogue_validates_and_cites_what_it_rests_on() -> None:
    cat = catalogue()
    assert cat.edition == 2
    for m in cat.measures:
        assert m.basis, m.id
    assert {k for k in cat.kinds} >= {
        "dishonest_judgment_debtor",
        "consumption_restriction",
        "serious_illegal_dishonest",
        "major_tax_violation",
        "procurement_dishonest",
        "market_ban",
        "licence_revoked",
        "joint_punishment_list",
    }


def test_docs_legal_md_is_the_shipped_catalogue() -> None:
    from graph_service.engine.legal_doc import render

    page = Path(__file__).resolve().parents[2] / "docs" / "legal.md"
    assert page.read_text(encoding="utf-8") == render(catalogue()), (
        "docs/legal.md is stale: python -m graph_service measures --markdown > docs/legal.md"
    )


def test_a_stores_material_read_equals_the_composed_primitives(
    store: GraphStore, tmp_path: Path
) -> None:
    from graph_service.stores.base import GraphStore as Base

    s = Scenario()
    x, h, y = s.entity("甲公司"), s.entity("控股公司"), s.entity("乙公司")
    p, q = s.person("张伟"), s.person("王芳")
    s.role(p, x, "legal_rep", "2015-01-01", "2021-05-01")
    s.role(q, x, "principal", "2015-01-01")
    s.holds(p, h, 60)
    s.holds(h, y, 70)
    r1 = s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    r2 = s.record(y, "market_ban", "2021-03-10", sector="food_drug")
    s.names(r2, p, "direct_responsible")
    s.record(p, "consumption_restriction", "2022-01-01")
    t = s.entity("税务公司")
    r3 = s.record(t, "major_tax_violation", "2022-01-01", published_on="2022-02-01")
    s.names(r3, p, "financial_officer")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    for kind, key in (("person", RING.key(p)), ("entity", x), ("person", RING.key(q))):
        for reach in ("all", "named", "none"):
            got = store.material(kind, key, reach)  # type: ignore[arg-type]
            composed = Base.material(store, kind, key, reach)  # type: ignore[arg-type]
            assert got == composed, (kind, key, reach)
    named_only = store.material("person", RING.key(p), "named")
    assert named_only.entity_records == [] and named_only.roles == []
    assert {r["record_id"] for r in named_only.named_records} == {r2, r3}
    m = store.material("person", RING.key(p))
    assert {r["record_id"] for r in m.entity_records} == {r1, r2}
    assert {r["record_id"] for r in m.named_records} == {r2, r3}


def test_every_vocabulary_entry_has_its_two_labels_whole() -> None:
    from graph_service.catalogue import load_yaml

    allowed = {"zh", "en", "takes", "responsible", "takes_sector"}
    for name, entries in load_yaml("vocabularies.yaml").items():
        if not isinstance(entries, dict):
            continue
        for code, entry in entries.items():
            assert set(entry) <= allowed, (name, code, entry)  # a comma split the mapping
            assert isinstance(entry["zh"], str) and isinstance(entry["en"], str), (name, code)
