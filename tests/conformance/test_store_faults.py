"""What both stores keep for issue 16: a record's subject never moves on a reload (failure 9),
a load that began shows in the load log until it ends (failure 8), and the audit log's
checkpoint (failure 10)."""

from __future__ import annotations

import csv
from pathlib import Path

from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import small_registry, write_csv


def test_a_reload_that_moves_a_record_to_another_subject_is_a_conflict(
    store: GraphStore, tmp_path: Path
) -> None:
    """Failure 9: ``AP-000000001`` changed its USCC on reload, counted "updated"."""
    ids = small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    moved = {
        "record_id": "R1",
        "subject_type": "entity",
        "subject_id": ids["b"],
        "kind": "joint_punishment_list",
        "authority": "灵寿县市场监督管理局",
        "region_code": "130126",
        "decided_on": "2019-05-20",
    }
    write_csv(tmp_path / "later" / "records.csv", [moved])
    report = load_directory(tmp_path / "later", store, RING, progress=False)
    records = report.files[0]
    assert (records.updated, records.rejected) == (0, 1)
    assert (store.record("R1") or {})["subject_key"] == ids["a"]
    assert report.rejects_file is not None
    with open(report.rejects_file, encoding="utf-8-sig") as fh:
        [row] = list(csv.DictReader(fh))
    assert "conflict" in row["reason"]
    assert ids["a"] in row["reason"] and ids["b"] in row["reason"]
    assert "correction event" in row["reason"]


def test_a_load_that_began_shows_in_the_load_log_until_it_ends(
    store: GraphStore, tmp_path: Path
) -> None:
    small_registry(tmp_path / "in")
    begun = {"batch_id": "load-x", "directory": "/data/in", "started_at": "2025-01-01T00:00:00"}
    store.begin_load(begun)
    [shown] = store.loads()
    assert shown["batch_id"] == "load-x"
    # Neo4j keeps what was written: it cannot tell a running load from a dead one
    assert shown["status"] == ("interrupted" if store.backend == "embedded" else "running")
    report = load_directory(tmp_path / "in", store, RING, progress=False)
    statuses = {x["batch_id"]: x["status"] for x in store.loads()}
    assert statuses[report.batch_id] == "done"


def test_the_audit_checkpoint_only_moves_forward(store: GraphStore) -> None:
    assert store.audit_anchor("/var/log/audit.jsonl") is None
    store.keep_audit_anchor("/var/log/audit.jsonl", 5, "h5")
    store.keep_audit_anchor("/var/log/audit.jsonl", 4, "h4")  # a slower writer, later
    assert store.audit_anchor("/var/log/audit.jsonl") == (5, "h5")
    store.keep_audit_anchor("/var/log/audit.jsonl", 6, "h6")
    assert store.audit_anchor("/var/log/audit.jsonl") == (6, "h6")
    assert store.audit_anchor("/other.jsonl") is None
