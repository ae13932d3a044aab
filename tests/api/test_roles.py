"""Every endpoint states its roles, admits them, refuses every other role with 403, and
answers 401 to a missing or unknown key."""

from __future__ import annotations

from typing import Any

import pytest

from graph_service.api.app import endpoint_roles, endpoints
from graph_service.api.auth import ROLES
from tests.api.support import KEYS, Service, headers

#: The role matrix (docs/api.md shows the same table). Changing it is a decision: change both.
EXPECTED_ROLES: dict[tuple[str, str], set[str]] = {
    ("GET", "/v1/info"): {"investigator", "regulator", "analyst", "admin"},
    ("GET", "/v1/search"): {"investigator", "regulator", "analyst"},
    ("GET", "/v1/entities/{uscc}"): {"investigator", "regulator", "analyst"},
    ("GET", "/v1/persons/{person_id}"): {"investigator", "regulator"},
    ("GET", "/v1/records/{record_id}"): {"investigator", "regulator", "admin"},
    ("GET", "/v1/graph/neighbourhood"): {"investigator"},
    ("GET", "/v1/graph/path"): {"investigator"},
    ("GET", "/v1/graph/panel"): {"investigator"},
    ("POST", "/v1/graph/steps"): {"investigator"},
    ("POST", "/v1/graph/export"): {"investigator"},
    ("GET", "/v1/admin/keys"): {"admin"},
    ("POST", "/v1/admin/keys"): {"admin"},
    ("DELETE", "/v1/admin/keys/{user}"): {"admin"},
    ("GET", "/v1/admin/audit/verify"): {"admin"},
    ("GET", "/v1/check"): {"investigator", "regulator"},
    ("POST", "/v1/check/batch"): {"investigator", "regulator"},
    ("GET", "/v1/relocations"): {"investigator", "regulator"},
    ("GET", "/v1/relocations/flows"): {"investigator", "regulator", "analyst"},
    ("GET", "/v1/notices"): {"investigator", "regulator", "admin"},
    ("GET", "/v1/persons/{person_id}/credit-record"): {"investigator", "regulator"},
    ("POST", "/v1/records/{record_id}/events"): {"admin"},
    ("GET", "/v1/records/{record_id}/history"): {"investigator", "regulator", "admin"},
    # credit evaluation, grades, draws, reports, deadlines (graph_service/api/routers/evaluation.py)
    ("GET", "/v1/evaluation/entities/{uscc}"): {"investigator", "regulator"},
    ("GET", "/v1/evaluation/entities/{uscc}/history"): {"investigator", "regulator"},
    ("GET", "/v1/evaluation/grades"): {"investigator", "regulator"},
    ("GET", "/v1/evaluation/summary"): {"investigator", "regulator", "analyst"},
    ("POST", "/v1/sampling/draws"): {"investigator", "regulator"},
    ("GET", "/v1/sampling/draws/{draw_id}"): {"investigator", "regulator", "analyst"},
    ("POST", "/v1/sampling/verify"): {"investigator", "regulator", "analyst"},
    ("GET", "/v1/reports/{uscc}"): {"investigator", "regulator"},
    ("GET", "/v1/publication/deadlines"): {"investigator", "regulator", "analyst"},
    # jobs: nationwide passes (graph_service/api/routers/jobs.py; docs/decisions.md)
    ("POST", "/v1/jobs"): {"regulator", "admin"},
    ("GET", "/v1/jobs/{job_id}"): {"investigator", "regulator", "analyst", "admin"},
    ("GET", "/v1/jobs"): {"investigator", "regulator", "analyst", "admin"},
}
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/"),
    ("GET", "/v1/measures"),
}


def _request(ids: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed request to each endpoint (url, extra httpx arguments)."""
    a, k1 = ids["a"], ids["k1"]
    urls = {
        "/v1/info": "/v1/info",
        "/v1/search": "/v1/search?q=恒达",
        "/v1/entities/{uscc}": f"/v1/entities/{a}",
        "/v1/persons/{person_id}": f"/v1/persons/{k1}",
        "/v1/records/{record_id}": "/v1/records/R1",
        "/v1/graph/neighbourhood": f"/v1/graph/neighbourhood?id=E:{a}",
        "/v1/graph/path": f"/v1/graph/path?from=P:{k1}&to=E:{a}",
        "/v1/graph/panel": f"/v1/graph/panel?id=P:{k1}",
        "/v1/graph/steps": "/v1/graph/steps",
        "/v1/graph/export": "/v1/graph/export",
        "/v1/admin/keys": "/v1/admin/keys",
        "/v1/admin/keys/{user}": "/v1/admin/keys/nobody",
        "/v1/admin/audit/verify": "/v1/admin/audit/verify",
        "/v1/check": f"/v1/check?subject={a}&action=bid_tender&on=2024-01-01",
        "/v1/check/batch": "/v1/check/batch",
        "/v1/relocations": "/v1/relocations?on=2024-01-01",
        "/v1/relocations/flows": "/v1/relocations/flows?on=2024-01-01",
        "/v1/notices": "/v1/notices?on=2024-01-01",
        "/v1/persons/{person_id}/credit-record": f"/v1/persons/{k1}/credit-record?on=2024-01-01",
        "/v1/records/{record_id}/events": "/v1/records/R1/events",
        "/v1/records/{record_id}/history": "/v1/records/R1/history",
        "/v1/evaluation/entities/{uscc}": f"/v1/evaluation/entities/{a}?on=2024-01-01",
        "/v1/evaluation/entities/{uscc}/history": f"/v1/evaluation/entities/{a}/history",
        "/v1/evaluation/grades": "/v1/evaluation/grades?on=2024-01-01",
        "/v1/evaluation/summary": "/v1/evaluation/summary?on=2024-01-01",
        "/v1/sampling/draws": "/v1/sampling/draws",
        "/v1/sampling/draws/{draw_id}": "/v1/sampling/draws/draw-none",
        "/v1/sampling/verify": "/v1/sampling/verify",
        "/v1/reports/{uscc}": f"/v1/reports/{a}?on=2024-01-01",
        "/v1/publication/deadlines": "/v1/publication/deadlines?on=2024-01-01",
        "/v1/jobs": "/v1/jobs",
        "/v1/jobs/{job_id}": "/v1/jobs/0123abcd",
    }
    bodies = {
        ("POST", "/v1/graph/export"): {"nodes": [{"id": "E:1", "label": "甲"}], "edges": []},
        ("POST", "/v1/graph/steps"): {
            "steps": [{"type": "CONCERNS", "from_id": "C:R1", "to_id": f"E:{a}"}]
        },
        ("POST", "/v1/admin/keys"): {"user": "new.user", "role": "analyst"},
        ("POST", "/v1/check/batch"): {"items": [{"subject": a, "action": "bid_tender"}]},
        ("POST", "/v1/records/{record_id}/events"): {
            "type": "objection_opened",
            "on": "2024-01-01",
            "reason": "异议",
        },
        ("POST", "/v1/sampling/draws"): {"on": "2024-01-01", "budget": 1},
        ("POST", "/v1/sampling/verify"): {"seed": "1"},
        ("POST", "/v1/jobs"): {"kind": "notices", "on": "2024-01-01"},
    }
    extra = {"json": bodies[(method, path)]} if (method, path) in bodies else {}
    return urls[path], extra


def test_every_endpoint_declares_the_roles_of_the_matrix(service: Service) -> None:
    declared = {}
    public = set()
    for ep in endpoints(service.client.app):  # type: ignore[arg-type]
        roles = endpoint_roles(ep.route)
        if roles is None:
            public.add((ep.method, ep.path))
        else:
            declared[(ep.method, ep.path)] = set(roles)
    assert declared == EXPECTED_ROLES
    assert public == PUBLIC - {("GET", "/")}  # the page is public but not in the schema


def test_openapi_states_each_operations_roles(service: Service) -> None:
    schema = service.client.get("/openapi.json").json()
    for (method, path), roles in EXPECTED_ROLES.items():
        op = schema["paths"][path][method.lower()]
        assert set(op["x-roles"]) == roles
        assert "Roles:" in op["description"]
    assert schema["paths"]["/healthz"]["get"]["x-roles"] == ["public"]


@pytest.mark.slow  # every endpoint, ~10-15 s
@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED_ROLES))
def test_roles_outside_an_endpoint_are_refused_with_403(
    service: Service, method: str, path: str
) -> None:
    url, extra = _request(service.ids, method, path)
    for role in ROLES:
        response = service.client.request(method, url, headers=headers(role), **extra)
        if role in EXPECTED_ROLES[(method, path)]:
            assert response.status_code not in (401, 403), (role, response.text)
            assert response.status_code < 500, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            problem = response.json()
            assert response.headers["content-type"] == "application/problem+json"
            assert role in problem["detail_en"]
            assert problem["detail_zh"]


@pytest.mark.slow  # every endpoint, ~10-15 s
@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED_ROLES))
def test_a_missing_or_unknown_key_gets_401(service: Service, method: str, path: str) -> None:
    url, extra = _request(service.ids, method, path)
    for hdrs in ({}, {"X-API-Key": "not-a-key"}, {"Authorization": "Bearer not-a-key"}):
        response = service.client.request(method, url, headers=hdrs, **extra)
        assert response.status_code == 401, (hdrs, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"] == "application/problem+json"


def test_a_key_works_as_bearer_token_too(service: Service) -> None:
    response = service.client.get(
        "/v1/info", headers={"Authorization": f"Bearer {KEYS['analyst']}"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC))
def test_public_endpoints_need_no_key(service: Service, method: str, path: str) -> None:
    assert service.client.request(method, path).status_code == 200
