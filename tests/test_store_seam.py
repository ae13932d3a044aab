"""The store seam holds: code outside ``graph_service/stores/`` reaches a store only through
:class:`~graph_service.stores.base.GraphStore` and :func:`~graph_service.stores.open_store`,
and the Neo4j store reports driver failures as the domain's errors."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_service.errors import RequestTimeout, StoreUnavailable
from graph_service.stores import open_store
from graph_service.stores.neo4j import Neo4jStore

ROOT = Path(__file__).resolve().parents[1]
IMPLEMENTATIONS = {"EmbeddedStore", "Neo4jStore"}
IMPLEMENTATION_MODULES = {"graph_service.stores.embedded", "graph_service.stores.neo4j"}


def _name(node: ast.expr) -> str:
    """The last name of ``a``, ``a.b`` or ``a().b`` ("" for anything else)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def seam_breaches(source: str) -> list[str]:
    """What in ``source`` goes around the store interface: a test of a store's class, a
    private attribute or the driver of something named like a store, an import of a store
    implementation."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) == "isinstance" and len(node.args) == 2:
            kinds = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            if any(_name(k) in IMPLEMENTATIONS for k in kinds):
                found.append(f"line {node.lineno}: isinstance of a store class")
        elif isinstance(node, ast.Attribute) and "store" in _name(node.value).lower():
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            if private or node.attr == "driver":
                found.append(f"line {node.lineno}: {_name(node.value)}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in IMPLEMENTATION_MODULES:
            found.append(f"line {node.lineno}: imports {node.module}")
        elif isinstance(node, ast.ImportFrom) and node.module == "graph_service.stores":
            names = {a.name for a in node.names}
            if names & {"embedded", "neo4j"}:
                found.append(f"line {node.lineno}: imports a store implementation")
    return sorted(found, key=lambda f: int(f.split(":")[0].split()[1]))


def test_the_seam_scan_catches_each_way_around_the_interface() -> None:
    source = (
        "from graph_service.stores.embedded import EmbeddedStore\n"
        "if isinstance(store, (EmbeddedStore, int)):\n"
        "    store._refresh()\n"
        "graph = self.store._graph\n"
        "store.driver.session()\n"
        "ok = store.entity('x'), store.__class__, stores.backend\n"
    )
    assert seam_breaches(source) == [
        "line 1: imports graph_service.stores.embedded",
        "line 2: isinstance of a store class",
        "line 3: store._refresh",
        "line 4: store._graph",
        "line 5: store.driver",
    ]


def test_no_code_outside_the_stores_tests_a_store_class_or_touches_its_insides() -> None:
    outside = [
        path
        for folder in ("graph_service", "loaders")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (ROOT / "graph_service" / "stores") not in path.parents
    ]
    assert len(outside) > 50
    breaches = {
        str(path.relative_to(ROOT)): found
        for path in outside
        if (found := seam_breaches(path.read_text(encoding="utf-8")))
    }
    assert breaches == {}, "use the GraphStore interface and open_store (see stores/base.py)"


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_only_the_store_factory_reads_settings_and_settings_import_no_project_module() -> None:
    """settings → stores → stores/neo4j → settings was a cycle: the stores take their options
    as arguments, only the factory (stores/__init__.py) reads the settings, and the settings
    module sits below everything (it imports nothing of the project)."""
    for path in sorted((ROOT / "graph_service" / "stores").glob("*.py")):
        if path.name != "__init__.py":
            assert "graph_service.settings" not in _imports(path), path.name
    settings = _imports(ROOT / "graph_service" / "settings.py")
    assert not [m for m in settings if m.startswith(("graph_service", "loaders"))]


# -- driver errors, translated inside the Neo4j store ---------------------------------------


def _store_over(driver: Any) -> Neo4jStore:
    return Neo4jStore("bolt://example.invalid:7687", driver=driver)


@pytest.mark.parametrize(
    "error",
    [
        ServiceUnavailable("Failed to read from defunct connection"),
        SessionExpired("the session expired"),
        TransientError("Neo.TransientError.General.DatabaseUnavailable"),
        AuthError("Neo.ClientError.Security.Unauthorized"),
    ],
    ids=["server gone", "session expired", "transient", "login refused"],
)
def test_a_neo4j_outage_reaches_callers_as_store_unavailable(error: Exception) -> None:
    driver = MagicMock()
    store = _store_over(driver)
    driver.execute_query.side_effect = error
    with pytest.raises(StoreUnavailable) as caught:
        store.entity("91130126T0000001XK")
    assert caught.value.__cause__ is error
    driver.session.side_effect = error
    with pytest.raises(StoreUnavailable):
        list(store.scan_nodes("Entity"))
    with pytest.raises(StoreUnavailable):
        store.change_token()


class _TimedOut(ClientError):
    """What the server answers a query it abandoned at the timeout the store gave it."""

    @property
    def code(self) -> str:
        return "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"


def test_a_query_the_server_abandoned_at_its_timeout_is_a_request_timeout() -> None:
    driver = MagicMock()
    store = _store_over(driver)
    driver.execute_query.side_effect = _TimedOut("the transaction timed out")
    with pytest.raises(RequestTimeout):
        store.neighbourhood("E:91130126T0000001XK")


def test_a_query_the_server_rejects_is_a_bug_and_goes_through_as_it_is() -> None:
    driver = MagicMock()
    store = _store_over(driver)
    driver.execute_query.side_effect = ClientError("Neo.ClientError.Statement.SyntaxError")
    with pytest.raises(ClientError):
        store.counts()


def test_opening_an_unreachable_neo4j_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable):
        open_store("bolt://127.0.0.1:9")
    with pytest.raises(StoreUnavailable):
        open_store("bolt://127.0.0.1:notaport")
