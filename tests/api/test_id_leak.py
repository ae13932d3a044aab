"""No full resident ID number leaves the service unless the caller's role reveals it (issue 16,
failure 4): every route of the OpenAPI document is sent a real ID number — in its path, its
query (plain, as ``P:…``, percent-encoded) and its body — by every role and by none, over a
real uvicorn server with its access log on; every byte that comes back and every log line is
searched for the number."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from graph_service.api.app import create_app
from graph_service.logging import configure_logging
from graph_service.services import profiles as service_module
from tests.api.support import KEYS, build_store, running, service_settings

ROLES = [*KEYS, None]


def _forms(number: str) -> list[str]:
    """The ways a caller may write the number in a query."""
    encoded = "".join(f"%{b:02X}" for b in number.encode())
    return [number, f"P:{number}", quote(f"P:{number}", safe=""), encoded]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, io.StringIO, dict[str, Any]]]:
    """The real service with its access log, every log line captured as text."""
    path, ids = build_store(tmp_path)
    app = create_app(store_uri=str(path), settings=service_settings(tmp_path))
    lines = io.StringIO()
    handler = configure_logging("kv", "INFO", stream=lines)
    try:
        with running(app, log_config=None, access_log=True, log_level="info") as base:
            yield base, lines, ids
    finally:
        logging.getLogger().removeHandler(handler)


def _requests(spec: dict[str, Any], number: str) -> Iterator[tuple[str, str, Any]]:
    """(method, url, json body) for every operation, the number in every place it can go."""
    for template, item in spec["paths"].items():
        for method, op in item.items():
            params = op.get("parameters", [])
            for form in _forms(number):
                url = template
                for p in params:
                    if p["in"] == "path":
                        url = url.replace("{" + p["name"] + "}", form)
                query = [
                    f"{p['name']}={form}"
                    for p in params
                    if p["in"] == "query" and p.get("schema", {}).get("type") != "boolean"
                ]
                if query:
                    url += "?" + "&".join(query)
                body = None
                if method in ("post", "put", "delete"):
                    body = {
                        "subject": number,
                        "user": number,
                        "items": [{"subject": number, "action": "air_travel"}],
                        "reason": number,
                        "record_id": number,
                    }
                yield method.upper(), url, body


@pytest.mark.slow  # every route, ~4-6 s
def test_no_route_echoes_an_id_number_in_a_body_header_or_log_line(
    live: tuple[str, io.StringIO, dict[str, Any]],
) -> None:
    base, lines, ids = live
    number = ids["p1"]
    with httpx.Client(base_url=base, timeout=30) as client:
        spec = client.get("/openapi.json").json()
        sent = 0
        for method, url, body in _requests(spec, number):
            for role in ROLES:
                headers = {"X-API-Key": KEYS[role]} if role else {}
                r = client.request(method, url, json=body, headers=headers)
                sent += 1
                reveals = (
                    role == "investigator"
                    and url.startswith("/v1/persons/")
                    and (r.status_code == 200)
                )
                if reveals:  # the investigator's person profile shows the number by design
                    continue
                assert number not in r.text, (role, method, url, r.status_code)
                assert number not in str(r.headers), (role, method, url)
                assert r.status_code < 500, (role, method, url, r.status_code, r.text)
    assert sent > 500
    time.sleep(0.3)  # the access log line of the last request
    log = lines.getvalue()
    assert "GET /v1/persons/" in log  # the access log was captured
    assert number not in log


def test_a_500_neither_answers_nor_logs_the_number(
    live: tuple[str, io.StringIO, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, lines, ids = live
    number = ids["p1"]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"failed on {args[2]}")

    monkeypatch.setattr(service_module, "person_profile", broken)
    path = "/v1/persons/" + quote(number)
    r = httpx.get(base + path, headers={"X-API-Key": KEYS["regulator"]}, timeout=30)
    assert r.status_code == 500
    assert number not in r.text
    time.sleep(0.3)
    log = lines.getvalue()
    assert "internal error" in log and "RuntimeError" in log
    assert number not in log
    assert number[:6] + "********" + number[14:] in log
