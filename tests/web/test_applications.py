"""The 网上申请 pages: the public form at /p/apply/ (bad input answers in Chinese and keeps what
was typed) and the committee's page per application, listed in 我的待办."""

import pytest

from portal.models import Application
from tests.factories import id_number
from tests.portal.helpers import APPLICANT_PHONE, make_outbox, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    return make_outbox(settings, tmp_path)


def form(world, **over):
    return {
        "phone": APPLICANT_PHONE,
        "sms_code": "",
        "applicant_name": "王小芳",
        "applicant_id_type": "resident_id",
        "applicant_id_number": id_number(7),
        "respondent_name": "李大壮",
        "respondent_phone": "",
        "respondent_address": "东村3组",
        "region": str(world["east_village"].pk),
        "dispute_type": "neighbour",
        "facts": "堆土挡路，下雨水进院子",
        "requests": "运走",
        "rights_acknowledged": "on",
        "action": "submit",
    } | over


def test_the_form_shows_the_rights_notice_and_the_villages(client, world):
    r = client.get("/p/apply/")
    page = r.content.decode()
    assert r.status_code == 200
    assert "选择或者接受人民调解员" in page and "如实陈述纠纷事实" in page
    assert "东村" in page and "南村" not in page  # only villages with a committee
    assert 'name="viewport"' in page


def test_code_then_submit_then_the_reference(
    client, world, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/p/apply/", form(world, action="code"))
    page = r.content.decode()
    assert r.status_code == 200 and "验证码已发到尾号0011" in page
    assert "王小芳" in page and "堆土挡路" in page  # what was typed stays
    code = outbox.codes(APPLICANT_PHONE)[-1]
    r = client.post("/p/apply/", form(world, sms_code=code))
    assert r.status_code == 302 and r["Location"] == "/p/apply/done/"
    done = client.get("/p/apply/done/").content.decode()
    assert Application.objects.get().reference in done and world["east"].name in done


def test_bad_input_answers_in_chinese_and_keeps_what_was_typed(
    client, world, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/p/apply/", form(world, action="code"))
    code = outbox.codes(APPLICANT_PHONE)[-1]
    r = client.post("/p/apply/", form(world, sms_code=code, rights_acknowledged=""))
    page = r.content.decode()
    assert r.status_code == 200 and "请先阅读权利义务告知" in page
    assert "堆土挡路" in page and 'value="李大壮"' in page
    r = client.post("/p/apply/", form(world, sms_code=code, applicant_id_number="12345"))
    assert "身份证号" in r.content.decode() and 'value="12345"' in r.content.decode()
    r = client.post("/p/apply/", form(world, sms_code="999999" if code != "999999" else "888888"))
    assert "验证码不正确" in r.content.decode()
    r = client.post("/p/apply/", form(world, phone="123", action="code"))
    assert "请填写11位手机号码" in r.content.decode()
    assert not Application.objects.exists()


@pytest.fixture
def pending(world, outbox, django_capture_on_commit_callbacks):
    return submit(world, outbox, django_capture_on_commit_callbacks)


def test_tasks_list_the_application_and_the_clerk_registers_it(
    client, clerk, pending, outbox, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    tasks = client.get("/tasks/").content.decode()
    assert "网上申请" in tasks and f"/applications/{pending.pk}/" in tasks
    page = client.get(f"/applications/{pending.pk}/").content.decode()
    assert pending.reference in page and "王小芳" in page and "李大壮" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/applications/{pending.pk}/register/")
    pending.refresh_from_db()
    assert r.status_code == 302 and r["Location"] == f"/cases/{pending.case.pk}/"
    assert "网上申请" not in client.get("/tasks/").content.decode()
    assert any(x["template"] == "application_registered" for x in outbox.lines())


def test_decline_without_reason_is_refused_in_chinese(client, director, pending):
    client.force_login(director)
    r = client.post(f"/applications/{pending.pk}/decline/", {"reason": ""})
    assert r.status_code == 400 and "请填写不予受理的理由" in r.content.decode()
    r = client.post(f"/applications/{pending.pk}/decline/", {"reason": "已起诉"})
    assert r.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "declined"


def test_scope_outsider_404_wrong_role_403(client, mediator, supervisor, outsider, pending):
    client.force_login(outsider)
    assert client.get(f"/applications/{pending.pk}/").status_code == 404
    for user in (mediator, supervisor):
        client.force_login(user)
        assert client.get(f"/applications/{pending.pk}/").status_code == 403
        assert client.post(f"/applications/{pending.pk}/register/").status_code == 403
        assert "网上申请" not in client.get("/tasks/").content.decode()
