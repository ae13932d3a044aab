"""Structured logs: one line per event, key=value or JSON, with the fields passed as extra."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.cli import main
from graph_service.logging import OWN_LOGGERS, configure_logging, kv_value
from graph_service.stores.embedded import EmbeddedStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import small_registry


@pytest.fixture
def restore_root() -> Iterator[None]:
    loggers = [logging.getLogger(), *map(logging.getLogger, OWN_LOGGERS)]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    yield
    for lg, handlers, level, propagate in saved:
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate = propagate


def test_json_lines_carry_the_fields_passed_as_extra(restore_root: None) -> None:
    out = io.StringIO()
    configure_logging("json", "INFO", stream=out)
    logging.getLogger("graph_service.exports").info(
        "table written", extra={"table": "entities", "rows": 3}
    )
    line = json.loads(out.getvalue())
    assert line["level"] == "info" and line["logger"] == "graph_service.exports"
    assert line["msg"] == "table written" and line["table"] == "entities" and line["rows"] == 3
    assert line["at"].endswith("Z")


def test_key_value_lines_quote_what_needs_quoting(restore_root: None) -> None:
    out = io.StringIO()
    configure_logging("kv", "INFO", stream=out)
    logging.getLogger("graph_service.x").warning("灵寿县 done", extra={"path": "a b/c", "n": 2})
    line = out.getvalue().strip()
    assert line.startswith("at=")
    assert "level=warning logger=graph_service.x" in line
    assert 'msg="灵寿县 done"' in line and 'path="a b/c"' in line and line.endswith("n=2")
    assert kv_value("plain") == "plain" and kv_value('say "hi"') == '"say \\"hi\\""'


def test_level_filters_and_reconfiguring_replaces_the_handler(restore_root: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("kv", "WARNING", stream=first)
    configure_logging("json", "WARNING", stream=second)
    logging.getLogger("graph_service.y").info("not shown")
    logging.getLogger("graph_service.y").error("shown")
    assert first.getvalue() == ""
    assert [json.loads(x)["msg"] for x in second.getvalue().splitlines()] == ["shown"]


def test_other_libraries_log_only_warnings_and_above(restore_root: None) -> None:
    out = io.StringIO()
    configure_logging("kv", "DEBUG", stream=out)
    logging.getLogger("neo4j.notifications").info("index already exists")
    logging.getLogger("graph_service.exports").debug("ours, in detail")
    logging.getLogger("neo4j").warning("a warning")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "ours, in detail" in lines[0] and "a warning" in lines[1]


def test_exceptions_are_kept_in_one_json_line(restore_root: None) -> None:
    out = io.StringIO()
    configure_logging("json", "INFO", stream=out)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("graph_service.z").exception("failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "ValueError: boom" in json.loads(lines[0])["exc"]


def test_cli_logs_as_the_settings_say(
    restore_root: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from graph_service.settings import get_settings

    small_registry(tmp_path / "in")
    store = tmp_path / "s.graph"
    load_directory(tmp_path / "in", EmbeddedStore(store), RING, progress=False)
    monkeypatch.setenv("GRAPH_LOG_FORMAT", "json")
    get_settings.cache_clear()
    try:
        code = main(["export", "--store", str(store), "--out", str(tmp_path / "o"), "--quiet"])
    finally:
        get_settings.cache_clear()
    assert code == 0
    logs = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    written = [x for x in logs if x["msg"] == "table written"]
    assert {x["table"] for x in written} >= {"entities", "roles", "records"}
