"""The follow pages under /p/ (SPEC §14): case code + phone → SMS code → the case in plain words."""

import re

import time_machine
from django.utils import timezone

APPLICANT = "13700000001"


def start(client, capture, case_code, phone=APPLICANT):
    with capture(execute=True):
        return client.post("/p/", {"case_code": case_code, "phone": phone})


def test_the_whole_walk(client, followed, outbox, django_capture_on_commit_callbacks):
    first = client.get(f"/p/?code={followed.party_code}")
    assert first.status_code == 200
    html = first.content.decode()
    assert f'value="{followed.party_code}"' in html and "查询码" in html
    r = start(client, django_capture_on_commit_callbacks, followed.party_code)
    assert r.status_code == 302 and r["Location"] == "/p/verify/"
    assert "尾号 0001" in client.get("/p/verify/").content.decode()
    r = client.post("/p/verify/", {"sms_code": outbox.codes(APPLICANT)[-1]})
    assert r.status_code == 302 and r["Location"] == "/p/case/"
    answer = client.get("/p/case/")
    assert "no-store" in answer["Cache-Control"]
    page = answer.content.decode()
    assert "正在调解" in page and followed.number in page
    assert "当事人res2" in page and "13700000002" not in page  # the other party's name only
    assert "人民调解当事人权利义务告知书" in page
    link = re.search(r'href="(/p/documents/\d+/)"', page).group(1)
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    client.post("/p/leave/")
    assert client.get("/p/case/")["Location"] == "/p/"
    assert client.get(link).status_code == 404


def test_a_wrong_code_is_told_in_chinese(
    client, followed, outbox, django_capture_on_commit_callbacks
):
    start(client, django_capture_on_commit_callbacks, followed.party_code)
    right = outbox.codes(APPLICANT)[-1]
    r = client.post("/p/verify/", {"sms_code": "  "})  # nothing typed: asked for, not counted
    assert r.status_code == 200 and "请输入短信中的6位验证码。" in r.content.decode()
    r = client.post("/p/verify/", {"sms_code": "000000" if right != "000000" else "111111"})
    assert r.status_code == 200 and "验证码不正确，还可以再试 4 次。" in r.content.decode()
    assert client.get("/p/case/").status_code == 302


def test_a_bad_phone_is_told_in_chinese(client, followed, django_capture_on_commit_callbacks):
    r = start(client, django_capture_on_commit_callbacks, followed.party_code, phone="12")
    assert r.status_code == 200 and "请填写11位手机号码。" in r.content.decode()


def test_the_party_session_ends_after_thirty_minutes(
    client, followed, outbox, django_capture_on_commit_callbacks
):
    start(client, django_capture_on_commit_callbacks, followed.party_code)
    client.post("/p/verify/", {"sms_code": outbox.codes(APPLICANT)[-1]})
    assert client.get("/p/case/").status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31)):
        assert client.get("/p/case/")["Location"] == "/p/"


def test_a_party_session_is_not_a_staff_login(
    client, followed, outbox, django_capture_on_commit_callbacks
):
    start(client, django_capture_on_commit_callbacks, followed.party_code)
    client.post("/p/verify/", {"sms_code": outbox.codes(APPLICANT)[-1]})
    assert client.get(f"/cases/{followed.pk}/").status_code == 302  # to the staff login
    assert client.get(f"/api/v1/cases/{followed.pk}/").status_code == 401


def test_pages_have_no_inline_script_or_style_and_large_type(client, db):
    html = client.get("/p/").content.decode()
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert 'name="viewport"' in html
    from django.contrib.staticfiles import finders

    with open(finders.find("portal/portal.css"), encoding="utf-8") as file:
        css = file.read()
    body = re.search(r"body \{[^}]*font: (\d+)px", css)
    assert body and int(body.group(1)) >= 16
    sizes = [int(x) for x in re.findall(r"font-size: (\d+)px", css)]
    assert min(sizes) >= 16
