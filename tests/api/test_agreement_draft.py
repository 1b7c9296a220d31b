"""SPEC §17 agreement-draft and public/signatures: the mediator's draft and paper signature,
the party's own signatures with a party token, and the walk to an agreement made from them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import AgreementDraft, Signature
from tests.portal.helpers import make_outbox
from tests.portal.sign_helpers import (
    APPLICANT_PHONE,
    RESPONDENT_PHONE,
    data_url,
    jpeg_bytes,
    sign_code,
)
from workflows.models import CaseEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    return make_outbox(settings, tmp_path)


@pytest.fixture
def followed(register, walk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "session_held")
    return case


def body(**over):
    return {
        "kind": "written",
        "terms": ["被申请人于十日内疏通排水沟", "被申请人赔偿清理费八百元"],
        "performance_method": "当面交付现金",
        "performance_deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "amount": "800",
    } | over


def post_draft(client, case, capture, **headers):
    with capture(execute=True):
        return client.post(
            f"/api/v1/cases/{case.pk}/agreement-draft/",
            body(),
            content_type="application/json",
            **headers,
        )


def party_token(client, case, phone, outbox, capture) -> str:
    from django.db.models import F

    from portal.models import SmsCode

    # One code a minute per phone: the earlier ones moved back.
    SmsCode.objects.filter(phone=phone).update(created_at=F("created_at") - dt.timedelta(minutes=2))
    with capture(execute=True):
        r = client.post(
            "/api/v1/public/sms-codes/",
            {"phone": phone, "purpose": "follow", "case_code": case.party_code},
            content_type="application/json",
        )
    assert r.status_code == 202
    r = client.post(
        "/api/v1/public/sessions/",
        {"case_code": case.party_code, "phone": phone, "sms_code": outbox.codes(phone)[-1]},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    return r.json()["token"]


def test_the_whole_walk_through_the_api(
    client, followed, mediator, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    client.force_login(mediator)
    r = post_draft(client, followed, capture, HTTP_IF_MATCH=f'"{followed.version}"')
    assert r.status_code == 201, r.content
    draft = r.json()
    assert [x["status"] for x in draft["signatures"]] == ["pending", "pending"]
    assert set(draft["signatures"][0]) == {"id", "party", "status", "signed_at"}
    assert set(draft["signatures"][0]["party"]) == {"id", "name"}
    r = client.get(f"/api/v1/cases/{followed.pk}/agreement-draft/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"

    # The applicant signs on the phone.
    client.logout()
    token = party_token(client, followed, APPLICANT_PHONE, outbox, capture)
    auth = {"HTTP_AUTHORIZATION": f"Party {token}"}
    r = client.get("/api/v1/public/signatures/", **auth)
    assert r.status_code == 200
    [mine] = r.json()
    assert mine["case_number"] == followed.number and mine["status"] == "pending"
    assert client.get(mine["draft_pdf_url"], **auth).status_code == 200
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    r = client.post(
        f"/api/v1/public/signatures/{mine['id']}/",
        {"sms_code": code, "image": data_url()},
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone) 测试",
        **auth,
    )
    assert r.status_code == 201, r.content
    assert set(r.json()) == {"signed_at", "sha256"}
    signed = Signature.objects.get(pk=mine["id"])
    assert signed.sha256 == r.json()["sha256"] and signed.user_agent.startswith("Mozilla")
    assert signed.ip == "127.0.0.1"

    # The respondent signs on paper; the mediator marks it.
    client.force_login(mediator)
    respondent = next(x for x in draft["signatures"] if x["id"] != mine["id"])
    photo = SimpleUploadedFile("page.jpg", jpeg_bytes(), content_type="image/jpeg")
    r = client.post(
        f"/api/v1/cases/{followed.pk}/agreement-draft/paper-signature/",
        {"party": respondent["party"]["id"], "file": photo},
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "paper" and r.json()["signed_at"]

    # The agreement, without tick boxes.
    with capture(execute=True):
        r = client.post(
            f"/api/v1/cases/{followed.pk}/transitions/record_agreement/",
            {"kind": "written"},
            content_type="application/json",
        )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "closure"
    assert AgreementDraft.objects.get(pk=draft["id"]).status == "used"


def test_who_may_prepare_and_mark(
    client, followed, mediator, mediator2, clerk, outsider, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    client.force_login(outsider)
    assert post_draft(client, followed, capture).status_code == 404
    client.force_login(clerk)
    r = post_draft(client, followed, capture)
    assert r.status_code == 403 and "拟定协议草稿" in r.json()["error"]["message"]
    client.force_login(mediator2)
    assert post_draft(client, followed, capture).status_code == 403
    client.force_login(mediator)
    r = post_draft(client, followed, capture, HTTP_IF_MATCH=f'"{followed.version - 1}"')
    assert r.status_code == 409
    r = client.post(
        f"/api/v1/cases/{followed.pk}/agreement-draft/",
        body(terms=[], extra=1),
        content_type="application/json",
    )
    assert r.status_code == 400
    assert not AgreementDraft.objects.exists()
    assert post_draft(client, followed, capture).status_code == 201
    draft = AgreementDraft.objects.get()
    party = draft.signatures.first().party
    client.force_login(clerk)
    photo = SimpleUploadedFile("page.jpg", jpeg_bytes(), content_type="image/jpeg")
    r = client.post(
        f"/api/v1/cases/{followed.pk}/agreement-draft/paper-signature/",
        {"party": party.pk, "file": photo},
    )
    assert r.status_code == 403
    client.force_login(mediator)
    bad = SimpleUploadedFile("page.jpg", b"not a photo", content_type="image/jpeg")
    r = client.post(
        f"/api/v1/cases/{followed.pk}/agreement-draft/paper-signature/",
        {"party": party.pk, "file": bad},
    )
    assert r.status_code == 400 and r.json()["error"]["message"]
    assert set(draft.signatures.values_list("status", flat=True)) == {"pending"}


def test_party_refusals_through_the_api(
    client, register, walk, followed, mediator, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    client.force_login(mediator)
    post_draft(client, followed, capture)
    draft = AgreementDraft.objects.get(case=followed)
    mine = draft.signatures.get(party__phone=APPLICANT_PHONE)
    theirs = draft.signatures.get(party__phone=RESPONDENT_PHONE)
    client.logout()
    token = party_token(client, followed, APPLICANT_PHONE, outbox, capture)
    auth = {"HTTP_AUTHORIZATION": f"Party {token}"}
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)

    def sign(sig, **over):
        data = {"sms_code": code, "image": data_url()} | over
        return client.post(
            f"/api/v1/public/signatures/{sig.pk}/", data, content_type="application/json", **auth
        )

    r = sign(theirs)
    assert r.status_code == 403 and "只能由本人" in r.json()["error"]["message"]
    r = sign(mine, image="data:image/gif;base64,R0lGODlhAQABAAAAACw=")
    assert r.status_code == 400 and "PNG" in r.json()["error"]["message"]
    r = sign(mine, sms_code="999999" if code != "999999" else "888888")
    assert r.status_code == 400 and "验证码不正确" in r.json()["error"]["message"]
    assert r.json()["error"]["code"] == "invalid_code"
    r = client.get("/api/v1/public/signatures/", **auth)
    assert [x["id"] for x in r.json()] == [mine.pk]  # only the party's own

    # Another case's party token: this case's signatures do not exist for it.
    with capture(execute=True):
        other = register()
        walk(other, "session_held")
    other_token = party_token(client, other, APPLICANT_PHONE, outbox, capture)
    r = client.post(
        f"/api/v1/public/signatures/{mine.pk}/",
        {"sms_code": code, "image": data_url()},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Party {other_token}",
    )
    assert r.status_code == 404
    assert (
        client.get(
            f"/api/v1/public/signatures/{mine.pk}/draft/pdf/",
            HTTP_AUTHORIZATION=f"Party {other_token}",
        ).status_code
        == 404
    )
    assert client.get("/api/v1/public/signatures/").status_code == 401
    for sig in (mine, theirs):
        sig.refresh_from_db()
        assert sig.status == "pending" and not sig.image
    assert not CaseEvent.objects.filter(name="agreement_signed").exists()

    # Signed once; a second time is refused plainly.
    assert sign(mine).status_code == 201
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    r = sign(mine, sms_code=code)
    assert r.status_code == 409 and "已经签署过" in r.json()["error"]["message"]


def test_the_schema_names_the_new_endpoints(client, admin_user):
    client.force_login(admin_user)
    r = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    text = r.content.decode()
    for url in (
        "/api/v1/cases/{id}/agreement-draft/",
        "/api/v1/cases/{id}/agreement-draft/paper-signature/",
        "/api/v1/public/signatures/",
        "/api/v1/public/signatures/{id}/",
    ):
        assert url in text, url
