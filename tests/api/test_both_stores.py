"""The API answers the same over the embedded store and Neo4j (the ``store`` fixture gives
each; Neo4j runs when NEO4J_TEST_URI names the server scripts/neo4j-local starts)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

from graph_service.api.app import create_app
from graph_service.engine.personal import exposure
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.errors import DomainError
from graph_service.problems import problem_type
from graph_service.services.views import risk_of
from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.api.support import headers, service_settings
from tests.conftest import RING
from tests.factories import small_registry, uscc


def test_the_api_answers_alike_on_every_store(store: GraphStore, tmp_path: Path) -> None:
    ids = small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    k1, k2 = RING.key(ids["p1"]), RING.key(ids["p2"])
    today = dt.date.today().isoformat()
    app = create_app(store=store, settings=service_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:

        def get(url: str) -> dict:  # type: ignore[type-arg]
            response = client.get(url, headers=headers("investigator"))
            assert response.status_code == 200, response.text
            return response.json()  # type: ignore[no-any-return]

        assert get("/readyz")["backend"] == store.backend
        assert [h["name"] for h in get("/v1/search?q=恒达")["items"]] == [
            "深圳市南山区恒达贸易有限公司",
            "灵寿县恒达建材有限公司",
        ]
        profile = get(f"/v1/entities/{ids['a']}")
        assert [r["person_name"] for r in profile["roles"]["items"]] == ["李娜", "张伟"]
        assert profile["records"]["items"][0]["record_id"] == "R1"
        person = get(f"/v1/persons/{ids['p2']}")
        assert person["person"]["id_number"] == ids["p2"]
        view = get(f"/v1/graph/neighbourhood?id=E:{ids['a']}&limit=3&vis=zh")
        assert [n["id"] for n in view["neighbours"]] == ["C:R1", *sorted([f"P:{k1}", f"P:{k2}"])]
        assert (view["total"], view["more"]) == (5, 2)
        assert view["node"]["risk"] == risk_of(exposure(store, "entity", ids["a"], today))
        assert len(view["vis"]["nodes"]) == 5  # the node, 3 neighbours, "and 2 more"
        panel = get(f"/v1/graph/panel?id=P:{k1}&on=2020-01-01")
        assert [f["pattern"] for f in panel["flags"]] == ["phoenix"]
        assert sorted(r["uscc"] for r in panel["roles"]) == sorted([ids["a"], ids["b"]])
        assert panel["risk"] == risk_of(exposure(store, "person", k1, "2020-01-01")) == "listed"
        assert panel["findings"]["consumption:air"]["prohibitions"][0]["reached_as"] == "roles"
        listed = get(f"/v1/graph/panel?id=P:{k2}&on=2021-12-31")
        assert [(r["record_id"], r["in_force"]) for r in listed["records"]] == [("R2", True)]
        assert listed["risk"] == risk_of(exposure(store, "person", k2, "2021-12-31"))
        path = get(f"/v1/graph/path?from=P:{k2}&to=E:{ids['b']}")
        assert [n["name"] for n in path["nodes"]] == [
            "李娜",
            "灵寿县恒达建材有限公司",
            "深圳市南山区恒达贸易有限公司",
        ]
        assert get("/v1/info")["counts"]["ROLE"] == 3


def test_checks_asked_at_once_answer_as_one_by_one_on_every_store(
    store: GraphStore, tmp_path: Path
) -> None:
    """Entity checks asked concurrently (read in batches on Neo4j, api/batching.py) answer
    what the engine answers one by one: found with and without records, unknown, a bad
    action."""
    ids = small_registry(tmp_path / "in")
    load_directory(tmp_path / "in", store, RING, progress=False)
    engine = RestrictionEngine(store)
    asked = [
        (subject, action, on)
        for subject in (ids["a"], ids["b"], uscc(999))
        for action in ("bid_tender", "issue_bonds", "fly")
        for on in ("2020-01-01", "2021-12-31")
    ] * 3
    app = create_app(store=store, settings=service_settings(tmp_path))

    def expected(subject: str, action: str, on: str) -> tuple[int, object]:
        try:
            return 200, engine.check("entity", subject, action, on).model_dump(mode="json")
        except DomainError as exc:
            return problem_type(exc).status, None

    with TestClient(app, raise_server_exceptions=False) as client:

        def get(subject: str, action: str, on: str) -> tuple[int, object]:
            r = client.get(
                f"/v1/check?subject={subject}&action={action}&on={on}",
                headers=headers("investigator"),
            )
            return r.status_code, r.json() if r.status_code == 200 else None

        with ThreadPoolExecutor(8) as threads:
            got = list(threads.map(lambda a: get(*a), asked))
    assert got == [expected(*a) for a in asked]
    assert {status for status, _ in got} == {200, 404, 422}
