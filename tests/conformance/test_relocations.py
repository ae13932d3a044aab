"""Relocated repeat offenders (shared/RULES.md edition 2, §6) on both stores: every pattern and
its edges, who a triggering record reaches (§4, fixed when decided), and when a flag ends."""

from __future__ import annotations

from pathlib import Path

from graph_service.engine.models import Flag
from graph_service.engine.relocations import detect_relocations
from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario

LINGSHOU, SHIJIAZHUANG_CHANG_AN, NANSHAN = "130126", "130102", "440305"


def flags(
    store: GraphStore, tmp_path: Path, s: Scenario, on: str = "2024-01-01", level: str = "county"
) -> list[tuple[str, str | None, str | None]]:
    """(pattern, person name, entity uscc) of every flag."""
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    found = detect_relocations(store, on, level)  # type: ignore[arg-type]
    return sorted((f.pattern, f.person_name, f.uscc) for f in found)


def boss_scenario(
    new_region: str = NANSHAN,
    start: str = "2021-01-01",
    kind: str = "dishonest_judgment_debtor",
    **fields: str,
) -> tuple[Scenario, str]:
    """张伟, legal rep of a company in 灵寿县 listed on 2020-05-20 (a 失信 listing on ground (一),
    open-ended, unless told otherwise), becomes legal rep of 新公司 on ``start``."""
    s = Scenario()
    x = s.entity("灵寿县恒达建材有限公司", region=LINGSHOU)
    p = s.person("张伟")
    s.role(p, x, "legal_rep", "2015-01-01")
    if kind == "dishonest_judgment_debtor":
        fields.setdefault("ground", "1")
    s.record(x, kind, "2020-05-20", **fields)
    y = s.entity("新公司", region=new_region, registered_on="2020-12-01")
    s.role(p, y, "legal_rep", start)
    return s, y


def detect(store: GraphStore, tmp_path: Path, s: Scenario, on: str = "2024-01-01") -> list[Flag]:
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    return detect_relocations(store, on)


def test_boss_who_opens_a_company_in_another_county_is_a_phoenix(
    store: GraphStore, tmp_path: Path
) -> None:
    s, y = boss_scenario()
    assert flags(store, tmp_path, s) == [("phoenix", "张伟", y)]


def test_phoenix_flag_carries_its_evidence_and_score_parts(
    store: GraphStore, tmp_path: Path
) -> None:
    s, _ = boss_scenario()
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    [flag] = detect_relocations(store, "2024-01-01")
    assert (flag.region_from, flag.region_to, flag.since, flag.via) == (
        LINGSHOU,
        NANSHAN,
        "2021-01-01",
        "legal_rep",
    )
    assert [st.type for st in flag.evidence] == [
        "CONCERNS",
        "ROLE",
        "REGISTERED_IN",
        "ROLE",
        "REGISTERED_IN",
    ]
    assert set(flag.score_parts) == {"soon", "direct", "priors"}
    assert 0 < flag.score <= 100
    assert flag.evidence[1].source == "roles.csv"


def test_same_city_is_a_move_at_county_level_but_not_at_city_level(
    store: GraphStore, tmp_path: Path
) -> None:
    s, y = boss_scenario(new_region=SHIJIAZHUANG_CHANG_AN)
    assert flags(store, tmp_path, s, level="county") == [("phoenix", "张伟", y)]
    assert detect_relocations(store, "2024-01-01", "city") == []


def test_office_taken_the_day_of_the_decision_counts(store: GraphStore, tmp_path: Path) -> None:
    s, y = boss_scenario(start="2020-05-20")
    assert flags(store, tmp_path, s) == [("phoenix", "张伟", y)]


def test_office_held_before_the_decision_is_not_a_relocation(
    store: GraphStore, tmp_path: Path
) -> None:
    s, _ = boss_scenario(start="2019-01-01")
    assert flags(store, tmp_path, s) == []


def test_flag_waits_for_the_move_and_ends_with_the_record(
    store: GraphStore, tmp_path: Path
) -> None:
    s, y = boss_scenario(kind="market_ban", sector="food_drug")
    s.rows["records"][0] |= {"status": "repaired", "status_on": "2023-01-01"}
    assert flags(store, tmp_path, s, on="2020-12-31") == []
    assert [f.uscc for f in detect_relocations(store, "2022-06-01")] == [y]
    assert detect_relocations(store, "2023-01-01") == []


def test_revoked_record_flags_nothing(store: GraphStore, tmp_path: Path) -> None:
    s, _ = boss_scenario()
    s.rows["records"][0] |= {"status": "revoked", "status_on": "2020-06-01"}
    assert flags(store, tmp_path, s) == []


def test_role_that_ends_the_day_of_the_decision_still_answers(
    store: GraphStore, tmp_path: Path
) -> None:
    s, y = boss_scenario()
    s.rows["roles"][0]["end_date"] = "2020-05-20"
    assert flags(store, tmp_path, s) == [("phoenix", "张伟", y)]


def test_legal_rep_appointed_after_the_decision_is_not_a_phoenix(
    store: GraphStore, tmp_path: Path
) -> None:
    s, _ = boss_scenario()
    x = s.rows["entities"][0]["uscc"]
    late = s.person("李四")
    s.role(late, x, "legal_rep", "2020-06-01")
    z = s.entity("另一家", region=NANSHAN)
    s.role(late, z, "legal_rep", "2021-06-01")
    assert [f for f in flags(store, tmp_path, s) if f[1] == "李四"] == []


def test_control_of_the_new_company_through_a_holding_company_counts(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x = s.entity("灵寿县恒达建材有限公司", region=LINGSHOU)
    p = s.person("张伟")
    s.role(p, x, "legal_rep", "2015-01-01")
    s.record(x, "market_ban", "2020-05-20", sector="construction", effective_to="2030-05-19")
    h = s.entity("深圳控股有限公司", region=NANSHAN, registered_on="2018-01-01")
    y = s.entity("深圳建设有限公司", region=NANSHAN, registered_on="2021-01-01")
    s.holds(p, h, 60, "2018-01-01")
    s.holds(h, y, 70, "2021-02-01")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    found = detect_relocations(store, "2024-01-01")
    assert [(f.pattern, f.uscc, f.via, f.since) for f in found] == [
        ("phoenix", y, "control", "2021-02-01")
    ]
    assert [st.percent for st in found[0].evidence if st.type == "HOLDS"] == [60.0, 70.0]


def test_inferred_controller_of_the_listed_entity_two_levels_up_is_followed(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    h = s.entity("灵寿县控股有限公司", region=LINGSHOU)
    x = s.entity("灵寿县矿业有限公司", region=LINGSHOU)
    p = s.person("赵六")
    s.holds(p, h, 80, "2015-01-01")
    s.holds(h, x, 60, "2015-01-01")
    s.holds(x, h, 10, "2016-01-01")  # a cross-holding: a cycle the detector must not loop on
    s.record(x, "dishonest_judgment_debtor", "2020-05-20", authority="灵寿县人民法院")
    y = s.entity("深圳新公司", region=NANSHAN)
    s.role(p, y, "principal", "2022-01-01")
    assert flags(store, tmp_path, s) == [("phoenix", "赵六", y)]


def test_registration_moved_after_the_decision_is_a_migration(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x = s.entity("灵寿县迁移有限公司", region=LINGSHOU)
    s.record(x, "joint_punishment_list", "2020-05-20")
    s.moves(x, SHIJIAZHUANG_CHANG_AN, "2021-03-01")
    s.moves(x, NANSHAN, "2022-03-01")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    [flag] = detect_relocations(store, "2024-01-01")
    assert (flag.pattern, flag.uscc, flag.region_from, flag.region_to, flag.since) == (
        "migration",
        x,
        LINGSHOU,
        SHIJIAZHUANG_CHANG_AN,
        "2021-03-01",
    )
    assert [st.region_code for st in flag.evidence if st.type == "REGISTERED_IN"] == [
        SHIJIAZHUANG_CHANG_AN,
        NANSHAN,
    ]
    assert [f.region_to for f in detect_relocations(store, "2024-01-01", "city")] == [NANSHAN]


def test_move_before_the_decision_is_not_a_migration(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    x = s.entity("早搬公司", region=LINGSHOU)
    s.moves(x, NANSHAN, "2019-03-01")
    s.record(x, "joint_punishment_list", "2020-05-20", region_code=NANSHAN)
    assert flags(store, tmp_path, s) == []


def test_move_and_phoenix_at_once_give_both_flags(store: GraphStore, tmp_path: Path) -> None:
    s, y = boss_scenario()
    x = s.rows["entities"][0]["uscc"]
    s.moves(x, NANSHAN, "2021-01-01")
    assert flags(store, tmp_path, s) == [("migration", None, x), ("phoenix", "张伟", y)]


def test_person_behind_listings_in_two_regions_is_serial(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    a = s.entity("甲", region=LINGSHOU)
    b = s.entity("乙", region=NANSHAN)
    c = s.entity("丙", region=LINGSHOU)
    p, q = s.person("钱七"), s.person("孙八")
    s.role(p, a, "legal_rep", "2012-01-01")
    s.role(p, b, "principal", "2012-01-01")
    s.role(q, a, "principal", "2012-01-01")
    s.role(q, c, "legal_rep", "2012-01-01")
    s.record(a, "dishonest_judgment_debtor", "2019-01-01", ground="1")
    s.record(b, "dishonest_judgment_debtor", "2021-01-01", region_code=NANSHAN, ground="1")
    s.record(c, "market_ban", "2021-06-01", sector="food_drug")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    found = detect_relocations(store, "2024-01-01")
    assert [(f.pattern, f.person_name, f.since, f.regions) for f in found] == [
        ("serial", "钱七", "2021-01-01", [LINGSHOU, NANSHAN])
    ]
    assert len(found[0].record_ids) == 2


# -- edition 2: who a triggering record reaches (RULES §4), and what a flag shows ------------


def test_flag_shows_the_persons_masked_id_and_the_entities_names(
    store: GraphStore, tmp_path: Path
) -> None:
    s, y = boss_scenario()
    x, p = s.rows["entities"][0]["uscc"], s.rows["persons"][0]["person_id"]
    [flag] = detect(store, tmp_path, s)
    person = store.person(RING.key(p)) or {}
    assert flag.person_id_masked == person["id_masked"] != p
    assert flag.person_id_masked and "*" in flag.person_id_masked
    assert flag.entity_name == "新公司"
    assert [(e.uscc, e.name, e.part) for e in flag.entities] == [
        (x, "灵寿县恒达建材有限公司", "listed"),
        (y, "新公司", "new"),
    ]
    assert (flag.reached_as, flag.advisory) == ("roles", False)


def test_licence_revocation_does_not_trigger(store: GraphStore, tmp_path: Path) -> None:
    s, _ = boss_scenario(kind="licence_revoked")
    assert detect(store, tmp_path, s) == []


def test_joint_punishment_list_reaches_only_the_persons_it_names(
    store: GraphStore, tmp_path: Path
) -> None:
    s, y = boss_scenario(kind="joint_punishment_list")  # 张伟 is legal rep, but not named
    named = s.person("王五")  # named by the record, no office in the listed company
    s.role(named, y, "principal", "2022-03-01")
    assert detect(store, tmp_path, s) == []
    later = Scenario(first=100)
    later.names(s.rows["records"][0]["record_id"], named, "direct_responsible")
    load_directory(later.write(tmp_path / "later"), store, RING, progress=False)
    found = detect_relocations(store, "2024-01-01")
    assert [(f.person_name, f.uscc, f.reached_as) for f in found] == [("王五", y, "named")]
    assert [st.type for st in found[0].evidence][:2] == ["CONCERNS", "NAMES"]


def test_market_ban_reaches_the_legal_rep_not_a_principal(
    store: GraphStore, tmp_path: Path
) -> None:
    s, y = boss_scenario(kind="market_ban", sector="food_drug")
    x = s.rows["entities"][0]["uscc"]
    principal = s.person("刘备")
    s.role(principal, x, "principal", "2015-01-01")
    z = s.entity("成都公司", region="510104")
    s.role(principal, z, "legal_rep", "2021-05-01")
    assert [(f.person_name, f.uscc) for f in detect(store, tmp_path, s)] == [("张伟", y)]


def test_reach_is_fixed_on_the_offence_day_and_a_late_office_is_an_advisory(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x = s.entity("灵寿县恒达建材有限公司", region=LINGSHOU)
    old, late = s.person("张伟"), s.person("李四")
    s.role(old, x, "legal_rep", "2015-01-01", "2020-02-01")  # left before the decision
    s.role(late, x, "legal_rep", "2020-02-02")  # took office after the offence
    s.record(x, "dishonest_judgment_debtor", "2020-05-20", ground="1", offence_on="2020-01-10")
    for person, region in ((old, NANSHAN), (late, "510104")):
        y = s.entity(f"新公司{region}", region=region)
        s.role(person, y, "legal_rep", "2021-01-01")
    found = {f.person_name: f for f in detect(store, tmp_path, s)}
    assert sorted(found) == ["张伟", "李四"]
    assert (found["张伟"].reached_as, found["张伟"].advisory) == ("roles", False)
    assert (found["李四"].reached_as, found["李四"].advisory) == ("late_office", True)
    assert found["李四"].score_parts["direct"] == found["张伟"].score_parts["direct"] / 2
    assert found["李四"].score < found["张伟"].score


def test_inferred_controller_flag_is_an_advisory_with_the_chain(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x = s.entity("灵寿县矿业有限公司", region=LINGSHOU)
    p = s.person("赵六")
    s.holds(p, x, 80, "2015-01-01")
    s.record(x, "dishonest_judgment_debtor", "2020-05-20", ground="1")
    y = s.entity("深圳新公司", region=NANSHAN)
    s.role(p, y, "legal_rep", "2022-01-01")
    [flag] = detect(store, tmp_path, s)
    assert (flag.person_name, flag.reached_as, flag.advisory) == ("赵六", "inferred", True)
    assert [st.type for st in flag.evidence][:2] == ["CONCERNS", "HOLDS"]
    assert flag.score_parts["direct"] == 0.5  # legal_rep 1.0, halved: an advisory reach


def test_declared_controller_shuts_out_the_inferred_one(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    x = s.entity("灵寿县矿业有限公司", region=LINGSHOU)
    holder, declared = s.person("赵六"), s.person("钱七")
    s.holds(holder, x, 80, "2015-01-01")
    s.role(declared, x, "actual_controller", "2015-01-01")
    s.record(x, "dishonest_judgment_debtor", "2020-05-20", ground="1")
    for person, region in ((holder, NANSHAN), (declared, "510104")):
        y = s.entity(f"新公司{region}", region=region)
        s.role(person, y, "legal_rep", "2022-01-01")
    assert [(f.person_name, f.advisory) for f in detect(store, tmp_path, s)] == [("钱七", False)]


def test_becoming_directly_responsible_elsewhere_counts(store: GraphStore, tmp_path: Path) -> None:
    s, _ = boss_scenario()
    p = s.rows["persons"][0]["person_id"]
    z = s.entity("成都公司", region="510104")
    s.role(p, z, "direct_responsible", "2022-01-01")
    assert sorted(f.entity_name or "" for f in detect(store, tmp_path, s)) == ["成都公司", "新公司"]


def test_released_person_is_flagged_until_the_release(store: GraphStore, tmp_path: Path) -> None:
    s, y = boss_scenario()
    p = s.rows["persons"][0]["person_id"]
    s.event(s.rows["records"][0]["record_id"], "release_person", "2022-06-01", person_id=p)
    assert [f.uscc for f in detect(store, tmp_path, s, on="2022-05-31")] == [y]
    assert detect_relocations(store, "2022-06-01") == []


def test_flag_outlives_the_listing_term_until_the_court_lifts_the_restriction(
    store: GraphStore, tmp_path: Path
) -> None:
    s, y = boss_scenario(ground="2")  # a two-year listing: last day 2022-05-20
    s.event(s.rows["records"][0]["record_id"], "lift_consumption", "2023-03-01")
    assert [f.uscc for f in detect(store, tmp_path, s, on="2023-02-28")] == [y]
    assert detect_relocations(store, "2023-03-01") == []


def legal_rep_listed_in_lingshou() -> tuple[Scenario, str, str, str]:
    """钱七, legal rep of 甲 (灵寿县, listed 2019) — and 乙 in 南山区: (scenario, 甲, 乙, 钱七)."""
    s = Scenario()
    a = s.entity("甲", region=LINGSHOU)
    b = s.entity("乙", region=NANSHAN)
    p = s.person("钱七")
    s.role(p, a, "legal_rep", "2012-01-01")
    s.record(a, "dishonest_judgment_debtor", "2019-01-01", ground="1")
    return s, a, b, p


def test_serial_through_a_named_person_and_an_office_shows_both_entities(
    store: GraphStore, tmp_path: Path
) -> None:
    s, a, b, p = legal_rep_listed_in_lingshou()
    rb = s.record(b, "serious_illegal_dishonest", "2021-01-01", region_code=NANSHAN)
    s.names(rb, p, "principal")
    [flag] = detect(store, tmp_path, s)
    assert (flag.pattern, flag.reached_as, flag.advisory) == ("serial", "named", False)
    assert [(e.uscc, e.name, e.part) for e in flag.entities] == [
        (a, "甲", "listed"),
        (b, "乙", "listed"),
    ]
    assert flag.person_id_masked


def test_serial_resting_on_an_advisory_reach_is_an_advisory(
    store: GraphStore, tmp_path: Path
) -> None:
    s, _, b, p = legal_rep_listed_in_lingshou()
    s.holds(p, b, 70, "2012-01-01")
    s.record(b, "dishonest_judgment_debtor", "2021-01-01", region_code=NANSHAN, ground="1")
    [flag] = detect(store, tmp_path, s)
    assert (flag.pattern, flag.reached_as, flag.advisory) == ("serial", "roles", True)
