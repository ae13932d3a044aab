"""The joint-punishment endpoints answer as the engine does, with evidence, and refuse bad
questions with a reason a person can act on."""

from __future__ import annotations

from graph_service.api.audit import verify_chain
from tests.api.support import Service, headers


def test_measures_list_is_public(service: Service) -> None:
    body = service.get("/v1/measures", role=None).json()
    codes = {m["code"] for m in body["measures"]}
    assert {"no_bidding", "no_air_travel", "sector_ban"} <= codes


def test_check_denies_with_the_record_rule_and_path(service: Service) -> None:
    a = service.ids["a"]
    body = service.get(f"/v1/check?subject={a}&action=bid_tender&on=2020-01-01", "regulator").json()
    assert body["allowed"] is False
    [reason] = body["reasons"]
    assert (reason["record"]["record_id"], reason["rule_id"]) == ("R1", "R-JPL-SUBJ-BID")
    assert reason["path"][0]["type"] == "CONCERNS"


def test_check_by_id_number_reaches_the_legal_rep_and_is_audited(service: Service) -> None:
    p1 = service.ids["p1"]
    body = service.get(f"/v1/check?subject={p1}&action=air_travel&on=2020-01-01").json()
    assert body["allowed"] is False
    assert p1 not in str(body)  # the number is never echoed: the key and the mask are
    assert body["subject"]["id_masked"].startswith(p1[:6] + "********")
    assert verify_chain(service.audit_path).ok


def test_check_with_an_unknown_action_is_422_listing_the_actions(service: Service) -> None:
    r = service.get(f"/v1/check?subject={service.ids['a']}&action=fly&on=2020-01-01")
    assert r.status_code == 422
    assert "bid_tender" in r.json()["detail_en"]


def test_batch_answers_each_item_and_a_bad_item_fails_alone(service: Service) -> None:
    items = [
        {"subject": service.ids["a"], "action": "bid_tender"},
        {"subject": "91350100M000100Y44", "action": "bid_tender"},
        {"subject": service.ids["b"], "action": "bid_tender"},
    ]
    r = service.client.post(
        "/v1/check/batch", json={"on": "2020-01-01", "items": items}, headers=headers("regulator")
    )
    assert r.status_code == 200
    answers = r.json()
    assert [a.get("allowed") for a in answers] == [False, None, True]
    assert "expected 3, got 4" in answers[1]["error"]


def test_record_event_by_admin_and_a_conflicting_one_is_409(service: Service) -> None:
    url = "/v1/records/R1/events"
    ok = service.client.post(
        url,
        json={"type": "objection_opened", "on": "2020-02-01", "reason": "当事人异议"},
        headers=headers("admin"),
    )
    assert ok.status_code == 200
    assert ok.json()["record"]["status"] == "disputed"
    clash = service.client.post(
        url,
        json={"type": "repaired", "on": "2020-03-01", "reason": "整改", "method": "rectification"},
        headers=headers("admin"),
    )
    assert clash.status_code == 409
    assert "needs active" in clash.json()["detail_en"]
    history = service.get("/v1/records/R1/history", "admin").json()
    assert [v.get("status", "active") for v in history] == ["active", "disputed"]


def test_relocations_and_flows_answer(service: Service) -> None:
    flags = service.get("/v1/relocations?on=2024-01-01", "regulator")
    assert flags.status_code == 200
    flows = service.get("/v1/relocations/flows?on=2024-01-01", "analyst")
    assert flows.status_code == 200
    assert set(flows.json()) == {"regions", "counts"}
