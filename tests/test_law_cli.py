"""The CLI verbs of the law: ``measures`` (the catalogue in force) and ``event`` (a life-cycle
event, the same code as the API's), and ``check``'s three kinds of findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph_service.cli import main
from tests.api.support import build_store


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, str]]:
    monkeypatch.setenv("GRAPH_PERSON_KEY_SECRET", "test-secret")
    from graph_service.settings import get_settings

    get_settings.cache_clear()
    path, ids = build_store(tmp_path)
    yield str(path), ids
    get_settings.cache_clear()


def test_measures_lists_the_catalogue_and_its_bases(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["measures", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["edition"] == 2
    assert main(["measures", "--kind", "market_ban"]) == 0
    text = capsys.readouterr().out
    assert "MB-PERSONS" in text and "DJD-TENDER" not in text


def test_event_verb_releases_a_person_and_twice_changes_nothing(
    registry: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids = registry
    check = ["check", ids["p1"], "consumption:air", "--on", "2020-03-01", "--store", store]
    assert main([*check, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["allowed"] is False
    event = ["event", "R1", "release_person", "--on", "2020-02-01", "--person", ids["p1"]]
    assert main([*event, "--store", store, "--reason", "法院解除"]) == 0
    assert "applied" in capsys.readouterr().out
    assert main([*event, "--store", store]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert main([*check, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["allowed"] is True


def test_an_event_that_does_not_fit_exits_2_with_the_reason(
    registry: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = registry
    code = main(
        ["event", "R1", "resolve", "--on", "2020-02-01", "--outcome", "upheld", "--store", store]
    )
    assert code == 2
    assert "needs disputed" in capsys.readouterr().err


def test_check_prints_each_kind_of_finding(
    registry: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids = registry
    assert main(["check", ids["a"], "obtain_credit", "--on", "2020-01-01", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "considerations" in out and "DJD-CREDIT" in out and "allowed" in out
