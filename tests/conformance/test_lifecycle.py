"""The record life cycle on both stores: objection, correction, revocation, repair; every
event kept, and earlier answers can be re-asked as they were given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.engine.lifecycle import InvalidTransition, RecordEvent, apply_event
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.stores.base import GraphStore, sid
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario

Built = tuple[GraphStore, RestrictionEngine, dict[str, str]]
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


@pytest.fixture
def listed(store: GraphStore, tmp_path: Path) -> Built:
    s = Scenario()
    x = s.entity("灵寿县宏远化工有限公司")
    p = s.person("刘洋")
    s.role(p, x, "legal_rep", "2015-01-01")
    rid = s.record(x, "joint_punishment_list", "2021-03-01")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    return store, RestrictionEngine(store), {"x": x, "p": p, "rid": rid}


def event(rid: str, kind: str, on: str = "2022-01-10", **kw: object) -> RecordEvent:
    return RecordEvent(
        record_id=rid,
        type=kind,
        on=on,
        by="灵寿县发改局 王科长",  # type: ignore[arg-type]
        reason="当事人提出异议",
        **kw,
    )  # type: ignore[arg-type]


def test_objection_marks_the_record_disputed_and_it_still_restricts(listed: Built) -> None:
    store, engine, ids = listed
    out = apply_event(store, event(ids["rid"], "objection_opened"), now=LATER)
    assert out["record"]["status"] == "disputed"
    assert out["record"]["event_by"] == "灵寿县发改局 王科长"
    result = engine.check("entity", ids["x"], "bid_tender", "2022-06-01")
    assert not result.allowed
    assert result.reasons[0].disputed


def test_upheld_objection_restores_an_active_record(listed: Built) -> None:
    store, engine, ids = listed
    apply_event(store, event(ids["rid"], "objection_opened"), now=LATER)
    out = apply_event(store, event(ids["rid"], "objection_upheld", "2022-02-01"), now=LATER)
    assert out["record"]["status"] == "active"
    assert not engine.check("entity", ids["x"], "bid_tender", "2022-06-01").allowed


def test_corrected_objection_changes_the_corrected_fields(listed: Built) -> None:
    store, engine, ids = listed
    apply_event(store, event(ids["rid"], "objection_opened"), now=LATER)
    apply_event(
        store,
        event(
            ids["rid"],
            "objection_corrected",
            "2022-02-01",
            corrections={"effective_to": "2022-03-01"},
        ),
        now=LATER,
    )
    assert not engine.check("entity", ids["x"], "bid_tender", "2022-02-28").allowed
    assert engine.check("entity", ids["x"], "bid_tender", "2022-03-01").allowed


def test_repair_ends_restrictions_from_its_day_on(listed: Built) -> None:
    store, engine, ids = listed
    apply_event(
        store, event(ids["rid"], "repaired", "2022-05-05", method="rectification"), now=LATER
    )
    assert not engine.check("person", RING.key(ids["p"]), "air_travel", "2022-05-04").allowed
    assert engine.check("person", RING.key(ids["p"]), "air_travel", "2022-05-05").allowed


def test_revocation_lists_every_restriction_it_invalidates(listed: Built) -> None:
    store, engine, ids = listed
    out = apply_event(store, event(ids["rid"], "revoked", "2022-01-10"), now=LATER)
    reached = {(r["sid"], r["via"]) for r in out["invalidated"]}
    assert reached == {
        (sid("entity", ids["x"]), "subject"),
        (sid("person", RING.key(ids["p"])), "legal_rep"),
    }
    assert engine.check("entity", ids["x"], "bid_tender", "2021-06-01").allowed


def test_earlier_answer_can_be_reasked_as_given_and_found_wrong(listed: Built) -> None:
    store, engine, ids = listed
    before = dt.datetime.now(dt.UTC).isoformat()
    apply_event(store, event(ids["rid"], "revoked"), now=LATER)
    review = engine.review("entity", ids["x"], "bid_tender", "2021-06-01", known_at=before)
    assert not review["then"].allowed
    assert review["now"].allowed
    assert review["was_right"] is False
    history = store.record_history(ids["rid"])
    assert [v.get("status", "active") for v in history] == ["active", "revoked"]


def test_events_that_do_not_fit_the_status_are_refused(listed: Built) -> None:
    store, _, ids = listed
    with pytest.raises(InvalidTransition, match="needs a method"):
        apply_event(store, event(ids["rid"], "repaired"), now=LATER)
    with pytest.raises(InvalidTransition, match="needs disputed"):
        apply_event(store, event(ids["rid"], "objection_upheld"), now=LATER)
    with pytest.raises(InvalidTransition, match="before the decision date"):
        apply_event(store, event(ids["rid"], "objection_opened", "2020-01-01"), now=LATER)
    apply_event(store, event(ids["rid"], "revoked"), now=LATER)
    with pytest.raises(InvalidTransition, match="is revoked"):
        apply_event(store, event(ids["rid"], "repaired", method="commitment"), now=LATER)


def test_reloading_the_source_file_does_not_undo_an_event(listed: Built, tmp_path: Path) -> None:
    store, _, ids = listed
    apply_event(store, event(ids["rid"], "objection_opened"), now=LATER)
    again = load_directory(tmp_path / "in", store, RING, progress=False)
    assert all(f.updated == 0 for f in again.files)
    assert (store.record(ids["rid"]) or {})["status"] == "disputed"
