"""Stored results of nationwide passes (GraphStore.save_result and the readers) on both
stores: kept in order under their key, paged with filters and a true total, tallied, replaced
whole, and never a change of the store's change token."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

import pandas as pd
import pyarrow as pa
import pytest

from graph_service.services.results import warm_results
from graph_service.stores import embedded_results, neo4j_results
from graph_service.stores.base import GraphStore
from graph_service.stores.results import (
    FILTER_FIELDS,
    RESULT_FORMAT,
    ResultFilter,
    ResultInfo,
    ResultKey,
    ResultRow,
    ResultTable,
    StoredPage,
    parquet_bytes,
    read_filters,
)

KEY = ResultKey("grades", "2024-06-01")


def _rows(n: int) -> list[ResultRow]:
    """``n`` grade rows: regions alternate 1301/4403, grades cycle A–D, every third watched."""
    out = []
    for i in range(n):
        grade = "ABCD"[i % 4]
        out.append(
            ResultRow(
                data={"uscc": f"U{i:05d}", "grade": grade, "score": 100.0 - i},
                region="130126" if i % 2 == 0 else "440305",
                industry="C" if i % 3 else "F",
                grade=grade,
                watch=i % 3 == 0,
                score=100.0 - i,
                active=i != 1,
            )
        )
    return out


def _save(store: GraphStore, n: int, key: ResultKey = KEY, token: str = "t1") -> ResultInfo:
    info = ResultInfo(key=key, token=token, computed_at="2024-06-02T00:00:00+00:00", job_id="j1")
    return store.save_result(info, ResultTable.of(_rows(n)))


def test_no_result_is_kept_until_one_is_saved(store: GraphStore) -> None:
    assert store.result_info(KEY) is None
    assert store.results() == []
    page = store.result_page(KEY, ResultFilter())
    assert (page.items, page.total) == ([], 0)
    assert list(store.result_rows(KEY, ResultFilter())) == []
    assert store.result_tally(KEY, ResultFilter()) == []


def test_a_saved_result_keeps_its_header_and_rows_in_order(store: GraphStore) -> None:
    saved = _save(store, 12_345)
    assert saved.rows == 12_345
    info = store.result_info(KEY)
    assert info == saved
    assert store.results() == [saved]
    page = store.result_page(KEY, ResultFilter(), offset=5_998, limit=4)
    assert page.total == 12_345
    assert [r["uscc"] for r in page.items] == ["U05998", "U05999", "U06000", "U06001"]
    every = list(store.result_rows(KEY, ResultFilter()))
    assert [r["uscc"] for r in every] == [f"U{i:05d}" for i in range(12_345)]


def test_a_page_filters_before_it_slices_and_counts_what_it_filtered(store: GraphStore) -> None:
    _save(store, 40)
    where = ResultFilter(region="1301", grade="A")  # rows 0, 4, 8, … (even and ≡ 0 mod 4)
    page = store.result_page(KEY, where, offset=2, limit=3)
    assert page.total == 10
    assert [r["uscc"] for r in page.items] == ["U00008", "U00012", "U00016"]
    watched = store.result_page(KEY, ResultFilter(watch=True, industry="F"), limit=100)
    assert [r["uscc"] for r in watched.items] == [f"U{i:05d}" for i in range(0, 40, 3)]
    active = store.result_page(KEY, ResultFilter(active=True), limit=3)
    assert active.total == 39
    assert [r["uscc"] for r in active.items] == ["U00000", "U00002", "U00003"]


def test_a_tally_counts_rows_per_group_and_grade(store: GraphStore) -> None:
    _save(store, 8)
    by_city = store.result_tally(KEY, ResultFilter(), by="city")
    assert [(t.group, t.grade, t.rows, t.score_sum, t.watch) for t in by_city] == [
        ("1301", "A", 2, 100.0 + 96.0, 1),
        ("1301", "C", 2, 98.0 + 94.0, 1),
        ("4403", "B", 2, 99.0 + 95.0, 0),
        ("4403", "D", 2, 97.0 + 93.0, 1),
    ]
    whole = store.result_tally(KEY, ResultFilter(grade="B"))
    assert [(t.group, t.grade, t.rows) for t in whole] == [("", "B", 2)]


def test_saving_again_replaces_the_result_whole(store: GraphStore) -> None:
    _save(store, 30, token="t1")
    _save(store, 5, token="t2")
    info = store.result_info(KEY)
    assert info is not None and (info.token, info.rows) == ("t2", 5)
    assert store.result_page(KEY, ResultFilter(), limit=100).total == 5
    assert len(store.results()) == 1


def test_results_are_kept_apart_by_kind_date_and_level(store: GraphStore) -> None:
    county = ResultKey("relocations", "2024-06-01", "county")
    city = ResultKey("relocations", "2024-06-01", "city")
    _save(store, 3, key=county)
    _save(store, 2, key=city)
    _save(store, 1)
    assert [(i.key, i.rows) for i in store.results()] == [
        (KEY, 1),
        (city, 2),
        (county, 3),
    ]
    assert store.result_page(city, ResultFilter()).total == 2
    assert store.result_info(ResultKey("relocations", "2024-06-02", "city")) is None


def test_saving_a_result_does_not_change_the_change_token(store: GraphStore) -> None:
    before = store.change_token()
    _save(store, 10)
    assert store.change_token() == before


def test_an_empty_result_is_a_result(store: GraphStore) -> None:
    _save(store, 0)
    info = store.result_info(KEY)
    assert info is not None and info.rows == 0
    assert store.result_page(KEY, ResultFilter()).total == 0


def test_a_view_reads_the_token_the_header_the_rows_text_and_their_persons(
    store: GraphStore,
) -> None:
    rows = [ResultRow(data={"n": i}, persons=f"p{i} q{i}" if i % 2 else "") for i in range(600)]
    saved = store.save_result(
        ResultInfo(key=KEY, token="t", computed_at="2024-06-02T00:00:00+00:00"),
        ResultTable.of(rows),
    )
    view = store.result_view(KEY, ResultFilter(), offset=254, limit=4)  # across two chunks
    assert view.rows == ['{"n":254}', '{"n":255}', '{"n":256}', '{"n":257}']
    assert view.persons == ["p255", "q255", "p257", "q257"]
    assert (view.total, view.info, view.token) == (600, saved, store.change_token())
    assert saved.format == RESULT_FORMAT
    again = store.result_view(KEY, ResultFilter(), offset=256, limit=2)  # chunks kept
    assert again.rows == ['{"n":256}', '{"n":257}']
    missing = store.result_view(ResultKey("grades", "2024-06-03"), ResultFilter())
    assert (missing.info, missing.rows, missing.total) == (None, [], 0)


def test_views_asked_at_once_answer_as_one_by_one_and_share_round_trips(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concurrent pages (on Neo4j read together, result_view.cypher over their asks): each
    equal to its page asked alone, a key without a result among them, and on Neo4j fewer
    queries than pages."""
    _save(store, 3000)
    asked = [(KEY, o * 50) for o in range(0, 60, 3)] + [(ResultKey("grades", "2024-06-03"), 0)]
    asked *= 3
    queries: list[int] = []
    if store.backend == "neo4j":
        read = store.read_views  # type: ignore[attr-defined]

        def counted(asks: list[object]) -> object:
            queries.append(len(asks))
            return read(asks)

        monkeypatch.setattr(store._views, "_read_many", counted)  # type: ignore[attr-defined]

    def view(ask: tuple[ResultKey, int]) -> tuple[object, ...]:
        page = store.result_view(ask[0], ResultFilter(grade="B"), offset=ask[1], limit=50)
        return (page.token, page.info, page.rows, page.persons, page.total)

    with ThreadPoolExecutor(16) as pool:
        together = list(pool.map(view, asked))
    read_together = len(queries)
    assert together == [view(a) for a in asked]
    if store.backend == "neo4j":
        assert 0 < read_together < len(asked)


def test_awaited_views_answer_as_result_view_does(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's pages awaited (GraphStore.result_view_awaited; on Neo4j read together on the
    event loop): the first one of a run not yet kept, then pages asked at once, each equal to
    result_view's, their persons included, a key without a result among them."""
    rows = [ResultRow(data={"n": i}, persons=f"p{i}" if i % 3 else "") for i in range(900)]
    store.save_result(
        ResultInfo(key=KEY, token="t", computed_at="2024-06-02T00:00:00+00:00"),
        ResultTable.of(rows),
    )
    other = ResultKey("grades", "2024-06-03")
    asked = [(KEY, o) for o in range(0, 900, 70)] + [(other, 0)]

    async def together() -> list[StoredPage]:
        first = await store.result_view_awaited(KEY, ResultFilter(), offset=500, limit=3)
        assert first.rows == ['{"n":500}', '{"n":501}', '{"n":502}']
        assert first.persons == ["p500", "p502"]
        pages = [store.result_view_awaited(k, ResultFilter(), offset=o, limit=60) for k, o in asked]
        return list(await asyncio.gather(*pages))

    if store.backend == "neo4j":  # reset what readers keep: the first page reads the run's filters
        monkeypatch.setattr(neo4j_results, "_RUNS", neo4j_results.Lru(8))
        monkeypatch.setattr(neo4j_results, "_LATEST", neo4j_results.Lru(64))
    awaited = asyncio.run(together())
    assert awaited == [store.result_view(k, ResultFilter(), offset=o, limit=60) for k, o in asked]
    assert awaited[-1].info is None


def test_a_starting_worker_reads_the_most_recent_results_so_no_first_page_reads_filters(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [ResultKey("grades", f"2024-06-0{d}") for d in (1, 2, 3)]
    for day, key in enumerate(keys, start=1):
        info = ResultInfo(key=key, token="t", computed_at=f"2024-06-0{day}T00:00:00+00:00")
        store.save_result(info, ResultTable.of(_rows(300)))
    assert warm_results(store, most=2) == [keys[2], keys[1]]

    def unread(source: object) -> NoReturn:
        raise AssertionError("a page read the filter columns a starting worker had read")

    for module in (embedded_results, neo4j_results):
        monkeypatch.setattr(module, "read_filters", unread)
    page = store.result_page(keys[2], ResultFilter(grade="B"), offset=1, limit=2)
    assert [r["uscc"] for r in page.items] == ["U00005", "U00009"]
    with pytest.raises(AssertionError):  # the oldest was left to its first page
        store.result_page(keys[0], ResultFilter())


def test_filter_columns_read_back_a_missing_text_as_empty() -> None:
    table = pa.table(
        {
            name: pa.array([None, "1301"] if name == "region" else [value, value])
            for name, value in FILTER_FIELDS.items()
        }
    )
    filters = read_filters(parquet_bytes(table))
    assert list(filters["region"]) == ["", "1301"]
    assert isinstance(filters["region"].dtype, pd.CategoricalDtype)
