"""The staff side of 签署协议 (SPEC §14) on the case page: 拟定协议草稿, each party's signature
status, 标记纸质签名 with a photo, and 达成协议 from the signed draft."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import AgreementDraft
from tests.portal.sign_helpers import jpeg_bytes

pytestmark = pytest.mark.django_db


def test_the_mediator_drafts_marks_paper_and_records_from_the_page(
    client, followed, mediator, outbox, django_capture_on_commit_callbacks
):
    client.force_login(mediator)
    page = client.get(f"/cases/{followed.pk}/").content.decode()
    assert "拟定协议草稿" in page
    assert client.get(f"/cases/{followed.pk}/agreement-draft/").status_code == 200
    r = client.post(
        f"/cases/{followed.pk}/agreement-draft/",
        {
            "version": followed.version,
            "terms": "一、疏通排水沟\n赔偿八百元",
            "performance_deadline": "",
        },
    )
    assert r.status_code == 200 and not AgreementDraft.objects.exists()
    deadline = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/cases/{followed.pk}/agreement-draft/",
            {
                "version": followed.version,
                "terms": "一、疏通排水沟\n赔偿八百元",
                "performance_method": "当面交付",
                "performance_deadline": deadline,
                "amount": "800元",
            },
        )
    assert r.status_code == 302, r.content.decode()[:2000]
    draft = AgreementDraft.objects.get()
    assert draft.terms == ["疏通排水沟", "赔偿八百元"]
    assert len([x for x in outbox.lines() if x["template"] == "sign_invitation"]) == 2
    page = client.get(f"/cases/{followed.pk}/").content.decode()
    assert page.count('data-signature="pending"') == 2 and "标记纸质签名" in page
    assert "拟定协议草稿" in page  # the timeline names the event
    r = client.get(f"/cases/{followed.pk}/agreement-draft/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"

    # Recording before everyone signed: refused, naming who has not.
    followed.refresh_from_db()
    r = client.post(
        f"/cases/{followed.pk}/agreement-draft/record/", {"version": followed.version}, follow=True
    )
    assert "尚未签署" in r.content.decode()
    for sig in draft.signatures.all():
        followed.refresh_from_db()
        photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
        r = client.post(
            f"/cases/{followed.pk}/agreement-draft/paper/{sig.pk}/",
            {"version": followed.version, "photo": photo},
        )
        assert r.status_code == 302
    assert set(draft.signatures.values_list("status", flat=True)) == {"paper"}
    followed.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/cases/{followed.pk}/agreement-draft/record/", {"version": followed.version}
        )
    followed.refresh_from_db()
    assert followed.status == "closure" and followed.current_agreement.terms == draft.terms


def test_who_sees_what(
    client, followed, clerk, mediator, supervisor, outsider, django_capture_on_commit_callbacks
):
    from tests.portal.sign_helpers import prepare

    client.force_login(clerk)
    assert "拟定协议草稿" not in client.get(f"/cases/{followed.pk}/").content.decode()
    assert client.get(f"/cases/{followed.pk}/agreement-draft/").status_code == 403
    prepare(followed, mediator, django_capture_on_commit_callbacks)
    page = client.get(f"/cases/{followed.pk}/").content.decode()
    assert 'data-signature="pending"' in page and "标记纸质签名" not in page
    sig = AgreementDraft.objects.get().signatures.first()
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    r = client.post(f"/cases/{followed.pk}/agreement-draft/paper/{sig.pk}/", {"photo": photo})
    assert r.status_code == 403
    client.force_login(supervisor)
    assert client.get(f"/cases/{followed.pk}/agreement-draft/pdf/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/cases/{followed.pk}/agreement-draft/pdf/").status_code == 404
    assert client.get(f"/cases/{followed.pk}/agreement-draft/").status_code == 404
