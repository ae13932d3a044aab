"""What each endpoint answers: search, profiles over time with paging, persons masked or
unmasked by role, neighbourhoods and paths with risk and vis data, info, metrics, the page."""

from __future__ import annotations

import datetime as dt
import logging
import re

from graph_service.api.app import _MaskIdNumbers
from graph_service.engine.personal import exposure
from graph_service.engine.timeline import record_applies
from graph_service.services.graphview import (
    NOT_IN_FORCE_COLOUR,
    RISK_COLOUR,
    STATUS_COLOUR,
    vis_data,
    wrap_label,
)
from graph_service.services.views import risk_of
from graph_service.stores import open_store
from tests.api.support import Service


def test_search_finds_entities_by_name_and_uscc_prefix(service: Service) -> None:
    ids = service.ids
    by_name = service.get("/v1/search?q=恒达", "analyst").json()
    assert by_name["total"] == 2
    assert [h["id"] for h in by_name["items"]] == [f"E:{ids['b']}", f"E:{ids['a']}"]
    by_prefix = service.get("/v1/search?q=91440305", "analyst").json()
    assert [h["uscc"] for h in by_prefix["items"]] == [ids["b"]]


def test_search_pages_with_limit_and_offset(service: Service) -> None:
    first = service.get("/v1/search?q=恒达&limit=1", "regulator").json()
    second = service.get("/v1/search?q=恒达&limit=1&offset=1", "regulator").json()
    assert (first["total"], first["limit"], len(first["items"])) == (2, 1, 1)
    assert second["offset"] == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]


def test_search_by_resident_id_finds_the_person_masked(service: Service) -> None:
    found = service.get(f"/v1/search?q={service.ids['p1']}", "regulator").json()
    [hit] = found["items"]
    assert hit["type"] == "person" and hit["name"] == "张伟"
    assert hit["id"] == f"P:{service.ids['k1']}"
    assert hit["id_masked"] == service.ids["p1"][:6] + "********" + service.ids["p1"][14:]
    assert service.ids["p1"] not in str(found)
    assert service.ids["p1"] not in service.audit_path.read_text()  # the search is logged masked


def test_entity_profile_lists_relations_over_time_with_labels(service: Service) -> None:
    ids = service.ids
    profile = service.get(f"/v1/entities/{ids['a']}", "analyst").json()
    assert profile["entity"]["name"] == "灵寿县恒达建材有限公司"
    assert profile["entity"]["region_name"] == "河北省 石家庄市 灵寿县"
    assert profile["entity"]["source"] == "entities.csv"
    roles = profile["roles"]["items"]
    assert [(r["person_name"], r["role_label"], r["start_date"]) for r in roles] == [
        ("李娜", "监事 / Supervisor", "2015-03-01"),
        ("张伟", "法定代表人 / Legal representative", "2015-03-01"),
    ]
    [record] = profile["records"]["items"]
    assert record["kind_label"] == "失信被执行人 / Dishonest judgment debtor"
    assert record["status_label"] == "有效 / Active"
    assert record["basis"].startswith("《最高人民法院关于公布失信被执行人名单信息的若干规定》")
    assert profile["holdings"]["total"] == 2
    assert profile["registrations"]["items"][0]["region_name"] == "灵寿县"


def test_entity_profile_pages_each_list(service: Service) -> None:
    page = service.get(f"/v1/entities/{service.ids['a']}?limit=1&offset=1", "analyst").json()
    assert (page["roles"]["total"], len(page["roles"]["items"])) == (2, 1)
    assert page["roles"]["items"][0]["person_name"] == "张伟"
    assert page["records"]["items"] == [] and page["records"]["total"] == 1


def test_person_profile_by_id_number_or_key_unmasked_only_for_investigators(
    service: Service,
) -> None:
    ids = service.ids
    seen = service.get(f"/v1/persons/{ids['p2']}", "investigator").json()
    assert seen["person"]["id_number"] == ids["p2"]
    assert seen["person"]["name"] == "李娜"
    [record] = seen["records"]["items"]
    assert (record["record_id"], record["status"], record["status_on"]) == (
        "R2",
        "repaired",
        "2022-01-15",
    )
    masked = service.get(f"/v1/persons/{ids['k2']}", "regulator").json()
    assert "id_number" not in masked["person"]
    assert masked["person"]["id_masked"].endswith(ids["p2"][14:])
    assert ids["p2"] not in str(masked)
    by_key_upper = service.get(f"/v1/persons/{ids['k1'].upper()}", "regulator").json()
    assert [r["entity_name"] for r in by_key_upper["roles"]["items"]] == [
        "灵寿县恒达建材有限公司",
        "深圳市南山区恒达贸易有限公司",
    ]


def test_record_shows_its_evidence(service: Service) -> None:
    record = service.get("/v1/records/R1", "admin").json()
    assert record["authority"] == "灵寿县人民法院"
    assert record["decided_on"] == "2019-05-20"
    assert record["status_label"] == "有效 / Active"


def test_neighbourhood_pages_a_node_with_and_n_more(service: Service) -> None:
    a = f"E:{service.ids['a']}"
    view = service.get(f"/v1/graph/neighbourhood?id={a}&limit=2&vis=en").json()
    assert (view["total"], view["more"], len(view["neighbours"])) == (5, 3, 2)
    more = [n for n in view["vis"]["nodes"] if n.get("kind") == "more"]
    assert [(n["label"], n["owner"]) for n in more] == [("and 3 more", a)]
    rest = service.get(f"/v1/graph/neighbourhood?id={a}&limit=2&offset=2").json()
    assert rest["more"] == 1 and "vis" not in rest


def _engine_badge(service: Service, subject: str, on: str) -> str:
    """What the engine answers for a subject on a day (the page must show exactly this)."""
    kind = "entity" if subject.startswith("E:") else "person"
    return risk_of(exposure(open_store(str(service.store_path)), kind, subject[2:], on))


def test_neighbourhood_badges_are_the_engines_answers_and_are_drawn(service: Service) -> None:
    ids = service.ids
    today = dt.date.today().isoformat()
    view = service.get(f"/v1/graph/neighbourhood?id={ids['a']}&vis=zh").json()
    shown = [view["node"], *view["neighbours"]]
    subjects = {n["id"]: n["risk"] for n in shown if n["label"] in ("Entity", "Person")}
    assert subjects == {s: _engine_badge(service, s, today) for s in subjects}
    # R2 is repaired, but the consumption restriction lasts until a court lifts it
    assert subjects[f"P:{ids['k2']}"] == "listed"
    # R1 lists A; it reaches 张伟, its legal representative on the decision date
    assert subjects[f"E:{ids['a']}"] == subjects[f"P:{ids['k1']}"] == "listed"
    drawn = {n["id"]: n for n in view["vis"]["nodes"]}
    assert drawn[f"P:{ids['k2']}"]["color"]["background"] == RISK_COLOUR["listed"]
    assert drawn[f"E:{ids['a']}"]["shape"] == "dot"
    assert drawn[f"P:{ids['k1']}"]["shape"] == "triangle"
    assert drawn["C:R1"]["color"]["background"] == STATUS_COLOUR["active"]
    labels = {e["data"]["type"] + ":" + e["from"]: e["label"] for e in view["vis"]["edges"]}
    assert labels[f"ROLE:P:{ids['k1']}"] == "法定代表人\n2015-03-01→"
    assert labels[f"HOLDS:P:{ids['k1']}"] == "持股 60%\n2015-03-01→"


def test_neighbourhood_as_of_a_date_and_before_a_record(service: Service) -> None:
    a = f"E:{service.ids['a']}"
    before = service.get(f"/v1/graph/neighbourhood?id={a}&on=2019-05-19").json()
    assert "C:R1" not in [n["id"] for n in before["neighbours"]]
    assert before["node"]["risk"] == "none"  # nothing reaches it yet that day
    assert before["on"] == "2019-05-19"


def test_neighbourhood_accepts_bare_identifiers(service: Service) -> None:
    ids = service.ids
    assert service.get(f"/v1/graph/neighbourhood?id={ids['a']}").json()["node"]["id"] == (
        f"E:{ids['a']}"
    )
    by_id_number = service.get(f"/v1/graph/neighbourhood?id={ids['p1']}").json()
    assert by_id_number["node"]["id"] == f"P:{ids['k1']}"
    region = service.get("/v1/graph/neighbourhood?id=R:440305").json()
    assert [n["id"] for n in region["neighbours"]] == [f"E:{ids['b']}"]


def test_path_between_two_subjects_with_its_evidence(service: Service) -> None:
    ids = service.ids
    found = service.get(f"/v1/graph/path?from=P:{ids['k2']}&to={ids['b']}&vis=zh").json()
    assert found["found"] and found["hops"] == 2
    assert [n["name"] for n in found["nodes"]] == [
        "李娜",
        "灵寿县恒达建材有限公司",
        "深圳市南山区恒达贸易有限公司",
    ]
    assert [(e["type"], e.get("role"), e["source"]) for e in found["edges"]] == [
        ("ROLE", "supervisor", "roles.csv"),
        ("HOLDS", None, "shareholdings.csv"),
    ]
    assert len(found["vis"]["edges"]) == 2
    short = service.get(f"/v1/graph/path?from=P:{ids['k2']}&to={ids['b']}&max_hops=1").json()
    assert short == {"found": False, "nodes": [], "edges": []}


def test_info_counts_and_load_log(service: Service) -> None:
    info = service.get("/v1/info", "analyst").json()
    assert info["backend"] == "embedded"
    assert info["counts"]["Entity"] == 4
    assert len(info["loads"]) == 1


def test_metrics_count_requests_by_route_template(service: Service) -> None:
    service.get(f"/v1/persons/{service.ids['p1']}", "regulator")
    text = service.client.get("/metrics").text
    assert 'route="/v1/persons/{person_id}",status="200"' in text
    assert service.ids["p1"] not in text
    assert "credit_graph_audit_entries_total 1.0" in text
    assert "credit_graph_http_request_seconds_bucket" in text


def test_export_is_one_offline_html_file(service: Service) -> None:
    body = {
        "title": "导出 <script>",
        "nodes": [
            {"id": "E:1", "label": "甲</script>", "x": 1, "y": 2, "color": "#e15759"},
            {"id": "P:2", "label": "乙"},
        ],
        "edges": [{"from": "P:2", "to": "E:1", "label": "法定代表人"}],
    }
    response = service.client.post(
        "/v1/graph/export", json=body, headers={"X-API-Key": "key-investigator"}
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    html = response.text
    assert "new vis.Network" in html and "vis-network" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=", html)  # nothing fetched
    assert "<script>" not in html.split("<body>")[1].split("<div")[0]  # title escaped
    assert "甲</script>" not in html


def test_the_page_loads_only_from_the_service(service: Service) -> None:
    page = service.client.get("/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'data-neighbour-limit="50"' in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/static/") for s in sources)
    for s in sources:
        assert service.client.get(s).status_code == 200


def test_access_log_lines_mask_resident_id_numbers() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1", "GET", "/v1/persons/13012619800101011X?limit=5", "1.1", 200),
        None,
    )
    _MaskIdNumbers().filter(record)
    assert record.getMessage().count("130126********011X") == 1


def test_a_record_is_in_force_as_of_a_day_until_it_was_repaired(service: Service) -> None:
    while_active = service.get("/v1/graph/neighbourhood?id=C:R2&on=2021-12-31&vis=en").json()
    assert while_active["node"]["in_force"] is True
    after = service.get("/v1/graph/neighbourhood?id=C:R2&on=2022-01-15&vis=en").json()
    assert after["node"]["in_force"] is False
    [person] = after["neighbours"]
    assert person["risk"] == _engine_badge(service, person["id"], "2022-01-15")
    drawn = {n["id"]: n for n in after["vis"]["nodes"]}
    assert drawn["C:R2"]["color"]["background"] == STATUS_COLOUR["repaired"]


def test_a_records_state_comes_from_the_time_module_on_the_full_record(service: Service) -> None:
    """Every record drawn is in force exactly when timeline.record_applies says so."""
    store = open_store(str(service.store_path))
    for day in ("2019-05-19", "2019-05-20", "2021-09-01", "2022-01-14", "2022-01-15", "2030-01-01"):
        for rid in ("R1", "R2"):
            node = service.get(f"/v1/graph/neighbourhood?id=C:{rid}&on={day}").json()["node"]
            [full] = store.records_by_id([rid])
            assert node["in_force"] is record_applies(full, day), (rid, day)


def test_an_expired_record_is_drawn_faded_and_says_so() -> None:
    node = {"label": "Record", "id": "C:9", "kind": "watch_list", "status": "active"}
    vis = vis_data([node | {"in_force": False}], [], "en")
    [drawn] = vis["nodes"]
    assert drawn["color"]["background"] == NOT_IN_FORCE_COLOUR
    assert drawn["label"] == "Watch list\nnot in force"
    [live] = vis_data([node | {"in_force": True}], [], "zh")["nodes"]
    assert live["color"]["background"] == STATUS_COLOUR["active"]
    assert live["label"] == "重点关注对象名单\n有效"


def test_an_eighteen_digit_search_that_is_no_id_number_searches_text(service: Service) -> None:
    response = service.get("/v1/search?q=911301260000000010", "analyst")
    assert response.status_code == 200
    assert response.json()["total"] == 0


def test_labels_wrap_between_words_and_never_cut_one() -> None:
    node = {"label": "Record", "id": "C:9", "kind": "dishonest_judgment_debtor", "status": "active"}
    [drawn] = vis_data([node | {"in_force": True}], [], "en")["nodes"]
    assert drawn["label"] == "Dishonest\njudgment debtor\nActive"
    assert (
        wrap_label("Shenzhen Nanshan Hengda Trading Co., Ltd.")
        == "Shenzhen Nanshan\nHengda Trading…"
    )
    assert wrap_label("灵寿县恒达建材有限公司") == "灵寿县恒达建\n材有限公司"
