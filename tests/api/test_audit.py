"""The audit log: every access to a person's data and every change is appended, the chain
verifies, and any tampering is found at the first entry that was touched."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from graph_service.services.audit import GENESIS, AuditLog, entry_hash, verify_chain
from tests.api.support import Service, headers


def _log(path: Path, n: int) -> AuditLog:
    log = AuditLog(path, fsync=False)
    for i in range(n):
        log.append(
            user=f"user{i}",
            role="investigator",
            action="person.profile",
            what={"person_keys": [f"{i:032x}"]},
            client="10.0.0.1",
        )
    return log


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in entries),
        encoding="utf-8",
    )


def test_entries_chain_by_hash_and_verify(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log(path, 5)
    entries = _lines(path)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev"] == GENESIS
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(entries))
    assert all(entry_hash(e) == e["hash"] for e in entries)
    result = verify_chain(path)
    assert (result.ok, result.entries, result.last_hash) == (True, 5, entries[-1]["hash"])
    assert result.reason == ""


def test_a_missing_or_empty_log_is_a_whole_chain(tmp_path: Path) -> None:
    assert verify_chain(tmp_path / "none.jsonl").ok
    (tmp_path / "empty.jsonl").write_text("")
    assert verify_chain(tmp_path / "empty.jsonl").entries == 0


def test_an_edited_entry_is_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log(path, 5)
    entries = _lines(path)
    entries[2]["user"] = "somebody.else"
    _write(path, entries)
    result = verify_chain(path)
    assert (result.ok, result.first_bad_line, result.first_bad_seq) == (False, 3, 3)
    assert result.entries == 2
    assert "hash mismatch" in result.reason_en and "审计日志第3行" in result.reason_zh


def test_an_entry_rewritten_with_its_hash_recomputed_is_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log(path, 5)
    entries = _lines(path)
    entries[1]["what"] = {"person_keys": []}  # hide whose data was read
    entries[1]["hash"] = entry_hash(entries[1])
    _write(path, entries)
    result = verify_chain(path)
    assert (result.first_bad_line, result.first_bad_seq, result.entries) == (2, 2, 1)
    assert "rewritten" in result.reason_en


def test_a_removed_entry_is_found_where_the_chain_breaks(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log(path, 5)
    entries = _lines(path)
    del entries[2]
    _write(path, entries)
    result = verify_chain(path)
    assert (result.ok, result.first_bad_line, result.first_bad_seq) == (False, 3, 4)
    assert "removed or inserted" in result.reason_en


def test_an_inserted_entry_is_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log(path, 3)
    entries = _lines(path)
    forged = dict(entries[1], user="forger", seq=2)
    forged["hash"] = entry_hash(forged)
    entries.insert(2, forged)
    _write(path, entries)
    result = verify_chain(path)
    assert not result.ok
    assert result.first_bad_line == 3


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda text: text[:-20], "incomplete"),
        (lambda text: text.replace("\n", "\nnot json\n", 1), "not JSON"),
        (lambda text: text.replace('"role":"investigator",', "", 1), "fields missing: role"),
    ],
)
def test_damaged_lines_are_named(tmp_path: Path, damage: Any, says: str) -> None:
    path = tmp_path / "audit.jsonl"
    _log(path, 3)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = verify_chain(path)
    assert not result.ok and says in result.reason_en


def test_appends_from_many_threads_and_two_writers_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writers = [AuditLog(path, fsync=False), AuditLog(path, fsync=False)]  # as two processes

    def work(n: int) -> None:
        for i in range(25):
            writers[n % 2].append(
                user=f"t{n}", role="analyst", action="search", what={"i": i}, client=None
            )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify_chain(path)
    assert (result.ok, result.entries) == (True, 200)


def test_reading_a_person_writes_who_what_when_and_from_where(service: Service) -> None:
    service.get(f"/v1/persons/{service.ids['p1']}", "investigator")
    service.get(f"/v1/persons/{service.ids['k2']}", "regulator")
    first, second = _lines(service.audit_path)[-2:]
    assert first["user"] == "investigator.user" and first["role"] == "investigator"
    assert first["action"] == "person.profile"
    assert first["what"] == {"person_keys": [service.ids["k1"]], "unmasked": True}
    assert first["from"] == "testclient"
    assert first["at"].endswith("+00:00")
    assert service.ids["p1"] not in service.audit_path.read_text()  # never the ID number
    assert second["what"] == {"person_keys": [service.ids["k2"]], "unmasked": False}


def test_every_view_that_shows_persons_is_audited(service: Service) -> None:
    ids = service.ids
    service.get("/v1/search?q=张", "analyst")
    service.get(f"/v1/entities/{ids['a']}", "analyst")
    service.get("/v1/records/R2", "regulator")
    service.get(f"/v1/graph/neighbourhood?id=E:{ids['a']}")
    service.get(f"/v1/graph/path?from=P:{ids['k2']}&to=E:{ids['b']}")
    actions = [e["action"] for e in _lines(service.audit_path)]
    assert actions == [
        "search",
        "entity.profile",
        "record.read",
        "graph.neighbourhood",
        "graph.path",
    ]
    # views without persons leave no trace
    service.get("/v1/records/R1", "regulator")
    service.get("/v1/graph/neighbourhood?id=R:440305")
    assert len(_lines(service.audit_path)) == 5


def test_key_changes_are_audited_and_admins_verify_the_chain(service: Service) -> None:
    admin = headers("admin")
    created = service.client.post(
        "/v1/admin/keys", json={"user": "zhao.min", "role": "analyst"}, headers=admin
    )
    assert created.status_code == 201
    assert service.client.delete("/v1/admin/keys/zhao.min", headers=admin).status_code == 200
    assert [e["action"] for e in _lines(service.audit_path)] == ["key.create", "key.revoke"]
    check = service.get("/v1/admin/audit/verify", "admin").json()
    assert (check["ok"], check["entries"]) == (True, 2)
    entries = _lines(service.audit_path)
    entries[0]["what"]["role"] = "admin"
    _write(service.audit_path, entries)
    check = service.get("/v1/admin/audit/verify", "admin").json()
    assert (check["ok"], check["first_bad_line"]) == (False, 1)


def test_cli_audit_verify_exits_1_and_names_the_tampered_line(tmp_path: Path) -> None:
    from graph_service.cli import main

    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(3):
        log.append(user="u", role="investigator", action="search", what={"i": i}, client=None)
    assert main(["audit-verify", "--log", str(tmp_path / "audit.jsonl")]) == 0
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"i":1' in lines[1]
    lines[1] = lines[1].replace('"i":1', '"i":9')
    (tmp_path / "audit.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["audit-verify", "--log", str(tmp_path / "audit.jsonl")]) == 1


def test_entries_asked_for_at_once_share_a_write_and_stay_chained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group commit: threads appending at once are written under one fsync (and one
    checkpoint at most) a group, each returns its own entry, and the chain verifies."""
    synced: list[int] = []
    fsync = os.fsync

    def slow_fsync(fd: int) -> None:  # a disk slow enough for callers to queue up
        synced.append(fd)
        time.sleep(0.01)
        fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    anchors: list[int] = []
    audit = AuditLog(tmp_path / "audit.jsonl", anchor=lambda _, seq, __: anchors.append(seq))

    def append(i: int) -> dict[str, Any]:
        return audit.append(user="u", role="investigator", action="x", what={"i": i}, client=None)

    with ThreadPoolExecutor(16) as pool:
        entries = list(pool.map(append, range(64)))
    assert sorted(e["seq"] for e in entries) == list(range(1, 65))
    assert sorted(e["what"]["i"] for e in entries) == list(range(64))
    checked = verify_chain(audit.path)
    assert checked.ok and checked.entries == 64
    # one checkpoint write at a time, the latest entry each (outside the log's lock)
    assert len(synced) < 64 and len(anchors) <= len(synced) and anchors[-1] == 64
    assert anchors == sorted(set(anchors))
