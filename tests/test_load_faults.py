"""Loading under bad luck (issue 16, failures 5, 6 and 8): a bad line costs that line only,
unsafe text is refused with its reason, exports neither run formulas nor die on one entity,
and a lost store, a killed writer or a waiting load say what happened."""

from __future__ import annotations

import csv
import fcntl
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from neo4j.exceptions import ServiceUnavailable

from graph_service.cli import main
from graph_service.exports import export_snapshot, read_snapshot
from graph_service.settings import get_settings
from graph_service.stores.embedded import EmbeddedStore
from loaders.load import LoadReport, load_directory
from tests.conftest import RING
from tests.factories import small_registry, uscc


def _load(directory: Path, store: EmbeddedStore) -> LoadReport:
    return load_directory(directory, store, RING, progress=False)


def _rejects(report: LoadReport) -> list[dict[str, str]]:
    assert report.rejects_file is not None
    with open(report.rejects_file, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _entity_line(n: int, name: str) -> str:
    return f"{uscc(n)},{name},130126,enterprise,,2015-03-01,,\n"


def _many_entities(directory: Path, rows: int) -> Path:
    small_registry(directory)
    with (directory / "entities.csv").open("a", encoding="utf-8") as fh:
        for n in range(100, 100 + rows):
            fh.write(_entity_line(n, f"灵寿县第{n}建材有限公司"))
    return directory / "entities.csv"


def test_one_gbk_line_in_a_utf8_file_costs_that_line_only(tmp_path: Path) -> None:
    """Failure 5: a UTF-8 entities.csv with one GBK line loaded 0 of 6,100 good rows."""
    path = _many_entities(tmp_path / "in", 3000)
    with path.open("ab") as fh:
        fh.write(_entity_line(9000, "灵寿县国标编码公司").encode("gbk"))
        fh.write(_entity_line(9001, "灵寿县其后公司").encode("utf-8"))
    lines = path.read_bytes().count(b"\n")
    report = _load(tmp_path / "in", EmbeddedStore(tmp_path / "g.graph"))
    entities = report.files[0]
    assert (entities.encoding, entities.error) == ("utf-8-sig", None)
    assert (entities.rows, entities.rejected) == (lines - 1, 1)
    [bad] = _rejects(report)
    assert (bad["file"], bad["line"]) == ("entities.csv", str(lines - 1))
    assert "not utf-8" in bad["reason"] and "GBK" in bad["reason"]
    assert EmbeddedStore(tmp_path / "g.graph").entity(uscc(9001)) is not None


def test_one_utf8_line_in_a_gbk_file_is_rejected_not_loaded_garbled(tmp_path: Path) -> None:
    small_registry(tmp_path / "in")
    path = tmp_path / "in" / "entities.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("gbk") + _entity_line(500, "灵寿县混入公司").encode("utf-8"))
    report = _load(tmp_path / "in", EmbeddedStore(tmp_path / "g.graph"))
    assert report.files[0].encoding == "gb18030"
    [bad] = _rejects(report)
    assert "UTF-8 in a GBK file" in bad["reason"]
    store = EmbeddedStore(tmp_path / "g.graph")
    assert store.entity(uscc(500)) is None
    assert (store.entity(uscc(1)) or {}).get("name", "").startswith("灵寿县")


def test_one_broken_json_line_costs_that_line_and_names_it(tmp_path: Path) -> None:
    """Failure 5: a JSON Lines file with one broken line loaded 0 of 18 and named a byte."""
    small_registry(tmp_path / "in")
    frame = pd.read_csv(tmp_path / "in" / "persons.csv", dtype=str, keep_default_na=False)
    (tmp_path / "in" / "persons.csv").unlink()
    lines = [json.dumps(r, ensure_ascii=False) for r in frame.to_dict(orient="records")]
    lines.insert(1, '{"person_id": "1301261980", "name": ')
    (tmp_path / "in" / "persons.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = _load(tmp_path / "in", EmbeddedStore(tmp_path / "g.graph"))
    persons = next(f for f in report.files if f.kind == "persons")
    assert (persons.rows, persons.loaded, persons.rejected) == (len(lines), len(lines) - 1, 1)
    bad = next(r for r in _rejects(report) if r["file"] == "persons.jsonl")
    assert bad["line"] == "2" and "not a JSON line" in bad["reason"]


def test_a_line_with_more_cells_than_the_header_is_rejected_alone(tmp_path: Path) -> None:
    small_registry(tmp_path / "in")
    with (tmp_path / "in" / "entities.csv").open("a", encoding="utf-8") as fh:
        fh.write(_entity_line(600, "甲公司").rstrip("\n") + ",extra,cells\n")
        fh.write(_entity_line(601, "乙公司"))
    report = _load(tmp_path / "in", EmbeddedStore(tmp_path / "g.graph"))
    [bad] = _rejects(report)
    assert "the header 8 columns" in bad["reason"]
    assert EmbeddedStore(tmp_path / "g.graph").entity(uscc(601)) is not None


def test_unsafe_text_is_refused_with_its_reason(tmp_path: Path) -> None:
    """Failure 6: a 1 MB name, a NUL byte and a date in 2099 loaded."""
    small_registry(tmp_path / "in")
    with (tmp_path / "in" / "entities.csv").open("a", encoding="utf-8") as fh:
        fh.write(_entity_line(700, "巨" * 1_000_000))
        fh.write(_entity_line(701, "空\x00字节公司"))
        fh.write(f"{uscc(702)},未来公司,130126,enterprise,,2099-01-01,,\n")
        fh.write(_entity_line(703, "=cmd|' /C calc'!A0"))
    report = _load(tmp_path / "in", EmbeddedStore(tmp_path / "g.graph"))
    reasons = {r["line"]: r for r in _rejects(report)}
    assert len(reasons) == 3
    big, nul, future = (reasons[str(n)] for n in (6, 7, 8))
    assert "over the limit 200" in big["reason"] and len(big["value"]) < 300
    assert "U+0000" in nul["reason"]
    assert "after the load day" in future["reason"]
    assert EmbeddedStore(tmp_path / "g.graph").entity(uscc(703)) is not None  # text, kept


def test_future_dates_are_allowed_when_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("LOAD_FUTURE_DAYS", "-1")
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    small_registry(tmp_path / "in")
    with (tmp_path / "in" / "entities.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{uscc(702)},未来公司,130126,enterprise,,2099-01-01,,\n")
    assert _load(tmp_path / "in", EmbeddedStore(tmp_path / "g.graph")).rejected == 0


def test_exports_and_rejects_neutralise_formula_cells(tmp_path: Path) -> None:
    """Failure 6: exported CSVs and the rejects file carried ``=cmd|…`` as it was."""
    small_registry(tmp_path / "in")
    with (tmp_path / "in" / "entities.csv").open("a", encoding="utf-8") as fh:
        fh.write(_entity_line(703, "=cmd|' /C calc'!A0"))
        fh.write(f"{uscc(704)},坏日期公司,130126,enterprise,,@SUM(A1),,\n")
    store = EmbeddedStore(tmp_path / "g.graph")
    report = _load(tmp_path / "in", store)
    raw = Path(str(report.rejects_file)).read_text(encoding="utf-8-sig")
    assert "'@SUM(A1)" in raw and not any(
        cell.startswith(("=", "@", "+")) for row in csv.reader(raw.splitlines()) for cell in row
    )
    export_snapshot(read_snapshot(store, progress=False), tmp_path / "out", ["csv"], progress=False)
    text = (tmp_path / "out" / "csv" / "entities.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text
    assert not any(c.startswith("=") for row in csv.reader(text.splitlines()) for c in row)
    from graph_service.exports.tables import read_csv_table

    names = read_csv_table(tmp_path / "out" / "csv" / "entities.csv")["name"].tolist()
    assert "=cmd|' /C calc'!A0" in names  # read back as it was


def test_an_export_skips_an_entity_the_schema_refuses_and_names_it(tmp_path: Path) -> None:
    """Failure 6: ``export`` died with an InvalidEntity traceback before writing the FtM file
    and the manifest."""
    ids = small_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "g.graph")
    _load(tmp_path / "in", store)
    snapshot = read_snapshot(store, progress=False)
    frame = snapshot["entities"]
    frame.loc[frame["uscc"] == ids["b"], "registered_on"] = "not a date"
    written = export_snapshot(snapshot, tmp_path / "out", ["ftm"], progress=False)
    assert written["ftm"] == ["entities.ftm.json"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    skipped = manifest["skipped"]["ftm"]
    assert skipped[0]["id"] == f"cg-company-{ids['b']}"
    assert "incorporationDate" in skipped[0]["reason"]
    # what refers to it goes too, each named: no dangling reference
    assert all("which was skipped" in s["reason"] for s in skipped[1:]) and len(skipped) > 1
    exported = (tmp_path / "out" / "entities.ftm.json").read_text(encoding="utf-8")
    assert ids["a"] in exported and f"cg-company-{ids['b']}" not in exported


def test_a_store_lost_mid_load_exits_3_with_a_rerun_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failure 8: Neo4j lost mid-load gave a raw ServiceUnavailable traceback and exit 1."""
    small_registry(tmp_path / "in")
    calls = {"n": 0}
    real = EmbeddedStore.write

    def write(self: EmbeddedStore, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 2:
            raise ServiceUnavailable("Failed to read from defunct connection")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(EmbeddedStore, "write", write)
    code = main(["load", str(tmp_path / "in"), "--store", str(tmp_path / "g.graph"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 3
    assert "lost the store" in err and "Traceback" not in err
    assert f"python -m graph_service load {tmp_path / 'in'}" in " ".join(err.split())


def test_info_shows_an_interrupted_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failure 8: ``info`` showed no sign of a partial load."""
    small_registry(tmp_path / "in")

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise ServiceUnavailable("gone")

    monkeypatch.setattr(EmbeddedStore, "link_superiors", boom)
    assert main(["load", str(tmp_path / "in"), "--store", str(tmp_path / "g.graph")]) == 3
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["info", "--store", str(tmp_path / "g.graph")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "interrupted" in out and "load the files again" in out
    # the next load keeps it in the load log as interrupted, and its marker goes
    assert main(["load", str(tmp_path / "in"), "--store", str(tmp_path / "g.graph")]) == 0
    statuses = [x["status"] for x in EmbeddedStore(tmp_path / "g.graph").loads()]
    assert statuses == ["interrupted", "done"]
    assert not list(tmp_path.glob(".g.graph.loading-*"))


def test_a_killed_writers_temp_file_is_removed_on_the_next_open(tmp_path: Path) -> None:
    """Failure 8: a killed write left ``*.tmp-*`` files."""
    left = tmp_path / ".g.graph.tmp-4194303"  # a pid no process has
    left.write_bytes(b"half a graph")
    EmbeddedStore(tmp_path / "g.graph")
    assert not left.exists()


def test_a_waiting_load_says_it_waits(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Failure 8: a second load waited on the lock without a word."""
    store = EmbeddedStore(tmp_path / "g.graph")
    holder = (tmp_path / "g.graph.lock").open("a")
    fcntl.flock(holder, fcntl.LOCK_EX)  # another writer
    done = threading.Event()

    def write() -> None:
        with store.transaction():
            pass
        done.set()

    with caplog.at_level(logging.WARNING, logger="graph_service.store"):
        thread = threading.Thread(target=write)
        thread.start()
        deadline = time.monotonic() + 5
        while "waiting for another writer" not in caplog.text:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert not done.is_set()
        fcntl.flock(holder, fcntl.LOCK_UN)
        holder.close()
        thread.join(5)
    assert done.is_set()
