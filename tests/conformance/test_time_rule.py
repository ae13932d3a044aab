"""One rule for time (RULES §2, :mod:`graph_service.engine.timeline`), and the Cypher that
filters by date tested equal to it over random relationships and days, on both stores."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from graph_service.engine.timeline import add_years, in_force, record_applies, record_last_day
from graph_service.stores.base import GraphStore, sid
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario

DAYS = st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31))


@given(DAYS, st.integers(1, 10))
def test_n_years_from_a_day_end_on_the_same_month_and_day_or_the_months_last(
    day: dt.date, years: int
) -> None:
    end = dt.date.fromisoformat(add_years(day.isoformat(), years))
    assert end.year == day.year + years and end.month == day.month
    assert end.day == day.day or (day.month, day.day, end.day) == (2, 29, 28)


@given(DAYS, DAYS, st.sampled_from(["active", "disputed", "repaired", "removed", "revoked"]), DAYS)
def test_a_record_applies_exactly_between_its_start_and_last_day_as_its_status_allows(
    decided: dt.date, end: dt.date, status: str, asked: dt.date
) -> None:
    rec = {
        "kind": "serious_illegal_dishonest",
        "decided_on": decided.isoformat(),
        "effective_to": end.isoformat() if end >= decided else None,
        "status": status,
        "status_on": end.isoformat(),
    }
    d = asked.isoformat()
    last = record_last_day(rec) or "9999-12-31"
    expected = rec["decided_on"] <= d <= last
    if status == "revoked":
        expected = False
    elif status in ("repaired", "removed"):
        expected = expected and d < rec["status_on"]
    assert record_applies(rec, d) is expected


def _random_world(seed: int) -> tuple[Scenario, str]:
    rng = random.Random(seed)
    s = Scenario()
    x = s.entity("时间规则公司", registered_on="2000-01-01")

    def day() -> str:
        return (dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3000))).isoformat()

    for i in range(12):
        p = s.person(f"人员{i}")
        start = day()
        end = rng.choice(["", start, day(), day()])
        end = "" if end and end < start else end
        s.role(p, x, rng.choice(["legal_rep", "director", "supervisor"]), start, end)
        if i % 3 == 0:
            s.holds(p, x, rng.choice([5, 10, 20]), start, end)
    return s, x


def test_the_cypher_date_filter_equals_the_time_rule_on_random_days(
    store: GraphStore, tmp_path: Path
) -> None:
    s, x = _random_world(7)
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    rels = store.roles_of([sid("entity", x)]) + store.holdings_of([sid("entity", x)], "up")
    boundaries = {r["start_date"] for r in rels} | {r.get("end_date") or "" for r in rels}
    days = set()
    for b in filter(None, boundaries):
        d = dt.date.fromisoformat(b)
        days |= {(d + dt.timedelta(days=k)).isoformat() for k in (-1, 0, 1)}
    rng = random.Random(11)
    days |= {
        (dt.date(2014, 6, 1) + dt.timedelta(days=rng.randrange(4000))).isoformat()
        for _ in range(40)
    }
    for d in sorted(days):
        view = store.neighbourhood(sid("entity", x), on=d, limit=500)
        shown = {
            (e["type"], e["from"], e.get("start_date"), e.get("role"))
            for e in view["edges"]
            if e["type"] in ("ROLE", "HOLDS")
        }
        expected = {
            (
                "ROLE" if "role" in r else "HOLDS",
                sid("person", r.get("person_key") or r.get("holder_key")),
                r["start_date"],
                r.get("role"),
            )
            for r in rels
            if in_force(r, d)
        }
        assert shown == expected, d
