"""The parties' API (SPEC §14, §17): SMS codes, party sessions, the case as a party sees it."""

import time_machine
from django.utils import timezone

from documents.models import Document
from portal.models import SmsCode

APPLICANT, RESPONDENT = "13700000001", "13700000002"


def ask(client, capture, **body):
    with capture(execute=True):
        return client.post("/api/v1/public/sms-codes/", body, content_type="application/json")


def open_session(client, case_code, phone, sms_code):
    body = {"case_code": case_code, "phone": phone, "sms_code": sms_code}
    return client.post("/api/v1/public/sessions/", body, content_type="application/json")


def login(client, capture, outbox, case, phone=APPLICANT):
    r = ask(client, capture, phone=phone, purpose="follow", case_code=case.party_code)
    assert r.status_code == 202, r.content
    r = open_session(client, case.party_code, phone, outbox.codes(phone)[-1])
    assert r.status_code == 201, r.content
    return r.json()["token"]


def test_code_then_session_then_the_case(
    client, followed, outbox, django_capture_on_commit_callbacks
):
    token = login(client, django_capture_on_commit_callbacks, outbox, followed)
    r = client.get("/api/v1/public/case/", HTTP_AUTHORIZATION=f"Party {token}")
    assert r.status_code == 200
    data = r.json()
    assert data["number"] == followed.number and data["status"] == "mediation"
    assert data["status_label"] == "正在调解" and data["next_step"]
    assert data["sessions"] and data["sessions"][0]["place"]
    assert data["other_parties"] == [{"name": "当事人res2"}]  # the name and nothing else
    codes = {d["code"] for d in data["documents"]}
    assert codes == {"NOT"}  # APP, REG, INV, MED are the committee's file
    pdf = client.get(data["documents"][0]["pdf_url"], HTTP_AUTHORIZATION=f"Party {token}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_follow_code_for_a_phone_not_on_the_case_is_not_sent_but_answered_the_same(
    client, followed, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    stranger = ask(
        client, capture, phone="13900000009", purpose="follow", case_code=followed.party_code
    )
    wrong_case = ask(client, capture, phone=APPLICANT, purpose="follow", case_code="ZZZZZZZZ")
    assert stranger.status_code == wrong_case.status_code == 202
    assert stranger.json() == wrong_case.json() == {"expires_in": 300}
    assert outbox.codes() == []  # the case's own notices (受理通知) went out, no code


def test_wrong_code_counts_down_and_the_sixth_try_is_refused(
    client, followed, outbox, django_capture_on_commit_callbacks
):
    ask(
        client,
        django_capture_on_commit_callbacks,
        phone=APPLICANT,
        purpose="follow",
        case_code=followed.party_code,
    )
    right = outbox.codes(APPLICANT)[-1]
    wrong = "000000" if right != "000000" else "111111"
    answers = [open_session(client, followed.party_code, APPLICANT, wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [400] * 5
    assert answers[0].json()["error"]["message"] == "验证码不正确，还可以再试 4 次。"
    assert "已达5次" in answers[4].json()["error"]["message"]
    sixth = open_session(client, followed.party_code, APPLICANT, right)
    assert sixth.status_code == 400 and "已达5次" in sixth.json()["error"]["message"]


def test_an_expired_code_is_refused(client, followed, outbox, django_capture_on_commit_callbacks):
    ask(
        client,
        django_capture_on_commit_callbacks,
        phone=APPLICANT,
        purpose="follow",
        case_code=followed.party_code,
    )
    code = outbox.codes(APPLICANT)[-1]
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=5, seconds=1)):
        r = open_session(client, followed.party_code, APPLICANT, code)
    assert r.status_code == 400 and "已过期" in r.json()["error"]["message"]


def test_another_cases_code_is_refused(
    client, followed, register, outbox, django_capture_on_commit_callbacks
):
    other = register(summary="另一件纠纷")
    ask(
        client,
        django_capture_on_commit_callbacks,
        phone=APPLICANT,
        purpose="follow",
        case_code=followed.party_code,
    )
    r = open_session(client, other.party_code, APPLICANT, outbox.codes(APPLICANT)[-1])
    assert r.status_code == 400 and "查询码" in r.json()["error"]["message"]


def test_one_a_minute_and_ten_a_day_per_phone(
    client, followed, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    body = {"phone": APPLICANT, "purpose": "follow", "case_code": followed.party_code}
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert ask(client, capture, **body).status_code == 202
        again = ask(client, capture, **body)
        assert again.status_code == 429 and "秒后再试" in again.json()["error"]["message"]
        for _ in range(9):
            clock.shift(61)
            assert ask(client, capture, **body).status_code == 202
        clock.shift(61)
        eleventh = ask(client, capture, **body)
    assert eleventh.status_code == 429 and "明天" in eleventh.json()["error"]["message"]
    assert len(outbox.codes(APPLICANT)) == 10 == SmsCode.objects.count()


def test_the_session_is_one_case_for_thirty_minutes(
    client, followed, register, walk, outbox, django_capture_on_commit_callbacks
):
    token = login(client, django_capture_on_commit_callbacks, outbox, followed)
    with django_capture_on_commit_callbacks(execute=True):
        other = register(summary="另一件纠纷")
        walk(other, "investigation")
    other_not = Document.objects.get(case=other, code="NOT")
    own_app = Document.objects.get(case=followed, code="APP")
    for doc in (other_not, own_app):  # another case's, and one not addressed to the parties
        r = client.get(
            f"/api/v1/public/documents/{doc.pk}/pdf/", HTTP_AUTHORIZATION=f"Party {token}"
        )
        assert r.status_code == 404
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31)):
        r = client.get("/api/v1/public/case/", HTTP_AUTHORIZATION=f"Party {token}")
    assert r.status_code == 401 and "超时" in r.json()["error"]["message"]


def test_no_token_no_case(client, db):
    r = client.get("/api/v1/public/case/")
    assert r.status_code == 401
    assert client.get("/api/v1/public/case/", HTTP_AUTHORIZATION="Party nope").status_code == 401


def test_a_staff_token_is_not_a_party_session(client, clerk, followed):
    client.force_login(clerk)
    assert client.get("/api/v1/public/case/").status_code == 401


def test_public_endpoints_are_throttled_per_address(client, db, settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        | {"public": "2/minute"}
    }
    answers = [open_session(client, "AAAAAAAA", APPLICANT, "123456").status_code for _ in range(3)]
    assert answers == [400, 400, 429]


def test_a_sign_code_goes_only_to_a_party_of_the_case(client, db, outbox):
    """签署协议 is open now (portal/signing.py): a sign code is asked like a follow code, the
    same answer whether or not the phone is a party's, no SMS to a stranger."""
    r = client.post(
        "/api/v1/public/sms-codes/",
        {"phone": APPLICANT, "purpose": "sign", "case_code": "AAAAAAAA"},
        content_type="application/json",
    )
    assert r.status_code == 202 and r.json() == {"expires_in": 300}
    assert outbox.codes(APPLICANT) == []
