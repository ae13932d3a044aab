"""The investigator page in a real headless Chromium (Debian's ``chromium``, driven by
Playwright): search, open a neighbourhood, expand a node with a double click, read the
evidence, find a path, change the as-of date, switch language, export — and never a request
that leaves this machine.

Needs ``apt-get install -y chromium fonts-noto-cjk`` and ``pip install playwright`` (never
``playwright install``: the browser is Debian's). Skipped when Chromium is missing, except in
CI (``CI`` set), where a missing browser fails the run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.support import KEYS, live_service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} missing: apt-get install -y chromium fonts-noto-cjk")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real service (uvicorn, in a thread) on 127.0.0.1 over the small registry."""
    tmp = tmp_path_factory.mktemp("page")
    with live_service(tmp) as (url, _, ids):
        yield {"url": url, "ids": ids, "tmp": tmp}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: dict[str, Any]) -> Iterator[Any]:
    """A fresh page whose every request must stay on this machine, and whose scripts throw
    no uncaught error."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    outside: list[str] = []

    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert errors == [], f"uncaught errors in the page: {errors}"


def _sign_in(page: Any, url: str, role: str) -> None:
    page.goto(url + "/")
    page.fill("#apikey", KEYS[role])
    page.click("#save-key")


def _until(page: Any, condition: str, arg: Any = None, timeout: float = 15.0) -> None:
    """Poll a JS function until it returns true (``page.evaluate`` goes through the DevTools
    protocol; Playwright's own waiting for a function uses eval, which the page's CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(condition, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        time.sleep(0.05)


def _nodes_at_least(n: int) -> str:
    return f"() => window.cgNetwork.body.data.nodes.length >= {n}"


def _has_node(page: Any, node_id: str) -> bool:
    return bool(page.evaluate("(id) => !!window.cgNetwork.body.data.nodes.get(id)", node_id))


def _node_point(page: Any, node_id: str) -> tuple[float, float]:
    """Where a node is on the screen (physics stopped first so it stays there)."""
    page.evaluate("window.cgNetwork.stopSimulation()")
    x, y = page.evaluate(
        """(id) => { const n = window.cgNetwork;
                     const p = n.canvasToDOM(n.getPositions([id])[id]); return [p.x, p.y]; }""",
        node_id,
    )
    box = page.locator("#graph").bounding_box()
    return box["x"] + x, box["y"] + y


def _shot(page: Any, tmp: Path, name: str) -> Path:
    out = tmp / name
    page.screenshot(path=str(out), full_page=False)
    keep = os.environ.get("CG_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / name)
    return out


def test_investigator_searches_expands_and_reads_the_evidence(
    page: Any, server: dict[str, Any]
) -> None:
    ids, url = server["ids"], server["url"]
    a, b = f"E:{ids['a']}", f"E:{ids['b']}"
    _sign_in(page, url, "investigator")

    page.fill("#q", "恒达")
    page.press("#q", "Enter")
    page.wait_for_selector("#results li.hit >> nth=1")
    assert page.locator("#results li.hit").count() == 2
    page.click(f"#results li[data-id='{a}']")
    # A's neighbourhood: R1, two persons, B, its county
    _until(page, _nodes_at_least(6))
    assert _has_node(page, "C:R1") and _has_node(page, "R:130126")
    # the entity's evidence opens at once: the record, its authority and legal basis
    evidence = page.locator(".evidence[data-record='R1']")
    evidence.wait_for()
    assert "灵寿县市场监督管理局" in evidence.inner_text()
    assert "《企业信息公示暂行条例》第十八条" in evidence.inner_text()

    # a double click on B expands it: its own county appears
    assert not _has_node(page, "R:440305")
    page.mouse.dblclick(*_node_point(page, b))
    _until(page, "(id) => !!window.cgNetwork.body.data.nodes.get(id)", "R:440305")

    # a click on the person with the repaired record shows it, and the full ID number
    p2 = f"P:{ids['k2']}"
    page.mouse.click(*_node_point(page, p2))
    page.wait_for_selector(".evidence[data-record='R2']")
    assert ids["p2"] in page.locator("#details").inner_text()
    assert "信用修复完成" in page.locator(".evidence[data-record='R2']").inner_text()
    _shot(page, server["tmp"], "investigator-page.png")

    # shortest path from that person to B, drawn and listed
    page.fill("#path-from", p2)
    page.fill("#path-to", b)
    page.click("#find-path")
    _until(page, "() => document.getElementById('path-result').textContent.includes('→')")
    assert "灵寿县恒达建材有限公司" in page.inner_text("#path-result")

    # as of 2015-01-01 nothing was yet tied to A (its relationships start later)
    page.fill("#asof", "2015-01-01")
    page.dispatch_event("#asof", "change")
    _until(page, "() => window.cgNetwork.body.data.nodes.length === 1")
    page.click("#clear-asof")
    _until(page, _nodes_at_least(7))


def test_views_export_as_png_html_and_csv(page: Any, server: dict[str, Any]) -> None:
    ids, url = server["ids"], server["url"]
    _sign_in(page, url, "investigator")
    page.fill("#q", "灵寿县恒达")
    page.press("#q", "Enter")
    page.click(f"#results li[data-id='E:{ids['a']}']")
    _until(page, _nodes_at_least(6))

    with page.expect_download() as png:
        page.click("#export-png")
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    with page.expect_download() as nodes_csv:
        page.click("#export-csv-nodes")
    text = Path(nodes_csv.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["id"] for r in rows} >= {f"E:{ids['a']}", "C:R1", "R:130126"}

    with page.expect_download() as edges_csv:
        page.click("#export-csv-edges")
    edges = list(csv.DictReader(io.StringIO(Path(edges_csv.value.path()).read_text("utf-8-sig"))))
    assert {"role": "legal_rep", "start_date": "2015-03-01"}.items() <= next(
        e for e in edges if e["role"] == "legal_rep"
    ).items()

    with page.expect_download() as html:
        page.click("#export-html")
    exported = Path(html.value.path()).read_text(encoding="utf-8")
    assert "new vis.Network" in exported
    assert json.dumps("灵寿县恒达建材")[1:-1] in exported  # the view's data, as JSON
    assert "<script src=" not in exported and "<link" not in exported  # self-contained


def test_page_speaks_english_and_tells_a_regulator_the_graph_is_for_investigators(
    page: Any, server: dict[str, Any]
) -> None:
    ids, url = server["ids"], server["url"]
    _sign_in(page, url, "regulator")
    page.click("#lang")
    assert page.inner_text("header h1") == "Joint punishment graph · Investigation"
    page.fill("#q", "恒达")
    page.press("#q", "Enter")  # regulators may search
    page.wait_for_selector("#results li.hit")
    page.click(f"#results li[data-id='E:{ids['a']}']")  # but not draw the graph
    page.wait_for_selector("#banner:not([hidden])")
    assert "investigator" in page.inner_text("#banner")
    page.evaluate("localStorage.clear()")
