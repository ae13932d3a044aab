"""Fixtures of the API tests: the service over the small registry (see :mod:`.support`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph_service.api.app import create_app
from tests.api.support import Service, build_store, service_settings


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """The service over the small registry (opened by URI, as ``serve`` does)."""
    path, ids = build_store(tmp_path)
    settings = service_settings(tmp_path)
    app = create_app(store_uri=str(path), settings=settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Service(client, ids, path, tmp_path / "audit.jsonl", tmp_path / "keys.yaml")
