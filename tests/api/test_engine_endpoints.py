"""The joint-punishment endpoints answer as the engine does, with evidence, and refuse bad
questions with a reason a person can act on."""

from __future__ import annotations

from graph_service.services.audit import verify_chain
from tests.api.support import Service, headers


def test_measures_catalogue_is_public_with_kinds_measures_and_bases(service: Service) -> None:
    body = service.get("/v1/measures", role=None).json()
    assert body["edition"] == 2
    kinds = {k["kind"]: k for k in body["kinds"]}
    djd = kinds["dishonest_judgment_debtor"]
    assert djd["term_years"] == 2 and djd["open_when"] == {"ground": ["1"]}
    ids = {m["id"]: m for m in djd["measures"]}
    assert ids["DJD-CONSUMPTION"]["lasts"] == "until_lifted"
    assert ids["DJD-CONSUMPTION"]["basis"][0]["number"] == "法释〔2015〕17号"
    assert [d["id"] for d in body["derived"]] == ["PROC-MAJOR-ILLEGAL"]
    assert body["aliases"]["air_travel"] == "consumption:air"


def test_check_answers_in_three_kinds_with_record_measure_and_path(service: Service) -> None:
    a = service.ids["a"]
    body = service.get(f"/v1/check?subject={a}&action=bid_tender&on=2020-01-01", "regulator").json()
    assert body["allowed"] is False
    [finding] = body["prohibitions"]
    assert (finding["record"]["record_id"], finding["measure"]["id"]) == ("R1", "DJD-TENDER")
    assert finding["path"][0]["type"] == "CONCERNS"
    credit = service.get(f"/v1/check?subject={a}&action=obtain_credit&on=2020-01-01").json()
    assert credit["allowed"] is True and credit["prohibitions"] == []
    assert [f["measure"]["id"] for f in credit["considerations"]] == ["DJD-CREDIT"]


def test_check_by_id_number_reaches_the_legal_rep_and_is_audited(service: Service) -> None:
    p1 = service.ids["p1"]
    body = service.get(f"/v1/check?subject={p1}&action=consumption:air&on=2020-01-01").json()
    assert body["allowed"] is False
    assert body["prohibitions"][0]["reached_as"] == "roles"
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
    assert answers[0]["result"]["prohibitions"][0]["measure"]["id"] == "DJD-TENDER"
    assert "expected 3, got 4" in answers[1]["error"]


def test_record_event_by_admin_and_a_conflicting_one_is_409(service: Service) -> None:
    url = "/v1/records/R1/events"
    bad = service.client.post(
        url,
        json={"type": "release_person", "on": "2020-02-01", "reason": "解除"},
        headers=headers("admin"),
    )
    assert bad.status_code == 409 and "person_id" in bad.json()["detail_en"]
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
    service.run_job("relocations", "2024-01-01")
    flags = service.get("/v1/relocations?on=2024-01-01", "regulator")
    assert flags.status_code == 200
    [phoenix] = flags.json()  # 张伟 of R1's debtor became legal rep in 深圳市南山区
    assert phoenix["person_name"] == "张伟"
    p1 = service.ids["p1"]
    assert phoenix["person_id_masked"] == p1[:6] + "********" + p1[14:]
    assert phoenix["entity_name"] == "深圳市南山区恒达贸易有限公司"
    assert [e["part"] for e in phoenix["entities"]] == ["listed", "new"]
    assert p1 not in flags.text  # the ID number itself never goes out
    flows = service.get("/v1/relocations/flows?on=2024-01-01", "analyst")
    assert flows.status_code == 200
    assert set(flows.json()) == {"regions", "counts", "result"}


def test_release_person_event_frees_the_legal_rep_from_its_day(service: Service) -> None:
    p1 = service.ids["p1"]
    r = service.client.post(
        "/v1/records/R1/events",
        json={"type": "release_person", "on": "2020-02-01", "reason": "法院解除", "person_id": p1},
        headers=headers("admin"),
    )
    assert r.status_code == 200 and r.json()["applied"]
    assert p1 not in r.text
    before = service.get(f"/v1/check?subject={p1}&action=consumption:air&on=2020-01-31").json()
    after = service.get(f"/v1/check?subject={p1}&action=consumption:air&on=2020-02-01").json()
    assert (before["allowed"], after["allowed"]) == (False, True)
