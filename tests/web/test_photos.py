"""Evidence photos (issue 14): taken with the investigation record or of the signed paper
agreement, stored privately without their location, shown as thumbnails to who may see the
case's personal data, listed in the event and in the dossier."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core import images
from documents.models import EvidencePhoto
from supervision.models import AccessRecord
from tests.web.test_pages import _act

pytestmark = pytest.mark.django_db

GPS = {1: "N", 2: (36.0, 4.0, 12.5), 3: "E", 4: (120.0, 22.0, 1.0)}


def jpeg(name="evidence.jpg", size=(1200, 900), color="red") -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[images.GPS_IFD] = GPS
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _investigation(client, case, **extra):
    when = timezone.localtime() - dt.timedelta(hours=1)
    data = {
        "conducted_at": when.strftime("%Y-%m-%dT%H:%M"),
        "place": "东村村委会",
        "interviewee": "王大明",
        "content": "查看了受损的院墙",
        **extra,
    }
    return _act(client, case, "investigation_add", data)


def test_investigation_with_photos_keeps_them_without_location(
    client, register, walk, mediator, clerk, supervisor
):
    case = walk(register(), "investigation")
    client.force_login(mediator)
    r = _investigation(client, case, photos=[jpeg(), jpeg("b.jpg", color="blue")])
    assert r.status_code == 302, r.content.decode()[:2000]
    photos = list(EvidencePhoto.objects.filter(case=case))
    assert len(photos) == 2
    record = case.investigationrecords.get()
    for photo in photos:
        assert photo.kind == "investigation" and photo.investigation == record
        data = photo.file.open("rb").read()
        assert hashlib.sha256(data).hexdigest() == photo.sha256
        assert not images.has_location(data)
        assert photo.uploaded_by == mediator
    event = case.events.get(name="investigation_add")
    assert [p["id"] for p in event.data["photos"]] == [p.pk for p in photos]

    # the case page shows thumbnails to the committee, a count to the supervisor
    client.force_login(clerk)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:photo-thumb", args=[photos[0].pk]) in page
    thumb = client.get(reverse("cases:photo-thumb", args=[photos[0].pk]))
    assert thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) == 320
    before = AccessRecord.objects.filter(kind="photo").count()
    full = client.get(reverse("cases:photo", args=[photos[0].pk]))
    assert full.status_code == 200
    assert AccessRecord.objects.filter(kind="photo").count() == before + 1
    client.force_login(supervisor)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "附照片 2 张" in page
    assert reverse("cases:photo-thumb", args=[photos[0].pk]) not in page
    assert client.get(reverse("cases:photo", args=[photos[0].pk])).status_code == 403


def test_an_outsider_does_not_find_the_photo(client, register, walk, mediator, outsider):
    case = walk(register(), "investigation")
    client.force_login(mediator)
    _investigation(client, case, photos=[jpeg()])
    photo = EvidencePhoto.objects.get()
    client.force_login(outsider)
    assert client.get(reverse("cases:photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("cases:photo-thumb", args=[photo.pk])).status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_kept(
    client, register, walk, mediator
):
    case = walk(register(), "investigation")
    client.force_login(mediator)
    bad = SimpleUploadedFile("协议.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    r = _investigation(client, case, photos=[jpeg(), bad])
    assert r.status_code == 200
    body = r.content.decode()
    assert "证据照片第 2 张：" in body and "JPEG 或 PNG" in body
    assert not case.investigationrecords.exists() and not EvidencePhoto.objects.exists()
    assert 'enctype="multipart/form-data"' in body
    assert 'capture="environment"' in body


def test_the_signed_paper_agreement_photo(client, register, walk, mediator):
    case = walk(register(), "session_held")
    client.force_login(mediator)
    r = _act(
        client,
        case,
        "record_agreement",
        {
            "kind": "written",
            "terms": "被申请人赔偿申请人 3000 元",
            "performance_method": "现金",
            "performance_deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
            "signatures_complete": "on",
            "signed_photos": [jpeg("协议.jpg")],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    photo = EvidencePhoto.objects.get(case=case)
    assert photo.kind == "agreement" and photo.investigation is None
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:photo-thumb", args=[photo.pk]) in page


def test_the_dossier_lists_the_photos_by_hash(
    register, clerk, mediator, director, django_capture_on_commit_callbacks
):
    from documents.models import Document
    from documents.services import dossier_photos
    from tests.factories import walk_to

    photo = images.clean_photo(jpeg().read())
    with django_capture_on_commit_callbacks(execute=True):
        case = walk_to(
            register(),
            "archived",
            clerk=clerk,
            mediator=mediator,
            director=director,
            photos=[photo],
        )
    listed = dossier_photos(case)
    assert [p["sha256"] for p in listed] == [photo.sha256]
    assert listed[0]["kind"] == "调查证据照片" and listed[0]["record"]
    dos = Document.objects.get(case=case, code="DOS")
    assert [p["sha256"] for p in dos.context["dossier"]["photos"]] == [photo.sha256]
