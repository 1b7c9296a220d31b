"""The parties' side in docs/SECURITY.md's tables (tests/test_security_table.py): the party of
the world's case in 调解 (a Django-session party session for /p/ and a party token for
/api/v1/public/), and the recipes of the rows with parameters."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

PARTY_PHONE = "13700000006"  # the applicant of the world's 调解 case (register(3): party 6)


def add_portal(w) -> None:
    from documents.models import Document
    from portal import services, views

    store = SessionStore()
    store[views.PARTY] = {"case": w.mediation.pk, "phone": PARTY_PHONE, "until": time.time() + 3600}
    store.create()
    w.party_session = store.session_key
    # The token made the way `POST public/sessions/` makes one (its SMS code cannot be read
    # back: only its digest is kept).
    from django.utils import timezone

    from portal.models import PartyToken

    w.party_token = "security-table-party-token"
    PartyToken.objects.create(
        key_hash=services._digest(w.party_token),
        case=w.mediation,
        phone=PARTY_PHONE,
        created_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(hours=2),
    )
    w.party_document = Document.objects.get(case=w.mediation, code="NOT")
    w.application = _application(w)
    w.other_party_document = Document.objects.get(case=w.case, code="NOT")
    _add_draft(w)


def _add_draft(w) -> None:
    """签署协议: an open agreement draft of the 调解 case, the party's signature and the other
    party's (portal/signing.py)."""
    import datetime as dt

    from django.utils import timezone

    from portal import signing

    w.mediation.refresh_from_db()
    draft = signing.prepare_draft(
        w.mediation,
        w.users["mediator"],
        w.mediation.version,
        terms=["疏通排水沟"],
        performance_deadline=timezone.localdate() + dt.timedelta(days=10),
    )
    w.mediation.refresh_from_db()
    w.party_signature = draft.signatures.get(party__phone=PARTY_PHONE)
    w.other_signature = draft.signatures.exclude(party__phone=PARTY_PHONE).get()


def _application(w):
    """A pending online application of 东村调委 (made as `application_submit` leaves one)."""
    import datetime as dt

    from django.utils import timezone

    from cases.models import DisputeType
    from portal.models import Application

    now = timezone.now()
    return Application.objects.create(
        reference="WSECURITY1",
        phone="13800000099",
        applicant={"name": "王网申", "id_type": "none", "phone": "13800000099"},
        respondent={"name": "李对方"},
        region=w.east_village,
        organization=w.east,
        dispute_type=DisputeType.objects.get(code="neighbour", taxonomy__is_current=True),
        facts="堆土挡路",
        requests="运走",
        rights_acknowledged=True,
        submitted_at=now,
        intake_due=timezone.localdate(now) + dt.timedelta(days=3),
    )


def party_client_setup(client, w) -> None:
    client.cookies[settings.SESSION_COOKIE_NAME] = w.party_session
    client.defaults["HTTP_AUTHORIZATION"] = f"Party {w.party_token}"


def portal_recipes(Recipe) -> dict:
    follow = {"phone": "13900000009", "purpose": "follow", "case_code": "AAAAAAAA"}

    def application(w) -> dict:
        return {
            "phone": "13900000009",
            "sms_code": "123456",
            "applicant": {"name": "王网申", "id_type": "none"},
            "respondent": {"name": "李对方"},
            "region": w.east_village.pk,
            "dispute_type": "neighbour",
            "facts": "堆土挡路",
            "requests": "运走",
            "rights_acknowledged": True,
        }

    def draft_body(w) -> dict:
        import datetime as dt

        from django.utils import timezone

        return {
            "version": w.mediation.version,
            "terms": ["疏通排水沟"],
            "performance_deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        }

    def photo():
        from django.core.files.uploadedfile import SimpleUploadedFile

        from tests.portal.sign_helpers import jpeg_bytes

        return SimpleUploadedFile("page.jpg", jpeg_bytes(), content_type="image/jpeg")

    def sign_body() -> dict:
        from tests.portal.sign_helpers import data_url

        return {"sms_code": "123456", "image": data_url()}

    case = lambda w: {"pk": w.mediation.pk}  # noqa: E731
    signing = {
        "cases:agreement-draft": lambda w: Recipe(
            case(w), data=draft_body(w) | {"terms": "疏通排水沟"}
        ),
        "cases:agreement-draft-pdf": lambda w: Recipe(case(w)),
        "cases:agreement-draft-record": lambda w: Recipe(
            case(w), method="POST", data={"version": w.mediation.version}
        ),
        "cases:agreement-draft-paper": lambda w: Recipe(
            {"pk": w.mediation.pk, "signature": w.other_signature.pk},
            method="POST",
            data={"version": w.mediation.version, "photo": photo()},
        ),
        "api:case-agreement-draft": lambda w: Recipe(
            case(w), data={k: v for k, v in draft_body(w).items() if k != "version"}
        ),
        "api:case-agreement-draft-pdf": lambda w: Recipe(case(w)),
        "api:case-agreement-draft-paper-signature": lambda w: Recipe(case(w)),
        "portal:sign": lambda w: Recipe({"pk": w.party_signature.pk}),
        "portal:sign [another party]": lambda w: Recipe({"pk": w.other_signature.pk}),
        "portal:sign-draft": lambda w: Recipe({"pk": w.party_signature.pk}),
        "api:public-signature": lambda w: Recipe(
            {"pk": w.party_signature.pk}, method="POST", data=sign_body()
        ),
        "api:public-signature [another party]": lambda w: Recipe(
            {"pk": w.other_signature.pk}, method="POST", data=sign_body()
        ),
        "api:public-signature-draft-pdf": lambda w: Recipe({"pk": w.party_signature.pk}),
    }

    return signing | {
        "api:public-applications": lambda w: Recipe(method="POST", data=application(w)),
        "applications:detail": lambda w: Recipe({"pk": w.application.pk}),
        "applications:register": lambda w: Recipe({"pk": w.application.pk}, method="POST", data={}),
        "applications:decline": lambda w: Recipe(
            {"pk": w.application.pk}, method="POST", data={"reason": "已向法院起诉"}
        ),
        "api:application-register": lambda w: Recipe(
            {"pk": w.application.pk}, method="POST", data={}
        ),
        "api:application-decline": lambda w: Recipe(
            {"pk": w.application.pk}, method="POST", data={"reason": "已向法院起诉"}
        ),
        "portal:document": lambda w: Recipe({"pk": w.party_document.pk}),
        "portal:document [another case]": lambda w: Recipe({"pk": w.other_party_document.pk}),
        "portal:leave": lambda w: Recipe(method="POST", data={}),
        "portal:rate": lambda w: Recipe(),
        "api:public-ratings": lambda w: Recipe(method="POST", data={"satisfaction": "satisfied"}),
        "api:public-sms-codes": lambda w: Recipe(method="POST", data=follow),
        "api:public-sessions": lambda w: Recipe(
            method="POST",
            data={"case_code": w.mediation.party_code, "phone": PARTY_PHONE, "sms_code": "x"},
        ),
        "api:public-document-pdf": lambda w: Recipe({"pk": w.party_document.pk}),
        "api:public-document-pdf [another case]": lambda w: Recipe(
            {"pk": w.other_party_document.pk}
        ),
    }
