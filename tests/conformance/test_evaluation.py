"""Credit evaluation, grades, grade history, watch-list candidates, credit reports and
publication deadlines on both stores (guideline clauses 三, 六, 七, 八, 十五)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from graph_service.engine.evaluation import (
    Evaluator,
    GradeLedger,
    credit_report,
    deadlines,
)
from graph_service.engine.lifecycle import RecordEvent, apply_event
from graph_service.rendering.report import render_html
from graph_service.settings import get_settings
from graph_service.stores.base import GraphStore, sid
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario

LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def _load(s: Scenario, store: GraphStore, tmp_path: Path) -> None:
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)


@pytest.fixture
def town(store: GraphStore, tmp_path: Path) -> tuple[GraphStore, dict[str, str]]:
    """X is on the joint punishment list (2021-03-01); its legal representative P also runs Y
    (same county) and, after the listing, sets up Z in Shenzhen (a phoenix). W holds 60 % of
    Y. Q is a bystander with Q-Co. V has three fresh administrative penalties."""
    s = Scenario()
    x = s.entity("灵寿县宏远化工有限公司", registered_on="2012-01-01")
    y = s.entity("灵寿县宏远贸易有限公司", registered_on="2014-01-01")
    z = s.entity("深圳市南山区宏远科技有限公司", region="440305", registered_on="2021-09-01")
    w = s.entity("灵寿县恒信投资有限公司", registered_on="2010-01-01")
    q_co = s.entity("灵寿县清泉饮品有限公司", registered_on="2011-01-01")
    v = s.entity("灵寿县华兴建材有限公司", registered_on="2011-01-01")
    p = s.person("刘洋")
    q = s.person("陈静")
    s.role(p, x, "legal_rep", "2012-01-01")
    s.role(p, y, "legal_rep", "2014-01-01")
    s.role(p, z, "legal_rep", "2021-09-01")
    s.role(q, q_co, "legal_rep", "2011-01-01")
    s.holds(w, y, 60, "2014-01-01")
    rid = s.record(x, "joint_punishment_list", "2021-03-01")
    s.names(rid, p, "legal_rep")  # a joint punishment list reaches the persons it names
    for i, day in enumerate(("2023-11-01", "2023-12-01", "2024-01-02")):
        s.record(v, "administrative_penalty", day, basis=f"处罚决定{i}")
    _load(s, store, tmp_path)
    ids = {"x": x, "y": y, "z": z, "w": w, "q_co": q_co, "v": v, "rid": rid}
    return store, ids | {"p": RING.key(p)}


def _repair(store: GraphStore, rid: str, on: str) -> None:
    apply_event(
        store,
        RecordEvent(
            record_id=rid,
            event="repair",
            on=on,
            by="灵寿县发改局",
            reason="完成信用修复",
            method="rectification",
        ),
        now=LATER,
    )


def test_a_listed_entity_is_graded_d_and_every_part_is_shown(town: Any) -> None:
    store, ids = town
    e = Evaluator(store).evaluate(ids["x"], "2024-06-01")
    assert e.grade == "D"
    assert e.capped_by == [ids["rid"]]
    rec = e.records[0]
    assert (rec.record_id, rec.counted, rec.points, rec.decay) == (ids["rid"], True, 50.0, 1.0)
    assert [p.name for p in e.parts] == ["records", "network", "relocation"]
    assert e.score == pytest.approx(100 - sum(p.points for p in e.parts), abs=0.011)
    assert any(ids["rid"] in r for r in e.reasons_en)
    assert not e.watch_candidate  # already on the joint punishment list


def test_grade_moves_when_the_record_is_repaired_from_the_repair_day(
    town: Any, tmp_path: Path
) -> None:
    store, ids = town
    ledger = GradeLedger(tmp_path / "grades.jsonl")
    ev = Evaluator(store)
    before = ev.evaluate_all("2022-05-04")
    ledger.record(before, "2022-05-04", ev.cfg.version)
    _repair(store, ids["rid"], "2022-05-05")
    ev = Evaluator(store)
    assert ev.evaluate(ids["x"], "2022-05-04").grade == "D"  # it applied before the repair
    after = ev.evaluate(ids["x"], "2022-05-05")
    assert after.grade == "A"
    assert not after.records[0].counted
    assert "repaired on 2022-05-05" in after.records[0].why_en
    table = ev.evaluate_all("2022-05-05")
    summary = ledger.record(table, "2022-05-05", ev.cfg.version)
    assert summary.transitions.get("D→A") == 1
    history = ledger.history(ids["x"])
    assert [(h["from"], h["to"], h["on"]) for h in history] == [
        (None, "D", "2022-05-04"),
        ("D", "A", "2022-05-05"),
    ]


def test_a_revoked_record_never_counted(town: Any) -> None:
    store, ids = town
    apply_event(
        store,
        RecordEvent(
            record_id=ids["rid"], event="revoke", on="2022-01-10", by="法院", reason="撤销"
        ),
        now=LATER,
    )
    e = Evaluator(store).evaluate(ids["x"], "2021-06-01")
    assert e.grade == "A"
    assert e.records[0].why_en == "revoked: never applied"


def test_risk_reaches_the_other_entities_of_the_listed_entitys_legal_rep(town: Any) -> None:
    store, ids = town
    ev = Evaluator(store)
    y = ev.evaluate(ids["y"], "2022-01-01")
    net = next(p for p in y.parts if p.name == "network")
    assert net.points > 0
    first = y.network[0]
    assert first.sid == sid("entity", ids["x"])
    assert first.records == [ids["rid"]]
    assert [(s.type, s.role, s.to_id) for s in first.path] == [
        ("ROLE", "legal_rep", sid("entity", ids["y"])),
        ("ROLE", "legal_rep", sid("entity", ids["x"])),
    ]
    assert y.network[0].points == pytest.approx(net.raw, abs=0.02)
    # W holds Y, so it is two steps further from X; the bystander is not reached at all
    w = ev.evaluate(ids["w"], "2022-01-01")
    assert 0 < w.parts[1].points < net.points
    assert ev.evaluate(ids["q_co"], "2022-01-01").parts[1].points == 0
    # before the listing nothing reaches Y
    assert ev.evaluate(ids["y"], "2021-02-28").parts[1].points == 0


def test_a_phoenix_flag_weighs_on_the_new_entity_with_its_evidence(town: Any) -> None:
    store, ids = town
    z = Evaluator(store).evaluate(ids["z"], "2022-01-01")
    assert [f.pattern for f in z.relocation] == ["phoenix"]
    flag = z.relocation[0]
    assert flag.record_ids == [ids["rid"]]
    assert flag.region_to == "440305"
    assert {s.type for s in flag.evidence} >= {"CONCERNS", "ROLE"}
    assert z.parts[2].points == pytest.approx(flag.points, abs=0.011)
    assert z.parts[2].points > 0


def test_one_entity_explained_scores_as_the_nationwide_pass(town: Any) -> None:
    store, _ = town
    ev = Evaluator(store)
    for on in ("2021-02-01", "2022-01-01", "2024-06-01"):
        table = ev.evaluate_all(on).set_index("uscc")
        for uscc in table.index:
            one = ev.evaluate(uscc, on)
            row = table.loc[uscc]
            assert one.score == pytest.approx(row["score"], abs=0.011), (on, uscc)
            assert one.grade == row["grade"], (on, uscc)
            assert [p.points for p in one.parts] == pytest.approx(
                [row["records"], row["network"], row["relocation"]], abs=0.011
            )
            assert one.watch_candidate == row["watch_candidate"]


def test_three_fresh_penalties_make_a_watch_list_candidate(town: Any) -> None:
    store, ids = town
    ev = Evaluator(store)
    table = ev.evaluate_all("2024-01-02").set_index("uscc")
    assert table.loc[ids["v"], "grade"] == "D"
    assert bool(table.loc[ids["v"], "watch_candidate"])
    assert not bool(table.loc[ids["x"], "watch_candidate"])  # listed already
    # the list is for an entity's own dishonesty: a neighbour's or a boss's does not qualify
    assert not table[table["records"] == 0]["watch_candidate"].any()
    # penalties decay: two years on the same entity is graded better
    assert ev.evaluate(ids["v"], "2026-01-02").grade in ("B", "C")


def test_the_credit_report_has_identity_grade_records_lists_and_relationships(
    town: Any, tmp_path: Path
) -> None:
    store, ids = town
    report = credit_report(store, ids["x"], "2022-01-01")
    data = report.model_dump()
    assert data["identity"]["uscc"] == ids["x"]
    assert data["identity"]["name"] == "灵寿县宏远化工有限公司"
    assert data["evaluation"]["grade"] == "D"
    assert [entry["record_id"] for entry in data["lists"]] == [ids["rid"]]
    assert {r["type"] for r in data["relationships"]} >= {"ROLE", "REGISTERED_IN"}
    # a joint punishment list prohibits nothing by default (RULES §3: each list needs its own
    # legal basis); it is weighed (a consideration), not a ban
    assert data["restrictions"] == []
    role = next(r for r in data["relationships"] if r["type"] == "ROLE")
    assert "*" in role["other_id"]  # persons appear by masked ID number only
    assert ids["p"] in data["person_keys"]
    html = render_html(report)
    assert ids["rid"] in html and "灵寿县宏远化工有限公司" in html
    assert "统一社会信用代码" in html and "uscc" in html


def test_publication_deadlines_per_authority_across_national_day(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x = s.entity("灵寿县宏远化工有限公司")
    bureau = "灵寿县市场监督管理局"
    on_time = s.record(x, "administrative_penalty", "2024-09-29", published_on="2024-10-14")
    late = s.record(x, "administrative_penalty", "2024-09-29", published_on="2024-10-15")
    pending = s.record(x, "administrative_penalty", "2024-09-29")
    s.record(x, "administrative_penalty", "2024-09-29", status="revoked", status_on="2024-10-01")
    other = s.record(x, "interview", "2024-10-08", authority="灵寿县发展和改革局")
    _load(s, store, tmp_path)

    due = deadlines(store, "2024-10-14")
    by_authority = {a["authority"]: a for a in due["authorities"]}
    mine = by_authority[bureau]
    assert [(i["record_id"], i["deadline"]) for i in mine["due"]] == [(pending, "2024-10-14")]
    assert mine["due"][0]["working_days_left"] == 0
    assert (mine["published_on_time"], mine["published_late"]) == (1, 1)
    assert [i["record_id"] for i in by_authority["灵寿县发展和改革局"]["due"]] == [other]
    assert due["totals"]["due"] == 2
    assert on_time != late

    overdue = deadlines(store, "2024-10-15", authority=bureau)
    assert [(i["record_id"], i["days_overdue"]) for i in overdue["authorities"][0]["overdue"]] == [
        (pending, 1)
    ]


def test_a_deadline_beyond_the_calendar_is_undetermined_not_guessed(
    store: GraphStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("LOAD_FUTURE_DAYS", "-1")  # a decision in 2099 loads only so
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    s = Scenario()
    x = s.entity("灵寿县宏远化工有限公司")
    rid = s.record(x, "administrative_penalty", "2099-12-28")
    _load(s, store, tmp_path)
    found = deadlines(store, "2099-12-31")
    assert found["totals"]["undetermined"] == 1
    item = found["undetermined"][0]
    assert item["record_id"] == rid and item["deadline"] is None
    assert "chinesecalendar" in item["reason"]
