"""What only the compact embedded store does (the rest is the conformance suite, which runs on
it as a third store): its file survives a crash mid-save and refuses to be read cut short, a
write after a reopen lands on the saved arrays, values of every kind come back as written, a
load folded into the columns many times is the load without folds, and a pickle store is
migrated (or refused with the command that migrates it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from graph_service.engine.lifecycle import apply_event
from graph_service.errors import StoreUnavailable
from graph_service.stores import compact, compact_graph, open_store
from graph_service.stores.base import REL_TYPES, GraphStore, sid
from graph_service.stores.compact import (
    FOLD_ITEMS,
    MIGRATE_COMMAND,
    CompactStore,
    migrate_pickle_store,
)
from graph_service.stores.embedded import EmbeddedStore
from graph_service.stores.hashing import content_hash
from loaders.load import load_directory, new_batch_meta
from tests.conformance.test_store_seam import _event, _load_world, _world
from tests.conftest import RING
from tests.factories import Scenario


def _seen(store: GraphStore, world: dict[str, Any]) -> dict[str, Any]:
    """What a reader sees of the world of ``_load_world``."""
    kind, key = "entity", world["x"]
    return {
        "counts": store.counts(),
        "nodes": {
            label: [n for batch in store.scan_nodes(label) for n in batch]  # type: ignore[arg-type]
            for label in ("Entity", "Person", "Region", "Record")
        },
        "rels": {
            rtype: sorted((r for batch in store.scan_relationships(rtype) for r in batch), key=repr)
            for rtype in REL_TYPES
        },
        "x": store.relations(kind, key),
        "history": store.record_history(world["r1"]),
        "loads": [{k: v for k, v in x.items() if k != "seconds"} for x in store.loads()],
    }


def test_open_store_opens_a_cgraph_path_as_the_compact_store(tmp_path: Path) -> None:
    assert isinstance(open_store(str(tmp_path / "g.cgraph")), CompactStore)
    assert type(open_store(str(tmp_path / "g.graph"))) is EmbeddedStore


def test_a_reopened_store_answers_as_the_one_that_wrote(tmp_path: Path) -> None:
    store = CompactStore(tmp_path / "g.cgraph")
    world = _load_world(store, tmp_path)
    assert _seen(CompactStore(tmp_path / "g.cgraph"), world) == _seen(store, world)


def test_a_write_after_a_reopen_updates_the_saved_arrays_in_place(tmp_path: Path) -> None:
    path = tmp_path / "g.cgraph"
    world = _load_world(CompactStore(path), tmp_path)
    store = CompactStore(path)
    versions = len(store.record_history(world["r1"]))
    apply_event(store, _event(world["r1"]))  # a small transaction: the journal
    s = Scenario(first=100)
    s.entity("后来的公司")
    load_directory(s.write(tmp_path / "more"), store, RING, progress=False)
    again = CompactStore(path)
    assert again.record(world["r1"]) == store.record(world["r1"])
    assert len(again.record_history(world["r1"])) == versions + 1
    assert again.counts()["Entity"] == store.counts()["Entity"] == 4
    assert _seen(again, world) == _seen(store, world)
    # the saved arrays hold each item once: the update replaced the base row
    assert len({n["record_id"] for b in again.scan_nodes("Record") for n in b}) == 2


@pytest.mark.parametrize("fold_items", [FOLD_ITEMS, 1])
def test_a_crash_before_the_manifest_is_replaced_leaves_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fold_items: int
) -> None:
    path = tmp_path / "g.cgraph"
    store = CompactStore(path, fold_items=fold_items)
    world = _load_world(store, tmp_path)
    before, token = _seen(store, world), store.change_token()
    real = os.replace

    def crash(src: Any, dst: Any) -> None:
        if Path(dst) == path:
            raise OSError("power lost")
        real(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    s = Scenario(first=100)
    s.entity("崩溃中的公司")
    with pytest.raises(OSError, match="power lost"):
        load_directory(s.write(tmp_path / "more"), store, RING, progress=False)
    monkeypatch.setattr(os, "replace", real)
    assert _seen(store, world)["counts"] == before["counts"]
    reopened = CompactStore(path)
    # the same generation; the token also names the load that began and never ended
    assert reopened.change_token().startswith(token)
    assert reopened.loads()[-1]["status"] == "interrupted"
    assert _seen(reopened, world)["counts"] == before["counts"]


def _two_loads(tmp_path: Path) -> tuple[list[Path], dict[str, Any]]:
    """The world of the seam tests, and a second load that renames X and adds records:
    updates of items the first load wrote."""
    s, world = _world()
    more = Scenario(first=100)
    x_row = next(r for r in s.rows["entities"] if r["uscc"] == world["x"])
    more.rows["entities"] = [dict(x_row, name="扫描甲（更名）有限公司")]
    more.record(world["x"], "serious_illegal_dishonest", "2023-01-10")
    more.record(world["q"], "serious_illegal_dishonest", "2023-02-10")
    return [s.write(tmp_path / "first"), more.write(tmp_path / "more")], world


def test_a_load_folded_into_the_columns_many_times_is_the_load_without_folds(
    tmp_path: Path,
) -> None:
    dirs, world = _two_loads(tmp_path)
    metas = [new_batch_meta() for _ in dirs]
    seen = []
    for name, fold_items in (("whole", FOLD_ITEMS), ("folded", 1)):
        # one row a write and a fold after each: every update meets a folded item
        store = CompactStore(tmp_path / f"{name}.cgraph", fold_items=fold_items)
        for directory, meta in zip(dirs, metas, strict=True):
            load_directory(directory, store, RING, progress=False, batch_size=1, meta=meta)
        seen += [_seen(store, world), _seen(CompactStore(store.path), world)]
    assert len(seen[0]["x"]["records"]) == 2 and seen[0]["counts"]["Entity"] == 3
    assert seen[1] == seen[0] and seen[2] == seen[0] and seen[3] == seen[0]


def test_a_load_that_fails_after_folds_leaves_the_file_and_reads_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dirs, world = _two_loads(tmp_path)
    path = tmp_path / "g.cgraph"
    load_directory(dirs[0], CompactStore(path), RING, progress=False)
    store = CompactStore(path, fold_items=1)
    before, saved = _seen(store, world), path.read_bytes()

    def fail(*_: Any) -> None:
        raise RuntimeError("the load stops after its writes")

    monkeypatch.setattr(CompactStore, "record_load", fail)
    with pytest.raises(RuntimeError, match="stops"):
        load_directory(dirs[1], store, RING, progress=False, batch_size=1)
    monkeypatch.undo()
    assert path.read_bytes() == saved
    after = _seen(store, world)
    assert after["loads"][-1]["status"] == "interrupted"
    assert after | {"loads": []} == before | {"loads": []}
    assert _seen(CompactStore(path), world) == after


def test_a_first_load_appended_to_the_columns_reads_as_the_pickle_stores(
    tmp_path: Path,
) -> None:
    dirs, world = _two_loads(tmp_path)
    metas = [new_batch_meta() for _ in dirs]
    stores: list[GraphStore] = [
        EmbeddedStore(tmp_path / "g.graph"),
        CompactStore(tmp_path / "g.cgraph"),
    ]
    for store in stores:
        for directory, meta in zip(dirs, metas, strict=True):
            load_directory(directory, store, RING, progress=False, meta=meta)
    pickle, compact = stores
    assert _seen(compact, world) == _seen(pickle, world)
    assert _seen(CompactStore(tmp_path / "g.cgraph"), world) == _seen(pickle, world)


def test_a_row_written_twice_in_one_transaction_creates_one_item(tmp_path: Path) -> None:
    s, world = _world()
    store = CompactStore(tmp_path / "g.cgraph")
    kinds = {"entities", "persons"}  # no relationship yet: roles are appended to the columns
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False, kinds=kinds)
    row = {"person_key": world["q"], "uscc": world["y"], "role": "supervisor"}
    row |= {"start_date": "2020-01-01"}
    row["_h"] = row["_src"] = content_hash(row)
    meta = new_batch_meta()
    with store.transaction():
        first = store.write("roles", [row], meta)
        again = store.write("roles", [row, dict(row)], meta)
    assert (first.created, again.created, again.unchanged) == (1, 0, 2)
    for reader in (store, CompactStore(store.path)):
        found = [r for b in reader.scan_relationships("ROLE") for r in b]
        assert [(r["from"], r["to"], r["role"]) for r in found] == [
            (sid("person", world["q"]), sid("entity", world["y"]), "supervisor")
        ]


def test_a_file_saved_without_the_order_tables_reads_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of the format before the order tables and the derived key columns."""
    world = _load_world(CompactStore(tmp_path / "new.cgraph"), tmp_path)
    (tmp_path / "old.cgraph").write_bytes((tmp_path / "new.cgraph").read_bytes())
    every = compact_graph.tables

    def old_tables(graph: Any) -> Any:
        for name, table in every(graph):
            meta = dict(table.schema.metadata or {})
            meta.pop(compact_graph.DERIVED_META, None)
            if not name.startswith("order-"):
                yield name, table.replace_schema_metadata(meta)

    monkeypatch.setattr(compact, "tables", old_tables)
    resaved = CompactStore(tmp_path / "old.cgraph")
    with resaved.transaction():  # the same graph saved again, as before the order tables
        resaved._dirty = True
    monkeypatch.undo()
    old, new = CompactStore(tmp_path / "old.cgraph"), CompactStore(tmp_path / "new.cgraph")
    assert b"order-ROLE" not in (tmp_path / "old.cgraph").read_bytes()
    assert _seen(old, world) == _seen(new, world)
    for kind, key in (("entity", world["x"]), ("person", world["p"])):
        assert old.material(kind, key) == new.material(kind, key)


def test_a_killed_writers_temporary_file_is_removed_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "g.cgraph"
    _load_world(CompactStore(path), tmp_path)
    left = tmp_path / ".g.cgraph.tmp-999999999"
    left.write_bytes(b"half a store")
    CompactStore(path)
    assert not left.exists()


def test_a_store_file_cut_short_is_refused_not_half_read(tmp_path: Path) -> None:
    path = tmp_path / "g.cgraph"
    _load_world(CompactStore(path), tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(StoreUnavailable, match="cut short"):
        CompactStore(path)
    path.write_bytes(b"")
    with pytest.raises(StoreUnavailable):
        CompactStore(path)


def test_every_kind_of_value_comes_back_as_written(tmp_path: Path) -> None:
    store = CompactStore(tmp_path / "g.cgraph")
    with store.transaction():
        store._graph.add_node(
            "R:999999",
            label="Region",
            code="999999",
            name="测试",
            level=3,
            retired=True,
            share=12.5,
            tags=["a", "b"],
            extra={"k": 1},
        )
        store._dirty = True
    node = CompactStore(tmp_path / "g.cgraph")._graph.nodes["R:999999"]
    assert node == {
        "label": "Region",
        "code": "999999",
        "name": "测试",
        "level": 3,
        "retired": True,
        "share": 12.5,
        "tags": ["a", "b"],
        "extra": {"k": 1},
    }


def test_a_pickle_store_migrates_to_a_compact_one_that_answers_alike(tmp_path: Path) -> None:
    old = EmbeddedStore(tmp_path / "g.graph")
    world = _load_world(old, tmp_path)
    apply_event(old, _event(world["r1"]))  # journalled
    counts = migrate_pickle_store(tmp_path / "g.graph", tmp_path / "g.cgraph")
    new = CompactStore(tmp_path / "g.cgraph")
    assert counts == old.counts()
    assert _seen(new, world) == _seen(EmbeddedStore(tmp_path / "g.graph"), world)
    assert new.person(world["p"]) == old.person(world["p"])
    assert new.sealed_person_id(world["p"]) == old.sealed_person_id(world["p"])
    assert new.material("person", world["p"]) == old.material("person", world["p"])
    assert new.neighbourhood(sid("entity", world["x"])) == old.neighbourhood(
        sid("entity", world["x"])
    )
    with pytest.raises(FileExistsError):
        migrate_pickle_store(tmp_path / "g.graph", tmp_path / "g.cgraph")


def test_a_new_compact_path_beside_an_old_pickle_store_is_refused_with_the_command(
    tmp_path: Path,
) -> None:
    _load_world(EmbeddedStore(tmp_path / "g.graph"), tmp_path)
    with pytest.raises(StoreUnavailable) as caught:
        open_store(str(tmp_path / "g.cgraph"))
    command = (
        f"python -m graph_service migrate-store {tmp_path / 'g.graph'} {tmp_path / 'g.cgraph'}"
    )
    assert command in str(caught.value.en)
    assert not (tmp_path / "g.cgraph").exists()
    migrate_pickle_store(tmp_path / "g.graph", tmp_path / "g.cgraph")
    assert isinstance(open_store(str(tmp_path / "g.cgraph")), CompactStore)


def test_a_pickle_file_opened_as_a_compact_store_is_refused_with_the_migrating_command(
    tmp_path: Path,
) -> None:
    _load_world(EmbeddedStore(tmp_path / "g.graph"), tmp_path)
    (tmp_path / "old.cgraph").write_bytes((tmp_path / "g.graph").read_bytes())
    with pytest.raises(StoreUnavailable) as caught:
        CompactStore(tmp_path / "old.cgraph")
    assert MIGRATE_COMMAND in str(caught.value.en)


@pytest.mark.parametrize("kind", [EmbeddedStore, CompactStore])
def test_an_audit_checkpoint_leaves_the_store_folder_as_it_was(
    tmp_path: Path, kind: type[EmbeddedStore]
) -> None:
    """The change token lists the store's folder again whenever its mtime moves: a checkpoint
    renamed into that folder on every audited request made every request list it."""
    store = kind(tmp_path / "store.cgraph")
    store.keep_audit_anchor("/var/log/audit.jsonl", 1, "h1")  # makes its folder once
    before = os.stat(tmp_path).st_mtime_ns
    for seq in range(2, 6):
        store.keep_audit_anchor("/var/log/audit.jsonl", seq, f"h{seq}")
    assert os.stat(tmp_path).st_mtime_ns == before
    assert store.audit_anchor("/var/log/audit.jsonl") == (5, "h5")


def test_checkpoints_kept_beside_the_store_by_older_versions_are_read_and_carried_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "store.cgraph.audit-anchors.json").write_text(
        '{"/var/log/audit.jsonl": {"seq": 7, "hash": "h7"}}', encoding="utf-8"
    )
    store = CompactStore(tmp_path / "store.cgraph")
    assert store.audit_anchor("/var/log/audit.jsonl") == (7, "h7")
    store.keep_audit_anchor("/var/log/audit.jsonl", 6, "h6")  # behind the old checkpoint
    assert store.audit_anchor("/var/log/audit.jsonl") == (7, "h7")
    store.keep_audit_anchor("/other.jsonl", 1, "o1")
    assert store.audit_anchor("/var/log/audit.jsonl") == (7, "h7")
    assert store.audit_anchor("/other.jsonl") == (1, "o1")
