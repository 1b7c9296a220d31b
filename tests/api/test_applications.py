"""The API of online applications (SPEC §14, §17): `POST public/applications/` and the staff
list, register and decline."""

import pytest

from portal.models import Application
from tests.factories import id_number
from tests.portal.helpers import APPLICANT_PHONE, make_outbox, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    return make_outbox(settings, tmp_path)


def body(world, code, **over):
    return {
        "phone": APPLICANT_PHONE,
        "sms_code": code,
        "applicant": {"name": "王小芳", "id_type": "resident_id", "id_number": id_number(7)},
        "respondent": {"name": "李大壮", "address": "东村3组"},
        "region": world["east_village"].pk,
        "dispute_type": "neighbour",
        "facts": "堆土挡路",
        "requests": "运走",
        "rights_acknowledged": True,
    } | over


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def ask(client, capture):
    with capture(execute=True):
        r = post(
            client, "/api/v1/public/sms-codes/", {"phone": APPLICANT_PHONE, "purpose": "apply"}
        )
    assert r.status_code == 202, r.content


def test_apply_with_the_sms_code_answers_the_reference(
    client, world, outbox, django_capture_on_commit_callbacks
):
    ask(client, django_capture_on_commit_callbacks)
    code = outbox.codes(APPLICANT_PHONE)[-1]
    r = post(client, "/api/v1/public/applications/", body(world, code))
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["organization"] == {"id": world["east"].pk, "name": world["east"].name}
    assert Application.objects.get().reference == data["reference"]
    again = post(client, "/api/v1/public/applications/", body(world, code))
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_code"


def test_bad_input_answers_json_errors_in_chinese(
    client, world, outbox, django_capture_on_commit_callbacks
):
    ask(client, django_capture_on_commit_callbacks)
    code = outbox.codes(APPLICANT_PHONE)[-1]
    south = world["east_village"].parent.children.get(name="南村")
    r = post(client, "/api/v1/public/applications/", body(world, code, region=south.pk))
    err = r.json()["error"]
    assert r.status_code == 400 and err["code"] == "invalid" and "region" in err["fields"]
    assert "人民调解委员会" in err["message"]
    r = post(client, "/api/v1/public/applications/", body(world, code, extra=1))
    assert r.status_code == 400 and "extra" in r.json()["error"]["fields"]
    r = post(client, "/api/v1/public/applications/", body(world, code, dispute_type="nope"))
    assert r.status_code == 400 and "纠纷类型" in r.json()["error"]["message"]
    r = post(client, "/api/v1/public/applications/", body(world, code, rights_acknowledged=False))
    assert r.status_code == 400 and "rights_acknowledged" in r.json()["error"]["fields"]
    r = post(client, "/api/v1/public/applications/", body(world, code))  # still usable
    assert r.status_code == 201


def test_too_many_pending_answers_429(client, world, outbox, django_capture_on_commit_callbacks):
    for _ in range(3):
        submit(world, outbox, django_capture_on_commit_callbacks)
    from django.db.models import F
    from django.utils import timezone

    from portal.models import SmsCode

    SmsCode.objects.update(created_at=F("created_at") - timezone.timedelta(minutes=5))
    ask(client, django_capture_on_commit_callbacks)
    r = post(client, "/api/v1/public/applications/", body(world, outbox.codes()[-1]))
    assert r.status_code == 429 and r.json()["error"]["code"] == "throttled"


@pytest.fixture
def pending(world, outbox, django_capture_on_commit_callbacks):
    return submit(world, outbox, django_capture_on_commit_callbacks)


def test_staff_list_register_and_decline(
    client, clerk, mediator, outsider, pending, outbox, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    r = client.get("/api/v1/applications/?status=pending")
    assert r.status_code == 200 and r.json()["count"] == 1
    row = r.json()["results"][0]
    assert row["reference"] == pending.reference and row["applicant"]["name"] == "王小芳"
    assert row["status"] == "pending" and row["case"] is None
    client.force_login(outsider)
    assert client.get("/api/v1/applications/").json()["count"] == 0
    url = f"/api/v1/applications/{pending.pk}/register/"
    assert post(client, url, {}).status_code == 404
    client.force_login(mediator)
    assert post(client, url, {}).status_code == 403
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        r = post(client, url, {})
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["status"] == "intake" and case["party_code"]
    assert {p["name"] for p in case["parties"]} == {"王小芳", "李大壮"}
    assert any(case["party_code"] in x["text"] for x in outbox.lines())
    r = post(client, f"/api/v1/applications/{pending.pk}/decline/", {"reason": "重复"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
    listed = client.get("/api/v1/applications/?status=registered").json()["results"][0]
    assert listed["case"]["id"] == case["id"]


def test_decline_requires_a_reason(client, director, pending):
    client.force_login(director)
    url = f"/api/v1/applications/{pending.pk}/decline/"
    assert post(client, url, {}).status_code == 400
    r = post(client, url, {"reason": "不属于民间纠纷"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert r.json()["decline_reason"] == "不属于民间纠纷"
