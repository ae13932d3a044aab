"""The command line as people use it: every verb's help has a description and examples that
parse, `check --help` lists the actions, output to a pipe is never wrapped, the demo-secret
note comes once and only when an ID number is keyed, and a missing store or an unknown person
is named as the user typed it."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from graph_service.catalogue import vocabulary
from graph_service.cli import build_parser, main
from graph_service.cli.output import console
from graph_service.cli.query import notice_line
from tests.api.support import build_store

ROOT = Path(__file__).resolve().parents[1]
NOTE = "GRAPH_PERSON_KEY_SECRET is not set"


def _verbs() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("verb", sorted(_verbs()))
def test_every_verb_has_a_description_and_two_examples_that_parse(verb: str) -> None:
    parser = _verbs()[verb]
    text = parser.format_help()
    assert parser.description and len(parser.description) > 40, verb
    examples = [
        line.strip()
        for line in text.splitlines()
        if f"python -m graph_service {verb} " in f"{line} "
    ]
    assert len(examples) >= 2, text
    for example in examples:
        words = shlex.split(example)
        argv = words[words.index("graph_service") + 1 :]
        assert build_parser().parse_args(argv).verb == verb


def test_check_help_lists_every_action() -> None:
    text = _verbs()["check"].format_help()
    for action in vocabulary("action"):
        assert action in text


def test_output_to_a_pipe_keeps_a_long_line_whole(capsys: pytest.CaptureFixture[str]) -> None:
    ids = " ".join(f"DJD-{i:09d}" for i in range(40))  # 560 characters
    console().print(ids)
    assert capsys.readouterr().out == ids + "\n"


def test_notices_plain_output_shows_the_kind(capsys: pytest.CaptureFixture[str]) -> None:
    notice = {
        "kind": "to_superior",
        "record_id": "JPL-1",
        "to": {"name": "某局"},
        "text_zh": "通报",
    }
    console().print(notice_line(notice))
    assert capsys.readouterr().out.startswith("[to_superior] JPL-1 → 某局: 通报")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_")}
    audit = {"GRAPH_AUDIT_LOG": os.environ["GRAPH_AUDIT_LOG"]}  # the session's (conftest)
    return subprocess.run(
        [sys.executable, "-m", "graph_service", *argv],
        capture_output=True,
        text=True,
        env=env | audit | {"PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_secret_note_only_when_a_person_is_keyed_and_once(tmp_path: Path) -> None:
    store, ids = build_store(tmp_path)
    company = _run("check", ids["a"], "bid_tender", "--on", "2025-06-01", "--store", str(store))
    assert company.returncode == 0, company.stderr
    assert NOTE not in company.stderr
    person = _run("check", ids["p1"], "bid_tender", "--on", "2025-06-01", "--store", str(store))
    assert person.stderr.count(NOTE) == 1


def test_a_missing_store_file_is_said_to_be_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.graph"
    code = main(["check", "91130126T0000001XK", "bid_tender", "--store", str(missing)])
    assert code == 3
    assert f"no store file {missing}" in capsys.readouterr().err
    assert not missing.exists()
    assert main(["info", "--store", str(missing)]) == 0  # info shows it empty, and says why
    assert f"no store file {missing}" in " ".join(capsys.readouterr().err.split())


def test_an_unknown_person_is_named_by_the_masked_number_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = build_store(tmp_path)
    code = main(["check", "130126198005010115", "bid_tender", "--store", str(store)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert "no person 130126********0115 in the store" in err


def test_migrate_store_copies_a_pickle_store_into_a_compact_one_that_answers_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids = build_store(tmp_path, name="store.graph")  # the pickle format
    compact = tmp_path / "copy.cgraph"
    assert main(["migrate-store", str(store), str(compact)]) == 0
    assert main(["migrate-store", str(store), str(compact)]) == 2  # never over a store
    assert "the target exists" in " ".join(capsys.readouterr().err.split())
    answers = []
    for path in (store, compact):
        assert main(
            ["check", ids["a"], "bid_tender", "--on", "2025-06-01", "--store", str(path), "--json"]
        ) in (0, 1)
        answers.append(capsys.readouterr().out)
    assert answers[0] == answers[1] and ids["a"] in answers[0]


def _audited_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log: Path
) -> tuple[str, dict[str, str]]:
    """A store keyed with the tests' secret, and the CLI's audit log at ``log``."""
    from graph_service.settings import get_settings

    monkeypatch.setenv("GRAPH_PERSON_KEY_SECRET", "test-secret")
    monkeypatch.setenv("GRAPH_AUDIT_LOG", str(log))
    get_settings.cache_clear()
    path, ids = build_store(tmp_path)
    return str(path), ids


def test_the_cli_audits_a_person_check_and_an_event_as_the_os_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from graph_service.services.access import local_user
    from graph_service.services.audit import verify_chain

    log = tmp_path / "audit.jsonl"
    store, ids = _audited_registry(tmp_path, monkeypatch, log)
    assert main(["check", ids["a"], "bid_tender", "--on", "2020-03-01", "--store", store]) == 0
    assert not log.exists()  # an entity: nothing about a person
    assert (
        main(["check", ids["p1"], "consumption:air", "--on", "2020-03-01", "--store", store]) == 0
    )
    event = ["event", "R1", "release_person", "--on", "2020-02-01", "--person", ids["p1"]]
    assert main([*event, "--store", store, "--by", "法院"]) == 0
    capsys.readouterr()
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [e["action"] for e in entries] == ["check", "record.event"]
    assert {(e["user"], e["role"], e["from"]) for e in entries} == {(local_user(), "admin", "cli")}
    assert entries[1]["what"]["record_id"] == "R1"
    assert verify_chain(log, None).ok


def test_an_audit_log_that_cannot_be_written_stops_the_verb_before_it_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    store, ids = _audited_registry(tmp_path, monkeypatch, blocked / "audit.jsonl")
    code = main(["check", ids["p1"], "consumption:air", "--on", "2020-03-01", "--store", store])
    out = capsys.readouterr()
    assert code == 3
    assert out.out == ""
    assert "audit log unavailable" in out.err
