"""Helpers for the API tests: a real embedded store (the small registry on a tmp file), a keys
file holding one key per role, and settings with an audit log of their own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from fastapi.testclient import TestClient
from pydantic import SecretStr

from graph_service.api.auth import ROLES, hash_key
from graph_service.settings import Settings
from graph_service.stores import open_store
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import small_registry

REPO = Path(__file__).resolve().parents[2]
#: One key per role: "key-investigator", "key-regulator", …
KEYS = {role: f"key-{role}" for role in ROLES}


def headers(role: str) -> dict[str, str]:
    """Request headers carrying the key of ``role``."""
    return {"X-API-Key": KEYS[role]}


def write_keys(path: Path) -> Path:
    """A keys file with one key per role."""
    entries = [{"user": f"{r}.user", "role": r, "sha256": hash_key(k)} for r, k in KEYS.items()]
    path.write_text(yaml.safe_dump({"keys": entries}), encoding="utf-8")
    return path


def service_settings(tmp: Path, **overrides: Any) -> Settings:
    """Settings for a test service: the tests' person-key secret, tmp keys and audit files."""
    values: dict[str, Any] = {
        "graph_store": str(tmp / "store.cgraph"),
        "graph_person_key_secret": SecretStr("test-secret"),
        "graph_api_keys_file": write_keys(tmp / "keys.yaml"),
        "graph_audit_log": tmp / "audit.jsonl",
        "graph_audit_fsync": False,
        "graph_jobs_dir": tmp / "jobs",
        "graph_grade_ledger": tmp / "grades.jsonl",
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Service:
    """A running test service and what it was built from."""

    client: TestClient
    ids: dict[str, Any]
    store_path: Path
    audit_path: Path
    keys_path: Path

    def get(self, url: str, role: str | None = "investigator", **kw: Any) -> Any:
        """GET with the key of ``role`` (None: no key)."""
        return self.client.get(url, headers=headers(role) if role else {}, **kw)

    def run_job(self, kind: str, on: str, level: str | None = None) -> dict[str, Any]:
        """Run a nationwide pass through the API (``POST /v1/jobs``, then follow it until it
        is done) so that the answers paged from its result can be asked."""
        return run_job(self.client, kind, on, level)


def run_job(client: Any, kind: str, on: str, level: str | None = None) -> dict[str, Any]:
    """``POST /v1/jobs`` as a regulator and follow the job until it ends; returns it done."""
    body = {"kind": kind, "on": on} | ({"level": level} if level else {})
    answer = client.post("/v1/jobs", json=body, headers=headers("regulator"))
    assert answer.status_code == 202, answer.text
    job: dict[str, Any] = answer.json()
    deadline = time.monotonic() + 120
    while job["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.02)
        job = client.get(f"/v1/jobs/{job['id']}", headers=headers("regulator")).json()
    assert job["status"] == "done", job
    return job


Registry = Callable[[Path], dict[str, Any]]


def build_store(
    directory: Path, registry: Registry = small_registry, name: str = "store.cgraph"
) -> tuple[Path, dict[str, Any]]:
    """A registry (the small one unless told) loaded into an embedded store file ``name``
    under ``directory`` (the compact format unless ``name`` says otherwise); each person
    ``pX`` of the ids gets its key as ``kX``."""
    (directory / "in").mkdir(parents=True, exist_ok=True)
    ids = registry(directory / "in")
    path = directory / name
    store = open_store(str(path))
    load_directory(directory / "in", store, RING, progress=False)
    for name in [n for n in ids if n.startswith("p")]:
        ids["k" + name[1:]] = RING.key(ids[name])
    return path, ids


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: Any, **config: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn in a thread on 127.0.0.1 (a free port), with the
    uvicorn ``config`` given; yields the base URL."""
    port = free_port()
    options = {"log_level": "warning", "lifespan": "on"} | config
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def live_service(
    tmp: Path, registry: Registry = small_registry
) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """The real service (uvicorn in a thread, 127.0.0.1, a free port) over a registry (the
    small one unless told) loaded under ``tmp``: yields (base URL, store path, ids)."""
    from graph_service.api.app import create_app

    path, ids = build_store(tmp, registry)
    app = create_app(store_uri=str(path), settings=service_settings(tmp))
    with running(app) as base:
        yield base, path, ids


@contextmanager
def served(store_uri: str, tmp: Path, workers: int = 2) -> Iterator[str]:
    """``python -m graph_service serve --workers N`` on a free loopback port; yields its URL
    once it answers, and stops it (every worker) afterwards."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "GRAPH_PERSON_KEY_SECRET": "test-secret",
            "GRAPH_API_KEYS_FILE": str(write_keys(tmp / "keys.yaml")),
            "GRAPH_AUDIT_LOG": str(tmp / "audit.jsonl"),
            "GRAPH_AUDIT_FSYNC": "false",
            "GRAPH_JOBS_DIR": str(tmp / "jobs"),
            "GRAPH_GRADE_LEDGER": str(tmp / "grades.jsonl"),
            "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    cmd = [sys.executable, "-m", "graph_service", "serve", "--store", store_uri]
    cmd += ["--port", str(port), "--workers", str(workers)]
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp / "serve.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
