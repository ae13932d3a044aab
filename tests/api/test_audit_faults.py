"""The audit log under faults (issue 16, failures 1, 2, 3 and 10): written before a change
is applied or person data leaves, a refusal (503) when it cannot be written, a torn tail
sealed, a deleted or cut log found by the checkpoint the store keeps, and every route
declaring what it audits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph_service.api.app import create_app, endpoint_audit, endpoints
from graph_service.services.audit import SEAL, AuditLog, verify_chain
from graph_service.stores.embedded import EmbeddedStore
from loaders.load import load_directory
from tests.api.support import Service, build_store, headers, run_job, service_settings
from tests.conftest import RING
from tests.factories import Scenario

EVENT = {"type": "objection_opened", "on": "2020-02-01", "reason": "当事人异议"}


def _entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def _status(service: Service) -> str:
    history = service.get("/v1/records/R1/history", "admin").json()
    return str(history[-1].get("status", "active"))


def test_a_torn_last_line_is_sealed_and_the_change_is_audited(service: Service) -> None:
    """Failures 1 and 2: a torn last line made every audited route answer 500, and the
    record event was applied without its entry."""
    service.client.post(
        "/v1/admin/keys", json={"user": "u1", "role": "analyst"}, headers=headers("admin")
    )
    with service.audit_path.open("ab") as fh:
        fh.write(b'{"seq":2,"at":"2025-0')  # a write cut off by a crash
    r = service.client.post("/v1/records/R1/events", json=EVENT, headers=headers("admin"))
    assert r.status_code == 200, r.text
    lines = service.audit_path.read_bytes().splitlines()
    assert lines[1] == b'{"seq":2,"at":"2025-0'  # kept as it was, and sealed
    entries = [json.loads(x) for i, x in enumerate(lines) if i != 1]
    assert [e["action"] for e in entries] == ["key.create", SEAL, "record.event"]
    assert entries[1]["what"]["lines"] == [2, 2]
    result = verify_chain(service.audit_path)
    assert (result.ok, result.entries) == (True, 3)
    assert service.get("/v1/persons/" + service.ids["p1"], "regulator").status_code == 200


def test_several_foreign_lines_are_sealed_together_and_a_later_edit_still_breaks(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, fsync=False)
    log.append(user="u", role="admin", action="a", what={}, client=None)
    with path.open("ab") as fh:
        fh.write(b"not an entry\n{broken\n")
    log.append(user="u", role="admin", action="b", what={}, client=None)
    assert verify_chain(path).ok
    with path.open("ab") as fh:
        fh.write(b"\n")  # an empty line is foreign too
    log.append(user="u", role="admin", action="c", what={}, client=None)
    assert verify_chain(path).ok
    text = path.read_text(encoding="utf-8").replace("{broken", "{brokeN")
    path.write_text(text, encoding="utf-8")
    result = verify_chain(path)
    assert (result.ok, result.first_bad_line) == (False, 2)


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Service]:
    """The service with an audit log that cannot be written (its path is a directory)."""
    path, ids = build_store(tmp_path)
    (tmp_path / "audit-dir").mkdir()
    settings = service_settings(tmp_path, graph_audit_log=tmp_path / "audit-dir")
    app = create_app(store_uri=str(path), settings=settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Service(client, ids, path, tmp_path / "audit-dir", tmp_path / "keys.yaml")


def test_without_an_audit_log_a_change_is_refused_503_and_nothing_changes(
    unwritable: Service,
) -> None:
    r = unwritable.client.post("/v1/records/R1/events", json=EVENT, headers=headers("admin"))
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "audit log" in r.json()["detail_en"]
    assert _status(unwritable) == "active"
    created = unwritable.client.post(
        "/v1/admin/keys", json={"user": "u2", "role": "analyst"}, headers=headers("admin")
    )
    assert created.status_code == 503
    assert "u2" not in unwritable.keys_path.read_text(encoding="utf-8")


def test_without_an_audit_log_no_person_data_leaves(unwritable: Service) -> None:
    r = unwritable.get(f"/v1/persons/{unwritable.ids['p1']}", "investigator")
    assert r.status_code == 503
    assert "张伟" not in r.text
    assert unwritable.get("/v1/records/R2/history", "regulator").status_code == 503
    # routes without person data still answer
    assert unwritable.get("/v1/records/R1", "regulator").status_code == 200


def test_a_failed_change_is_audited_twice_intent_then_failure(service: Service) -> None:
    ok = service.client.post("/v1/records/R1/events", json=EVENT, headers=headers("admin"))
    assert ok.status_code == 200
    repaired = {"type": "repaired", "on": "2020-03-01", "reason": "整改", "method": "rectification"}
    clash = service.client.post("/v1/records/R1/events", json=repaired, headers=headers("admin"))
    assert clash.status_code == 409
    actions = [e["action"] for e in _entries(service.audit_path)]
    assert actions == ["record.event", "record.event", "record.event.failed"]


def test_person_data_routes_named_in_the_issue_are_audited(service: Service) -> None:
    """Failure 3: a person record's history, an entity's evaluation (person keys and names)
    and the publication deadlines were read without an entry; deadlines gave an analyst the
    person keys /v1/records refuses him."""
    assert service.get("/v1/records/R2/history", "regulator").status_code == 200
    a = service.ids["a"]
    assert service.get(f"/v1/evaluation/entities/{a}?on=2021-10-01", "regulator").status_code == 200
    assert service.get("/v1/publication/deadlines?on=2021-09-03", "regulator").status_code == 200
    actions = [e["action"] for e in _entries(service.audit_path)]
    assert actions == ["record.history", "evaluation.entity", "publication.deadlines"]
    k2 = service.ids["k2"]
    assert _entries(service.audit_path)[0]["what"]["person_keys"] == [k2]
    assert k2 in service.get("/v1/publication/deadlines?on=2021-09-03", "regulator").text
    as_analyst = service.get("/v1/publication/deadlines?on=2021-09-03", "analyst")
    assert as_analyst.status_code == 200 and k2 not in as_analyst.text
    assert (
        as_analyst.json()["totals"]
        == service.get("/v1/publication/deadlines?on=2021-09-03", "regulator").json()["totals"]
    )


def test_a_deleted_or_cut_log_is_found_by_the_stores_checkpoint(service: Service) -> None:
    """Failure 10: a deleted log verified as "chain whole: 0 entries"; cut lines passed."""
    for user in ("u1", "u2", "u3"):
        service.client.post(
            "/v1/admin/keys", json={"user": user, "role": "analyst"}, headers=headers("admin")
        )
    assert service.get("/v1/admin/audit/verify", "admin").json()["ok"]
    lines = service.audit_path.read_text(encoding="utf-8").splitlines(keepends=True)
    service.audit_path.write_text("".join(lines[:2]), encoding="utf-8")
    cut = service.get("/v1/admin/audit/verify", "admin").json()
    assert not cut["ok"] and "cut off" in cut["reason_en"] and cut["first_bad_seq"] == 3
    service.audit_path.unlink()
    gone = service.get("/v1/admin/audit/verify", "admin").json()
    assert not gone["ok"] and "deleted" in gone["reason_en"]

    from graph_service.cli import main

    log, store = str(service.audit_path), str(service.store_path)
    assert main(["audit-verify", "--log", log, "--store", store]) == 1


def test_every_route_declares_what_it_audits(service: Service) -> None:
    """One declaration per route: an action, or why it has none (read from the OpenAPI)."""
    spec = service.client.get("/openapi.json").json()
    ops = {(m.upper(), p): op for p, item in spec["paths"].items() for m, op in item.items()}
    assert {(e.method, e.path) for e in endpoints(service.client.app)} == set(ops)  # type: ignore[arg-type]
    missing = [k for k, op in ops.items() if "x-audit" not in op]
    assert not missing
    for ep in endpoints(service.client.app):  # type: ignore[arg-type]
        declared = endpoint_audit(ep.route)
        assert declared is not None and (declared.action or declared.why), ep.path


#: A call that makes each audited route show a person (or make a change), by operation.
AUDITED_CALLS: dict[tuple[str, str], tuple[str, str, dict[str, Any] | None]] = {
    ("GET", "/v1/search"): ("analyst", "/v1/search?q=张", None),
    ("GET", "/v1/entities/{uscc}"): ("analyst", "/v1/entities/{a}", None),
    ("GET", "/v1/persons/{person_id}"): ("regulator", "/v1/persons/{k1}", None),
    ("GET", "/v1/records/{record_id}"): ("regulator", "/v1/records/R2", None),
    ("GET", "/v1/graph/neighbourhood"): ("investigator", "/v1/graph/neighbourhood?id=E:{a}", None),
    ("GET", "/v1/graph/path"): ("investigator", "/v1/graph/path?from=P:{k2}&to=E:{b}", None),
    ("GET", "/v1/graph/panel"): ("investigator", "/v1/graph/panel?id=P:{k2}", None),
    ("POST", "/v1/graph/steps"): (
        "investigator",
        "/v1/graph/steps",
        {"steps": [{"type": "CONCERNS", "from_id": "C:R2", "to_id": "P:{k2}"}]},
    ),
    ("GET", "/v1/check"): ("regulator", "/v1/check?subject={k2}&action=air_travel", None),
    ("POST", "/v1/check/batch"): (
        "regulator",
        "/v1/check/batch",
        {"items": [{"subject": "{k2}", "action": "air_travel"}]},
    ),
    ("GET", "/v1/relocations"): ("regulator", "/v1/relocations?on=2024-01-01", None),
    ("POST", "/v1/jobs"): ("admin", "/v1/jobs", {"kind": "notices", "on": "2024-01-01"}),
    ("GET", "/v1/persons/{person_id}/credit-record"): (
        "regulator",
        "/v1/persons/{k2}/credit-record?on=2021-10-01",
        None,
    ),
    ("POST", "/v1/records/{record_id}/events"): ("admin", "/v1/records/R1/events", EVENT),
    ("GET", "/v1/records/{record_id}/history"): ("admin", "/v1/records/R2/history", None),
    ("POST", "/v1/admin/keys"): ("admin", "/v1/admin/keys", {"user": "u9", "role": "analyst"}),
    ("DELETE", "/v1/admin/keys/{user}"): ("admin", "/v1/admin/keys/analyst.user", None),
    ("GET", "/v1/evaluation/entities/{uscc}"): (
        "regulator",
        "/v1/evaluation/entities/{a}?on=2021-10-01",
        None,
    ),
    ("GET", "/v1/reports/{uscc}"): ("regulator", "/v1/reports/{a}?on=2024-01-01", None),
    ("GET", "/v1/publication/deadlines"): (
        "regulator",
        "/v1/publication/deadlines?on=2021-09-03",
        None,
    ),
}
#: Audited routes that need more than the small registry: an inspector pool (tested in
#: tests/api/test_evaluation_endpoints.py), a public employee reached by a listing (below).
ELSEWHERE = {
    ("POST", "/v1/sampling/draws"),
    ("GET", "/v1/sampling/draws/{draw_id}"),
    ("GET", "/v1/notices"),
}


def test_notices_naming_a_person_are_audited(tmp_path: Path) -> None:
    s = Scenario()
    school = s.entity("灵寿县第一中学", org_type="public_institution")
    x = s.entity("灵寿县恒昌建材有限公司")
    p = s.person("马超")
    s.role(p, x, "legal_rep", "2016-01-01")
    s.role(p, school, "staff", "2010-09-01")
    s.record(p, "dishonest_judgment_debtor", "2022-04-01", region_code="130100")
    store = EmbeddedStore(tmp_path / "store.graph")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    app = create_app(store_uri=str(tmp_path / "store.graph"), settings=service_settings(tmp_path))
    with TestClient(app) as client:
        run_job(client, "notices", "2023-01-01")
        r = client.get("/v1/notices?on=2023-01-01", headers=headers("regulator"))
    assert "马超" in r.text
    started, entry = _entries(tmp_path / "audit.jsonl")
    assert (started["action"], started["what"]["kind"]) == ("jobs.start", "notices")
    assert (entry["action"], entry["what"]["person_keys"]) == ("notices", [RING.key(p)])


def test_every_audited_route_writes_its_declared_entry(service: Service) -> None:
    audited = {
        (ep.method, ep.path): declared.action
        for ep in endpoints(service.client.app)  # type: ignore[arg-type]
        if (declared := endpoint_audit(ep.route)) is not None and declared.action
    }
    assert set(audited) == set(AUDITED_CALLS) | ELSEWHERE
    ids = service.ids
    service.run_job("relocations", "2024-01-01")  # the flags GET /v1/relocations pages
    for (method, template), (role, url, body) in AUDITED_CALLS.items():
        url = url.format(**ids)
        if body is not None:
            body = json.loads(json.dumps(body).replace("{k2}", ids["k2"]))
        before = len(_entries(service.audit_path)) if service.audit_path.exists() else 0
        r = service.client.request(method, url, json=body, headers=headers(role))
        assert r.status_code < 300, (template, r.status_code, r.text)
        after = _entries(service.audit_path)
        assert len(after) > before, template
        assert after[before]["action"] == audited[(method, template)], template
