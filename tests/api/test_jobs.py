"""Nationwide passes as jobs, on both stores: no answer is computed in the request — before
its job has run an answer is a 409 that says how to run it; a job started by request runs
in the background and its stored result is paged exactly as the pass computes it; after a
change of the store the result is still answered, marked stale."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient

from graph_service.api.app import create_app
from graph_service.engine.evaluation import Evaluator, grade_counts
from graph_service.engine.flows import flow_matrix
from graph_service.engine.models import Flag
from graph_service.engine.notices import notices
from graph_service.engine.relocations import detect_relocations
from graph_service.services.jobs import result_key
from graph_service.stores.base import GraphStore
from graph_service.stores.results import (
    RESULT_FORMAT,
    ResultFilter,
    ResultRow,
    ResultTable,
)
from loaders.load import load_directory
from tests.api.support import headers, run_job, service_settings
from tests.conftest import RING
from tests.factories import small_registry

ON = "2024-01-01"


def _client(store: GraphStore, tmp_path: Path) -> TestClient:
    small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    app = create_app(store=store, settings=service_settings(tmp_path))
    return TestClient(app, raise_server_exceptions=False)


def _get(client: TestClient, url: str, role: str = "regulator") -> Any:
    answer = client.get(url, headers=headers(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_answer_without_its_job_is_a_409_saying_how_to_run_it(
    store: GraphStore, tmp_path: Path
) -> None:
    with _client(store, tmp_path) as client:
        for url in (
            f"/v1/evaluation/grades?on={ON}",
            f"/v1/evaluation/summary?on={ON}",
            f"/v1/relocations?on={ON}&level=city",
            f"/v1/relocations/flows?on={ON}",
            f"/v1/notices?on={ON}",
        ):
            answer = client.get(url, headers=headers("regulator"))
            assert answer.status_code == 409, url
            problem = answer.json()
            assert problem["type"].endswith("result-missing")
            assert "POST /v1/jobs" in problem["detail_en"]
            assert "--save" in problem["detail_en"] and ON in problem["detail_en"]
        city = client.get(f"/v1/relocations?on={ON}&level=city", headers=headers("regulator"))
        assert '"level": "city"' in city.json()["detail_en"]
    assert store.results() == []  # nothing was computed on the way


def test_a_job_runs_in_the_background_and_its_result_pages_as_the_pass_computes(
    store: GraphStore, tmp_path: Path
) -> None:
    with _client(store, tmp_path) as client:
        started = client.post(
            "/v1/jobs", json={"kind": "grades", "on": ON}, headers=headers("admin")
        )
        assert started.status_code == 202
        assert started.headers["Location"] == f"/v1/jobs/{started.json()['id']}"
        done = run_job(client, "grades", ON)
        assert done["result"]["rows"] > 0
        assert done["result_url"] == f"/v1/evaluation/grades?on={ON}"
        listed = store.result_page(result_key("grades", ON), ResultFilter(grade="D")).items[0]
        history = _get(client, f"/v1/evaluation/entities/{listed['uscc']}/history")
        assert [h["to"] for h in history] == ["D"]  # the run is in the grade history
        run_job(client, "relocations", ON)
        run_job(client, "notices", ON)

        table = Evaluator(store).evaluate_all(ON)
        active = table[table["active"]].sort_values(["score", "uscc"])
        page = _get(client, f"/v1/evaluation/grades?on={ON}&limit=2&offset=1")
        assert page["total"] == len(active)
        expected_rows = active.iloc[1:3].astype(object).where(active.iloc[1:3].notna(), None)
        assert page["items"] == expected_rows.to_dict(orient="records")
        assert page["result"]["stale"] is False and page["result"]["kind"] == "grades"
        worst = _get(client, f"/v1/evaluation/grades?on={ON}&grade=D&region=13")
        expected = active[(active["grade"] == "D") & active["region_code"].str.startswith("13")]
        assert [r["uscc"] for r in worst["items"]] == list(expected["uscc"])

        summary = _get(client, f"/v1/evaluation/summary?on={ON}&by=province", "analyst")
        assert summary["by_grade"] == grade_counts(active)
        assert summary["mean_score"] == round(float(active["score"].mean()), 2)
        assert summary["entities"] == len(active)
        by = active.groupby(active["region_code"].str[:2])
        assert {g: s["entities"] for g, s in summary["groups"].items()} == {
            str(g): len(t) for g, t in by
        }

        flags = sorted(detect_relocations(store, ON), key=lambda f: (-f.score, f.flag_id))
        answer = client.get(f"/v1/relocations?on={ON}", headers=headers("regulator"))
        assert [f["flag_id"] for f in answer.json()] == [f.flag_id for f in flags]
        assert answer.headers["X-Total-Count"] == str(len(flags))
        assert answer.headers["X-Result-Stale"] == "false"
        flows = _get(client, f"/v1/relocations/flows?on={ON}", "analyst")
        matrix = flow_matrix(flags, "province")
        assert flows["regions"] == [str(r) for r in matrix.index]
        assert flows["counts"] == matrix.to_numpy(dtype=int).tolist()

        listed = _get(client, f"/v1/notices?on={ON}&region=1301")
        assert listed["items"] == notices(store, ON, "1301")
        assert listed["total"] == len(notices(store, ON, "1301"))

        jobs = _get(client, "/v1/jobs", "analyst")
        assert [j["kind"] for j in jobs["jobs"]][:3] == ["notices", "relocations", "grades"]
        assert {(r["kind"], r["level"]) for r in jobs["results"]} == {
            ("grades", None),
            ("relocations", "county"),
            ("notices", None),
        }


def test_a_result_is_answered_stale_once_the_store_has_changed(
    store: GraphStore, tmp_path: Path
) -> None:
    with _client(store, tmp_path) as client:
        run_job(client, "grades", ON)
        run_job(client, "relocations", ON)
        before = _get(client, f"/v1/evaluation/grades?on={ON}")
        event = {"type": "objection_opened", "on": ON, "reason": "异议"}
        changed = client.post("/v1/records/R1/events", json=event, headers=headers("admin"))
        assert changed.status_code == 200, changed.text
        after = _get(client, f"/v1/evaluation/grades?on={ON}")
        assert after["items"] == before["items"]  # the stored run, as it was
        assert after["result"]["stale"] is True
        assert after["result"]["token"] == before["result"]["token"] != store.change_token()
        flags = client.get(f"/v1/relocations?on={ON}", headers=headers("regulator"))
        assert flags.headers["X-Result-Stale"] == "true"
        run_job(client, "grades", ON)  # a new run is current again
        assert _get(client, f"/v1/evaluation/grades?on={ON}")["result"]["stale"] is False


def test_only_regulators_and_administrators_start_jobs_and_each_start_is_audited(
    store: GraphStore, tmp_path: Path
) -> None:
    with _client(store, tmp_path) as client:
        body = {"kind": "relocations", "on": ON, "level": "city"}
        for role in ("investigator", "analyst"):
            assert client.post("/v1/jobs", json=body, headers=headers(role)).status_code == 403
        job = run_job(client, "relocations", ON, "city")
        assert (job["kind"], job["level"], job["started_by"]) == (
            "relocations",
            "city",
            "regulator.user",
        )
        assert _get(client, f"/v1/jobs/{job['id']}", "investigator")["status"] == "done"
        assert client.get("/v1/jobs/0123abcd", headers=headers("admin")).status_code == 404
    entries = [line for line in (tmp_path / "audit.jsonl").read_text().splitlines() if line]
    assert any('"jobs.start"' in e and '"city"' in e for e in entries)


def test_the_local_client_keeps_its_answers_current(store: GraphStore, tmp_path: Path) -> None:
    """The client's local backend runs in the caller's process: it computes and keeps a
    missing or stale result before answering (the service never does)."""
    from graph_service.client.backends import LocalBackend
    from graph_service.client.core import Client

    small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    cg = Client(LocalBackend(store, secret="test-secret", owns_store=False), progress=False)
    grades = cg.grades(on=ON)
    assert isinstance(grades, pd.DataFrame) and len(grades) > 0
    first = store.result_info(store.results()[0].key)
    assert first is not None and first.token == store.change_token()
    assert len(cg.relocations(on=ON)) == len(detect_relocations(store, ON))


def test_a_page_sends_the_flags_as_the_response_model_shows_them_and_audits_their_persons(
    store: GraphStore, tmp_path: Path
) -> None:
    with _client(store, tmp_path) as client:
        run_job(client, "relocations", ON)
        flags = sorted(detect_relocations(store, ON), key=lambda f: (-f.score, f.flag_id))
        answer = client.get(f"/v1/relocations?on={ON}", headers=headers("regulator"))
        assert answer.json() == [f.model_dump(mode="json", exclude_none=True) for f in flags]
        assert flags and all(f.person_key for f in flags)
        logged = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
        assert logged["action"] == "relocations"
        assert logged["what"] == {"person_keys": [f.person_key for f in flags]}


def test_a_result_kept_in_format_1_answers_as_it_did(store: GraphStore, tmp_path: Path) -> None:
    """A result saved before format 2 (flags with their empty fields as null, no persons kept
    beside them) is still paged: the same body, the same audit entry."""
    key = result_key("relocations", ON, "county")
    audit = tmp_path / "audit.jsonl"
    with _client(store, tmp_path) as client:
        run_job(client, "relocations", ON)
        url = f"/v1/relocations?on={ON}"
        now = client.get(url, headers=headers("regulator"))
        logged_now = json.loads(audit.read_text().splitlines()[-1])["what"]
        info = store.result_info(key)
        assert info is not None and info.format == RESULT_FORMAT
        old = ResultTable.of(
            ResultRow(data=f.model_dump(mode="json"), pattern=f.pattern, score=f.score)
            for f in (Flag.model_validate(r) for r in store.result_rows(key, ResultFilter()))
        )
        store.save_result(replace(info, format=1), old)
        assert (store.result_info(key) or info).format == 1
        then = client.get(url, headers=headers("regulator"))
        assert then.status_code == 200, then.text
        assert "null" in old.rows[0] and then.content == now.content
        assert json.loads(audit.read_text().splitlines()[-1])["what"] == logged_now
