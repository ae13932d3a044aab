"""The personal credit record (clause 十二) on both stores: what reaches a person — records
about him, records naming him, records of entities he answered for — and the findings."""

from __future__ import annotations

from pathlib import Path

from graph_service.engine.personal import exposure, personal_record
from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario


def test_personal_record_shows_what_reaches_the_person_and_why(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x, t = s.entity("灵寿县恒昌建材有限公司"), s.entity("灵寿县税务案件公司")
    clean = s.entity("灵寿县清白商贸有限公司")
    p, q = s.person("马超"), s.person("黄蓉")
    s.role(p, x, "legal_rep", "2016-01-01")
    s.role(q, clean, "legal_rep", "2016-01-01")
    s.record(x, "dishonest_judgment_debtor", "2022-04-01", ground="1")
    s.record(x, "watch_list", "2021-01-01")
    tax = s.record(t, "major_tax_violation", "2022-01-01", published_on="2022-02-01")
    s.names(tax, p, "financial_officer")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)

    rec = personal_record(store, RING.key(p), "2023-01-01")
    assert rec["person"]["name"] == "马超"
    [entity] = rec["entities"]
    assert entity["uscc"] == x
    assert sorted(r["kind"] for r in entity["records"]) == [
        "dishonest_judgment_debtor",
        "watch_list",
    ]
    assert [(n["capacity"], n["record"]["record_id"]) for n in rec["named"]] == [
        ("financial_officer", tax)
    ]
    assert set(rec["restrictions"]) == {a for a in rec["findings"] if a.startswith("consumption:")}
    assert len(rec["restrictions"]) == 12
    assert rec["restrictions"]["consumption:air"][0]["measure"]["id"] == "DJD-CONSUMPTION-PERSONS"
    assert personal_record(store, RING.key(q), "2023-01-01")["restrictions"] == {}


def test_exposure_lists_every_action_with_a_finding_in_one_answer(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    s.record(x, "serious_illegal_dishonest", "2022-04-01")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    found = exposure(store, "entity", x, "2023-01-01")
    assert found["honours:market_regulation"]["allowed"] is False
    assert found["licensing"]["allowed"] is True
    assert [f["measure"]["id"] for f in found["licensing"]["considerations"]] == ["SID-CONSIDER"]
    assert "consumption:air" not in found
