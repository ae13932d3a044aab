"""Each place that asks "in force on this day?" answers with the one rule of the time module:
the cases where a copy of the rule once answered differently."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from graph_service.engine.measures import catalogue
from graph_service.engine.timeline import (
    day_before,
    in_force,
    measure_applies,
    measure_last_day,
    person_held,
    record_applies,
    record_state,
)
from graph_service.services.graphview import vis_data
from graph_service.stores.base import active_on

DAYS = st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
ENTITY = {"label": "Entity", "id": "E:91110000000000001X", "name": "甲公司"}
PERSON = {"label": "Person", "id": "P:1", "name": "张三"}


def _role(start: str, end: str | None) -> dict[str, str | None]:
    return {"type": "ROLE", "from": "P:1", "to": ENTITY["id"], "role": "legal_rep",
            "start_date": start, "end_date": end}  # fmt: skip


def test_the_graph_page_dashes_a_relationship_not_yet_begun_as_not_in_force() -> None:
    """The page once dashed only relationships whose end had passed: an office that began
    after the day asked was drawn as in force."""
    later = _role("2024-01-01", None)
    [edge] = vis_data([ENTITY, PERSON], [later], "en", on="2023-06-01")["edges"]
    assert in_force(later, "2023-06-01") is False
    assert edge["dashes"] is True


@given(DAYS, DAYS, st.none() | DAYS)
def test_the_graph_page_dashes_exactly_the_relationships_not_in_force(
    on: str, start: str, end: str | None
) -> None:
    rel = _role(start, end)
    [edge] = vis_data([ENTITY, PERSON], [rel], "en", on=on)["edges"]
    assert edge["dashes"] is not in_force(rel, on)
    assert active_on("ROLE", rel, on, None) is in_force(rel, on)


@given(DAYS, DAYS)
def test_a_measures_last_day_is_the_day_before_the_record_stops_applying(
    decided: str, asked: str
) -> None:
    """A repaired record without a ``status_on`` stops on its decision day for every reader
    (the measure's last day once ignored the repair when the status had no date)."""
    rec = {"kind": "serious_illegal_dishonest", "decided_on": decided, "status": "repaired"}
    kind = catalogue().kind(rec["kind"])
    measure = next(m for m in kind.measures if m.lasts == "record")
    assert measure_last_day(rec, measure) == day_before(decided)
    assert measure_applies(rec, measure, asked) is record_applies(rec, asked) is False


def test_a_person_is_held_from_the_day_reached_until_released() -> None:
    rec = {
        "kind": "serious_illegal_dishonest",
        "decided_on": "2020-01-01",
        "events": [{"event": "release_person", "on": "2021-01-01", "person_key": "p"}],
    }
    state = record_state(rec)
    assert not person_held(state, "p", "2020-06-01", "2020-05-31")
    assert person_held(state, "p", "2020-06-01", "2020-06-01")
    assert person_held(state, "p", None, "2020-12-31")
    assert not person_held(state, "p", None, "2021-01-01")
    assert person_held(state, "q", None, "2021-01-01")
