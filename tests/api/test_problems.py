"""Every error is an ``application/problem+json`` with a reason a person can act on, from one
map; no request produces a 500 or hangs; a store that goes away is a 503 that recovers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph_service.api import state
from graph_service.api.app import create_app
from graph_service.errors import ConfigError, DomainError, InvalidIdentifier, StoreUnavailable
from graph_service.problems import HTTP_PROBLEMS, INTERNAL, PROBLEMS, problem_type
from tests.api.support import Service, build_store, headers, service_settings
from tests.factories import pid, uscc

PROBLEM = "application/problem+json"


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:credit-graph:problem:")
    assert body["detail"] == f"{body['detail_zh']} / {body['detail_en']}"
    return body


# -- the map: each entry produces its status through a real handler ------------------------


@pytest.mark.slow  # ~7 s over its cases
@pytest.mark.parametrize(
    "exc_type", [t for t in PROBLEMS if t is not DomainError] + [DomainError, RuntimeError]
)
def test_every_mapped_error_produces_its_status(tmp_path: Path, exc_type: type) -> None:
    path, _ = build_store(tmp_path)
    app = create_app(store_uri=str(path), settings=service_settings(tmp_path))

    def boom() -> None:
        if issubclass(exc_type, DomainError):
            raise exc_type("中文原因", "English reason")
        raise exc_type("a bug")

    app.add_api_route("/_raise", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/_raise")
    expected = problem_type(exc_type("x", "y") if issubclass(exc_type, DomainError) else exc_type())
    body = _is_problem(response, expected.status)
    if expected is INTERNAL:
        assert body["reference"] in body["detail_en"]  # something to quote to an admin
    else:
        assert (body["detail_zh"], body["detail_en"]) == ("中文原因", "English reason")
    if expected.status in (503, 504):
        assert response.headers["retry-after"]


def test_the_map_gives_each_error_kind_the_status_people_expect() -> None:
    statuses = {t.__name__: p.status for t, p in PROBLEMS.items()}
    assert statuses == {
        "MalformedRequest": 400,
        "Unauthenticated": 401,
        "Forbidden": 403,
        "NotFound": 404,
        "Conflict": 409,
        "ResultMissing": 409,
        "PayloadTooLarge": 413,
        "InvalidIdentifier": 422,
        "InvalidParameter": 422,
        "TooManyRequests": 429,
        "ServiceUnavailable": 503,
        "StoreUnavailable": 503,
        "ConfigError": 503,
        "RequestTimeout": 504,
        "DomainError": 422,
    }
    assert {s: p.status for s, p in HTTP_PROBLEMS.items()} == {404: 404, 405: 405}


# -- identifiers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uscc", "says"),
    [
        ("91130126T0000001XX", "expected K, got X"),
        ("91130126T0000001XI", "character 18 'I' is not allowed"),
        ("9113O126T0000001XK", "character 5 'O' is not allowed"),
        ("91130126T000", "must have 18 characters, got 12"),
        ("Z1130126T0000001XK", "character 1 'Z'"),
    ],
)
def test_a_bad_uscc_says_which_character_is_wrong(service: Service, uscc: str, says: str) -> None:
    body = _is_problem(service.get(f"/v1/entities/{uscc}", "regulator"), 422)
    assert says in body["detail_en"]
    assert "统一社会信用代码" in body["detail_zh"]
    assert body["instance"] == f"/v1/entities/{uscc}"


def test_a_lower_case_uscc_with_blanks_is_accepted(service: Service) -> None:
    response = service.get(f"/v1/entities/{service.ids['a'].lower()}", "regulator")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("person_id", "says"),
    [
        ("130126198001010119", "check digit wrong"),
        ("999999198001010118", "region code '999999'"),
        ("13012619800101011", "18-character ID number or a 32-hex person key"),
        ("130126198013010118", "birth date"),
    ],
)
def test_a_bad_resident_id_says_what_is_wrong(service: Service, person_id: str, says: str) -> None:
    body = _is_problem(service.get(f"/v1/persons/{person_id}", "regulator"), 422)
    assert says in body["detail_en"]


UNKNOWN_USCC, UNKNOWN_PID = uscc(99), pid(99)


@pytest.mark.parametrize(
    "url",
    [
        f"/v1/entities/{UNKNOWN_USCC}",
        "/v1/persons/00000000000000000000000000000000",
        f"/v1/persons/{UNKNOWN_PID}",
        "/v1/records/NOPE",
        f"/v1/graph/neighbourhood?id={UNKNOWN_PID}",
        "/v1/graph/neighbourhood?id=R:110105",
        "/v1/graph/neighbourhood?id=C:NOPE",
        f"/v1/graph/path?from=E:{UNKNOWN_USCC}&to=E:91130126T0000001XK",
    ],
)
def test_an_unknown_subject_is_404(service: Service, url: str) -> None:
    _is_problem(service.get(url), 404)


# -- parameters: every bad one is 422 naming it --------------------------------------------


@pytest.mark.slow  # ~7 s over its cases
@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("/v1/search?q=a&limit=501", "limit"),
        ("/v1/search?q=a&limit=0", "limit"),
        ("/v1/search?q=a&limit=99999999999999999999999999", "limit"),
        ("/v1/search?q=a&limit=lots", "limit"),
        ("/v1/search?q=a&offset=-1", "offset"),
        ("/v1/search?q=", "q"),
        ("/v1/search", "q"),
        ("/v1/search?q=" + "恒" * 101, "q"),
        ("/v1/entities/91130126T0000001XK?limit=100000", "limit"),
        ("/v1/graph/neighbourhood?id=E:91130126T0000001XK&on=2020-13-45", "on"),
        ("/v1/graph/neighbourhood?id=E:91130126T0000001XK&on=yesterday", "on"),
        ("/v1/graph/neighbourhood?id=E:91130126T0000001XK&vis=fr", "vis"),
        ("/v1/graph/neighbourhood?id=X:1", "node id"),
        ("/v1/graph/neighbourhood?id=E:91130126T0000001XX", "USCC check character"),
        ("/v1/graph/path?from=R:130126&to=E:91130126T0000001XK", "R:130126"),
        ("/v1/graph/path?from=E:91130126T0000001XK&to=E:91130126T0000001XK&max_hops=11", "hops"),
    ],
)
def test_a_bad_parameter_is_422_and_named(service: Service, url: str, names: str) -> None:
    body = _is_problem(service.get(url), 422)
    assert names in body["detail_en"]


def test_malformed_json_is_400_and_json_of_the_wrong_shape_422(service: Service) -> None:
    post = service.client.post
    bad = post(
        "/v1/graph/export",
        content=b'{"nodes": [',
        headers=headers("investigator") | {"Content-Type": "application/json"},
    )
    assert "not valid JSON" in _is_problem(bad, 400)["detail_en"]
    wrong = post("/v1/graph/export", json={"nodes": "many"}, headers=headers("investigator"))
    assert "nodes" in _is_problem(wrong, 422)["detail_en"]
    extra = post("/v1/admin/keys", json={"user": "x", "role": "king"}, headers=headers("admin"))
    assert "role" in _is_problem(extra, 422)["detail_en"]


def test_a_huge_body_is_refused_with_413(service: Service) -> None:
    response = service.client.post(
        "/v1/graph/export",
        content=b"[" + b" " * (5 * 1024 * 1024) + b"]",
        headers=headers("investigator") | {"Content-Type": "application/json"},
    )
    _is_problem(response, 413)


def test_unknown_paths_and_methods_are_problems_too(service: Service) -> None:
    _is_problem(service.get("/v2/anything"), 404)
    _is_problem(service.client.delete("/v1/search?q=a", headers=headers("analyst")), 405)


@pytest.mark.parametrize(
    "value",
    [
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
        "'; DROP TABLE x; --",
        "MATCH (n) DETACH DELETE n",
        "😀" * 30,
        "E:" + "9" * 300,
        "P:" + "f" * 32,
        "C:" + "x" * 190,
        "R:",
        " ",
    ],
)
def test_odd_input_never_produces_a_500(service: Service, value: str) -> None:
    for url in (
        f"/v1/search?q={value}",
        f"/v1/entities/{value}",
        f"/v1/persons/{value}",
        f"/v1/records/{value}",
        f"/v1/graph/neighbourhood?id={value}",
        f"/v1/graph/path?from={value}&to={value}",
    ):
        response = service.get(url)
        assert response.status_code < 500, (url, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM


# -- a store that goes away ----------------------------------------------------------------


def test_a_store_file_that_goes_away_is_503_until_it_is_back(service: Service) -> None:
    aside = service.store_path.with_name("aside.graph")
    os.replace(service.store_path, aside)
    body = _is_problem(service.get("/readyz", None), 503)
    assert "load data first" in body["detail_en"]
    _is_problem(service.get("/v1/info", "analyst"), 503)
    os.replace(aside, service.store_path)
    assert service.get("/readyz", None).status_code == 200
    assert service.get("/v1/info", "analyst").status_code == 200


def test_a_corrupted_store_file_is_503_until_it_is_restored(service: Service) -> None:
    good = service.store_path.read_bytes()
    service.store_path.write_bytes(b"not a graph")
    body = _is_problem(service.get(f"/v1/entities/{service.ids['a']}", "regulator"), 503)
    assert "cannot read the store file" in body["detail_en"]
    assert body["detail_zh"]
    service.store_path.write_bytes(good)
    assert service.get(f"/v1/entities/{service.ids['a']}", "regulator").status_code == 200


def test_a_store_missing_at_start_is_opened_when_it_appears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state, "RETRY_SECONDS", 0.0)
    built, _ = build_store(tmp_path / "built")
    target = tmp_path / "later.cgraph"
    app = create_app(store_uri=str(target), settings=service_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200  # alive, not ready
        _is_problem(client.get("/readyz"), 503)
        shutil.copy(built, target)
        assert client.get("/readyz").status_code == 200


def test_an_unreachable_neo4j_is_503_at_once(tmp_path: Path) -> None:
    app = create_app(store_uri="bolt://127.0.0.1:9", settings=service_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        body = _is_problem(client.get("/readyz"), 503)
        assert "127.0.0.1:9" in body["detail_en"]
        again = client.get("/v1/info", headers=headers("analyst"))  # within the retry pause
        _is_problem(again, 503)


def test_store_errors_are_domain_errors_mapped_to_503() -> None:
    assert problem_type(StoreUnavailable("a", "b")).status == 503
    assert problem_type(ConfigError("a", "b")).status == 503
    assert problem_type(InvalidIdentifier("a", "b")).status == 422


def test_a_request_waiting_too_long_for_the_embedded_store_is_504(service: Service) -> None:
    holder = service.client.app.state.holder  # type: ignore[attr-defined]
    holder.wait = 0.05
    with holder.use():  # another request holds the store
        body = _is_problem(service.get("/v1/info", "analyst"), 504)
    assert "busy" in body["detail_en"]
    assert service.get("/v1/info", "analyst").status_code == 200
