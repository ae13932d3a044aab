"""The smaller API failures of issue 16 (failure 11): chunked big bodies, bodies read before
the key, loose dates, draw verification of junk, batches that starve readers, and an OpenAPI
document that hid its error statuses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_service.api.middleware import CallerSlots
from graph_service.problems import PROBLEM_JSON, TooManyRequests
from tests.api.support import Service, headers, live_service


def test_a_chunked_body_over_the_limit_is_413(service: Service) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * (1024 * 1024)

    r = service.client.post(
        "/v1/check/batch",
        content=chunks(),
        headers=headers("regulator") | {"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == PROBLEM_JSON
    assert "4 MB" in r.json()["detail_en"]


def test_a_body_without_a_key_is_401_before_it_is_parsed(service: Service) -> None:
    r = service.client.post(
        "/v1/check/batch", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 401
    bad_key = service.client.post(
        "/v1/check/batch", content=b"{not json", headers={"X-API-Key": "nobody"}
    )
    assert bad_key.status_code == 401
    with_key = service.client.post(
        "/v1/check/batch",
        content=b"{not json",
        headers=headers("regulator") | {"Content-Type": "application/json"},
    )
    assert with_key.status_code == 400


@pytest.mark.parametrize("value", ["86400", "2024-01-01T10:00", "20240101", "2024-1-1"])
def test_dates_are_yyyy_mm_dd_only(service: Service, value: str) -> None:
    r = service.get(f"/v1/publication/deadlines?since={value}", "regulator")
    assert r.status_code == 422
    assert "YYYY-MM-DD" in r.json()["detail_en"]
    body = service.client.post(
        "/v1/check/batch", json={"on": 86400, "items": []}, headers=headers("regulator")
    )
    assert body.status_code == 422


def test_verifying_junk_is_422_and_grades_nothing(service: Service) -> None:
    service.run_job("grades", "2024-01-01")  # the population a verification compares
    for junk in ({"inputs": "x"}, {"inputs": {"on": "x"}}, {"inputs": {"on": "2024-01-01"}}):
        r = service.client.post(
            "/v1/sampling/verify?against_store=true", json=junk, headers=headers("analyst")
        )
        assert r.status_code in (200, 422), r.text
        if r.status_code == 200:
            assert r.json()["ok"] is False
    assert (
        service.client.post(
            "/v1/sampling/verify", json={"inputs": "x"}, headers=headers("analyst")
        ).status_code
        == 422
    )


def test_a_caller_holds_at_most_its_share_of_batch_slots() -> None:
    slots = CallerSlots(limit=1, wait=0.05)
    with (
        slots.slot("a"),
        slots.slot("b"),  # another caller is not held up
        pytest.raises(TooManyRequests),
        slots.slot("a"),
    ):
        pass
    with slots.slot("a"):  # released again
        pass


@pytest.mark.slow
def test_readers_are_answered_while_big_batches_run(tmp_path: Path) -> None:
    """Six concurrent 5,000-item batches stalled other readers of the embedded store 23 s."""
    with live_service(tmp_path) as (base, _, ids):
        items = [{"subject": ids["a"], "action": "bid_tender"}] * 5000
        started, finished = threading.Event(), []

        def batch() -> None:
            started.set()
            r = httpx.post(
                f"{base}/v1/check/batch",
                json={"on": "2024-01-01", "items": items},
                headers=headers("regulator"),
                timeout=300,
            )
            finished.append((r.status_code, time.monotonic()))

        threads = [threading.Thread(target=batch) for _ in range(3)]
        for t in threads:
            t.start()
        started.wait(5)
        time.sleep(0.3)
        t0 = time.monotonic()
        r = httpx.get(f"{base}/v1/entities/{ids['a']}", headers=headers("analyst"), timeout=60)
        read_at = time.monotonic()
        for t in threads:
            t.join(300)
    assert r.status_code == 200
    assert sorted(code for code, _ in finished) == [200, 200, 200]
    assert read_at - t0 < 5
    assert read_at < max(at for _, at in finished)  # answered before the batches were done


def test_openapi_declares_every_error_as_problem_json(service: Service) -> None:
    spec = service.client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for code, response in op["responses"].items():
                if int(code) >= 400:
                    assert list(response["content"]) == [PROBLEM_JSON], (method, path, code)
            if "x-roles" in op and op["x-roles"] != ["public"]:
                assert {"401", "403", "500", "503"} <= set(op["responses"]), (method, path)
    batch = spec["paths"]["/v1/check/batch"]["post"]["responses"]
    assert {"400", "413", "422", "429"} <= set(batch)
    assert "409" in spec["paths"]["/v1/records/{record_id}/events"]["post"]["responses"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
