"""The evaluation endpoints: grades with their parts, aggregates without names, inspection
draws that re-run to themselves, credit reports as JSON/HTML/PDF (audited), and publication
deadlines — each answering as the engine does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph_service.api.app import create_app
from tests.api.support import Service, build_store, headers, run_job, service_settings


@pytest.fixture
def drawing(tmp_path: Path) -> Iterator[Service]:
    """The service with an inspector pool, a draw log of its own, and the grading of
    2024-01-01 stored (the population its draws sample)."""
    path, ids = build_store(tmp_path)
    pool = tmp_path / "inspectors.csv"
    pool.write_text(
        "inspector_id,name,authority,region_prefix\n"
        + "".join(f"I{i},检查员{i},市场监督管理局,\n" for i in range(6)),
        encoding="utf-8",
    )
    settings = service_settings(
        tmp_path, graph_inspectors_file=pool, graph_draw_log=tmp_path / "draws.jsonl"
    )
    app = create_app(store_uri=str(path), settings=settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        run_job(client, "grades", "2024-01-01")
        yield Service(client, ids, path, tmp_path / "audit.jsonl", tmp_path / "keys.yaml")


def test_an_entitys_evaluation_shows_grade_parts_and_reasons(service: Service) -> None:
    body = service.get(f"/v1/evaluation/entities/{service.ids['a']}?on=2024-01-01").json()
    assert body["grade"] == "D"
    assert body["capped_by"] == ["R1"]
    assert [p["name"] for p in body["parts"]] == ["records", "network", "relocation"]
    assert body["records"][0]["record_id"] == "R1"
    assert body["reasons_zh"] and body["reasons_en"]


def test_a_malformed_uscc_is_422_naming_the_character(service: Service) -> None:
    bad = service.ids["a"][:-1] + ("X" if service.ids["a"][-1] != "X" else "Y")
    r = service.get(f"/v1/evaluation/entities/{bad}")
    assert r.status_code == 422
    assert "check character" in r.json()["detail_en"]


def test_grades_list_worst_first_and_the_summary_names_nobody(service: Service) -> None:
    service.run_job("grades", "2024-01-01")
    grades = service.get("/v1/evaluation/grades?on=2024-01-01", "regulator").json()
    # the listed entity, and its subsidiary that its legal representative set up in Shenzhen
    worst = grades["items"][:2]
    assert {g["uscc"] for g in worst} == {service.ids["a"], service.ids["b"]}
    assert {g["grade"] for g in worst} == {"D"}
    assert worst[0]["score"] <= worst[1]["score"] < grades["items"][2]["score"]
    summary = service.get("/v1/evaluation/summary?on=2024-01-01&by=province", "analyst")
    body = summary.json()
    assert body["by_grade"] == {"A": 2, "B": 0, "C": 0, "D": 2}
    assert set(body["groups"]) == {"13", "44"}
    assert service.ids["a"] not in summary.text


def test_a_draw_is_recorded_and_re_runs_to_itself(drawing: Service) -> None:
    r = drawing.client.post(
        "/v1/sampling/draws",
        json={"on": "2024-01-01", "budget": 10, "rates": {"A": 0.5, "D": 1.0}, "seed": "abc"},
        headers=headers("regulator"),
    )
    assert r.status_code == 200, r.text
    brief = r.json()
    assert "members" not in brief["population"]
    assert brief["seed"] == "abc"
    assert brief["allocation"] == {"A": 1, "B": 0, "C": 0, "D": 2}
    assert all(len(a["inspectors"]) == 2 for a in brief["assignments"])
    record = drawing.get(f"/v1/sampling/draws/{brief['draw_id']}", "regulator").json()
    assert record["record_hash"] == brief["record_hash"]
    # the analyst verifies the record a regulator hands over
    checked = drawing.client.post(
        "/v1/sampling/verify?against_store=true", json=record, headers=headers("analyst")
    ).json()
    assert checked["ok"] and checked["population_matches_store"]
    record["seed"] = "abd"
    assert not drawing.client.post(
        "/v1/sampling/verify", json=record, headers=headers("analyst")
    ).json()["ok"]


def test_an_analyst_reads_a_draw_without_the_populations_grades_and_ids_are_unguessable(
    drawing: Service,
) -> None:
    """Failure 7: an analyst read every entity's grade through a draw; ids were
    ``draw-<second>-<seed>``."""
    ids = []
    for _ in range(2):
        r = drawing.client.post(
            "/v1/sampling/draws",
            json={"on": "2024-01-01", "budget": 10, "seed": "xyz-seed"},
            headers=headers("regulator"),
        )
        ids.append(r.json()["draw_id"])
    assert ids[0] != ids[1] and all("xyz-seed" not in i and len(i) >= 40 for i in ids)
    seen = drawing.get(f"/v1/sampling/draws/{ids[0]}", "analyst").json()
    assert "members" not in seen["population"] and "members" not in seen["inspector_pool"]
    assert all("grade" not in e for e in seen["entities"])
    full = drawing.get(f"/v1/sampling/draws/{ids[0]}", "regulator").json()
    assert full["population"]["members"]
    actions = [e["action"] for e in _audit(drawing)]
    assert actions.count("sampling.read") == 2


def _audit(service: Service) -> list[dict[str, Any]]:
    return [json.loads(x) for x in service.audit_path.read_text().splitlines()]


def test_a_draw_without_an_inspector_pool_is_422(service: Service) -> None:
    r = service.client.post("/v1/sampling/draws", json={"budget": 3}, headers=headers("regulator"))
    assert r.status_code == 422
    assert "GRAPH_INSPECTORS_FILE" in r.json()["detail_en"]


@pytest.mark.slow  # renders a PDF (WeasyPrint), ~3 s
def test_the_credit_report_comes_as_json_html_and_pdf_and_is_audited(service: Service) -> None:
    a = service.ids["a"]
    body = service.get(f"/v1/reports/{a}?on=2024-01-01", "regulator").json()
    assert body["identity"]["name"] == "灵寿县恒达建材有限公司"
    assert [entry["record_id"] for entry in body["lists"]] == ["R1"]
    html = service.get(f"/v1/reports/{a}?on=2024-01-01&format=html", "regulator")
    assert html.headers["content-type"].startswith("text/html")
    assert "R1" in html.text and "公共信用信息报告" in html.text
    assert service.ids["p1"] not in html.text  # persons by masked number only
    pdf = service.get(f"/v1/reports/{a}?on=2024-01-01&format=pdf", "investigator")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    entries = [json.loads(line) for line in service.audit_path.read_text().splitlines()]
    reports = [e for e in entries if e["action"] == "report"]
    assert len(reports) == 3
    assert service.ids["k1"] in reports[0]["what"]["person_keys"]


def test_publication_deadlines_answer_with_the_calendar_used(service: Service) -> None:
    body = service.get("/v1/publication/deadlines?on=2024-01-01", "analyst").json()
    assert body["working_days"] == 7
    assert body["calendar"]["package"] == "chinesecalendar"
    overdue = [i["record_id"] for a in body["authorities"] for i in a["overdue"]]
    assert sorted(overdue) == ["R1", "R2"]  # never published (R2 repaired since, still due)
    assert {a["authority"] for a in body["authorities"]} >= {"灵寿县人民法院"}
