"""/docs (Swagger UI) and /redoc render in a real headless Chromium with every request to
another host blocked: the documentation works on a machine without internet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.support import live_service
from tests.browser.chromium import ARGS, CHROMIUM, playwright_or_skip

pytestmark = pytest.mark.slow  # a real Chromium

sync_api = playwright_or_skip()


@pytest.fixture(scope="module")
def offline_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, list[str]]]:
    """A page of a live service whose requests to any host but 127.0.0.1 are aborted (and
    listed), as if the machine had no internet."""
    tmp = tmp_path_factory.mktemp("docs")
    blocked: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    with live_service(tmp) as (url, _, _), sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context()
        context.route("**/*", guard)
        yield context.new_page(), url, blocked
        browser.close()


def test_swagger_ui_renders_every_operation_offline(
    offline_page: tuple[Any, str, list[str]],
) -> None:
    page, url, blocked = offline_page
    page.goto(url + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert "credit-graph" in page.locator(".swagger-ui .title").inner_text()
    assert blocked == []


def test_redoc_renders_the_operations_offline(offline_page: tuple[Any, str, list[str]]) -> None:
    page, url, blocked = offline_page
    page.goto(url + "/redoc")
    page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() > 20
    assert blocked == []
