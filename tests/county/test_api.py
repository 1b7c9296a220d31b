"""The county's endpoints (SPEC §15/§17): field names, scope (outsider 404), roles (403),
masking, Chinese JSON errors, the claim's steps over HTTP and the export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from county.models import MediatorRecord
from tests.api import api
from tests.county.conftest import at
from tests.factories import id_number

pytestmark = pytest.mark.django_db
MEDIATORS = "/api/v1/mediators/"
TARIFFS = "/api/v1/subsidies/tariffs/"
CLAIMS = "/api/v1/subsidies/claims/"


def body(world, **overrides):
    data = {
        "name": "周新",
        "gender": "male",
        "birth_year": 1980,
        "id_type": "resident_id",
        "id_number": id_number(77, dt.date(1980, 2, 3)),
        "phone": "13900000077",
        "organizations": [world["east"].pk],
        "kind": "full_time",
        "grade": 2,
        "appointed_on": "2025-01-01",
        "term_ends_on": "2027-12-31",
        "filed": True,
        "user": None,
    }
    return data | overrides


def test_mediator_register_over_the_api(world, director, supervisor, outsider, mediator):
    created = api(director).post(MEDIATORS, body(world), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert {
        "name", "gender", "birth_year", "id_type", "id_number", "phone", "organizations",
        "kind", "grade", "appointed_on", "term_ends_on", "filed", "user",
    } <= set(data)  # fmt: skip
    assert data["id_number"] == id_number(77, dt.date(1980, 2, 3))
    pk = data["id"]
    # the county supervisor sees the entry, masked (SPEC §11)
    seen = api(supervisor).get(f"{MEDIATORS}{pk}/").json()
    assert seen["masked"] and seen["id_number"].startswith("*") and seen["phone"].endswith("0077")
    # the outsider of 白水县: it does not exist
    assert api(outsider).get(f"{MEDIATORS}{pk}/").status_code == 404
    assert pk not in [r["id"] for r in api(outsider).get(MEDIATORS).json()["results"]]
    # a mediator may not keep the register
    refused = api(mediator).post(MEDIATORS, body(world, name="另一人"), format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    # bad input: a Chinese JSON error, never a 500
    bad = api(director).post(MEDIATORS, body(world, id_number="12345"), format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert "身份证" in bad.json()["error"]["message"]
    unknown = api(director).post(MEDIATORS, body(world, mediator=1), format="json")
    assert unknown.status_code == 400


def test_trainings(world, director, outsider):
    record = MediatorRecord.objects.get(user__username="mediator")
    url = f"{MEDIATORS}{record.pk}/trainings/"
    added = api(director).post(
        url,
        {"held_on": "2026-06-01", "topic": "民法典培训", "hours": "4.5", "organiser": "县司法局"},
        format="json",
    )
    assert added.status_code == 201 and added.json()["hours"] == "4.5"
    assert "民法典培训" in [t["topic"] for t in api(director).get(url).json()]
    assert api(outsider).get(url).status_code == 404
    assert api(outsider).post(url, {}, format="json").status_code == 404
    bad = api(director).post(url, {"held_on": "x", "topic": "t", "hours": -1, "organiser": "o"},
                             format="json")  # fmt: skip
    assert bad.status_code == 400


def test_tariffs(world, supervisor, director):
    data = {
        "region": world["qingshan"].pk,
        "valid_from": "2026-10-01",
        "amounts": {"ordinary": 120, "major": 240, "complex": 360, "grave": 600},
        "oral_share": "0.5",
        "terminated_share": "0.3",
    }
    assert api(director).post(TARIFFS, data, format="json").status_code == 403
    made = api(supervisor).post(TARIFFS, data, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["amounts"]["complex"] == "360.00"
    again = api(supervisor).post(TARIFFS, data, format="json")
    assert again.status_code == 400 and "已有" in again.json()["error"]["message"]
    village = api(supervisor).post(TARIFFS, data | {"region": world["east_village"].pk},
                                   format="json")  # fmt: skip
    assert village.status_code == 400
    listed = api(director).get(TARIFFS).json()["results"]
    assert "2026-10-01" in [t["valid_from"] for t in listed]


def test_claim_steps_over_the_api(quarter, director, township, supervisor, outsider, mediator):
    with at(10, 5):
        made = api(director).post(
            CLAIMS, {"organization": quarter["first"].organization_id, "period": "2026-Q3"},
            format="json",
        )  # fmt: skip
    assert made.status_code == 201, made.json()
    claim = made.json()
    assert claim["status"] == "draft" and claim["total"] == "463.33"
    line = claim["lines"][0]
    assert {"id", "case", "difficulty", "amount", "mediators", "flags"} <= set(line)
    assert set(line["mediators"][0]) >= {"id", "name", "amount"}
    assert claim["allowed_transitions"] == ["submit"]
    url = f"{CLAIMS}{claim['id']}/"
    assert api(outsider).get(url).status_code == 404
    assert api(outsider).post(url + "transitions/submit/", {}, format="json").status_code == 404
    assert api(mediator).post(url + "transitions/submit/", {}, format="json").status_code == 403
    stale = api(director).post(url + "transitions/submit/", {}, format="json",
                               HTTP_IF_MATCH='"999"')  # fmt: skip
    assert stale.status_code == 409
    with at(10, 6):
        assert api(director).post(url + "transitions/submit/", {}, format="json").status_code == 200
        wrong = api(supervisor).post(url + "transitions/review/", {}, format="json")
        assert wrong.status_code == 403 and "乡镇督导员" in wrong.json()["error"]["message"]
        no_reason = api(township).post(
            url + "transitions/review/", {"lines": [{"id": line["id"], "struck": True}]},
            format="json",
        )  # fmt: skip
        assert no_reason.status_code == 400
        reviewed = api(township).post(
            url + "transitions/review/",
            {"lines": [{"id": line["id"], "struck": True, "reason": "材料不实"}]},
            format="json",
        )
        assert reviewed.status_code == 200, reviewed.json()
        assert reviewed.json()["status"] == "township_reviewed"
        twice = api(township).post(url + "transitions/review/", {}, format="json")
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "invalid_state"
    assert api(director).post(url + "transitions/nonsense/", {}, format="json").status_code == 404
    exported = api(director).get(url + "export.xlsx")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(exported.content))
    assert book.sheetnames == ["按调解员汇总", "按案件明细"]
    assert api(outsider).get(url + "export.xlsx").status_code == 404


def test_claim_bad_bodies(world, director, outsider):
    for data in ({"organization": world["east"].pk, "period": "2026-5"}, {"period": "2026-Q1"},
                 {"organization": "x", "period": "2026-Q1"}):  # fmt: skip
        answer = api(director).post(CLAIMS, data, format="json")
        assert answer.status_code == 400, answer.json()
    far = api(director).post(CLAIMS, {"organization": world["east"].pk, "period": "2099-Q1"},
                             format="json")  # fmt: skip
    assert far.status_code == 400 and far.json()["error"]["message"] == "季度尚未开始"
    west = api(director).post(CLAIMS, {"organization": world["west"].pk, "period": "2026-Q1"},
                              format="json")  # fmt: skip
    assert west.status_code == 404
    assert api(outsider).post(CLAIMS, {"organization": world["west"].pk, "period": "2026-Q1"},
                              format="json").status_code == 403  # fmt: skip


def test_review_round_over_the_api(quarter, supervisor, director, outsider):
    body = {"region": quarter["first"].organization.region.parent.parent_id, "from": "2026-07-01",
            "to": "2026-09-30", "confirmed_pct": 10, "other_pct": 50, "min_per_committee": 1,
            "seed": "S"}  # fmt: skip
    with at(10, 3):
        made = api(supervisor).post("/api/v1/reviews/", body, format="json")
        again = api(supervisor).post("/api/v1/reviews/", body, format="json")
    assert made.status_code == 201, made.json()
    first, second = made.json(), again.json()
    assert first["seed"] == "S" and len(first["items"]) == 2  # ceil(4 × 50 %)
    assert [i["case"]["id"] for i in first["items"]] == [i["case"]["id"] for i in second["items"]]
    assert set(first["items"][0]) >= {"id", "case", "organization", "prefill"}
    url = f"/api/v1/reviews/{first['id']}/"
    item = first["items"][0]
    scores = {a: v[0] for a, v in item["prefill"].items()} | {
        "acceptance": 10, "evidence": 15, "law": 15, "filing": 10}  # fmt: skip
    assert api(director).post(f"{url}items/{item['id']}/score/", {"scores": scores},
                              format="json").status_code == 403  # fmt: skip
    assert api(outsider).get(f"{url}items/").status_code == 404
    bad = api(supervisor).post(f"{url}items/{item['id']}/score/", {"scores": {"law": 3}},
                               format="json")  # fmt: skip
    assert bad.status_code == 400 and "七个方面" in bad.json()["error"]["message"]
    scored = api(supervisor).post(f"{url}items/{item['id']}/score/", {"scores": scores},
                                  format="json")  # fmt: skip
    assert scored.status_code == 200 and scored.json()["total"] == sum(scores.values())
    report = api(director).get(f"{url}report/").json()
    assert report[0]["items"] == 2 and report[0]["reviewed"] == 1
    assert api(supervisor).post(f"{url}notices/", {}, format="json").status_code == 409
    missing_from = {k: v for k, v in body.items() if k != "from"}
    assert api(supervisor).post("/api/v1/reviews/", missing_from, format="json").status_code == 400
