"""The parts of the evaluation that need no store: risk propagation (checked against dense
matrix powers), inspection draws (reproducible, following the rates, verifiable), the
working-day calendar of publication deadlines, and the PDF of a credit report."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from graph_service.engine.evaluation import (
    CalendarUnavailable,
    DrawError,
    make_draw,
    publication_deadline,
    read_inspectors,
    verify,
)
from graph_service.engine.evaluation.config import evaluation_config, grade_of
from graph_service.engine.evaluation.deadlines import calendar_years, is_working_day
from graph_service.engine.evaluation.propagation import (
    build_network,
    contributions,
    echoes,
    from_others,
    received,
)
from graph_service.engine.evaluation.sampling import allocate, record_hash

# -- propagation ---------------------------------------------------------------------------


def _dense(n: int, u: Any, v: Any, w: Any, absorb: float) -> Any:
    a = np.zeros((n, n))
    for x, y, z in zip(u, v, w, strict=True):
        if x != y:
            a[x, y] += z
            a[y, x] += z
    return a / (a.sum(axis=1) + absorb)[:, None]


@pytest.mark.parametrize("seed", range(5))
def test_propagation_equals_the_truncated_pagerank_series_without_self_echo(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m, alpha, steps = 30, 70, 0.5, 5
    u, v, w = rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m) + 0.05
    p = np.where(rng.random(n) < 0.3, rng.random(n) * 50, 0.0)
    walk = _dense(n, u, v, w, absorb=1.0)
    series = sum(alpha**k * np.linalg.matrix_power(walk, k) for k in range(1, steps + 1))
    net = build_network(n, u, v, w, absorb=1.0)
    assert received(net, p, alpha, steps) == pytest.approx(series.T @ p, abs=1e-9)
    assert echoes(net, np.arange(n), alpha, steps) == pytest.approx(np.diag(series), abs=1e-12)
    others = np.clip(series.T @ p - p * np.diag(series), 0, None)
    assert from_others(net, p, alpha, steps) == pytest.approx(others, abs=1e-9)
    for node in range(0, n, 7):
        shares = contributions(net, node, p, alpha, steps)
        assert sum(shares.values()) == pytest.approx(others[node], abs=1e-9)
        for s, share in shares.items():
            assert share == pytest.approx(p[s] * series[s, node], abs=1e-12)


def test_a_weak_single_tie_passes_on_little() -> None:
    # listed entity 0 — staff member 1 (weight 0.05) — entity 2 (legal rep, weight 1)
    strong = build_network(3, [0, 1], [1, 2], [1.0, 1.0], absorb=1.0)
    weak = build_network(3, [0, 1], [1, 2], [0.05, 1.0], absorb=1.0)
    seeds = np.array([50.0, 0.0, 0.0])
    assert from_others(weak, seeds, 0.5, 4)[2] < from_others(strong, seeds, 0.5, 4)[2] / 5


def test_grades_follow_the_thresholds_of_the_catalogue() -> None:
    cfg = evaluation_config()
    assert [grade_of(s, cfg) for s in (100, 90, 89.99, 75, 60, 59.99, 0)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "D",
        "D",
    ]


# -- inspection draws ----------------------------------------------------------------------

SIZES = {"A": 200, "B": 120, "C": 60, "D": 20}
RATES = {"A": 0.05, "B": 0.1, "C": 0.2, "D": 0.5}


def _table() -> pd.DataFrame:
    rows = []
    n = 0
    for grade, size in SIZES.items():
        for _ in range(size):
            n += 1
            rows.append(
                {
                    "uscc": f"E{n:05d}",
                    "name": f"主体{n}",
                    "region_code": "130126" if n % 2 else "440305",
                    "industry": "C" if n % 3 else "F",
                    "active": n % 50 != 0 or grade == "D",
                    "grade": grade,
                }
            )
    return pd.DataFrame(rows)


POOL = [
    {
        "inspector_id": f"I{i:02d}",
        "name": f"检查员{i}",
        "authority": "市场监管局",
        "region_prefix": ("13", "44", "")[i % 3],
    }
    for i in range(12)
]


def test_the_same_seed_gives_the_same_draw_and_another_seed_another() -> None:
    table = _table()
    a = make_draw(table, "2024-06-01", budget=1000, rates=RATES, seed="s1", pool=POOL)
    b = make_draw(table, "2024-06-01", budget=1000, rates=RATES, seed="s1", pool=POOL)
    c = make_draw(table, "2024-06-01", budget=1000, rates=RATES, seed="s2", pool=POOL)
    assert a["entities"] == b["entities"] and a["assignments"] == b["assignments"]
    assert a["population"]["hash"] == c["population"]["hash"]
    assert {e["uscc"] for e in a["entities"]} != {e["uscc"] for e in c["entities"]}


def test_the_grade_mix_follows_the_rates_within_statistical_bounds_over_many_seeds() -> None:
    table = _table()
    active = table[table["active"]]
    sizes = active["grade"].value_counts().to_dict()
    seeds = 300
    counts: Counter[str] = Counter()
    for i in range(seeds):
        record = make_draw(
            table, "2024-06-01", budget=10_000, rates=RATES, seed=f"seed-{i}", pool=POOL
        )
        mix = Counter(e["grade"] for e in record["entities"])
        for g, rate in RATES.items():  # each draw: the rate of each grade, to one entity
            assert abs(mix[g] - rate * sizes[g]) <= 1, (i, g, mix)
        counts.update(e["uscc"] for e in record["entities"])
    for g, rate in RATES.items():
        members = active[active["grade"] == g]["uscc"]
        p = record["allocation"][g] / sizes[g]
        assert p == pytest.approx(rate, abs=1 / sizes[g])
        freq = np.array([counts[u] for u in members], dtype=float)
        # every entity of the grade is drawn about as often as the rate says (no favourites):
        # each count is Binomial(seeds, p); 4.5 sigma bounds fail by chance < 1e-5 per entity
        sigma = math.sqrt(seeds * p * (1 - p))
        assert np.all(np.abs(freq - seeds * p) <= 4.5 * sigma), g
        # and together the counts are as spread as a binomial's (chi-square, 99.9 % bounds)
        chi2 = float(((freq - seeds * p) ** 2 / (seeds * p * (1 - p))).sum())
        k = len(freq)
        assert k - 4.5 * math.sqrt(2 * k) < chi2 < k + 4.5 * math.sqrt(2 * k), (g, chi2)


def test_a_short_budget_scales_every_rate_alike() -> None:
    sizes = {"A": 200, "B": 120, "C": 60, "D": 20}
    assert allocate(sizes, RATES, 1000) == {"A": 10, "B": 12, "C": 12, "D": 10}
    assert allocate(sizes, RATES, 22) == {"A": 5, "B": 6, "C": 6, "D": 5}
    assert sum(allocate(sizes, RATES, 7).values()) == 7
    assert allocate({"A": 3, "B": 0, "C": 0, "D": 1}, {"A": 1, "D": 1}, 10) == {
        "A": 3,
        "B": 0,
        "C": 0,
        "D": 1,
    }


def test_inspectors_are_drawn_from_those_whose_region_covers_the_entity() -> None:
    record = make_draw(
        _table(), "2024-06-01", budget=40, rates=RATES, seed="x", pool=POOL, per_entity=2
    )
    scope = {p["inspector_id"]: p["region_prefix"] for p in POOL}
    region = {e["uscc"]: e["region_code"] for e in record["entities"]}
    for a in record["assignments"]:
        assert len(set(a["inspectors"])) == 2 and not a["short"]
        assert all(region[a["uscc"]].startswith(scope[i]) for i in a["inspectors"])


def test_population_filters_by_region_and_industry_and_keeps_only_active() -> None:
    record = make_draw(
        _table(),
        "2024-06-01",
        budget=100,
        region="13",
        industry="C",
        rates=RATES,
        seed="x",
        pool=POOL,
    )
    table = _table().set_index("uscc")
    for uscc, _, region in record["population"]["members"]:
        assert region.startswith("13")
        assert table.loc[uscc, "industry"] == "C" and table.loc[uscc, "active"]


def test_a_draw_record_re_runs_to_itself_and_a_changed_one_does_not() -> None:
    table = _table()
    record = make_draw(table, "2024-06-01", budget=50, rates=RATES, pool=POOL)
    assert len(record["seed"]) == 32  # 128 random bits, recorded
    result = verify(json.loads(json.dumps(record)), table)
    assert result.ok and result.population_matches_store
    # hand-picking one entity, even with the record hash recomputed, is caught
    forged = json.loads(json.dumps(record))
    drawn = {e["uscc"] for e in record["entities"]}
    forged["entities"][0]["uscc"] = next(u for u in table.index if u not in drawn)
    assert not verify(forged).ok
    forged["record_hash"] = record_hash(forged)
    checks = {c["check"]: c["ok"] for c in verify(forged).checks}
    assert checks["record_hash"] and not checks["entities"]
    # so is a population with one entity dropped
    dropped = json.loads(json.dumps(record))
    dropped["population"]["members"].pop()
    assert not verify(dropped).ok
    # the store changed since (a repair): the draw still verifies, the population differs
    later = table.copy()
    later.loc[later["grade"] == "D", "grade"] = "A"
    changed = verify(record, later)
    assert changed.ok and changed.population_matches_store is False


def test_a_draw_needs_an_inspector_pool_and_sane_rates() -> None:
    with pytest.raises(DrawError, match="inspector pool"):
        make_draw(_table(), "2024-06-01", budget=5, pool=[])
    with pytest.raises(DrawError, match="rates"):
        make_draw(_table(), "2024-06-01", budget=5, rates={"A": 1.5}, pool=POOL)


def test_the_inspector_pool_reads_from_csv_and_yaml(tmp_path: Path) -> None:
    csv_file = tmp_path / "pool.csv"
    csv_file.write_text(
        "inspector_id,name,authority,region_prefix\nI2,王敏,灵寿县市场监督管理局,1301\n"
        "I1,赵强,灵寿县市场监督管理局,\n",
        encoding="utf-8",
    )
    yaml_file = tmp_path / "pool.yaml"
    yaml_file.write_text(
        "inspectors:\n  - {inspector_id: I2, name: 王敏, authority: 灵寿县市场监督管理局, "
        "region_prefix: '1301'}\n  - {inspector_id: I1, name: 赵强, authority: "
        "灵寿县市场监督管理局}\n",
        encoding="utf-8",
    )
    assert read_inspectors(csv_file) == read_inspectors(yaml_file)
    assert [p["inspector_id"] for p in read_inspectors(csv_file)] == ["I1", "I2"]
    csv_file.write_text("inspector_id,name\nI1,甲\nI1,乙\n", encoding="utf-8")
    with pytest.raises(DrawError, match="twice"):
        read_inspectors(csv_file)


# -- publication deadlines -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "deadline"),
    [
        ("2024-09-29", "2024-10-14"),  # an adjusted working Sunday, across National Day
        ("2024-09-30", "2024-10-15"),
        ("2024-10-01", "2024-10-15"),  # decided on a holiday
        ("2024-10-12", "2024-10-22"),  # an adjusted working Saturday
        ("2024-06-03", "2024-06-13"),  # across the Dragon Boat Festival (Mon 2024-06-10)
    ],
)
def test_a_deadline_is_the_seventh_working_day_after_the_decision(
    decided: str, deadline: str
) -> None:
    assert publication_deadline(decided) == deadline


def test_the_calendar_knows_holidays_and_adjusted_working_days() -> None:
    assert is_working_day(dt.date(2024, 9, 29))  # Sunday, worked for National Day
    assert is_working_day(dt.date(2024, 10, 12))  # Saturday, worked for National Day
    assert not is_working_day(dt.date(2024, 10, 7))
    assert not is_working_day(dt.date(2024, 10, 13))


def test_a_year_outside_the_calendar_is_a_clear_error_not_a_guess() -> None:
    first, last = calendar_years()
    with pytest.raises(CalendarUnavailable, match=f"covers {first}-{last} only"):
        publication_deadline(f"{last}-12-30")
    with pytest.raises(CalendarUnavailable):
        is_working_day(dt.date(first - 1, 6, 1))


# -- the credit report as PDF --------------------------------------------------------------


@pytest.mark.slow  # renders a PDF (WeasyPrint), ~3 s
def test_the_credit_report_renders_to_a_pdf_with_pages_and_chinese_text(tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    from graph_service.engine.evaluation import credit_report, render_pdf
    from graph_service.stores.embedded import EmbeddedStore
    from loaders.load import load_directory
    from tests.conftest import RING
    from tests.factories import Scenario

    s = Scenario()
    x = s.entity("灵寿县宏远化工有限公司")
    p = s.person("刘洋")
    s.role(p, x, "legal_rep", "2015-01-01")
    rid = s.record(x, "joint_punishment_list", "2021-03-01")
    store = EmbeddedStore(tmp_path / "store.graph")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    pdf = render_pdf(credit_report(store, x, "2022-01-01"))
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() for page in reader.pages)
    assert "灵寿县宏远化工有限公司" in text and rid in text and "信用" in text
