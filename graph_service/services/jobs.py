"""Nationwide passes as jobs with stored results (issue 13 item 1).

A job computes one result — every entity's grade (``grades``), every relocation flag at a
level (``relocations``), every notice due (``notices``) — on an as-of date, and keeps its rows
in the store (:meth:`~graph_service.stores.base.GraphStore.save_result`) under the store's
change token read before the pass began. The API then pages the stored rows
(:mod:`graph_service.services.results`) and never runs a pass in a request.

:func:`run_job` runs a pass where it is called (the CLI, the local client, tests).
:class:`JobBoard` runs it in a background thread of the server and keeps each job's state in
a file (``jobs_dir``: one JSON file per job, written by atomic rename), so every worker of
``serve --workers N`` sees every job; a lock file per result key, held while the job runs,
keeps two workers from running the same pass at once and tells a job whose process died
(``interrupted``) from one still running.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from graph_service.engine.collection import collector_paused
from graph_service.engine.evaluation import (
    Evaluator,
    GradeLedger,
    evaluation_config,
)
from graph_service.engine.flag_ledger import affected_triggers
from graph_service.engine.models import Flag
from graph_service.engine.notices import affected_listings, notices, notices_of
from graph_service.engine.relocations import RelocationDetector, detect_relocations
from graph_service.errors import Conflict, NotFound
from graph_service.ids.regions import Level
from graph_service.services.access import Access
from graph_service.services.shaping import Stores
from graph_service.stores.base import GraphStore, Touched
from graph_service.stores.results import (
    RESULT_KINDS,
    ResultFilter,
    ResultInfo,
    ResultKey,
    ResultKind,
    ResultRow,
    ResultTable,
    filter_frame,
)

log = logging.getLogger("graph_service.jobs")

#: Called with the share done (0–1) and what the job is doing.
Progress = Callable[[float, str], None]
JobStatus = Literal["running", "done", "failed", "interrupted"]
#: Share of a job's progress the pass takes; storing its rows takes the rest.
_PASS_SHARE = 0.7
#: Tries to take a result's lock whose job has just ended (it is released after its file).
_LOCK_ATTEMPTS = 5
#: Seconds between two writes of a running job's progress.
_PROGRESS_EVERY = 0.5
#: The CLI verb that runs each kind (what a missing result's reason tells to run).
CLI_VERB: dict[ResultKind, str] = {
    "grades": "grade",
    "relocations": "relocations",
    "notices": "notices",
}


def result_key(kind: ResultKind, on: str, level: Level | None = None) -> ResultKey:
    """The key of a result: relocations are per level (default county); the other kinds
    take no level."""
    if kind not in RESULT_KINDS:
        raise ValueError(f"not a job kind: {kind!r}")
    return ResultKey(kind, on, (level or "county") if kind == "relocations" else "")


def how_to_run(key: ResultKey) -> tuple[str, str]:
    """The request and the command that make the result ``key``."""
    level = f', "level": "{key.level}"' if key.level else ""
    body = f'POST /v1/jobs {{"kind": "{key.kind}", "on": "{key.on}"{level}}}'
    flag = f" --level {key.level}" if key.level else ""
    command = f"credit-graph {CLI_VERB[key.kind]} --on {key.on}{flag} --save"
    return body, command


# -- the passes ------------------------------------------------------------------------------


def grade_rows(table: pd.DataFrame) -> ResultTable:
    """The rows of a grade table (:meth:`Evaluator.evaluate_all`), worst score first (the
    order of ``/v1/evaluation/grades``), built column-wise: every row's JSON in one call of
    pandas' writer (a missing cell is null; scores, rounded to cents, print as they are) and
    the filter fields as columns — no dict per row."""
    ordered = table.sort_values(["score", "uscc"], ignore_index=True)
    filters = filter_frame(
        {
            "region": ordered["region_code"],
            "industry": ordered["industry"],
            "grade": ordered["grade"],
            "watch": ordered["watch_candidate"],
            "pattern": "",
            "score": ordered["score"],
            "active": ordered["active"],
        }
    )
    return ResultTable(filters, _json_lines(ordered))


#: Rows pandas writes as one JSON text in :func:`_json_lines`.
_JSON_SLICE = 10_000


def _json_lines(frame: pd.DataFrame) -> list[str]:
    """Each row of ``frame`` as compact JSON text, written by pandas a slice at a time: one
    text for a million rows (~400 MB, its buffer grown by doubling, then copied into a Python
    string, stripped and split) was 1.15 M page faults and 2.2 GB of a grading job's peak; a
    slice's few MB stay in the allocator's heap and are reused (175 k faults, 0.5 GB, the
    same lines)."""
    lines: list[str] = []
    for at in range(0, len(frame), _JSON_SLICE):
        text = frame.iloc[at : at + _JSON_SLICE].to_json(
            orient="records", lines=True, force_ascii=False, double_precision=15
        )
        # one row per line: JSON text escapes every newline inside a value
        lines += text.rstrip("\n").split("\n")
    return lines


def relocation_rows(flags: Iterable[Flag]) -> ResultTable:
    """The rows of relocation flags, highest score first (the order of ``/v1/relocations``),
    each as ``/v1/relocations`` shows it (no empty field) and naming its person."""
    return ResultTable.of(
        ResultRow(
            data=f.model_dump(mode="json", exclude_none=True),
            region=f.region_to or "",
            pattern=f.pattern,
            score=float(f.score),
            persons=f.person_key or "",
        )
        for f in sorted(flags, key=lambda f: (-f.score, f.flag_id))
    )


def notice_rows(store: GraphStore, found: list[dict[str, Any]]) -> ResultTable:
    """The rows of notices (all regions), in record order; each carries its record's region
    (a page's region filter is the one :func:`~graph_service.engine.notices.notices`
    applies)."""
    ids = {n["record_id"] for n in found}
    regions = {r["record_id"]: str(r.get("region_code") or "") for r in store.records_by_id(ids)}
    return ResultTable.of(
        ResultRow(data=n, region=regions.get(n["record_id"], ""), persons=notice_person(n))
        for n in found
    )


def notice_person(notice: Mapping[str, Any]) -> str:
    """The key of the person a notice is about (empty when it is about an entity)."""
    about = notice.get("about")
    sid = str(about.get("sid", "")) if isinstance(about, Mapping) else ""
    return sid[2:] if sid.startswith("P:") else ""


def compute_rows(store: GraphStore, key: ResultKey) -> ResultTable:
    """The rows of the result ``key``, computed now (a nationwide pass, scanning for
    relocations when grading: the reference a stored result is tested against)."""
    if key.kind == "grades":
        return grade_rows(Evaluator(store).evaluate_all(key.on))
    if key.kind == "relocations":
        return relocation_rows(detect_relocations(store, key.on, key.level))  # type: ignore[arg-type]
    return notice_rows(store, notices(store, key.on, ""))


def graded(store: GraphStore, on: str, token: str) -> pd.DataFrame:
    """The grade table on ``on``, weighing the relocation flags stored and current at change
    token ``token`` when there are (:func:`current_flags`), else scanning for them."""
    return Evaluator(store).evaluate_all(on, current_flags(store, on, token))


def current_flags(store: GraphStore, on: str, token: str) -> list[Flag] | None:
    """The relocation flags at the evaluation's level on ``on`` that a stored result current
    at change token ``token`` keeps (what a grading pass weighs, instead of scanning for them
    again); None when there is no such result."""
    key = result_key("relocations", on, evaluation_config().relocation.level)
    info = store.result_info(key)
    if info is None or info.token != token:
        return None
    return [Flag.model_validate(row) for row in store.result_rows(key, ResultFilter())]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def run_job(
    store: GraphStore,
    key: ResultKey,
    *,
    job_id: str | None = None,
    progress: Progress | None = None,
    ledger: GradeLedger | None = None,
) -> ResultInfo:
    """Run the pass ``key`` names on ``store`` and keep its rows there; returns the stored
    result's header. The change token is read before the pass: a load during it leaves the
    result marked stale, never passed off as current. A grading run weighs the stored
    relocation flags when they are current (:func:`current_flags`) and is also recorded in
    ``ledger`` when one is given (the grade history, as the ``grade`` verb records it)."""
    report = progress or (lambda _share, _phase: None)
    token = store.change_token()
    report(0.0, f"computing {key.kind}")
    with collector_paused():  # the pass and its rows: millions of objects kept to the end
        if key.kind == "grades":
            table = graded(store, key.on, token)
            if ledger is not None:
                ledger.record(table, key.on, evaluation_config().version)
            rows = grade_rows(table)
        else:
            rows = compute_rows(store, key)
        return keep_result(store, key, token, rows, job_id=job_id, progress=report)


def keep_result(
    store: GraphStore,
    key: ResultKey,
    token: str,
    rows: ResultTable,
    *,
    job_id: str | None = None,
    progress: Progress | None = None,
) -> ResultInfo:
    """Keep ``rows``, computed from the store as it was at change token ``token`` (read
    before the pass), as the result ``key`` (what ``grade --save`` does with the table it
    computed anyway)."""
    report = progress or (lambda _share, _phase: None)
    report(_PASS_SHARE, f"storing {len(rows)} rows")
    info = ResultInfo(key=key, token=token, computed_at=_now(), job_id=job_id)
    stored = store.save_result(info, rows)
    report(1.0, "done")
    return stored


def refresh_after_load(store: GraphStore, touched: Touched, before: str) -> list[ResultInfo]:
    """Bring the stored results that were current before a load (change token ``before``)
    up to date, each equal to a full run (tested); returns the results refreshed. Results
    already stale are left as they are.

    - **relocations**: only the triggering records the load could affect
      (:func:`~graph_service.engine.flag_ledger.affected_triggers`) are examined again; every
      other flag is kept as stored.
    - **notices**: only the listings whose notices the load could change
      (:func:`~graph_service.engine.notices.affected_listings`) are examined again; every
      other listing's notices are kept as stored.
    - **grades**: recomputed whole — the neighbourhood part of a score reads the graph up to
      ``2 × network.steps`` relationships around what changed, which on a real registry is
      most of it (docs/decisions.md) — but with the relocation flags of the result refreshed
      just before when there is one, instead of a new relocation scan.
    """
    token = store.change_token()
    current = [i for i in store.results() if i.token == before]
    order: dict[ResultKind, int] = {"relocations": 0, "notices": 1, "grades": 2}
    out = []
    with collector_paused():
        for info in sorted(current, key=lambda i: order[i.key.kind]):
            key = info.key
            if key.kind == "relocations":
                rows = relocation_rows(_refreshed_flags(store, key, touched))
            elif key.kind == "notices":
                rows = notice_rows(store, _refreshed_notices(store, key, touched))
            else:  # weighing the flags refreshed just before (now current), when there are
                rows = grade_rows(graded(store, key.on, token))
            out.append(keep_result(store, key, token, rows))
    return out


def _refreshed_flags(store: GraphStore, key: ResultKey, touched: Touched) -> list[Flag]:
    """The stored flags of ``key`` after a load that wrote ``touched``: those of the records
    it could affect detected again, every other one kept."""
    scope = affected_triggers(store, touched)
    fresh = RelocationDetector(store).detect(key.on, key.level, only=scope)  # type: ignore[arg-type]
    kept = [
        Flag.model_validate(row)
        for row in store.result_rows(key, ResultFilter())
        if not set(row["record_ids"]) & scope
    ]
    return [*kept, *fresh]


def _refreshed_notices(store: GraphStore, key: ResultKey, touched: Touched) -> list[dict[str, Any]]:
    """The stored notices of ``key`` after a load that wrote ``touched``, in record order:
    those of the listings it could affect made again, every other one kept."""
    stored = list(store.result_rows(key, ResultFilter()))
    bodies = {n["about"]["sid"] for n in stored if n["kind"] == "audit_department"}
    supervised = {
        s[2:]: str(props.get("superior_uscc") or "")
        for s, props in (store.subjects(bodies) if bodies else {}).items()
    }
    scope = affected_listings(store, touched, supervised)
    kept = [n for n in stored if n["record_id"] not in scope]
    fresh = notices_of(
        store, sorted(store.records_by_id(scope), key=lambda r: r["record_id"]), key.on
    )
    # Stable: each record's notices stay together and in the order they were made.
    return sorted([*kept, *fresh], key=lambda n: str(n["record_id"]))


# -- jobs in the server ----------------------------------------------------------------------


@dataclass(slots=True)
class Job:
    """A job's state as the board keeps it (and ``GET /v1/jobs/{id}`` answers it)."""

    id: str
    kind: ResultKind
    on: str
    level: str
    status: JobStatus
    started_by: str
    started_at: str
    progress: float = 0.0
    phase: str = "queued"
    finished_at: str | None = None
    error: str | None = None
    #: The stored result's header once done (:meth:`ResultInfo.header`).
    result: dict[str, Any] | None = None

    @property
    def key(self) -> ResultKey:
        """The result the job makes."""
        return ResultKey(self.kind, self.on, self.level)

    def public(self) -> dict[str, Any]:
        """The job as an answer shows it, with where its result is paged."""
        out = asdict(self)
        out["result_url"] = _RESULT_URL[self.kind].format(on=self.on, level=self.level)
        return out


_RESULT_URL: dict[ResultKind, str] = {
    "grades": "/v1/evaluation/grades?on={on}",
    "relocations": "/v1/relocations?on={on}&level={level}",
    "notices": "/v1/notices?on={on}",
}


class JobBoard:
    """Jobs of one store: started in background threads, their state in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._threads: list[threading.Thread] = []

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the jobs this board started to end (a server
        shutting down lets them finish; one still running then reads ``interrupted``
        later). Returns whether none is left running."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
        return not self._threads

    def _file(self, job_id: str) -> Path:
        return self.folder / f"{job_id}.json"

    def _lock_file(self, key: ResultKey) -> Path:
        return self.folder / f"{key.id}.lock"

    def _save(self, job: Job) -> None:
        tmp = self.folder / f".{job.id}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._file(job.id))

    def _read(self, path: Path) -> Job | None:
        try:
            job = Job(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        if job.status == "running" and not self._held(job.key):
            # A job saves its outcome before it lets go of the lock: read once more, so one
            # that ended between the two looks is seen done, not interrupted.
            job = Job(**json.loads(path.read_text(encoding="utf-8")))
            if job.status == "running":
                job.status = "interrupted"  # its process is gone: nothing holds its lock
        return job

    def _held(self, key: ResultKey) -> bool:
        """Whether a running job (in any process) holds the lock of ``key``."""
        path = self._lock_file(key)
        if not path.exists():
            return False
        with path.open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
            return False

    def get(self, job_id: str) -> Job:
        """The job ``job_id``; raises :class:`NotFound`."""
        if not job_id.isalnum():
            raise NotFound(f"没有任务：{job_id[:40]}", f"no job {job_id[:40]}")
        job = self._read(self._file(job_id))
        if job is None:
            raise NotFound(f"没有任务：{job_id}", f"no job {job_id}")
        return job

    def jobs(self, limit: int = 100) -> list[Job]:
        """The latest ``limit`` jobs, newest first."""
        if not self.folder.is_dir():
            return []
        found = [j for p in self.folder.glob("*.json") if (j := self._read(p)) is not None]
        found.sort(key=lambda j: (j.started_at, j.id), reverse=True)
        return found[:limit]

    def start(
        self, key: ResultKey, user: str, stores: Stores, ledger: GradeLedger | None = None
    ) -> tuple[Job, bool]:
        """Start the job ``key`` in a background thread, reading the store ``stores`` opens
        (a grading run recorded in ``ledger``); returns it and True — or, when the same job
        is running already (in any worker), that job and False."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fh = self._lock_file(key).open("a")
        for attempt in range(_LOCK_ATTEMPTS):
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                for job in self.jobs(limit=1000):
                    if job.key == key and job.status == "running":
                        fh.close()
                        return job, False
                time.sleep(0.05 * (attempt + 1))  # its job is ending: its lock goes next
        else:
            fh.close()
            raise Conflict(
                "同一任务即将完成，请稍后重试", "the same job is finishing; retry shortly"
            )
        job = Job(
            id=uuid.uuid4().hex,
            kind=key.kind,
            on=key.on,
            level=key.level,
            status="running",
            started_by=user,
            started_at=_now(),
        )
        try:
            self._save(job)
        except BaseException:
            fh.close()
            raise
        thread = threading.Thread(
            target=self._run, args=(job, stores, fh, ledger), name=f"job-{job.id}", daemon=True
        )
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        return job, True

    def _run(self, job: Job, stores: Stores, lock: Any, ledger: GradeLedger | None) -> None:
        """The job's thread: run the pass, keep the progress and the outcome in its file."""
        last = 0.0

        def progress(share: float, phase: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= _PROGRESS_EVERY or share >= 1.0:
                last = now
                job.progress, job.phase = round(share, 3), phase
                self._save(job)

        try:
            with stores() as store:
                info = run_job(store, job.key, job_id=job.id, progress=progress, ledger=ledger)
            job.status, job.result = "done", info.header()
        except Exception as exc:  # the job fails, the server goes on: the reason is kept
            log.exception("job %s (%s) failed", job.id, job.key.id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        finally:
            job.finished_at = _now()
            try:
                self._save(job)
            finally:
                lock.close()  # releases the key's lock


def start_job(
    board: JobBoard,
    access: Access,
    stores: Stores,
    kind: ResultKind,
    on: str,
    level: Level | None,
    *,
    ledger: GradeLedger | None = None,
) -> tuple[dict[str, Any], bool]:
    """Start the job that makes the result (kind, on, level), audited before it starts; or
    answer the same job already running. Returns the job and whether it was started now. A
    grading job records its run in ``ledger``."""
    key = result_key(kind, on, level)
    _audit_start(access, key)
    job, started = board.start(key, access.principal.user, stores, ledger)
    return job.public(), started


def run_here(
    store: GraphStore,
    access: Access,
    kind: ResultKind,
    on: str,
    level: Level | None,
    *,
    progress: Progress | None = None,
    ledger: GradeLedger | None = None,
) -> ResultInfo:
    """Run the job that makes the result (kind, on, level) in this process (the CLI's
    ``jobs run``) and keep its result; audited before it starts, as a job the service starts.
    A grading run is recorded in ``ledger``."""
    key = result_key(kind, on, level)
    _audit_start(access, key)
    return run_job(store, key, progress=progress, ledger=ledger)


def _audit_start(access: Access, key: ResultKey) -> None:
    access.log("jobs.start", {"kind": key.kind, "on": key.on, "level": key.level or None})


def job_status(board: JobBoard, job_id: str) -> dict[str, Any]:
    """A job's state: status, progress, phase, and its result's header once done."""
    return board.get(job_id).public()


def list_jobs(board: JobBoard, limit: int) -> list[dict[str, Any]]:
    """The latest jobs, newest first."""
    return [j.public() for j in board.jobs(limit)]


def stored_results(store: GraphStore) -> list[dict[str, Any]]:
    """Every result the store keeps, each marked stale or not against the store now."""
    token = store.change_token()
    return [info.public(token) for info in store.results()]
