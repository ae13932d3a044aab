"""The service image's entry point and configuration parsing (Docker does not run here:
these run the same script and settings the image runs)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def run_entrypoint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "NEO4J_"))}
    return subprocess.run(
        [str(ROOT / "scripts" / "docker-entrypoint"), *args],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_entrypoint_refuses_neo4j_without_password_or_secret() -> None:
    out = run_entrypoint({"GRAPH_STORE": "neo4j://neo4j:7687"}, "settings")
    assert out.returncode == 2
    assert "NEO4J_PASSWORD is empty" in out.stderr
    assert "demo secret" in out.stderr


def test_entrypoint_runs_a_verb_with_the_configuration_from_environment(tmp_path: Path) -> None:
    env = {"GRAPH_STORE": str(tmp_path / "g.graph"), "GRAPH_PERSON_KEY_SECRET": "s" * 40}
    out = run_entrypoint(env, "info", "--json")
    assert out.returncode == 0, out.stderr
    assert '"backend": "embedded"' in out.stdout
    assert f"no store file {tmp_path / 'g.graph'}" in out.stderr  # not made yet: said so


def test_compose_wires_the_service_to_neo4j_with_auth_and_a_health_check() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    neo4j, service = compose["services"]["neo4j"], compose["services"]["service"]
    assert neo4j["image"].startswith("neo4j:5.26")
    assert neo4j["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")
    assert "neo4j-data:/data" in neo4j["volumes"]
    assert "healthcheck" in neo4j
    assert service["environment"]["GRAPH_STORE"] == "neo4j://neo4j:7687"
    assert service["depends_on"]["neo4j"]["condition"] == "service_healthy"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["scripts/docker-entrypoint"]' in dockerfile
