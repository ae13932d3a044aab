"""The page's own endpoints: a subject's panel (the engine's findings, flags and relations as
of a day) and evidence steps drawn as a graph; who may call them and what is audited."""

from __future__ import annotations

import datetime as dt
import json

from graph_service.engine.personal import exposure
from graph_service.services.views import risk_of
from graph_service.stores import open_store
from tests.api.support import Service, headers


def test_a_persons_panel_is_the_engines_answer_with_reasons_and_is_audited(
    service: Service,
) -> None:
    ids = service.ids
    today = dt.date.today().isoformat()
    panel = service.get(f"/v1/graph/panel?id=P:{ids['k2']}").json()
    engine = exposure(open_store(str(service.store_path)), "person", ids["k2"], today)
    assert panel["judged_on"] == today and panel.get("on") is None
    assert panel["findings"] == json.loads(json.dumps(engine))
    assert panel["risk"] == risk_of(engine) == "listed"
    air = panel["findings"]["consumption:air"]
    assert air["allowed"] is False
    [finding] = air["prohibitions"]
    assert finding["record"]["record_id"] == "R2" and finding["measure"]["basis"]
    assert [s["type"] for s in finding["path"]] == ["CONCERNS"]
    assert panel["subject"]["id_number"] == ids["p2"]  # an investigator sees it
    assert [r["record_id"] for r in panel["records"]] == ["R2"]
    entry = json.loads(service.audit_path.read_text().splitlines()[-1])
    assert entry["action"] == "graph.panel" and entry["what"]["person_keys"] == [ids["k2"]]


def test_a_panel_as_of_a_day_hides_later_records_and_offices(service: Service) -> None:
    ids = service.ids
    before = service.get(f"/v1/graph/panel?id=P:{ids['k1']}&on=2019-06-01").json()
    assert [r["uscc"] for r in before["roles"]] == [ids["a"]]  # the office in B starts 06-10
    later = service.get(f"/v1/graph/panel?id=P:{ids['k1']}&on=2019-06-10").json()
    assert sorted(r["uscc"] for r in later["roles"]) == sorted([ids["a"], ids["b"]])
    entity = service.get(f"/v1/graph/panel?id=E:{ids['a']}&on=2019-05-19").json()
    assert entity["records"] == [] and entity["findings"] == {} and entity["risk"] == "none"
    listed = service.get(f"/v1/graph/panel?id=E:{ids['a']}&on=2019-05-20").json()
    assert [(r["record_id"], r["in_force"]) for r in listed["records"]] == [("R1", True)]
    assert listed["registrations"][0]["region_code"] == "130126"


def test_a_panel_lists_the_subjects_relocation_flags(service: Service) -> None:
    ids = service.ids
    person = service.get(f"/v1/graph/panel?id=P:{ids['k1']}&on=2020-01-01").json()
    [flag] = person["flags"]
    assert (flag["pattern"], flag["person_key"], flag["uscc"]) == ("phoenix", ids["k1"], ids["b"])
    assert flag["record_ids"] == ["R1"]
    service.run_job("relocations", "2020-01-01")
    everyone = service.get("/v1/relocations?on=2020-01-01").json()
    assert flag in everyone  # the same flag the national pass finds
    entity = service.get(f"/v1/graph/panel?id=E:{ids['b']}&on=2020-01-01").json()
    assert [f["flag_id"] for f in entity["flags"]] == [flag["flag_id"]]
    assert service.get(f"/v1/graph/panel?id=P:{ids['k1']}&on=2019-05-01").json()["flags"] == []


def test_a_panel_is_for_investigators_and_names_a_subject(service: Service) -> None:
    ids = service.ids
    assert service.get(f"/v1/graph/panel?id=E:{ids['a']}", "regulator").status_code == 403
    assert service.get(f"/v1/graph/panel?id=E:{ids['a']}", None).status_code == 401
    region = service.get("/v1/graph/panel?id=R:130126")
    assert region.status_code == 422 and "neither" in region.json()["detail_en"]
    missing = service.get("/v1/graph/panel?id=E:91130126T0000009XX")
    assert missing.status_code in (404, 422)


def test_steps_are_drawn_from_the_store_with_the_engines_badges(service: Service) -> None:
    ids = service.ids
    check = service.get(
        f"/v1/check?subject={ids['k2']}&action=consumption:air&on=2024-01-01"
    ).json()
    steps = [s for f in check["prohibitions"] for s in f["path"]]
    steps.append(
        {
            "type": "ROLE",
            "from_id": f"P:{ids['k2']}",
            "to_id": f"E:{ids['a']}",
            "role": "supervisor",
            "start_date": "2015-03-01",
            "from_name": "冒名",
        }
    )
    steps.append({"type": "HOLDS", "from_id": "E:91130126T0000009XX", "to_id": f"E:{ids['a']}"})
    response = service.client.post(
        "/v1/graph/steps?vis=en&on=2024-01-01",
        json={"steps": steps},
        headers=headers("investigator"),
    )
    assert response.status_code == 200, response.text
    view = response.json()
    by_id = {n["id"]: n for n in view["nodes"]}
    assert set(by_id) == {"C:R2", f"P:{ids['k2']}", f"E:{ids['a']}"}  # unknown ids left out
    assert by_id[f"P:{ids['k2']}"]["name"] == "李娜"  # the store's name, not the request's
    assert by_id[f"P:{ids['k2']}"]["risk"] == "listed"
    # repaired on 2022-01-15, the record no longer applies; its consumption restriction lasts
    # until a court lifts it
    assert by_id["C:R2"]["in_force"] is False
    assert {(e["type"], e["from"], e["to"]) for e in view["edges"]} >= {
        ("CONCERNS", "C:R2", f"P:{ids['k2']}"),
        ("ROLE", f"P:{ids['k2']}", f"E:{ids['a']}"),
    }
    drawn = {e["from"] for e in view["vis"]["edges"]}
    assert "E:91130126T0000009XX" not in drawn
    regulator = service.client.post(
        "/v1/graph/steps", json={"steps": steps}, headers=headers("regulator")
    )
    assert regulator.status_code == 403
    empty = service.client.post(
        "/v1/graph/steps", json={"steps": []}, headers=headers("investigator")
    )
    assert empty.status_code == 422


def test_the_page_offers_every_catalogue_action_in_both_languages(service: Service) -> None:
    html = service.get("/", None).text
    assert 'data-vocabulary="' in html and "consumption:air" in html
    assert "乘坐飞机" in html and "Fly" in html
