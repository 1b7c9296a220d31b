"""The 排查 API (SPEC §13/§17): field names, filters, transitions (to_case answers `case`),
photos, sweeps with progress and reports; outsiders 404, the wrong role 403, Chinese JSON
errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case
from screening.models import Lead
from tests.screening.conftest import jpeg

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c, url, data):
    return c.post(url, json.dumps(data), content_type="application/json")


def body(east_grid, **extra):
    return {
        "region": east_grid.pk,
        "channel": "grid",
        "found_on": timezone.localdate().isoformat(),
        "place": "东村一组",
        "dispute_type": "neighbour",
        "description": "两户因排水沟堵塞争吵",
        "people_involved": 2,
        "people": [{"name": "王大明", "role": "applicant", "phone": "13811112222"}],
        "risk_factors": ["violence_threat"],
    } | extra


def test_report_answers_the_lead_with_its_number_risk_and_deadline(grid, east_grid):
    r = post(client_for(grid), "/api/v1/leads/", body(east_grid))
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["number"].endswith("东村调委排字第0001号") and data["status"] == "reported"
    assert data["risk"]["level"] == "high" and data["risk"]["score"] == 40
    assert data["triage_due"] == (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert data["overdue"] is False and data["repeat_of"] is None and data["case"] is None
    assert data["allowed_transitions"] == []  # a grid worker reports and follows
    assert data["people"] == [{"name": "王大明", "role": "applicant", "phone": "13811112222"}]
    assert r["Location"].endswith(f"/api/v1/leads/{data['id']}/")


def test_bad_input_is_a_chinese_json_error(grid, east_grid, supervisor, outsider):
    c = client_for(grid)
    r = post(c, "/api/v1/leads/", body(east_grid, description="", people=[], people_involved=0))
    assert r.status_code == 400 and r.json()["error"]["code"] == "precondition_failed"
    assert "情况描述" in r.json()["error"]["message"]
    r = post(c, "/api/v1/leads/", body(east_grid, channel="pigeon"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    r = post(c, "/api/v1/leads/", body(east_grid, colour="red"))
    assert r.status_code == 400 and "未知字段" in r.json()["error"]["message"]
    r = post(c, "/api/v1/leads/", body(east_grid, people=[{"name": "张三", "phone": "12"}]))
    assert r.status_code == 400 and "电话号码" in r.json()["error"]["message"]
    assert post(client_for(supervisor), "/api/v1/leads/", body(east_grid)).status_code == 403
    assert post(client_for(outsider), "/api/v1/leads/", body(east_grid)).status_code == 404
    assert Lead.objects.count() == 0


def test_list_filters_and_scope(report, grid, grid_b, clerk, supervisor, outsider, world):
    high = report(risk_factors=["violence_threat"])
    report(channel="court", sender="青山县人民法院")
    c = client_for(clerk)
    assert c.get("/api/v1/leads/").json()["count"] == 2
    assert [x["id"] for x in c.get("/api/v1/leads/?risk=high").json()["results"]] == [high.pk]
    assert c.get("/api/v1/leads/?channel=court").json()["count"] == 1
    assert c.get("/api/v1/leads/?status=watching").json()["count"] == 0
    assert c.get("/api/v1/leads/?overdue=false").json()["count"] == 2
    assert c.get(f"/api/v1/leads/?region={world['east_village'].pk}").json()["count"] == 2
    assert c.get("/api/v1/leads/?overdue=").status_code == 400
    assert c.get("/api/v1/leads/?status=nope").status_code == 400
    assert client_for(outsider).get("/api/v1/leads/").json()["count"] == 0
    assert client_for(grid_b).get("/api/v1/leads/").json()["count"] == 0
    assert client_for(supervisor).get("/api/v1/leads/").json()["count"] == 2
    assert client_for(outsider).get(f"/api/v1/leads/{high.pk}/").status_code == 404
    assert client_for(grid_b).get(f"/api/v1/leads/{high.pk}/").status_code == 404


def test_supervisors_see_phones_masked(report, supervisor, clerk):
    lead = report()
    assert (
        client_for(supervisor).get(f"/api/v1/leads/{lead.pk}/").json()["people"][0]["phone"]
        == "*******2222"
    )
    assert (
        client_for(clerk).get(f"/api/v1/leads/{lead.pk}/").json()["people"][0]["phone"]
        == "13811112222"
    )


def test_to_case_answers_the_lead_with_the_new_case(report, clerk, grid):
    lead = report()
    r = post(client_for(clerk), f"/api/v1/leads/{lead.pk}/transitions/to_case/", {})
    assert r.status_code == 200, r.content
    case = Case.objects.get()
    assert r.json()["case"] == case.pk and r.json()["status"] == "converted"
    assert [p.name for p in case.parties.order_by("id")] == ["王大明", "李小红"]
    # the reporter follows the lead, sees the case id, not the case
    seen = client_for(grid).get(f"/api/v1/leads/{lead.pk}/").json()
    assert seen["status"] == "converted"
    assert client_for(grid).get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_transition_errors(report, clerk, mediator, grid, outsider):
    lead = report()
    url = f"/api/v1/leads/{lead.pk}/transitions/"
    assert post(client_for(outsider), url + "close/", {"note": "x"}).status_code == 404
    assert post(client_for(grid), url + "close/", {"note": "x"}).status_code == 403
    assert post(client_for(mediator), url + "to_case/", {}).status_code == 403
    assert post(client_for(clerk), url + "fly/", {}).status_code == 404
    r = post(client_for(clerk), url + "close/", {"note": ""})
    assert r.status_code == 400 and r.json()["error"]["fields"]["missing"]
    r = post(client_for(clerk), url + "refer/", {"receiver": "mars"})
    assert r.status_code == 400
    c = client_for(clerk)
    r = c.post(
        url + "close/",
        json.dumps({"note": "核实"}),
        content_type="application/json",
        headers={"If-Match": '"7"'},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    r = c.post(
        url + "close/",
        json.dumps({"note": "核实"}),
        content_type="application/json",
        headers={"If-Match": '"0"'},
    )
    assert r.status_code == 200 and r.json()["version"] == 1
    r = post(c, url + "close/", {"note": "再次"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"


def test_watch_and_refer_bodies(report, clerk, director):
    a, b = report(), report()
    day = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    r = post(
        client_for(clerk),
        f"/api/v1/leads/{a.pk}/transitions/watch/",
        {"note": "关注", "next_check_on": day},
    )
    assert r.json()["status"] == "watching" and r.json()["next_check_on"] == day
    r = post(
        client_for(director),
        f"/api/v1/leads/{b.pk}/transitions/refer/",
        {"receiver": "court", "reason": "已起诉", "feedback_due": day},
    )
    assert (r.json()["receiver"], r.json()["feedback_due"]) == ("court", day)


def test_photo_upload(report, grid, grid_b, supervisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lead = report()
    url = f"/api/v1/leads/{lead.pk}/photos/"

    def upload(user, data=None, name="a.jpg"):
        f = SimpleUploadedFile(name, data or jpeg(), content_type="image/jpeg")
        return client_for(user).post(url, {"file": f})

    r = upload(grid)
    assert r.status_code == 201, r.content
    assert set(r.json()) == {"id", "size", "sha256"}
    assert upload(grid, b"not a photo at all").status_code == 400
    assert "JPEG" in upload(grid, b"not a photo at all").json()["error"]["message"]
    assert upload(grid_b).status_code == 404
    assert upload(supervisor).status_code == 403
    r = client_for(grid).post(url, json.dumps({}), content_type="application/json")
    assert r.status_code == 415
    assert client_for(grid).get(f"/api/v1/leads/{lead.pk}/").json()["photos"][0]["size"] > 0


def test_sweeps(supervisor, clerk, grid, outsider, report, world, east_grid):
    today = timezone.localdate()
    data = {
        "region": world["qingshan"].pk,
        "name": "元旦春节前矛盾纠纷大排查",
        "starts_on": (today - dt.timedelta(days=2)).isoformat(),
        "ends_on": (today + dt.timedelta(days=10)).isoformat(),
        "focus": "征地拆迁、劳资、婚姻家庭",
    }
    own = data | {"region": world["east_village"].pk}
    assert post(client_for(clerk), "/api/v1/sweeps/", own).status_code == 403
    assert post(client_for(clerk), "/api/v1/sweeps/", data).status_code == 404  # not their region
    assert post(client_for(outsider), "/api/v1/sweeps/", data).status_code == 404
    r = post(client_for(supervisor), "/api/v1/sweeps/", data)
    assert r.status_code == 201, r.content
    sweep = r.json()["id"]
    assert {p["status"] for p in r.json()["progress"]} == {"missing"}
    report(sweep=Lead.sweep.field.related_model.objects.get(pk=sweep))
    r = post(
        client_for(clerk),
        f"/api/v1/sweeps/{sweep}/reports/",
        {"region": world["east_village"].pk, "zero": True, "note": ""},
    )
    assert r.status_code == 201 and r.json()["zero"] is True
    progress = client_for(grid).get(f"/api/v1/sweeps/{sweep}/").json()["progress"]
    assert [(p["region"]["name"], p["status"], p["leads"]) for p in progress] == [
        ("东村", "zero", 0),
        ("东村第一网格", "reported", 1),
    ]
    assert client_for(outsider).get(f"/api/v1/sweeps/{sweep}/").status_code == 404
    assert client_for(grid).get("/api/v1/sweeps/").json()["count"] == 1
    assert client_for(clerk).get(f"/api/v1/leads/?sweep={sweep}").json()["count"] == 1
    r = post(
        client_for(clerk),
        f"/api/v1/sweeps/{sweep}/reports/",
        {"region": world["east_village"].pk, "zero": True},
    )
    assert r.status_code == 409
