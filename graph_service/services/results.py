"""Answers from stored results: the pages and aggregates of nationwide passes, read from what
a job kept (:mod:`graph_service.services.jobs`), never computed in the request.

Two policies (:data:`Freshness`):

- ``stored`` (the API): answer from the stored result for that date whatever the store has
  become since — the answer's ``result`` says ``stale: true`` when the store's change token
  differs from the one the pass began with — and raise :class:`ResultMissing` (409, with the
  request and the command that make it) when there is none;
- ``current`` (the CLI and the local client, which run in the caller's own process): run the
  pass and keep its result first when none is stored or the stored one is stale, so the
  answer is as of now, as it was before results were stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from graph_service.engine.evaluation import GRADES, TABLE_COLUMNS
from graph_service.engine.models import Flag
from graph_service.errors import ResultMissing
from graph_service.services.jobs import how_to_run, notice_person, run_job
from graph_service.stores.base import GraphStore
from graph_service.stores.results import (
    ResultFilter,
    ResultInfo,
    ResultKey,
    StoredPage,
    Tally,
    row_json,
)

Freshness = Literal["stored", "current"]

_KIND_ZH = {"grades": "信用等级", "relocations": "易地出现", "notices": "抄报通知"}


def current_result(store: GraphStore, key: ResultKey, freshness: Freshness) -> dict[str, Any]:
    """The header of the result ``key`` as an answer shows it (with ``stale``), after running
    the pass if ``freshness`` asks for a current one. Raises :class:`ResultMissing`."""
    token = store.change_token()
    info: ResultInfo | None = store.result_info(key)
    if freshness == "current" and (info is None or info.token != token):
        info = run_job(store, key)
    if info is None:
        raise _missing(key)
    return info.public(token)


#: Stored results a worker reads when it starts, the most recently computed first (readers
#: keep eight runs per store).
WARM_RESULTS = 4


def warm_results(store: GraphStore, most: int = WARM_RESULTS) -> list[ResultKey]:
    """Read what pages of the ``most`` most recently computed stored results need first —
    their filter columns (≈ 1.4 s for a million grades) — as a worker starts, so that no
    client's first page pays it. Returns the keys read."""
    recent = sorted(store.results(), key=lambda info: info.computed_at, reverse=True)[:most]
    for info in recent:
        store.result_view(info.key, ResultFilter(), offset=0, limit=1)
    return [info.key for info in recent]


def _missing(key: ResultKey) -> ResultMissing:
    """The error for no stored result under ``key``: the request and the command that make
    one."""
    body, command = how_to_run(key)
    level = f"（{key.level}级）" if key.level else ""
    return ResultMissing(
        f"尚无{key.on}的{_KIND_ZH[key.kind]}{level}计算结果：请先运行任务 {body}"
        f"（GET /v1/jobs/任务编号 显示 done 后再查），或命令 {command}",
        f"no stored {key.kind} result for {key.on}"
        + (f" at level {key.level}" if key.level else "")
        + f": start the job with {body} (then ask GET /v1/jobs/<id> until it is done), "
        f"or run {command}",
    )


@dataclass(slots=True)
class RowsPage:
    """A page of a stored result as an answer sends it: each row's JSON text as the API shows
    it (sent as it is: no row is decoded on the way), the keys of the persons the rows name
    (row by row: what the page audits), the total, offset and limit, and the header of the
    result (``result``, with ``stale``)."""

    rows: list[str]
    persons: list[str]
    total: int
    offset: int
    limit: int
    result: dict[str, Any]

    def items(self) -> list[dict[str, Any]]:
        """The rows decoded (the local client's answer)."""
        return [json.loads(r) for r in self.rows]

    def list_json(self) -> bytes:
        """The rows as a JSON array (``/v1/relocations``' body)."""
        return ("[" + ",".join(self.rows) + "]").encode("utf-8")

    def page_json(self) -> bytes:
        """The page as a JSON object — ``items``, ``total``, ``offset``, ``limit``,
        ``result`` — as a :class:`~graph_service.services.models.GradePage` is sent."""
        rest = {"total": self.total, "offset": self.offset, "limit": self.limit}
        tail = row_json(rest | {"result": self.result})
        return ('{"items":[' + ",".join(self.rows) + "]," + tail[1:]).encode("utf-8")


@dataclass(frozen=True, slots=True)
class PageAsk:
    """What a page of a stored result asks: the result, which rows (``where``), and the
    ``offset`` and ``limit`` of the page among them."""

    key: ResultKey
    where: ResultFilter
    offset: int
    limit: int


def rows_page(store: GraphStore, ask: PageAsk, *, freshness: Freshness = "stored") -> RowsPage:
    """The page ``ask`` names, with the stored result's header: one read of the store (one
    round trip on Neo4j), the pass run first if ``freshness`` asks for a current result.
    Raises :class:`ResultMissing`."""
    found = _view(store, ask)
    if freshness == "current" and (found.info is None or found.info.token != found.token):
        run_job(store, ask.key)
        found = _view(store, ask)
    return _answer(ask, found)


async def rows_page_awaited(store: GraphStore, ask: PageAsk) -> RowsPage:
    """:func:`rows_page` of the stored result (the API's policy) for a coroutine, on a store
    read without a lock per request (Neo4j): the read awaited, read in one query with the
    pages asked at the same time. Raises :class:`ResultMissing`."""
    where, offset, limit = ask.where, ask.offset, ask.limit
    found = await store.result_view_awaited(ask.key, where, offset=offset, limit=limit)
    return _answer(ask, found)


def _view(store: GraphStore, ask: PageAsk) -> StoredPage:
    return store.result_view(ask.key, ask.where, offset=ask.offset, limit=ask.limit)


def _answer(ask: PageAsk, found: StoredPage) -> RowsPage:
    """The page an answer sends from what the store read for ``ask``."""
    if found.info is None:
        raise _missing(ask.key)
    rows, persons = found.rows, found.persons
    if persons is None:
        rows, persons = _from_format_1(ask.key, rows)
    header = found.info.public(found.token)
    return RowsPage(rows, persons, found.total, ask.offset, ask.limit, header)


def _from_format_1(key: ResultKey, rows: list[str]) -> tuple[list[str], list[str]]:
    """Rows of a format-1 result as format 2 keeps them (flags without their empty fields),
    and the persons they name, read from the rows (the cost format 2 saves)."""
    if key.kind == "grades":  # name no person
        return rows, []
    decoded = [json.loads(r) for r in rows]
    if key.kind == "relocations":
        flags = [Flag.model_validate(d) for d in decoded]
        shown = [row_json(f.model_dump(mode="json", exclude_none=True)) for f in flags]
        return shown, [f.person_key for f in flags if f.person_key]
    return rows, [p for d in decoded if (p := notice_person(d))]


def result_table(
    store: GraphStore, key: ResultKey, where: ResultFilter, freshness: Freshness
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every stored row of ``key`` that ``where`` takes as a table, and the header (the grade
    table an inspection draw samples from)."""
    header = current_result(store, key, freshness)
    rows = list(store.result_rows(key, where))
    columns = list(TABLE_COLUMNS) if key.kind == "grades" else None
    return pd.DataFrame(rows, columns=columns), header


def tally_stats(tallies: list[Tally]) -> dict[str, Any]:
    """Entities per grade (A–D, zeros included), mean score and watch-list candidates of
    tallied rows (what ``/v1/evaluation/summary`` shows per group)."""
    entities = sum(t.rows for t in tallies)
    by_grade: dict[str, int] = dict.fromkeys(GRADES, 0)
    for t in tallies:
        by_grade[t.grade] = by_grade.get(t.grade, 0) + t.rows
    total = sum(t.score_sum for t in tallies)
    return {
        "entities": entities,
        "by_grade": by_grade,
        "mean_score": round(total / entities, 2) if entities else None,
        "watch_candidates": sum(t.watch for t in tallies),
    }
