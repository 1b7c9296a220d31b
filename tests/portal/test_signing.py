"""SPEC §14 签署协议 through the services (portal/signing.py): the mediator's draft, each party
signing on the phone (SMS code + handwritten PNG) or on paper (marked with a photo), then
`record_agreement` taking the draft with no tick box, the AGR printing the signatures and its
record.json carrying the evidence. Every refusal is a plain Chinese message and saves nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import subprocess

import pytest
from django.utils import timezone

from cases.models import AgreementDraft, Signature
from core.errors import InvalidState, NotFound, PermissionDenied, PreconditionFailed
from documents.models import Document
from portal import signing
from portal.models import SmsMessage
from portal.services import CodeRejected
from tests.portal.sign_helpers import (
    APPLICANT_PHONE,
    RESPONDENT_PHONE,
    data_url,
    jpeg_bytes,
    png_bytes,
    prepare,
    sign_code,
)
from workflows import services as s
from workflows.models import CaseEvent

pytestmark = pytest.mark.django_db


def _signature(draft, phone) -> Signature:
    return draft.signatures.get(party__phone=phone)


def _nothing_saved(signature: Signature) -> None:
    signature.refresh_from_db()
    assert signature.status == Signature.Status.PENDING
    assert not signature.image and not signature.sha256 and signature.signed_at is None
    assert not CaseEvent.objects.filter(name="agreement_signed").exists()


def _sign(case, draft, phone, outbox, capture, **over):
    code = sign_code(case, phone, outbox, capture)
    body = {
        "phone": phone,
        "sms_code": code,
        "image_data_url": data_url(),
        "ip": "10.1.2.3",
        "user_agent": "Mozilla/5.0 (Linux; Android 13) 测试手机",
    } | over
    return signing.sign(_signature(draft, phone), **body)


def test_the_draft_has_one_pending_signature_per_party_and_each_is_invited(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    before = followed.version
    draft = prepare(followed, mediator, django_capture_on_commit_callbacks)
    assert draft.status == AgreementDraft.Status.OPEN
    assert draft.terms == ["被申请人于十日内疏通排水沟", "被申请人赔偿申请人清理费八百元"]
    rows = list(draft.signatures.order_by("party__role"))
    assert [r.party.role for r in rows] == ["applicant", "respondent"]
    assert {r.status for r in rows} == {"pending"}
    followed.refresh_from_db()
    assert followed.version == before + 1
    assert CaseEvent.objects.filter(case=followed, name="agreement_draft").count() == 1
    invitations = [x for x in outbox.lines() if x["template"] == "sign_invitation"]
    assert sorted(x["phone"] for x in invitations) == [APPLICANT_PHONE, RESPONDENT_PHONE]
    for line in invitations:
        assert followed.party_code in line["text"]
        assert f"/p/?code={followed.party_code}" in line["text"]
    assert SmsMessage(template="sign_invitation").get_template_display() == "签署邀请"


def test_only_the_assigned_mediator_prepares_and_only_in_mediation(
    register,
    walk,
    followed,
    clerk,
    mediator,
    mediator2,
    outsider,
    django_capture_on_commit_callbacks,
):
    from tests.portal.sign_helpers import draft_terms

    with pytest.raises(PermissionDenied, match="拟定协议草稿"):
        signing.prepare_draft(followed, clerk, followed.version, **draft_terms())
    with pytest.raises(PermissionDenied):
        signing.prepare_draft(followed, mediator2, followed.version, **draft_terms())
    with pytest.raises(NotFound):
        signing.prepare_draft(followed, outsider, followed.version, **draft_terms())
    with django_capture_on_commit_callbacks(execute=True):
        early = register()
        walk(early, "investigated")
    with pytest.raises(InvalidState, match="调解阶段才能拟定"):
        signing.prepare_draft(early, mediator, early.version, **draft_terms())
    from core.errors import Conflict, InvalidInput

    with pytest.raises(Conflict):
        signing.prepare_draft(followed, mediator, followed.version - 1, **draft_terms())
    with pytest.raises(InvalidInput, match="至少写一条协议条款"):
        signing.prepare_draft(followed, mediator, followed.version, **draft_terms(terms=[" "]))
    assert not AgreementDraft.objects.exists()


def test_no_invitation_for_an_imported_case(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    CaseEvent.objects.create(
        case=followed, kind="imported", name="imported", data={"imported": True, "source_row": 1}
    )
    prepare(followed, mediator, django_capture_on_commit_callbacks)
    assert [x for x in outbox.lines() if x["template"] == "sign_invitation"] == []


def test_the_whole_walk_online_and_paper_then_the_agreement_from_the_draft(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    draft = prepare(followed, mediator, capture)
    signed = _sign(followed, draft, APPLICANT_PHONE, outbox, capture)
    assert signed.status == "signed" and signed.signed_at is not None
    assert signed.ip == "10.1.2.3" and "Android" in signed.user_agent
    with signed.image.open("rb") as handle:
        stored = handle.read()
    assert stored == png_bytes() and signed.sha256 == hashlib.sha256(stored).hexdigest()
    assert signed.image.storage.__class__.__name__ == "PrivateFileSystemStorage"

    paper = _signature(draft, RESPONDENT_PHONE)
    followed.refresh_from_db()
    signing.mark_paper(paper, actor=mediator, photo=jpeg_bytes(), version=followed.version)
    assert paper.status == "paper" and paper.marked_by == mediator and paper.photo_sha256

    followed.refresh_from_db()
    with capture(execute=True):
        s.case_transition(followed, "record_agreement", actor=mediator, kind="written")
    agreement = followed.current_agreement
    assert followed.status == "closure" and followed.outcome == "agreement_written"
    assert agreement.terms == draft.terms and agreement.amount == draft.amount
    assert agreement.performance_deadline == draft.performance_deadline
    assert agreement.performance_method == "当面交付现金"
    assert agreement.parties_signed and agreement.mediator_signed and agreement.seal_affixed
    draft.refresh_from_db()
    assert draft.status == "used" and draft.agreement == agreement

    agr = Document.objects.get(case=followed, code="AGR")
    rows = agr.context["record"]["signatures"]["parties"]
    online = next(r for r in rows if r["status"] == "signed")
    assert online["sha256"] == signed.sha256 and online["ip"] == "10.1.2.3"
    assert online["user_agent"].startswith("Mozilla") and online["signed_at"]
    assert online["image"] == data_url()
    on_paper = next(r for r in rows if r["status"] == "paper")
    assert on_paper["name"] == paper.party.name and on_paper["photo_sha256"] == paper.photo_sha256


def test_the_agreement_waits_for_every_signature_and_names_who_has_not_signed(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    draft = prepare(followed, mediator, django_capture_on_commit_callbacks)
    _sign(followed, draft, APPLICANT_PHONE, outbox, django_capture_on_commit_callbacks)
    followed.refresh_from_db()
    respondent = _signature(draft, RESPONDENT_PHONE).party.name
    with pytest.raises(PreconditionFailed) as refused:
        s.case_transition(followed, "record_agreement", actor=mediator, kind="written")
    assert f"尚未签署：{respondent}" in refused.value.missing
    followed.refresh_from_db()
    assert followed.status == "mediation" and not followed.agreements.exists()


def test_tick_boxes_still_work_and_supersede_an_open_draft(
    followed, mediator, django_capture_on_commit_callbacks
):
    draft = prepare(followed, mediator, django_capture_on_commit_callbacks)
    followed.refresh_from_db()
    s.case_transition(
        followed,
        "record_agreement",
        actor=mediator,
        kind="written",
        terms=["另行约定"],
        performance_deadline=timezone.localdate() + dt.timedelta(days=5),
        signatures_complete=True,
    )
    draft.refresh_from_db()
    assert draft.status == "superseded" and draft.agreement is None
    assert followed.current_agreement.terms == ["另行约定"]


def test_a_new_draft_supersedes_the_open_one_and_its_signatures(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = prepare(followed, mediator, capture)
    second = prepare(followed, mediator, capture, terms=["改为十五日内疏通"])
    first.refresh_from_db()
    assert first.status == "superseded" and second.status == "open"
    old = _signature(first, APPLICANT_PHONE)
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    with pytest.raises(signing.DraftSuperseded, match="已作废"):
        signing.sign(
            old, phone=APPLICANT_PHONE, sms_code=code, image_data_url=data_url(), ip="10.0.0.1"
        )
    _nothing_saved(old)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("data:image/jpeg;base64,/9j/4AAQ", "须为 PNG 图片"),
        (
            "data:image/png;base64," + __import__("base64").b64encode(b"GIF89a not a png").decode(),
            "须为 PNG 图片",
        ),
        ("data:image/png;base64,@@@", "已损坏"),
        ("", "请先在方框里写下您的签名"),
        (data_url(png_bytes(blank=True)), "空白"),
    ],
)
def test_an_image_that_is_not_a_drawn_png_is_refused_and_keeps_the_code(
    followed, mediator, outbox, django_capture_on_commit_callbacks, image, message
):
    capture = django_capture_on_commit_callbacks
    draft = prepare(followed, mediator, capture)
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    sig = _signature(draft, APPLICANT_PHONE)
    with pytest.raises(signing.SignatureRefused, match=message):
        signing.sign(sig, phone=APPLICANT_PHONE, sms_code=code, image_data_url=image)
    _nothing_saved(sig)
    # The code was not used up by the bad drawing: it signs now.
    signing.sign(sig, phone=APPLICANT_PHONE, sms_code=code, image_data_url=data_url())
    assert sig.status == "signed"


def test_an_image_over_200_kb_is_refused(followed, mediator, django_capture_on_commit_callbacks):
    import os

    from PIL import Image

    draft = prepare(followed, mediator, django_capture_on_commit_callbacks)
    noise = Image.frombytes("RGBA", (300, 300), os.urandom(300 * 300 * 4))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 200 * 1024
    sig = _signature(draft, APPLICANT_PHONE)
    with pytest.raises(signing.SignatureRefused, match="太大"):
        signing.sign(
            sig, phone=APPLICANT_PHONE, sms_code="000000", image_data_url=data_url(out.getvalue())
        )
    _nothing_saved(sig)


def test_wrong_expired_and_used_up_codes(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    from portal.models import SmsCode

    capture = django_capture_on_commit_callbacks
    draft = prepare(followed, mediator, capture)
    sig = _signature(draft, APPLICANT_PHONE)
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(CodeRejected, match="验证码不正确，还可以再试 4 次"):
        signing.sign(sig, phone=APPLICANT_PHONE, sms_code=wrong, image_data_url=data_url())
    for _ in range(4):
        with pytest.raises(CodeRejected):
            signing.sign(sig, phone=APPLICANT_PHONE, sms_code=wrong, image_data_url=data_url())
    # the 6th try, with the right code: the code is spent
    with pytest.raises(CodeRejected, match="已达5次"):
        signing.sign(sig, phone=APPLICANT_PHONE, sms_code=code, image_data_url=data_url())
    _nothing_saved(sig)

    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    SmsCode.objects.filter(phone=APPLICANT_PHONE).update(expires_at=timezone.now())
    with pytest.raises(CodeRejected, match="已过期"):
        signing.sign(sig, phone=APPLICANT_PHONE, sms_code=code, image_data_url=data_url())
    _nothing_saved(sig)


def test_a_party_signs_only_their_own_signature_and_only_once(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    draft = prepare(followed, mediator, capture)
    theirs = _signature(draft, RESPONDENT_PHONE)
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    with pytest.raises(signing.NotYourSignature, match="只能由本人"):
        signing.sign(theirs, phone=APPLICANT_PHONE, sms_code=code, image_data_url=data_url())
    _nothing_saved(theirs)
    mine = _sign(followed, draft, APPLICANT_PHONE, outbox, capture)
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    with pytest.raises(signing.AlreadySigned, match="已经签署过"):
        signing.sign(mine, phone=APPLICANT_PHONE, sms_code=code, image_data_url=data_url())
    with pytest.raises(signing.AlreadySigned, match="已在手机上签署"):
        followed.refresh_from_db()
        mine.draft.case = followed
        signing.mark_paper(mine, actor=mediator, photo=jpeg_bytes())
    assert CaseEvent.objects.filter(name="agreement_signed").count() == 1


def test_paper_marking_is_the_assigned_mediators_with_a_real_photo(
    followed, mediator, clerk, django_capture_on_commit_callbacks
):
    from core.images import PhotoRejected

    draft = prepare(followed, mediator, django_capture_on_commit_callbacks)
    sig = _signature(draft, RESPONDENT_PHONE)
    with pytest.raises(PermissionDenied, match="标记纸质签名"):
        signing.mark_paper(sig, actor=clerk, photo=jpeg_bytes())
    with pytest.raises(PhotoRejected):
        signing.mark_paper(sig, actor=mediator, photo=b"not a photo")
    sig.refresh_from_db()
    assert sig.status == "pending" and not sig.photo


# --- the AGR, rendered for real --------------------------------------------------------------


def _text(data: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True
    )
    return re.sub(r"\s+", "", out.stdout.decode())


def _record_json(data: bytes) -> dict:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return json.loads(reader.attachments["record.json"][0])


@pytest.mark.real_pdf
def test_the_agr_prints_both_signatures_and_record_json_carries_the_evidence(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    draft = prepare(followed, mediator, capture)
    draft_text = _text(signing.draft_pdf(draft))
    assert "人民调解协议书（草稿）" in draft_text and "被申请人于十日内疏通排水沟" in draft_text

    signed = _sign(followed, draft, APPLICANT_PHONE, outbox, capture)
    paper = _signature(draft, RESPONDENT_PHONE)
    followed.refresh_from_db()
    signing.mark_paper(paper, actor=mediator, photo=jpeg_bytes(), version=followed.version)
    followed.refresh_from_db()
    with capture(execute=True):
        s.case_transition(followed, "record_agreement", actor=mediator, kind="written")
    agr = Document.objects.get(case=followed, code="AGR")
    assert agr.status == "issued", agr.error
    with agr.file.open("rb") as handle:
        data = handle.read()
    text = _text(data)
    assert f"{signed.party.name}于" in text and "在线签署" in text
    assert f"{paper.party.name}（纸质签名）" in text
    assert "草稿" not in text
    from pypdf import PdfReader

    page_images = [img for page in PdfReader(io.BytesIO(data)).pages for img in page.images]
    assert page_images, "the handwritten signature is drawn on the page"
    evidence = _record_json(data)["record"]["signatures"]["parties"]
    by_status = {row["status"]: row for row in evidence}
    assert by_status["signed"]["sha256"] == signed.sha256
    assert by_status["signed"]["ip"] == "10.1.2.3"
    assert "Android" in by_status["signed"]["user_agent"]
    assert by_status["signed"]["signed_at"].startswith(str(timezone.localdate().year))
    assert by_status["paper"]["name"] == paper.party.name


# --- the party's pages ------------------------------------------------------------------------


def _party_session(client, case, phone) -> None:
    import time

    from portal import views

    session = client.session
    session[views.PARTY] = {"case": case.pk, "phone": phone, "until": time.time() + 600}
    session.save()


def test_the_party_signs_on_the_page(
    client, followed, mediator, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    draft = prepare(followed, mediator, capture)
    mine = _signature(draft, APPLICANT_PHONE)
    theirs = _signature(draft, RESPONDENT_PHONE)
    _party_session(client, followed, APPLICANT_PHONE)
    page = client.get("/p/case/").content.decode()
    assert "签署协议" in page and f"/p/sign/{mine.pk}/" in page
    assert f"/p/sign/{theirs.pk}/" not in page
    r = client.get(f"/p/sign/{mine.pk}/")
    page = r.content.decode()
    assert r.status_code == 200
    for words in ("看一遍协议", "获取验证码", "<canvas", "清除", "同意并签署", "portal/sign.js"):
        assert words in page, words
    assert "被申请人于十日内疏通排水沟" in page
    pdf = client.get(f"/p/sign/{mine.pk}/draft.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(f"/p/sign/{theirs.pk}/").status_code == 404
    assert client.get(f"/p/sign/{theirs.pk}/draft.pdf").status_code == 404

    with capture(execute=True):
        r = client.post(f"/p/sign/{mine.pk}/", {"action": "code"})
    assert "验证码已发到尾号0001" in r.content.decode()
    code = outbox.codes(APPLICANT_PHONE)[-1]
    r = client.post(
        f"/p/sign/{mine.pk}/", {"action": "sign", "sms_code": code, "image": "data:text/plain,hi"}
    )
    assert "须为 PNG 图片" in r.content.decode()
    r = client.post(
        f"/p/sign/{mine.pk}/",
        {"action": "sign", "sms_code": code, "image": data_url()},
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 12) 微信",
    )
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "signed" and "微信" in mine.user_agent
    page = client.get(f"/p/sign/{mine.pk}/").content.decode()
    assert "您已签署" in page and "<canvas" not in page
    assert "请您签署调解协议" not in client.get("/p/case/").content.decode()


def test_the_sign_pages_without_a_party_session(
    client, followed, mediator, django_capture_on_commit_callbacks
):
    draft = prepare(followed, mediator, django_capture_on_commit_callbacks)
    mine = _signature(draft, APPLICANT_PHONE)
    r = client.get(f"/p/sign/{mine.pk}/")
    assert r.status_code == 302 and r["Location"] == "/p/"
    assert client.get(f"/p/sign/{mine.pk}/draft.pdf").status_code == 404


def test_a_draft_of_a_case_no_longer_in_mediation_is_not_signed(
    followed, mediator, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    draft = prepare(followed, mediator, capture)
    followed.refresh_from_db()
    s.case_transition(followed, "withdraw", actor=mediator, party="申请人", reason="已自行和解")
    sig = _signature(draft, APPLICANT_PHONE)
    code = sign_code(followed, APPLICANT_PHONE, outbox, capture)
    with pytest.raises(signing.DraftSuperseded, match="不在调解阶段"):
        signing.sign(sig, phone=APPLICANT_PHONE, sms_code=code, image_data_url=data_url())
    _nothing_saved(sig)
