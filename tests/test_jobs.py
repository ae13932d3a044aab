"""The job board and the CLI's jobs: one run of a pass at a time per result (in any worker),
a job whose process died reads ``interrupted``, a failed job keeps its reason, and
``grade/relocations/notices --save`` and ``jobs run`` keep what the API pages."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest

from graph_service.cli import main
from graph_service.engine.evaluation import TABLE_COLUMNS, evaluation_config, nationwide
from graph_service.services import jobs
from graph_service.services.jobs import (
    Job,
    JobBoard,
    compute_rows,
    grade_rows,
    result_key,
    run_job,
)
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore
from graph_service.stores.results import ResultFilter
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import small_registry

ON = "2024-01-01"


@pytest.fixture
def loaded(tmp_path: Path) -> EmbeddedStore:
    small_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "store.graph")
    load_directory(tmp_path / "in", store, RING, progress=False)
    return store


def _until_done(board: JobBoard, job_id: str) -> Job:
    deadline = time.monotonic() + 60
    job = board.get(job_id)
    while job.status == "running" and time.monotonic() < deadline:
        time.sleep(0.01)
        job = board.get(job_id)
    return job


def test_the_same_pass_is_not_run_twice_at_once(loaded: EmbeddedStore, tmp_path: Path) -> None:
    release = threading.Event()

    @contextmanager
    def held() -> Iterator[GraphStore]:
        release.wait(30)  # the pass cannot start until the test lets it
        yield loaded

    board, other_worker = JobBoard(tmp_path / "jobs"), JobBoard(tmp_path / "jobs")
    key = result_key("relocations", ON)
    first, started = board.start(key, "a", held)
    second, again = other_worker.start(key, "b", held)
    assert started and not again and second.id == first.id
    release.set()
    assert _until_done(board, first.id).status == "done"
    third, started_again = board.start(key, "c", held)  # once done, a new run may start
    assert started_again and third.id != first.id
    assert _until_done(board, third.id).status == "done"


def test_a_job_whose_process_died_reads_interrupted(tmp_path: Path) -> None:
    board = JobBoard(tmp_path / "jobs")
    board.folder.mkdir()
    dead = Job("ab12", "grades", ON, "", "running", "u", "2024-01-01T00:00:00+00:00")
    (board.folder / "ab12.json").write_text(json.dumps(asdict(dead)), encoding="utf-8")
    assert board.get("ab12").status == "interrupted"
    assert [j.status for j in board.jobs()] == ["interrupted"]


def test_a_failed_job_keeps_its_reason_and_the_next_run_may_start(tmp_path: Path) -> None:
    @contextmanager
    def broken() -> Iterator[GraphStore]:
        raise OSError("disk gone")
        yield  # pragma: no cover

    board = JobBoard(tmp_path / "jobs")
    job, _ = board.start(result_key("grades", ON), "u", broken)
    done = _until_done(board, job.id)
    assert (done.status, done.error) == ("failed", "OSError: disk gone")
    assert board.start(result_key("grades", ON), "u", broken)[1]


def test_cli_save_keeps_what_the_api_pages(loaded: EmbeddedStore, tmp_path: Path) -> None:
    store = str(tmp_path / "store.graph")
    assert main(["grade", "--on", ON, "--save", "--no-ledger", "--store", store]) == 0
    assert main(["relocations", "--on", ON, "--level", "city", "--save", "--store", store]) == 0
    assert main(["notices", "--on", ON, "--save", "--region", "44", "--store", store]) == 0
    assert main(["jobs", "run", "relocations", "--on", ON, "--store", store]) == 0
    reader = EmbeddedStore(store)
    kept = {(i.key.kind, i.key.level) for i in reader.results()}
    assert kept == {
        ("grades", ""),
        ("relocations", "city"),
        ("relocations", "county"),
        ("notices", ""),
    }
    grades = reader.result_page(result_key("grades", ON), ResultFilter(active=True))
    assert grades.total > 0 and grades.items[0]["score"] <= grades.items[-1]["score"]


def test_cli_jobs_list_says_which_results_are_stale(
    loaded: EmbeddedStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store.graph")
    assert main(["jobs", "run", "grades", "--on", ON, "--store", store]) == 0
    capsys.readouterr()
    assert main(["jobs", "list", "--json", "--store", store]) == 0
    [result] = json.loads(capsys.readouterr().out)["results"]
    assert (result["kind"], result["stale"]) == ("grades", False)
    event = ["event", "R1", "objection_opened", "--on", ON, "--reason", "异议", "--store", store]
    assert main(event) == 0
    capsys.readouterr()
    assert main(["jobs", "list", "--json", "--store", store]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["stale"] is True


@pytest.mark.parametrize("per_slice", [1, 2, 10_000])
def test_grade_rows_built_column_wise_are_the_rows_made_one_by_one(
    per_slice: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "_JSON_SLICE", per_slice)  # the text written a slice at a time
    table = pd.DataFrame(
        {
            "uscc": ["U2", "U1", "U3"],
            "name": ["甲/乙\n公司", None, "丙\u2028公司"],
            "region_code": ["130126", None, "440305"],
            "industry": ["C", "F", None],
            "org_type": ["enterprise", None, "state_organ"],
            "active": [True, False, True],
            "records": [12.5, 0.0, 93.07],
            "network": [0.01, float("nan"), 1.1],
            "relocation": [0.0, 0.0, 5.0],
            "score": [87.49, 100.0, 0.83],
            "score_grade": ["B", "A", "D"],
            "grade": ["B", "A", "D"],
            "capped_by": ["", "", "JPL-1 PD-2"],
            "watch_candidate": [False, False, True],
        },
        columns=list(TABLE_COLUMNS),
    )
    rows = grade_rows(table)
    by_hand = [
        {k: None if v is None or (isinstance(v, float) and math.isnan(v)) else v for k, v in r}
        for r in (row.items() for row in table.to_dict(orient="records"))
    ]
    assert rows.records() == sorted(by_hand, key=lambda r: (r["score"], r["uscc"]))
    assert rows.filters["region"].tolist() == ["440305", "130126", ""]
    assert rows.filters["industry"].tolist() == ["", "C", "F"]
    assert rows.filters["watch"].tolist() == [True, False, False]


def test_a_grading_job_weighs_the_stored_current_flags(
    loaded: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = compute_rows(loaded, result_key("grades", ON)).records()
    run_job(loaded, result_key("relocations", ON, evaluation_config().relocation.level))

    def no_scan(*_args: object) -> None:
        raise AssertionError("the stored flags are current: no relocation scan")

    monkeypatch.setattr(nationwide, "detect_relocations", no_scan)
    run_job(loaded, result_key("grades", ON))
    assert list(loaded.result_rows(result_key("grades", ON), ResultFilter())) == full
