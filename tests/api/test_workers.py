"""``serve --workers 2``: two processes serve one store — embedded (one file, writes through its
journal) and Neo4j — with one audit log, chained whole under concurrent requests to both, and a
record event written through one worker seen by the other."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from graph_service.api.state import StoreHolder
from graph_service.services.audit import verify_chain
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore
from loaders.load import load_directory
from tests.api.support import KEYS, build_store, served
from tests.conftest import NEO4J_URI, RING
from tests.factories import small_registry

pytestmark = pytest.mark.slow  # two real worker processes

EVENT = {"type": "objection_opened", "on": "2020-02-01", "reason": "当事人异议"}


def clients_by_worker(url: str, role: str, per_worker: int = 3) -> dict[int, list[httpx.Client]]:
    """Keep-alive clients, each held by one worker (a connection stays with the process that
    accepted it), grouped by the worker's process id; at least two workers, ``per_worker``
    clients each, within a bounded number of connections."""
    found: dict[int, list[httpx.Client]] = {}
    for _ in range(200):
        client = httpx.Client(base_url=url, headers={"X-API-Key": KEYS[role]}, timeout=60)
        pid = client.get("/healthz").json()["worker"]
        if len(found.get(pid, [])) < per_worker:
            found.setdefault(pid, []).append(client)
        else:
            client.close()
        if len(found) >= 2 and all(len(c) >= per_worker for c in found.values()):
            return found
    raise AssertionError(f"connections reached {len(found)} worker(s) only")


def both_workers_share_audit_and_records(
    store: GraphStore, store_uri: str, tmp: Path, ids: dict[str, str]
) -> None:
    """The checks of persons through both workers at once chain whole in the one audit log, up
    to the checkpoint kept in the store, and a record event through one worker is in the
    record's history through the other."""
    person = RING.key(ids["p1"])
    with served(store_uri, tmp) as url:
        regulators = clients_by_worker(url, "regulator")
        admins = clients_by_worker(url, "admin", per_worker=1)
        pinned = [c for group in regulators.values() for c in group]

        def checks(client: httpx.Client) -> list[int]:
            path = f"/v1/check?subject={person}&action=bid_tender&on=2020-06-01"
            return [client.get(path).status_code for _ in range(15)]

        with ThreadPoolExecutor(len(pinned)) as pool:
            statuses = [s for batch in pool.map(checks, pinned) for s in batch]
        assert set(statuses) == {200}

        first, second = (group[0] for group in list(admins.values())[:2])
        before = second.get("/v1/records/R1/history").json()
        assert first.post("/v1/records/R1/events", json=EVENT).status_code == 200
        after = second.get("/v1/records/R1/history").json()
        assert len(after) == len(before) + 1, after
        assert after[-1].get("status") != before[-1].get("status", "active")
        for client in [*pinned, first, second]:
            client.close()

    log = tmp / "audit.jsonl"
    anchor = store.audit_anchor(str(log.resolve()))
    result = verify_chain(log, anchor)
    assert result.ok, result
    assert anchor is not None and anchor[0] == result.entries
    lines = (tmp / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    assert (actions.count("check"), actions.count("record.event")) == (len(statuses), 1)
    assert result.entries == len(actions)


def test_two_workers_serve_one_embedded_store(tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    with EmbeddedStore(tmp_path / "store.graph") as store:
        load_directory(tmp_path / "in", store, RING, progress=False)
        both_workers_share_audit_and_records(store, str(tmp_path / "store.graph"), tmp_path, ids)


def test_two_workers_serve_one_neo4j_store(store: GraphStore, tmp_path: Path) -> None:
    if store.backend != "neo4j":
        pytest.skip("the embedded store has its own test above")
    assert NEO4J_URI is not None
    ids = small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    both_workers_share_audit_and_records(store, NEO4J_URI, tmp_path, ids)


def test_a_check_runs_on_the_event_loop_only_over_a_free_store_file_it_has_read(
    tmp_path: Path,
) -> None:
    """The inline path (:meth:`StoreHolder.use_if_free`) is taken only when no request holds
    the embedded store and its file is the one the last request read: a file another process
    rewrote is reloaded in the threadpool, never on the loop."""
    path, _ = build_store(tmp_path)
    holder = StoreHolder(uri=str(path))
    try:
        with holder.use_if_free() as store:
            assert store is None  # not read yet
        with holder.use(), holder.use_if_free() as store:
            assert store is None  # held by another request
        with holder.use_if_free() as store:
            assert store is not None
        os.utime(path, ns=(1, 1))  # as a load by another process leaves it
        with holder.use_if_free() as store:
            assert store is None
    finally:
        holder.close()
