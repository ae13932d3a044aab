"""Stored results for the Neo4j store: a ``:Result`` node per saved result (its header), a
``:ResultFilters`` node with its filter columns (the bytes of a Parquet file), and its rows'
JSON in ``:ResultChunk`` nodes of :data:`CHUNK` rows (``run`` = the result's id, ``n`` = the
chunk's number, ``rows`` = the rows one per line, zlib-compressed), indexed on ``(run, n)``.

Readers keep the filter columns of a run in memory and compute every page's rows, total and
tally there (:class:`~graph_service.stores.results.StoredRows`, shared with the embedded
store); a page then reads the one or two chunks it shows (kept too). A page is one round
trip (``result_view.cypher``: the change token, the current run's header, and the chunks it
needs from the run the reader keeps for that key); a second only when the key has a new run.
Pages asked at the same time share their round trip (:data:`ViewAsk`, read by a
:class:`~graph_service.stores.coalesce.Coalescer` as concurrent checks are): the server runs
one query for them, and each page still reads its token after it was asked, so its ``stale``
flag is as exact as alone.
A million rows are about 4,000 chunks and one filter node, written in a few dozen
transactions, where a node per row took most of a grading job.

A save writes the header (not yet ``complete``), the filters and the chunks in batches, then
in one transaction marks it complete and every other result under its key not; the chunks of
those are then deleted in batches. Readers take the complete result, so they see the old
result or the new one; a save cut short leaves chunks no reader takes, deleted by the next
save of that key. Result writes go through plain write queries: they do not change the
change token.
"""

from __future__ import annotations

import asyncio
import uuid
import zlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from graph_service.stores.coalesce import Coalescer
from graph_service.stores.results import (
    CHUNK_ROWS,
    Lru,
    ReadChunks,
    ResultFilter,
    ResultInfo,
    ResultKey,
    ResultTable,
    StoredPage,
    StoredRows,
    Tally,
    TallyBy,
    parquet_bytes,
    read_filters,
)

#: Rows per chunk (a format-1 result has the same).
CHUNK = CHUNK_ROWS
#: Chunks written (or deleted) per transaction (~1–2 MB compressed).
WRITE_CHUNKS = 64
#: Chunks kept per run in readers' memory (about 50,000 rows).
KEPT_CHUNKS = 200
#: zlib level of the chunks: fast (a save compresses every row; a page inflates two chunks).
_LEVEL = 1
#: What readers keep of the runs last read, by run id (unique: a uuid per save).
_RUNS: Lru[str, StoredRows] = Lru(8)
#: The run last read under each result key (a guess a page's query checks).
_LATEST: Lru[str, str] = Lru(64)


#: Pages read in one query at most (each with the one or two chunks it may need).
VIEWS_AT_ONCE = 64
#: What one page asks the store (``result_view.cypher``): the result key's id, the run the
#: reader keeps for it ("" for none) and the chunks of that run it needs.
ViewAsk = tuple[str, str, tuple[int, ...]]


def _info(node: dict[str, Any]) -> ResultInfo:
    return ResultInfo(
        key=ResultKey(kind=node["kind"], on=node["on"], level=node["level"]),
        token=node["token"],
        computed_at=node["computed_at"],
        rows=node["rows"],
        job_id=node.get("job_id"),
        format=node.get("format") or 1,
    )


def version_token(epoch: str | None, n: int | None) -> str:
    """The change token of the version node's epoch and counter (none: "none")."""
    return "none" if epoch is None else f"{epoch}.{n}"


def _chunk(rows: Sequence[str]) -> bytes:
    """Rows' JSON as a chunk: one per line (JSON text has no raw newline), compressed."""
    return zlib.compress("\n".join(rows).encode("utf-8"), _LEVEL)


def _unchunk(data: bytes) -> list[str]:
    return zlib.decompress(data).decode("utf-8").split("\n")


class Neo4jResults:
    """The result methods of :class:`~graph_service.stores.neo4j.Neo4jStore`."""

    if TYPE_CHECKING:  # the store's own query runner

        def _run(self, name: str, write: bool = False, **params: Any) -> list[dict[str, Any]]: ...

        def _records(self, name: str, write: bool = False, **params: Any) -> list[Any]: ...

        def _read(self, name: str, **params: Any) -> list[Any]: ...

        _views: Coalescer[ViewAsk, Any]

    def save_result(self, info: ResultInfo, rows: ResultTable) -> ResultInfo:
        run = uuid.uuid4().hex
        key = info.key
        info.rows = len(rows)
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
            chunk=CHUNK,
            job_id=info.job_id,
            format=info.format,
        )
        self._run(
            "result_write_filters", write=True, run=run, data=parquet_bytes(rows.arrow_filters())
        )
        step = CHUNK * WRITE_CHUNKS
        # The server writes one group of chunks while this thread compresses the next.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="result") as writer:
            sent: Future[Any] | None = None
            for at in range(0, len(rows), step):
                chunks = [
                    {"n": (at + i) // CHUNK, "rows": _chunk(rows.rows[at + i : at + i + CHUNK])}
                    for i in range(0, min(step, len(rows) - at), CHUNK)
                ]
                if sent is not None:
                    sent.result()
                sent = writer.submit(
                    self._run, "result_write_chunks", write=True, run=run, chunks=chunks
                )
            if sent is not None:
                sent.result()
        done = self._run(
            "result_commit", write=True, run=run, rows=info.rows, computed_at=info.computed_at
        )
        for old in done[0]["old"] if done else []:
            while self._run("result_delete_chunks", write=True, run=old, batch=WRITE_CHUNKS)[0][
                "n"
            ]:
                pass
            self._run("result_delete", write=True, run=old)
        return info

    def _current(self, key: ResultKey) -> tuple[str, ResultInfo, int] | None:
        """The run readers take under ``key``: its id, header and rows per chunk."""
        found = self._run("result_current", key=key.id)
        if not found:
            return None
        node = found[0]["result"]
        return node["id"], _info(node), node["chunk"]

    def _stored(self, key: ResultKey) -> tuple[StoredRows, ReadChunks] | None:
        """What readers keep of the run under ``key``, and how to read its chunks."""
        current = self._current(key)
        if current is None:
            return None
        run, info, chunk = current
        return self._kept(run, info, chunk), self._chunks(run)

    def _kept(self, run: str, info: ResultInfo, chunk: int) -> StoredRows:
        """What readers keep of the run ``run`` of ``info.key`` (its filters read now if not
        kept; ``chunk`` rows per chunk)."""

        def read() -> StoredRows:
            # _records: Record.data() would walk the bytes one by one
            data = self._records("result_read_filters", run=run)[0]["data"]
            starts = [*range(0, info.rows, chunk), info.rows]
            return StoredRows(
                read_filters(bytes(data)), starts, KEPT_CHUNKS, persons=info.format > 1
            )

        _LATEST.put(info.key.id, run)
        return _RUNS.get(run, read)

    def _chunks(self, run: str) -> ReadChunks:
        """Reads chunks of the run ``run`` by number."""

        def read(numbers: Sequence[int]) -> Mapping[int, Sequence[str]]:
            found = self._records("result_read_chunks", run=run, numbers=list(numbers))
            return {r["n"]: _unchunk(bytes(r["rows"])) for r in found}

        return read

    def result_info(self, key: ResultKey) -> ResultInfo | None:
        current = self._current(key)
        return current[1] if current else None

    def results(self) -> list[ResultInfo]:
        return [_info(r["result"]) for r in self._run("result_list")]

    def result_view(
        self, key: ResultKey, where: ResultFilter, *, offset: int = 0, limit: int = 100
    ) -> StoredPage:
        ask, kept = self._view_ask(key, where, offset, limit)
        return self._viewed(self._views.get(ask), ask, kept, where, offset, limit)

    async def result_view_awaited(
        self, key: ResultKey, where: ResultFilter, *, offset: int = 0, limit: int = 100
    ) -> StoredPage:
        # the same batches as result_view()'s, awaited (stores/coalesce.py); the page is then
        # made on the loop from what the reader keeps, unless the key has a run not kept (its
        # filters are read then: seconds for a million rows, in a thread)
        ask, kept = self._view_ask(key, where, offset, limit)
        found = await self._views.wait(ask)
        node = found["result"] if found is not None else None
        if node is not None and (kept is None or node["id"] != ask[1]):
            return await asyncio.to_thread(self._viewed, found, ask, kept, where, offset, limit)
        return self._viewed(found, ask, kept, where, offset, limit)

    def _view_ask(
        self, key: ResultKey, where: ResultFilter, offset: int, limit: int
    ) -> tuple[ViewAsk, StoredRows | None]:
        """What a page asks ``result_view.cypher`` — the run this key had when last read and
        the chunks of it the page needs — and what the reader keeps of that run."""
        run = _LATEST.find(key.id) or ""
        kept = _RUNS.find(run) if run else None
        numbers = kept.missing(kept.shown(where, offset, limit)) if kept else []
        return (key.id, run, tuple(numbers)), kept

    def _viewed(
        self,
        found: Any,
        ask: ViewAsk,
        kept: StoredRows | None,
        where: ResultFilter,
        offset: int,
        limit: int,
    ) -> StoredPage:
        """The page from what ``ask`` read (``found``, its record of ``result_view.cypher``)
        and what the reader kept of the run it asked about (``kept``)."""
        assert found is not None  # result_view.cypher answers every ask
        token = version_token(found["epoch"], found["n"])
        node = found["result"]
        if node is None:
            return StoredPage(token=token, info=None, rows=[], persons=[], total=0)
        info = _info(node)
        if kept is not None and node["id"] == ask[1]:
            kept.keep({c["n"]: _unchunk(bytes(c["rows"])) for c in found["chunks"]})
        else:  # a new run under the key (or none kept): its filters, then its chunks, read now
            kept = self._kept(node["id"], info, node["chunk"])
        return kept.page(where, offset, limit, self._chunks(node["id"]), token=token, info=info)

    def read_views(self, asks: Sequence[ViewAsk]) -> dict[ViewAsk, Any]:
        """What each page asked reads (its record of ``result_view.cypher``), in one query
        (auto-commit, as a check's read: a page is a small read)."""
        found = self._read(
            "result_view",
            asks=[
                {"i": i, "key": k, "run": r, "numbers": list(n)} for i, (k, r, n) in enumerate(asks)
            ],
        )
        return {asks[record["i"]]: record for record in found}

    def result_rows(self, key: ResultKey, where: ResultFilter) -> Iterator[dict[str, Any]]:
        stored = self._stored(key)
        if stored is not None:
            yield from stored[0].rows(where, stored[1])

    def result_tally(self, key: ResultKey, where: ResultFilter, by: TallyBy = "") -> list[Tally]:
        stored = self._stored(key)
        return stored[0].tally(where, by) if stored else []
