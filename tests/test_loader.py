"""Loading the contract's files: good rows load, bad rows are rejected with reasons, reloads
change nothing, later files update, every format loads alike, and crashes lose nothing."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graph_service.cli import main
from graph_service.ids.person_key import PersonKeyring
from graph_service.stores.embedded import EmbeddedStore
from loaders.load import load_directory
from tests.conformance.test_store_load import EXPECTED_COUNTS
from tests.factories import pid, small_registry, uscc, write_csv

RING = PersonKeyring("test-secret")


def load(directory: Path, store: EmbeddedStore) -> Any:
    return load_directory(directory, store, RING, progress=False)


def rejects(report: Any) -> list[dict[str, str]]:
    with open(report.rejects_file, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_contract_files_load_into_nodes_and_relationships(tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "g.graph")
    report = load(tmp_path / "in", store)
    assert report.rejected == 0
    assert store.counts() == EXPECTED_COUNTS
    entity = store.entity(ids["a"])
    assert entity is not None
    assert entity["name"] == "灵寿县恒达建材有限公司"
    assert entity["batch_id"] == report.batch_id
    assert entity["source"] == "entities.csv"


def test_person_id_is_stored_keyed_and_masked_never_plain(tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "g.graph")
    load(tmp_path / "in", store)
    person = store.person(RING.key(ids["p1"]))
    assert person is not None
    assert person["id_masked"] == ids["p1"][:6] + "********" + ids["p1"][14:]
    assert ids["p1"] not in (tmp_path / "g.graph").read_bytes().decode("latin-1")
    assert RING.unseal(store.sealed_person_id(RING.key(ids["p1"])) or "") == ids["p1"]


def test_loading_the_same_files_twice_changes_nothing(tmp_path: Path) -> None:
    small_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "g.graph")
    load(tmp_path / "in", store)
    before = store.counts()
    nodes_before = dict(store._graph.nodes(data=True))
    file_before = (tmp_path / "g.graph").stat()
    second = load(tmp_path / "in", store)
    file_after = (tmp_path / "g.graph").stat()
    assert (file_after.st_ino, file_after.st_mtime_ns) == (
        file_before.st_ino,
        file_before.st_mtime_ns,
    )
    assert len(EmbeddedStore(tmp_path / "g.graph").loads()) == 2  # the reload is still logged
    assert all(f.created == 0 and f.updated == 0 for f in second.files)
    assert sum(f.unchanged for f in second.files) == 15
    assert store.counts() == before
    assert dict(store._graph.nodes(data=True)) == nodes_before


def test_a_later_file_ends_a_role_and_keeps_its_first_batch(tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "g.graph")
    first = load(tmp_path / "in", store)
    write_csv(
        tmp_path / "later" / "roles.csv",
        [
            {
                "person_id": ids["p1"],
                "uscc": ids["a"],
                "role": "legal_rep",
                "start_date": "2015-03-01",
                "end_date": "2020-12-31",
            },
        ],
    )
    second = load(tmp_path / "later", store)
    assert (second.files[0].updated, second.files[0].created) == (1, 0)
    role = next(r for r in store.relations("entity", ids["a"])["roles"] if r["role"] == "legal_rep")
    assert role["end_date"] == "2020-12-31"
    assert role["first_batch_id"] == first.batch_id
    assert role["batch_id"] == second.batch_id


BAD_ROWS = [
    ({"uscc": "91350100M000100Y44"}, "uscc", "expected 3, got 4"),
    ({"registered_on": "2020-02-30"}, "registered_on", "does not exist"),
    ({"org_type": "company"}, "org_type", "not a valid org_type"),
    ({"name": ""}, "name", "required column name is empty"),
    ({"region_code": "990000x"}, "region_code", "must be 6 digits"),
    ({"deregistered_on": "2001-01-01"}, "deregistered_on", "before registered_on"),
]


@pytest.mark.parametrize(("change", "column", "reason"), BAD_ROWS)
def test_a_bad_entity_row_is_rejected_with_its_reason_and_the_rest_load(
    tmp_path: Path, change: dict[str, str], column: str, reason: str
) -> None:
    good = {
        "uscc": uscc(1),
        "name": "甲公司",
        "region_code": "130126",
        "org_type": "enterprise",
        "registered_on": "2015-03-01",
    }
    other = good | {"uscc": uscc(2), "name": "乙公司"}
    write_csv(tmp_path / "in" / "entities.csv", [other, good | change])
    store = EmbeddedStore(tmp_path / "g.graph")
    report = load(tmp_path / "in", store)
    assert report.files[0].created == 1
    assert report.rejected == 1
    [row] = rejects(report)
    assert row["file"] == "entities.csv"
    assert row["line"] == "3"
    assert row["column"] == column
    assert reason in row["reason"]
    assert json.loads(row["row"])["name"] == (good | change)["name"]


def test_relationships_to_unregistered_subjects_are_rejected_not_dropped(tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    write_csv(
        tmp_path / "in" / "roles.csv",
        [
            {
                "person_id": ids["p1"],
                "uscc": uscc(99),
                "role": "legal_rep",
                "start_date": "2020-01-01",
            },
            {
                "person_id": pid(77),
                "uscc": ids["a"],
                "role": "director",
                "start_date": "2020-01-01",
            },
            {
                "person_id": ids["p1"],
                "uscc": ids["a"],
                "role": "legal_rep",
                "start_date": "2015-03-01",
            },
            {
                "person_id": ids["p1"],
                "uscc": ids["a"],
                "role": "legal_rep",
                "start_date": "2015-03-01",
            },
        ],
    )
    store = EmbeddedStore(tmp_path / "g.graph")
    report = load(tmp_path / "in", store)
    roles = next(f for f in report.files if f.kind == "roles")
    assert (roles.created, roles.rejected) == (1, 3)
    reasons = {r["line"]: r["reason"] for r in rejects(report)}
    assert "is not registered" in reasons["2"]
    assert "********" in reasons["3"]  # the person's number is masked in the reason
    assert "duplicates line 4" in reasons["5"]


def test_a_file_missing_a_required_column_rejects_its_rows_and_others_load(
    tmp_path: Path,
) -> None:
    small_registry(tmp_path / "in")
    frame = pd.read_csv(tmp_path / "in" / "persons.csv", dtype=str).drop(columns=["name"])
    frame.to_csv(tmp_path / "in" / "persons.csv", index=False)
    store = EmbeddedStore(tmp_path / "g.graph")
    report = load(tmp_path / "in", store)
    persons = next(f for f in report.files if f.kind == "persons")
    assert persons.rejected == 2
    assert "has no column name" in rejects(report)[0]["reason"]
    assert store.counts()["Entity"] == 4


def test_extra_columns_are_kept_as_properties_and_reported(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "in" / "entities.csv",
        [
            {
                "uscc": uscc(1),
                "name": "甲公司",
                "region_code": "130126",
                "org_type": "enterprise",
                "registered_on": "2015-03-01",
                "address": "灵寿县城关镇",
                "注册资本": "100万",
            },
        ],
    )
    store = EmbeddedStore(tmp_path / "g.graph")
    report = load(tmp_path / "in", store)
    assert report.files[0].extra_columns == ["address"]
    assert report.files[0].ignored_columns == ["注册资本"]
    assert (store.entity(uscc(1)) or {})["address"] == "灵寿县城关镇"


def _as_format(src: Path, dst: Path, fmt: str) -> None:
    dst.mkdir(parents=True)
    for f in src.glob("*.csv"):
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        target = dst / f"{f.stem}.{fmt}"
        if fmt == "csv":  # GBK, as Chinese spreadsheet programs export it
            frame.to_csv(target, index=False, encoding="gbk")
        elif fmt == "xlsx":
            frame.to_excel(target, index=False)
        elif fmt == "parquet":
            frame.to_parquet(target, index=False)
        elif fmt == "jsonl":
            frame.to_json(target, orient="records", lines=True, force_ascii=False)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
def test_every_format_loads_the_same_graph(tmp_path: Path, fmt: str) -> None:
    ids = small_registry(tmp_path / "in")
    reference = EmbeddedStore(tmp_path / "ref.graph")
    load(tmp_path / "in", reference)
    _as_format(tmp_path / "in", tmp_path / fmt, fmt)
    store = EmbeddedStore(tmp_path / f"{fmt}.graph")
    report = load(tmp_path / fmt, store)
    assert report.rejected == 0
    assert store.counts() == reference.counts()
    if fmt == "csv":
        assert report.files[0].encoding == "gb18030"
    strip = ("batch_id", "loaded_at", "first_batch_id", "source")
    for key in ("a", "b", "c"):
        got = {k: v for k, v in (store.entity(ids[key]) or {}).items() if k not in strip}
        want = {k: v for k, v in (reference.entity(ids[key]) or {}).items() if k not in strip}
        assert got == want


def test_cli_load_exits_zero_with_rejects_and_three_when_it_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small_registry(tmp_path / "in")
    with open(tmp_path / "in" / "persons.csv", "a", encoding="utf-8") as fh:
        fh.write("123,无名\n")
    code = main(
        ["load", str(tmp_path / "in"), "--store", str(tmp_path / "g.graph"), "--json", "--quiet"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["rejected"] == 1
    assert main(["load", str(tmp_path / "nowhere"), "--store", str(tmp_path / "g.graph")]) == 3


def test_a_load_that_fails_midway_leaves_the_previous_state(tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "g.graph")
    load(tmp_path / "in", store)
    before = store.counts()

    class FailingOnRecords(EmbeddedStore):
        def write(self, kind: Any, rows: Any, meta: Any) -> Any:
            if kind == "records":
                raise RuntimeError("disk full")
            return super().write(kind, rows, meta)

    write_csv(
        tmp_path / "more" / "entities.csv",
        [
            {
                "uscc": uscc(50),
                "name": "新公司",
                "region_code": "130126",
                "org_type": "enterprise",
                "registered_on": "2020-01-01",
            }
        ],
    )
    (tmp_path / "more" / "records.csv").write_text(
        (tmp_path / "in" / "records.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    failing = FailingOnRecords(tmp_path / "g.graph")
    with pytest.raises(RuntimeError):
        load(tmp_path / "more", failing)
    assert failing.counts() == before
    assert EmbeddedStore(tmp_path / "g.graph").entity(uscc(50)) is None
    assert EmbeddedStore(tmp_path / "g.graph").entity(ids["a"]) is not None


@pytest.mark.slow
def test_a_killed_load_leaves_either_the_old_or_the_new_graph(tmp_path: Path) -> None:
    """SIGKILL a real load process at several moments; the file is always whole."""
    rows = [
        {
            "uscc": uscc(i),
            "name": f"公司{i}",
            "region_code": "130126",
            "org_type": "enterprise",
            "registered_on": "2015-03-01",
        }
        for i in range(1000, 21000)
    ]
    write_csv(tmp_path / "in" / "entities.csv", rows)
    graph = tmp_path / "g.graph"
    small_registry(tmp_path / "seed")
    load(tmp_path / "seed", EmbeddedStore(graph))
    old = EmbeddedStore(graph).counts()
    env = os.environ | {"GRAPH_PERSON_KEY_SECRET": "test-secret"}
    for delay in (0.5, 1.5, 2.5, 4.0):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "graph_service",
                "load",
                str(tmp_path / "in"),
                "--store",
                str(graph),
                "--quiet",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        counts = EmbeddedStore(graph).counts()
        assert counts["Entity"] in (old["Entity"], old["Entity"] + 20000)


def test_journalled_event_survives_reopening_and_a_torn_line_is_ignored(tmp_path: Path) -> None:
    from graph_service.engine.lifecycle import RecordEvent, apply_event

    small_registry(tmp_path / "in")
    store = EmbeddedStore(tmp_path / "g.graph")
    load(tmp_path / "in", store)
    size = (tmp_path / "g.graph").stat().st_size
    apply_event(store, RecordEvent("R1", "object", "2021-10-01", "admin", "异议"))
    assert (tmp_path / "g.graph").stat().st_size == size  # the graph file was not rewritten
    assert (EmbeddedStore(tmp_path / "g.graph").record("R1") or {})["status"] == "disputed"
    with open(tmp_path / "g.graph.journal", "ab") as fh:
        fh.write(b'{"sha256": "00", "ops": [')  # a crash in the middle of appending
    assert (EmbeddedStore(tmp_path / "g.graph").record("R1") or {})["status"] == "disputed"
    write_csv(tmp_path / "more" / "persons.csv", [{"person_id": pid(5), "name": "新人"}])
    load(tmp_path / "more", store)  # a full write folds the journal into the graph file
    assert not (tmp_path / "g.graph.journal").exists()
    assert (EmbeddedStore(tmp_path / "g.graph").record("R1") or {})["status"] == "disputed"
