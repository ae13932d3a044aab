"""Stored results for the Neo4j store: a ``:Result`` node per saved result and a
``:ResultRow`` node per row (``run`` = the result's id, ``ordinal``, ``row`` = the JSON, and
the filter fields), indexed on ``(run, ordinal)`` so a page is an index-ordered range.

A save writes the header (not yet ``complete``) and the rows in batches, then in one
transaction marks it complete and every other result under its key not; the rows of those
are then deleted in batches. Readers take the complete result, so they see the old result or
the new one; a save cut short leaves rows no reader takes, deleted by the next save of that
key. Result writes go through plain write queries: they do not change the change token.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

from graph_service.stores.base import Page
from graph_service.stores.results import (
    ResultFilter,
    ResultInfo,
    ResultKey,
    ResultRow,
    Tally,
    TallyBy,
)

#: Rows written (or deleted, or read by a scan) per transaction.
BATCH = 5_000
T = TypeVar("T")


class _Seen:
    """Counts and tallies of saved runs, by run id and filter. A run's rows never change
    once saved (a new save is a new run), so what was counted stays true; a few filters
    are asked again and again (each page of a list asks its total)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._found: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._found:
                self._found.move_to_end(key)
                return cast(T, self._found[key])
        value = compute()
        with self._lock:
            self._found[key] = value
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return value


_SEEN = _Seen()


def _info(node: dict[str, Any]) -> ResultInfo:
    return ResultInfo(
        key=ResultKey(kind=node["kind"], on=node["on"], level=node["level"]),
        token=node["token"],
        computed_at=node["computed_at"],
        rows=node["rows"],
        job_id=node.get("job_id"),
    )


class Neo4jResults:
    """The result methods of :class:`~graph_service.stores.neo4j.Neo4jStore`."""

    if TYPE_CHECKING:  # the store's own query runner

        def _run(self, name: str, write: bool = False, **params: Any) -> list[dict[str, Any]]: ...

    def save_result(self, info: ResultInfo, rows: Iterable[ResultRow]) -> ResultInfo:
        run = uuid.uuid4().hex
        key = info.key
        self._run(
            "result_begin",
            write=True,
            run=run,
            key=key.id,
            kind=key.kind,
            on=key.on,
            level=key.level,
            token=info.token,
            computed_at=info.computed_at,
            job_id=info.job_id,
        )
        count = 0
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append({"ordinal": count, "row": row.json(), **row.filters()})
            count += 1
            if len(batch) == BATCH:
                self._run("result_write_rows", write=True, run=run, rows=batch)
                batch = []
        if batch:
            self._run("result_write_rows", write=True, run=run, rows=batch)
        info.rows = count
        done = self._run(
            "result_commit", write=True, run=run, rows=count, computed_at=info.computed_at
        )
        for old in done[0]["old"] if done else []:
            while self._run("result_delete_rows", write=True, run=old, batch=BATCH)[0]["n"]:
                pass
            self._run("result_delete", write=True, run=old)
        return info

    def _current(self, key: ResultKey) -> tuple[str, ResultInfo] | None:
        found = self._run("result_current", key=key.id)
        if not found:
            return None
        node = found[0]["result"]
        return node["id"], _info(node)

    def result_info(self, key: ResultKey) -> ResultInfo | None:
        current = self._current(key)
        return current[1] if current else None

    def results(self) -> list[ResultInfo]:
        return [_info(r["result"]) for r in self._run("result_list")]

    def result_page(
        self, key: ResultKey, where: ResultFilter, *, offset: int = 0, limit: int = 100
    ) -> Page:
        current = self._current(key)
        if current is None:
            return Page(items=[], total=0, offset=offset, limit=limit)
        run, info = current
        total = info.rows if where == ResultFilter() else self._count(run, where)
        found = self._run(
            "result_page", run=run, after=-1, offset=offset, limit=limit, **where.params()
        )
        return Page(items=[_row(r) for r in found], total=total, offset=offset, limit=limit)

    def _count(self, run: str, where: ResultFilter) -> int:
        """How many rows of the run ``where`` takes (kept: a run's rows never change)."""
        return _SEEN.get(
            ("count", run, where),
            lambda: int(self._run("result_count", run=run, **where.params())[0]["total"]),
        )

    def result_rows(self, key: ResultKey, where: ResultFilter) -> Iterator[dict[str, Any]]:
        current = self._current(key)
        if current is None:
            return
        after = -1
        while True:  # by ordinal ranges: each batch is one short index-ordered read
            found = self._run(
                "result_page",
                run=current[0],
                after=after,
                offset=0,
                limit=BATCH,
                **where.params(),
            )
            for r in found:
                yield _row(r)
            if len(found) < BATCH:
                return
            after = found[-1]["ordinal"]

    def result_tally(self, key: ResultKey, where: ResultFilter, by: TallyBy = "") -> list[Tally]:
        current = self._current(key)
        if current is None:
            return []
        found = _SEEN.get(
            ("tally", current[0], where, by),
            lambda: self._run("result_tally", run=current[0], by=by, **where.params()),
        )
        return [
            Tally(
                group=r["group"] or "",
                grade=r["grade"] or "",
                rows=r["rows"],
                score_sum=float(r["score_sum"]),
                watch=r["watch"],
            )
            for r in found
        ]


def _row(record: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(record["row"])
    return data
