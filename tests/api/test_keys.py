"""API keys: kept hashed in a file that is re-read when it changes, managed by admins, and the
demo keys refused wherever the person-key secret is a real one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import SecretStr

from graph_service.api.app import create_app
from graph_service.api.auth import ApiKeys, hash_key
from graph_service.errors import ConfigError
from graph_service.settings import DEV_SECRET
from tests.api.support import Service, build_store, headers, service_settings


def test_a_key_removed_from_the_file_stops_working_at_once(service: Service) -> None:
    assert service.get("/v1/info", "analyst").status_code == 200
    data = yaml.safe_load(service.keys_path.read_text())
    data["keys"] = [k for k in data["keys"] if k["role"] != "analyst"]
    service.keys_path.write_text(yaml.safe_dump(data))
    assert service.get("/v1/info", "analyst").status_code == 401
    assert service.get("/v1/info", "regulator").status_code == 200


def test_an_admin_creates_a_key_that_works_with_its_role_and_revokes_it(service: Service) -> None:
    admin = headers("admin")
    created = service.client.post(
        "/v1/admin/keys", json={"user": "zhao.min", "role": "regulator"}, headers=admin
    ).json()
    key = created["key"]
    assert key.startswith("cg_") and created["role"] == "regulator"
    assert key not in service.keys_path.read_text()  # only its hash is kept
    assert hash_key(key) in service.keys_path.read_text()
    mine = {"X-API-Key": key}
    assert service.client.get(f"/v1/persons/{service.ids['k1']}", headers=mine).status_code == 200
    assert service.client.get("/v1/admin/keys", headers=mine).status_code == 403
    listed = service.client.get("/v1/admin/keys", headers=admin).json()
    assert {"user": "zhao.min", "role": "regulator"}.items() <= listed[-1].items()
    assert "sha256" not in json.dumps(listed)
    revoked = service.client.delete("/v1/admin/keys/zhao.min", headers=admin).json()
    assert revoked == {"user": "zhao.min", "revoked": 1}
    assert service.client.get("/v1/info", headers=mine).status_code == 401


def test_an_admin_cannot_lock_themselves_out(service: Service) -> None:
    response = service.client.delete("/v1/admin/keys/admin.user", headers=headers("admin"))
    assert response.status_code == 409


def test_a_broken_keys_file_admits_nobody_and_says_why(service: Service) -> None:
    service.keys_path.write_text("keys: [{user: x, role: emperor, sha256: abc}]")
    response = service.get("/v1/info", "admin")
    assert response.status_code == 503
    assert "emperor" in response.json()["detail_en"]


def test_a_broken_keys_file_stops_the_service_from_starting(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text('{"keys": [{"user": "a", "role": "admin", "sha256": "zz"}]}')
    with pytest.raises(ConfigError, match="64 hex"):
        ApiKeys(keys)


def test_demo_keys_only_with_the_demo_secret(tmp_path: Path) -> None:
    path, _ = build_store(tmp_path)
    real = service_settings(tmp_path, graph_api_keys_file=None)
    with pytest.raises(ConfigError, match="GRAPH_API_KEYS_FILE"):
        create_app(store_uri=str(path), settings=real)
    demo = service_settings(
        tmp_path, graph_api_keys_file=None, graph_person_key_secret=SecretStr(DEV_SECRET)
    )
    with TestClient(create_app(store_uri=str(path), settings=demo)) as client:
        ok = client.get("/v1/info", headers={"X-API-Key": "demo-analyst"})
        assert ok.status_code == 200
        managed = client.post(
            "/v1/admin/keys",
            json={"user": "a", "role": "analyst"},
            headers={"X-API-Key": "demo-admin"},
        )
        assert managed.status_code == 409
        assert "GRAPH_API_KEYS_FILE" in managed.json()["detail_en"]


def test_a_json_keys_file_works_too(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(
        json.dumps({"keys": [{"user": "li", "role": "analyst", "sha256": hash_key("k")}]})
    )
    principal = ApiKeys(keys).lookup("k")
    assert principal is not None and (principal.user, principal.role) == ("li", "analyst")
    assert ApiKeys(keys).lookup("other") is None
