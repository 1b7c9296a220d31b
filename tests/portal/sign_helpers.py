"""Building agreement drafts and signatures in tests (SPEC §14 签署协议): a real handwritten
PNG as a canvas sends it, a JPEG photo of a signed page, a draft prepared by the mediator."""

from __future__ import annotations

import base64
import datetime as dt
import io

from django.utils import timezone
from PIL import Image, ImageDraw

APPLICANT_PHONE = "13700000001"  # tests/factories.party("applicant", 1)
RESPONDENT_PHONE = "13700000002"


def png_bytes(*, blank: bool = False, size=(360, 120)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        pen = ImageDraw.Draw(image)
        pen.line(
            [(20, 80), (90, 30), (160, 90), (240, 40), (330, 70)], fill=(0, 0, 0, 255), width=5
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def data_url(data: bytes | None = None) -> str:
    return "data:image/png;base64," + base64.b64encode(data or png_bytes()).decode()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 280), (250, 250, 245)).save(out, "JPEG")
    return out.getvalue()


def draft_terms(**over) -> dict:
    return {
        "terms": ["被申请人于十日内疏通排水沟", "被申请人赔偿申请人清理费八百元"],
        "performance_method": "当面交付现金",
        "performance_deadline": timezone.localdate() + dt.timedelta(days=10),
        "amount": "800",
    } | over


def prepare(case, mediator, capture, **over):
    from portal import signing

    case.refresh_from_db()
    with capture(execute=True):
        return signing.prepare_draft(case, mediator, case.version, **draft_terms(**over))


def sign_code(case, phone, outbox, capture) -> str:
    """Ask a `sign` code for `phone` (the earlier codes of that phone moved back a few minutes:
    one a minute) and read it from the outbox."""
    from django.db.models import F

    from portal import signing
    from portal.models import SmsCode

    SmsCode.objects.filter(phone=phone).update(created_at=F("created_at") - dt.timedelta(minutes=2))
    with capture(execute=True):
        signing.request_code(case, phone)
    return outbox.codes(phone)[-1]
