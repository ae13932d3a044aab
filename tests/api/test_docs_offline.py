"""The API documentation pages (/docs, /redoc) name only this service's own URLs, and every
script, style and icon they name is served by it (no CDN: the pages work offline)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.api.support import Service

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\s*:\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_only_local_assets_and_each_is_served(
    service: Service, page: str
) -> None:
    response = service.client.get(page)
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    urls = [a or b for a, b in ASSET.findall(html)]
    assert any(u.endswith(".js") for u in urls), urls
    assert not re.search(r"https?://", html), "a docs page names an outside URL"
    for url in urls:
        assert not urlsplit(url).netloc, url
        assert service.client.get(url).status_code == 200, url


def test_openapi_the_docs_read_is_served(service: Service) -> None:
    assert service.client.get("/openapi.json").json()["info"]["title"].startswith("credit-graph")
