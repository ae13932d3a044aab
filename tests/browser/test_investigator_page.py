"""The investigator page in a real headless Chromium (Debian's ``chromium``, driven by
Playwright with ``executable_path``): search, open a neighbourhood, expand a node with a double
click, read the evidence, find a path, change the as-of date, switch language, export; an
investigator's day — a subject's panel and the check panel with the engine's findings and their
paths highlighted, the relocation flags opened as graphs, the as-of date governing graph, panel
and badges, English without Chinese chrome — and never a request that leaves this machine.
Screenshots go to the test's tmp directory (and to ``$CG_SCREENSHOTS`` when set).

Needs ``apt-get install -y chromium fonts-noto-cjk`` and ``pip install playwright`` (never
``playwright install``: the browser is Debian's). Skipped when Chromium is missing, except in
CI (``CI`` set), where a missing browser fails the run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from graph_service.services.jobs import result_key, run_job
from graph_service.settings import get_settings
from graph_service.stores import open_store
from tests.api.support import KEYS, build_store, live_service, served
from tests.browser.chromium import ARGS, CHROMIUM, playwright_or_skip
from tests.factories import Scenario

pytestmark = pytest.mark.slow  # a real Chromium

sync_api = playwright_or_skip()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real service on 127.0.0.1 over the small registry, as deployed: ``serve --workers
    2``, two processes behind one port, so the page's requests reach both."""
    tmp = tmp_path_factory.mktemp("page")
    path, ids = build_store(tmp)
    with served(str(path), tmp, workers=2) as url:
        yield {"url": url, "ids": ids, "tmp": tmp}


def investigators_day(directory: Path) -> dict[str, Any]:
    """A court lists 鑫达建材 (灵寿县) as a dishonest judgment debtor on 2019-03-15; its legal
    representative 王强 (reached: consumption restrictions) becomes legal representative of a
    new company in 深圳 南山区 in 2020 (a phoenix flag); 赵敏, its supervisor, is not reached."""
    s = Scenario(100)
    x = s.entity("灵寿县鑫达建材有限公司", registered_on="2012-05-01")
    y = s.entity("深圳市南山区鑫达贸易有限公司", region="440305", registered_on="2020-04-01")
    wang, zhao = s.person("王强"), s.person("赵敏")
    s.role(wang, x, "legal_rep", "2015-01-01")
    s.role(zhao, x, "supervisor", "2015-01-01")
    s.role(wang, y, "legal_rep", "2020-04-01")
    s.holds(wang, x, 70, "2015-01-01")
    record = s.record(
        x,
        "dishonest_judgment_debtor",
        "2019-03-15",
        ground="1",
        authority="石家庄市中级人民法院",
        region_code="130100",
        basis="《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        case_no="(2019)冀01执123号",
    )
    s.write(directory)
    return {"x": x, "y": y, "p_wang": wang, "p_zhao": zhao, "record": record}


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real service over the investigator's-day registry, with the relocation flags
    stored for each day the page lists them (the service pages stored results)."""
    tmp = tmp_path_factory.mktemp("day")
    with live_service(tmp, investigators_day) as (url, path, ids):
        with open_store(str(path), get_settings()) as store:  # the service's own format
            for on in (dt.date.today().isoformat(), "2018-06-01", "2021-01-01"):
                run_job(store, result_key("relocations", on))
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


def _node(page: Any, node_id: str) -> dict[str, Any]:
    node: dict[str, Any] = page.evaluate(
        "(id) => window.cgNetwork.body.data.nodes.get(id)", node_id
    )
    return node


def _evidence_edges(page: Any) -> list[dict[str, Any]]:
    """The edges drawn as evidence (highlighted), as (type, from, to) data."""
    found: list[dict[str, Any]] = page.evaluate(
        """() => window.cgNetwork.body.data.edges.get().filter((e) => e.evidence)
                 .map((e) => ({type: e.data.type, from: e.from, to: e.to, width: e.width}))"""
    )
    return found


def _set_as_of(page: Any, day: str) -> None:
    page.fill("#asof", day)
    page.dispatch_event("#asof", "change")


def _open(page: Any, url: str, query: str, node_id: str, at_least: int) -> None:
    page.fill("#q", query)
    page.press("#q", "Enter")
    page.click(f"#results li[data-id='{node_id}']")
    _until(page, _nodes_at_least(at_least))


def _click_node(page: Any, node_id: str) -> None:
    page.mouse.click(*_node_point(page, node_id))


#: Chinese characters (and full-width punctuation) in the page's own text.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _chrome_text(page: Any) -> str:
    """The page's own text: without the data it shows (names, authorities, legal citations are
    recorded in Chinese — marked ``.data`` where shown alone, and cut out of the engine's
    sentences that quote them), the action choices (their English names may quote a Chinese
    term of art; checked apart) and the language switch."""
    text: str = page.evaluate(
        """() => { const c = document.body.cloneNode(true);
                   const data = [...new Set([...c.querySelectorAll('.data')]
                       .map((n) => n.textContent))].sort((a, b) => b.length - a.length);
                   c.querySelectorAll('.data, #lang, script, option').forEach((n) => n.remove());
                   let text = c.textContent;
                   for (const d of data) text = text.split(d).join('');
                   return text; }"""
    )
    return text


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
    assert "灵寿县人民法院" in evidence.inner_text()
    assert "《最高人民法院关于公布失信被执行人名单信息的若干规定》" in evidence.inner_text()

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


RED = "#e15759"


def test_a_subjects_panel_and_the_check_panel_show_the_engines_findings_with_their_paths(
    page: Any, day: dict[str, Any]
) -> None:
    ids, url = day["ids"], day["url"]
    x, wang, zhao = f"E:{ids['x']}", f"P:{ids['k_wang']}", f"P:{ids['k_zhao']}"
    _sign_in(page, url, "investigator")
    _open(page, url, "鑫达建材", x, 5)
    # colours are the engine's answers: the listed debtor and its reached legal representative
    # are red; the supervisor, whom the list does not reach, is not
    assert _node(page, x)["color"]["background"] == RED
    assert _node(page, wang)["color"]["background"] == RED
    assert _node(page, zhao)["color"]["background"] != RED
    assert _node(page, f"C:{ids['record']}")["data"]["in_force"] is True

    # 王强's panel: what reaches him, with the measure, basis, record and path; his flag
    _click_node(page, wang)
    finding = page.locator("#details .finding[data-measure='DJD-CONSUMPTION-PERSONS']")
    finding.wait_for()
    text = finding.inner_text()
    assert ids["record"] in text and "石家庄市中级人民法院" in text
    assert "认定时任职" in text and "法定代表人" in text  # reached: held the office when decided
    assert "乘坐飞机" in text
    assert page.locator("#details .badge.listed").count() == 1
    flag = page.locator("#details .flag")
    assert flag.count() == 1 and "换壳重现" in flag.inner_text()
    assert "深圳市南山区鑫达贸易有限公司" in flag.inner_text()

    # the check panel: may he fly today? No — the finding's path is highlighted in the graph
    page.click("#btn-check")
    assert page.input_value("#check-subject") == ids["k_wang"]
    page.select_option("#check-action", "consumption:air")
    page.click("#check-run")
    page.wait_for_selector("#check-result .verdict.denied")
    result = page.inner_text("#check-result")
    assert "不允许" in result and "DJD-CONSUMPTION-PERSONS" in result
    _until(page, "() => window.cgNetwork.body.data.edges.get().some((e) => e.evidence)")
    drawn = {(e["type"], e["from"], e["to"]) for e in _evidence_edges(page)}
    assert drawn == {("CONCERNS", f"C:{ids['record']}", x), ("ROLE", wang, x)}
    assert all(e["width"] > 3 for e in _evidence_edges(page))
    _shot(page, day["tmp"], "check-panel-denied.png")

    # the supervisor may fly; the entity may not bid
    page.fill("#check-subject", ids["k_zhao"])
    page.click("#check-run")
    page.wait_for_selector("#check-result .verdict.allowed")
    assert _evidence_edges(page) == []
    page.fill("#check-subject", ids["x"])
    page.select_option("#check-action", "bid_tender")
    page.click("#check-run")
    page.wait_for_selector("#check-result .finding[data-measure='DJD-TENDER']")
    assert page.locator("#check-result .verdict.denied").count() == 1


def test_a_relocation_flag_opens_its_evidence_as_a_graph(page: Any, day: dict[str, Any]) -> None:
    ids, url = day["ids"], day["url"]
    _sign_in(page, url, "investigator")
    page.click("#flags-load")
    item = page.locator("#flags li")
    item.first.wait_for()
    assert item.count() == 1
    assert "换壳重现" in item.inner_text() and "王强" in item.inner_text()
    item.click()
    _until(page, _nodes_at_least(6))
    for node in (f"E:{ids['x']}", f"E:{ids['y']}", f"P:{ids['k_wang']}", f"C:{ids['record']}"):
        assert _has_node(page, node), node
    assert _has_node(page, "R:130126") and _has_node(page, "R:440305")
    drawn = {(e["type"], e["from"], e["to"]) for e in _evidence_edges(page)}
    assert ("ROLE", f"P:{ids['k_wang']}", f"E:{ids['y']}") in drawn
    assert ("REGISTERED_IN", f"E:{ids['y']}", "R:440305") in drawn
    details = page.inner_text("#details")
    assert "130126 → 440305" in details and "2020-04-01" in details
    _shot(page, day["tmp"], "flag-evidence.png")


def test_the_as_of_date_governs_the_graph_the_panel_the_badges_and_the_check(
    page: Any, day: dict[str, Any]
) -> None:
    ids, url = day["ids"], day["url"]
    x, wang = f"E:{ids['x']}", f"P:{ids['k_wang']}"
    _sign_in(page, url, "investigator")
    _set_as_of(page, "2018-06-01")
    _open(page, url, "鑫达建材", x, 4)
    # before the decision: no record node, and nobody is red
    assert not _has_node(page, f"C:{ids['record']}")
    assert _node(page, x)["color"]["background"] != RED
    assert _node(page, wang)["color"]["background"] != RED
    # 王强's panel that day: neither the 2019 record nor the 2020 office nor a flag
    _click_node(page, wang)
    page.wait_for_selector("#details .reaches")
    details = page.inner_text("#details")
    assert "2018-06-01" in details
    assert ids["record"] not in details and "2019-03-15" not in details
    assert "深圳市南山区鑫达贸易有限公司" not in details and "2020-04-01" not in details
    assert page.locator("#details .finding, #details .flag, #details .badge.listed").count() == 0
    # the check asks about that day: allowed
    assert page.input_value("#check-on") == "2018-06-01"
    page.click("#btn-check")
    page.select_option("#check-action", "consumption:air")
    page.click("#check-run")
    page.wait_for_selector("#check-result .verdict.allowed")
    page.click("#flags-load")
    _until(page, "() => document.getElementById('flags-info').textContent !== ''")
    assert page.locator("#flags li").count() == 0
    _shot(page, day["tmp"], "as-of-2018.png")

    # a later day: the record is there, the badges turn red, the check and flags follow
    _set_as_of(page, "2021-01-01")
    _until(page, "(id) => !!window.cgNetwork.body.data.nodes.get(id)", f"C:{ids['record']}")
    _until(
        page, "(id) => window.cgNetwork.body.data.nodes.get(id).color.background === '#e15759'", x
    )
    page.wait_for_selector("#check-result .verdict.denied")
    page.wait_for_selector("#details .finding[data-measure='DJD-CONSUMPTION-PERSONS']")
    _until(page, "() => document.querySelectorAll('#flags li').length === 1")
    _shot(page, day["tmp"], "as-of-2021.png")


def test_english_mode_leaves_no_chinese_and_cuts_no_label_mid_word(
    page: Any, day: dict[str, Any]
) -> None:
    ids, url = day["ids"], day["url"]
    x, wang = f"E:{ids['x']}", f"P:{ids['k_wang']}"
    _sign_in(page, url, "investigator")
    page.fill("#q", "鑫达")
    page.press("#q", "Enter")
    page.wait_for_selector("#results li.hit >> nth=1")
    page.fill("#path-from", f"P:{ids['k_zhao']}")
    page.fill("#path-to", f"E:{ids['y']}")
    page.click("#find-path")
    _until(page, "() => document.getElementById('path-result').textContent.includes('→')")
    page.click("#flags-load")
    page.wait_for_selector("#flags li")
    page.click(f"#results li[data-id='{x}']")
    _until(page, _nodes_at_least(5))
    _click_node(page, wang)
    page.wait_for_selector("#details .finding")
    page.fill("#check-subject", ids["k_wang"])
    page.select_option("#check-action", "consumption:air")
    page.click("#check-run")
    page.wait_for_selector("#check-result .verdict")

    page.click("#lang")  # everything shown so far is said again in English
    page.wait_for_selector("#details .finding >> text=Fly")
    _until(page, "() => document.getElementById('results-info').textContent === '2 found'")
    chrome = _chrome_text(page)
    leftovers = [chrome[max(0, m.start() - 20) : m.end() + 20] for m in _CJK.finditer(chrome)]
    assert leftovers == [], f"Chinese left in English mode: {leftovers}"
    options = page.evaluate(
        "() => [...document.querySelectorAll('#check-action option')].map((o) => o.textContent)"
    )
    assert all(o[0].isascii() and o[0].isalpha() for o in options), options
    assert "Path of 3 steps" in page.inner_text("#path-result")
    assert "Not allowed" in page.inner_text("#check-result")
    assert "Phoenix" in page.inner_text("#flags")

    # node labels: English record kinds, whole words only
    record = _node(page, f"C:{ids['record']}")
    assert record["label"].startswith("Dishonest\njudgment debtor")
    for n in page.evaluate("() => window.cgNetwork.body.data.nodes.get()"):
        for line in n["label"].split("\n"):
            if " " in line:  # English: every word whole (a cut one would end in …)
                assert all(w.isascii() for w in line.rstrip("…").split()), line
    _shot(page, day["tmp"], "english.png")
    page.evaluate("localStorage.clear()")
