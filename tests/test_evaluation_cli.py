"""The CLI verbs grade, sample, sample-verify, report and deadlines on a real embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph_service.cli import main
from graph_service.settings import get_settings
from tests.api.support import build_store


@pytest.fixture
def registry(tmp_path: Path) -> tuple[str, dict[str, str]]:
    path, ids = build_store(tmp_path)
    return str(path), ids


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_grade_records_a_run_in_the_ledger_and_explains_one_entity(
    registry: tuple[str, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids = registry
    ledger = tmp_path / "grades.jsonl"
    out = _json(
        capsys,
        [
            "grade",
            "--store",
            store,
            "--on",
            "2024-01-01",
            "--ledger",
            str(ledger),
            "--json",
            "--watch",
        ],
    )
    assert out["by_grade"] == {"A": 2, "B": 0, "C": 0, "D": 2}
    assert out["ledger"]["changes"] == 4  # type: ignore[index]
    again = _json(
        capsys, ["grade", "--store", store, "--on", "2024-01-01", "--ledger", str(ledger), "--json"]
    )
    assert again["ledger"]["changes"] == 0  # type: ignore[index]
    one = _json(capsys, ["grade", ids["a"], "--store", store, "--on", "2024-01-01", "--json"])
    assert one["grade"] == "D" and one["capped_by"] == ["R1"]


def test_sample_then_sample_verify_and_a_tampered_record_fails(
    registry: tuple[str, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    store, _ = registry
    monkeypatch.setenv("GRAPH_DRAW_LOG", str(tmp_path / "draws.jsonl"))
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)  # settings are read once per process
    pool = tmp_path / "pool.csv"
    pool.write_text("inspector_id,name\nI1,甲\nI2,乙\nI3,丙\n", encoding="utf-8")
    record_file = tmp_path / "draw.json"
    brief = _json(
        capsys,
        [
            "sample",
            "--store",
            store,
            "--on",
            "2024-01-01",
            "--budget",
            "3",
            "--rates",
            "A=0.5,D=1",
            "--inspectors",
            str(pool),
            "--seed",
            "s",
            "--out",
            str(record_file),
            "--json",
        ],
    )
    assert brief["allocation"] == {"A": 1, "B": 0, "C": 0, "D": 2}
    verified = _json(capsys, ["sample-verify", str(record_file), "--store", store, "--json"])
    assert verified["ok"] and verified["population_matches_store"]
    assert main(["sample-verify", str(tmp_path / "draws.jsonl")]) == 0
    record = json.loads(record_file.read_text(encoding="utf-8"))
    record["assignments"][0]["inspectors"].reverse()
    record_file.write_text(json.dumps(record), encoding="utf-8")
    assert main(["sample-verify", str(record_file)]) == 1


def test_report_writes_json_html_and_pdf(
    registry: tuple[str, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids = registry
    report = _json(capsys, ["report", ids["a"], "--store", store, "--on", "2024-01-01", "--json"])
    assert report["identity"]["uscc"] == ids["a"]  # type: ignore[index]
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    for fmt, out in (("html", html), ("pdf", pdf)):
        argv = ["report", ids["a"], "--store", store, "--on", "2024-01-01", "--format", fmt]
        assert main([*argv, "--out", str(out)]) == 0
    assert "R1" in html.read_text(encoding="utf-8")
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_deadlines_lists_overdue_records_per_authority(
    registry: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = registry
    out = _json(capsys, ["deadlines", "--store", store, "--on", "2024-01-01", "--json"])
    assert out["totals"]["overdue"] == 2  # type: ignore[index]
    since = _json(
        capsys,
        ["deadlines", "--store", store, "--on", "2024-01-01", "--since", "2020-01-01", "--json"],
    )
    assert since["totals"]["overdue"] == 1  # type: ignore[index]
