"""The record life cycle on both stores (DATA-CONTRACT edition 2, events): each event kept as a
version; the feed (record_events.csv), the API and the CLI share one code path; loading an
event twice changes nothing; earlier answers can be re-asked as they were given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.engine.lifecycle import (
    InvalidTransition,
    RecordEvent,
    apply_event,
    event_meta,
    write_event,
    write_events,
)
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore, sid
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario

Built = tuple[GraphStore, RestrictionEngine, dict[str, str]]
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


@pytest.fixture
def listed(store: GraphStore, tmp_path: Path) -> Built:
    """X listed as a judgment debtor (ground 2) on 2021-03-01; P its legal rep since 2015;
    Q a director (not reached)."""
    s = Scenario()
    x = s.entity("灵寿县宏远化工有限公司")
    p, q = s.person("刘洋"), s.person("周杰")
    s.role(p, x, "legal_rep", "2015-01-01")
    s.role(q, x, "director", "2015-01-01")
    rid = s.record(x, "dishonest_judgment_debtor", "2021-03-01", ground="2")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    return store, RestrictionEngine(store), {"x": x, "p": p, "q": q, "rid": rid}


def event(rid: str, name: str, on: str = "2022-01-10", **kw: object) -> RecordEvent:
    return RecordEvent.named(rid, name, on, by="灵寿县人民法院 王法官", reason="依法处理", **kw)


def test_objection_marks_the_record_disputed_and_it_still_restricts(listed: Built) -> None:
    store, engine, ids = listed
    out = apply_event(store, event(ids["rid"], "object"), now=LATER)
    assert out["record"]["status"] == "disputed" and out["applied"]
    result = engine.check("entity", ids["x"], "bid_tender", "2022-06-01")
    assert not result.allowed and result.prohibitions[0].disputed


def test_edition_one_event_names_still_work(listed: Built) -> None:
    store, engine, ids = listed
    apply_event(store, event(ids["rid"], "objection_opened"), now=LATER)
    out = apply_event(store, event(ids["rid"], "objection_upheld", "2022-02-01"), now=LATER)
    assert out["record"]["status"] == "active"
    assert not engine.check("entity", ids["x"], "bid_tender", "2022-06-01").allowed


def test_corrected_objection_changes_the_corrected_fields(listed: Built) -> None:
    store, engine, ids = listed
    apply_event(store, event(ids["rid"], "object"), now=LATER)
    apply_event(
        store,
        event(
            ids["rid"],
            "resolve",
            "2022-02-01",
            outcome="corrected",
            corrections={"effective_to": "2022-03-01"},
        ),
        now=LATER,
    )
    assert not engine.check("entity", ids["x"], "bid_tender", "2022-03-01").allowed
    assert engine.check("entity", ids["x"], "bid_tender", "2022-03-02").allowed


def test_repair_ends_the_listing_from_its_day_on(listed: Built) -> None:
    store, engine, ids = listed
    apply_event(store, event(ids["rid"], "repair", "2022-05-05"), now=LATER)
    assert not engine.check("entity", ids["x"], "bid_tender", "2022-05-04").allowed
    assert engine.check("entity", ids["x"], "bid_tender", "2022-05-05").allowed


def test_revocation_lists_what_it_invalidates_only_those_reached(listed: Built) -> None:
    store, engine, ids = listed
    out = apply_event(store, event(ids["rid"], "revoke", "2022-01-10"), now=LATER)
    reached = {(r["sid"], r["via"]) for r in out["invalidated"]}
    assert reached == {
        (sid("entity", ids["x"]), "subject"),
        (sid("person", RING.key(ids["p"])), "legal_rep"),
    }
    assert engine.check("entity", ids["x"], "bid_tender", "2021-06-01").allowed
    assert engine.check("person", RING.key(ids["p"]), "consumption:air", "2021-06-01").allowed


def test_revocation_does_not_name_a_legal_rep_appointed_after_the_decision(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    x = s.entity("甲公司")
    old, new = s.person("原法代"), s.person("新法代")
    s.role(old, x, "legal_rep", "2015-01-01", "2021-05-31")
    s.role(new, x, "legal_rep", "2021-06-01")
    rid = s.record(x, "dishonest_judgment_debtor", "2021-03-01", ground="1")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    out = apply_event(store, event(rid, "revoke", "2022-01-10"), now=LATER)
    persons = {r["sid"] for r in out["invalidated"] if r["via"] != "subject"}
    assert persons == {sid("person", RING.key(old))}


def test_an_answer_given_from_a_record_later_revoked_is_marked_wrong(listed: Built) -> None:
    store, engine, ids = listed
    before = dt.datetime.now(dt.UTC).isoformat()
    apply_event(store, event(ids["rid"], "revoke"), now=LATER)
    review = engine.review("entity", ids["x"], "bid_tender", "2021-06-01", known_at=before)
    assert not review["then"].allowed
    assert review["now"].allowed
    assert review["was_right"] is False
    history = store.record_history(ids["rid"])
    assert [v.get("status", "active") for v in history] == ["active", "revoked"]


def test_an_answer_given_before_a_removal_stays_right(listed: Built) -> None:
    store, engine, ids = listed
    before = dt.datetime.now(dt.UTC).isoformat()
    apply_event(store, event(ids["rid"], "remove", "2022-01-10", outcome="performed"), now=LATER)
    review = engine.review("entity", ids["x"], "bid_tender", "2021-06-01", known_at=before)
    assert review["was_right"] is True
    assert engine.check("entity", ids["x"], "bid_tender", "2022-01-10").allowed


def test_events_that_do_not_fit_are_refused_with_what_would(listed: Built) -> None:
    store, _, ids = listed
    with pytest.raises(InvalidTransition, match="needs disputed"):
        apply_event(store, event(ids["rid"], "resolve", outcome="upheld"), now=LATER)
    with pytest.raises(InvalidTransition, match="before the decision date"):
        apply_event(store, event(ids["rid"], "object", "2020-01-01"), now=LATER)
    with pytest.raises(InvalidTransition, match="needs person_id"):
        apply_event(store, event(ids["rid"], "release_person"), now=LATER)
    with pytest.raises(InvalidTransition, match="new last day"):
        apply_event(store, event(ids["rid"], "extend"), now=LATER)
    with pytest.raises(InvalidTransition, match="repair method"):
        apply_event(store, event(ids["rid"], "repair", method="prayer"), now=LATER)
    apply_event(store, event(ids["rid"], "revoke"), now=LATER)
    with pytest.raises(InvalidTransition, match="is revoked"):
        apply_event(store, event(ids["rid"], "repair", method="commitment"), now=LATER)


def test_the_same_event_twice_changes_nothing(listed: Built) -> None:
    store, _, ids = listed
    first = apply_event(store, event(ids["rid"], "object"), now=LATER)
    again = apply_event(store, event(ids["rid"], "object"), now=LATER)
    assert first["applied"] and not again["applied"]
    assert len(store.record_history(ids["rid"])) == 2


def test_reloading_the_source_file_does_not_undo_an_event(listed: Built, tmp_path: Path) -> None:
    store, _, ids = listed
    apply_event(store, event(ids["rid"], "object"), now=LATER)
    again = load_directory(tmp_path / "in", store, RING, progress=False)
    assert all(f.updated == 0 for f in again.files)
    assert (store.record(ids["rid"]) or {})["status"] == "disputed"


def test_a_changed_source_row_keeps_the_events_folded_over_it(
    listed: Built, tmp_path: Path
) -> None:
    store, engine, ids = listed
    apply_event(store, event(ids["rid"], "revoke", "2022-01-10"), now=LATER)
    path = tmp_path / "in" / "records.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("灵寿县市场监督管理局", "灵寿县人民法院"),
        encoding="utf-8",
    )
    report = load_directory(tmp_path / "in", store, RING, progress=False)
    assert sum(f.updated for f in report.files) == 1
    rec = store.record(ids["rid"]) or {}
    assert (rec["authority"], rec["status"]) == ("灵寿县人民法院", "revoked")
    assert engine.check("entity", ids["x"], "bid_tender", "2021-06-01").allowed


def test_the_event_feed_loads_in_date_order_and_twice_changes_nothing(
    listed: Built, tmp_path: Path
) -> None:
    store, engine, ids = listed
    feed = Scenario(first=500)
    # written out of order: the resolution comes first in the file
    feed.event(ids["rid"], "resolve", "2021-09-01", outcome="upheld")
    feed.event(ids["rid"], "object", "2021-05-01", reason="当事人异议")
    feed.event(ids["rid"], "release_person", "2021-10-01", person_id=ids["p"])
    feed.event(ids["rid"], "release_person", "2021-10-01", person_id=ids["q"] + "0")  # bad id
    first = load_directory(feed.write(tmp_path / "feed"), store, RING, progress=False)
    events = next(f for f in first.files if f.kind == "record_events")
    assert (events.created, events.rejected) == (3, 1)
    assert (store.record(ids["rid"]) or {})["status"] == "active"
    key = RING.key(ids["p"])
    assert not engine.check("person", key, "consumption:air", "2021-09-30").allowed
    assert engine.check("person", key, "consumption:air", "2021-10-01").allowed
    again = load_directory(tmp_path / "feed", store, RING, progress=False)
    events = next(f for f in again.files if f.kind == "record_events")
    assert (events.created, events.unchanged) == (0, 3)


def test_an_event_on_an_unknown_record_is_rejected_with_its_line(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    s.entity("甲公司")
    s.event("NO-SUCH-RECORD", "object", "2021-05-01")
    report = load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    assert report.rejected == 1
    text = Path(report.rejects_file or "").read_text(encoding="utf-8")
    assert "NO-SUCH-RECORD" in text and "record_events.csv" in text


def test_events_written_together_give_the_versions_one_by_one_gives(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    twins = []  # two copies of the same records: one gets its events one by one
    for copy in ("甲", "乙"):
        x, y = s.entity(f"{copy}化工有限公司"), s.entity(f"{copy}建材有限公司")
        p = s.person(f"{copy}经理")
        s.role(p, x, "legal_rep", "2015-01-01")
        twins.append(
            (
                s.record(x, "dishonest_judgment_debtor", "2021-03-01", ground="2"),
                s.record(y, "dishonest_judgment_debtor", "2021-04-01", ground="2"),
            )
        )
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    meta = event_meta(LATER)

    def feed(a: str, b: str) -> list[RecordEvent]:
        return [
            event(a, "object", "2021-05-01"),
            event(b, "resolve", "2021-05-02", outcome="upheld"),  # not disputed: refused
            event(a, "resolve", "2021-06-01", outcome="upheld"),
            event(b, "repair", "2021-07-01"),
            event(a, "object", "2021-05-01"),  # held already: unchanged
            event("NO-SUCH-RECORD", "object", "2021-05-01"),
            event(a, "repair", "2021-08-01"),
        ]

    one_by_one: list[object] = []
    with store.transaction():
        for e in feed(*twins[0]):
            try:
                one_by_one.append(write_event(store, e, meta)[0])
            except (InvalidTransition, NotFound) as exc:
                one_by_one.append(type(exc))
        written = write_events(store, feed(*twins[1]), meta)
    together = [r[0] if isinstance(r, tuple) else type(r) for r in written]
    assert (
        together
        == one_by_one
        == ["created", InvalidTransition, "created", "created", "unchanged", NotFound, "created"]
    )

    def versions(rid: str) -> list[dict[str, object]]:
        drop = ("record_id", "subject_key", "subject_name", "_h", "_src", "base", "events")
        return [{k: v for k, v in h.items() if k not in drop} for h in store.record_history(rid)]

    for first, second in zip(twins[0], twins[1], strict=True):
        assert versions(first) == versions(second)
        assert len(versions(first)) > 1
