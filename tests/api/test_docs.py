"""docs/api.md lists every endpoint the service has, with the roles it admits."""

from __future__ import annotations

import re
from pathlib import Path

from graph_service.api.app import endpoint_roles, endpoints
from tests.api.support import Service

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(?P<method>[A-Z]+)` \| `(?P<path>[^`]+)` \| (?P<roles>[^|]+) \|", re.M)


def test_docs_list_every_endpoint_with_its_roles(service: Service) -> None:
    documented = {
        (m["method"], m["path"]): {r.strip() for r in m["roles"].split(",")}
        for m in ROW.finditer(DOC.read_text(encoding="utf-8"))
    }
    for ep in endpoints(service.client.app):  # type: ignore[arg-type]
        roles = endpoint_roles(ep.route)
        assert documented.get((ep.method, ep.path)) == (set(roles) if roles else {"public"}), (
            ep.method,
            ep.path,
        )
    assert documented[("GET", "/")] == {"public"}
