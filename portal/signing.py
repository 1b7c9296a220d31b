"""Agreement drafts and their signatures (SPEC §14 签署协议): the assigned mediator prepares a
written agreement as a draft, each party (申请人, 被申请人) gets the 签署邀请 SMS, reads the draft
as a PDF and signs on the phone with an SMS code and a handwritten signature, or signs on paper
and the mediator marks it with a photo of the signed page. `record_agreement` then takes the
draft (workflows/services/transitions.py): "all signatures collected" comes from here.

Here and not in workflows/services/: the SMS and the party sessions are the portal's, and the
portal sits above workflows (import-linter's layers). The draft and the mediator's marking go
through `workflows.services.change` (the lock, the version, the one CaseEvent); a party's
signature locks its own row and writes its event (the party has no staff account)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import warnings
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image, ImageChops, UnidentifiedImageError

from cases import scope
from cases.choices import AgreementKind, PartyRole, Status
from cases.models import AgreementDraft, Case, Signature
from core import images
from core.errors import DomainError, InvalidInput, InvalidState, NotFound, PermissionDenied
from core.parsing import clean_terms
from portal import services
from portal.models import SmsCode
from workflows.models import CaseEvent
from workflows.services.change import change, full_clean
from workflows.services.inputs import date_or_none, decimal_or_none

PREPARE_LABEL = "拟定协议草稿"
PAPER_LABEL = "标记纸质签名"
SIGNING_ROLES = (PartyRole.APPLICANT, PartyRole.RESPONDENT)
MAX_IMAGE_BYTES = 200 * 1024
MAX_IMAGE_SIDE = 4000
DATA_URL_PREFIX = "data:image/png;base64,"
INVITATION = "sign_invitation"


class SignatureRefused(DomainError):
    """The signature image or the signature itself cannot be taken (a clear Chinese message)."""

    code, http_status = "signature_refused", 400


class AlreadySigned(InvalidState):
    code = "already_signed"


class DraftSuperseded(InvalidState):
    code = "draft_superseded"


class NotYourSignature(PermissionDenied):
    code = "not_your_signature"


# --- the mediator: the draft -------------------------------------------------------------------


def open_draft(case: Case) -> AgreementDraft | None:
    draft: AgreementDraft | None = (
        AgreementDraft.objects.filter(case=case, status=AgreementDraft.Status.OPEN)
        .prefetch_related("signatures__party")
        .first()
    )
    return draft


def _draft_fields(
    *,
    kind: object,
    terms: object,
    performance_method: object,
    performance_deadline: object,
    amount: object,
) -> dict[str, Any]:
    if kind not in ("", None, AgreementKind.WRITTEN):
        message = "只有书面协议需要签署：协议形式须为 written（书面协议）。"
        raise InvalidInput(message, fields={"kind": [message]})
    if not isinstance(terms, (str, list, tuple)):
        raise InvalidInput("协议条款须为列表", fields={"terms": ["须为列表"]})
    kept = clean_terms(terms)
    if not kept:
        message = "请至少写一条协议条款（每行一条）。"
        raise InvalidInput(message, fields={"terms": [message]})
    deadline = date_or_none(performance_deadline, "performance_deadline")
    if deadline is None:
        message = "请填写履行期限（哪一天前履行完毕）。"
        raise InvalidInput(message, fields={"performance_deadline": [message]})
    method = str(performance_method or "").strip()
    if len(method) > 200:
        message = "履行方式请写在200字以内。"
        raise InvalidInput(message, fields={"performance_method": [message]})
    return {
        "kind": AgreementKind.WRITTEN,
        "terms": kept,
        "performance_method": method or "当事人自行履行",
        "performance_deadline": deadline,
        "amount": decimal_or_none(amount, "amount"),
    }


def prepare_draft(
    case: Case,
    actor: User,
    version: int | None = None,
    *,
    kind: object = AgreementKind.WRITTEN,
    terms: object = (),
    performance_method: object = "",
    performance_deadline: object = None,
    amount: object = None,
    facts: object = "",
    responsibilities: object = "",
    ip: str | None = None,
) -> AgreementDraft:
    """A new open draft with one pending signature per applicant and respondent (the open one
    before it, and its signatures, superseded); each of them with a phone gets the 签署邀请
    SMS after commit (none for an imported case). `version`: the case version the mediator
    read (None: the current one)."""
    scope.check_role(actor, case, {scope.ASSIGNED}, PREPARE_LABEL)
    fields = _draft_fields(
        kind=kind,
        terms=terms,
        performance_method=performance_method,
        performance_deadline=performance_deadline,
        amount=amount,
    )
    if version is not None:
        case.version = version
    with change(case, actor=actor, name="agreement_draft", ip=ip) as ch:
        locked = ch.case
        if locked.status != Status.MEDIATION:
            raise InvalidState(
                f"案件当前状态为“{locked.get_status_display()}”，不能{PREPARE_LABEL}"
                "（调解阶段才能拟定）。"
            )
        parties = list(locked.parties.filter(role__in=SIGNING_ROLES).order_by("role", "pk"))
        if not parties:
            raise InvalidState("案件没有申请人或被申请人，无法拟定协议草稿。")
        superseded = list(
            AgreementDraft.objects.select_for_update()
            .filter(case=locked, status=AgreementDraft.Status.OPEN)
            .values_list("pk", flat=True)
        )
        AgreementDraft.objects.filter(pk__in=superseded).update(
            status=AgreementDraft.Status.SUPERSEDED
        )
        draft = AgreementDraft(
            case=locked,
            created_by=actor,
            facts=str(facts or "").strip() or locked.summary,
            responsibilities=str(responsibilities or "").strip(),
            **fields,
        )
        full_clean(draft, exclude=["case", "created_by", "agreement"])
        draft.save()
        Signature.objects.bulk_create([Signature(draft=draft, party=p) for p in parties])
        ch.data["draft"] = {"id": draft.pk, "superseded": superseded}
        link = _follow_link(locked)
        for party in parties:
            if party.phone:
                services.sms_enqueue(
                    phone=party.phone,
                    template=INVITATION,
                    params={"case_code": locked.party_code, "link": link},
                    case=locked,
                )
    return draft


def _follow_link(case: Case) -> str:
    from documents.context import follow_url

    return follow_url(case)


def mark_paper(
    signature: Signature,
    *,
    actor: User,
    photo: bytes | images.CleanPhoto,
    version: int | None = None,
    ip: str | None = None,
) -> Signature:
    """The party signed the paper agreement: the assigned mediator marks it, with a photo of
    the signed page (cleaned as every evidence photo: upright, bounded, no location)."""
    case = signature.draft.case
    scope.check_role(actor, case, {scope.ASSIGNED}, PAPER_LABEL)
    cleaned = photo if isinstance(photo, images.CleanPhoto) else images.clean_photo(photo)
    if version is not None:
        case.version = version
    with change(case, actor=actor, name="agreement_paper_signature", ip=ip) as ch:
        row = _locked(signature)
        if row.status == Signature.Status.SIGNED:
            raise AlreadySigned(f"{row.party.name}已在手机上签署，不需要再标记纸质签名。")
        row.status = Signature.Status.PAPER
        row.signed_at = timezone.now()
        row.marked_by = actor
        row.photo_sha256 = cleaned.sha256
        row.photo.save(
            f"{case.pk}-paper-{row.pk}-{cleaned.sha256[:16]}{cleaned.extension}",
            ContentFile(cleaned.data),
            save=False,
        )
        row.save()
        ch.data["signature"] = {
            "id": row.pk,
            "party": row.party.name,
            "status": row.status,
            "photo_sha256": row.photo_sha256,
        }
    signature.refresh_from_db()
    return signature


def _locked(signature: Signature) -> Signature:
    """The signature row, locked; refused when its draft is no longer open."""
    row: Signature = (
        Signature.objects.select_for_update(of=("self",))
        .select_related("draft", "draft__case", "party")
        .get(pk=signature.pk)
    )
    _refuse_closed(row)
    return row


def _refuse_closed(signature: Signature) -> None:
    """Refused when the case has left 调解 or the draft is no longer open."""
    if signature.draft.case.status != Status.MEDIATION:
        raise DraftSuperseded("案件已不在调解阶段，这份协议草稿不能再签署。")
    if signature.draft.status != AgreementDraft.Status.OPEN:
        raise DraftSuperseded(
            "这份协议草稿已作废或已形成正式协议，不能再签署；请查看调解员发来的最新草稿。"
        )


# --- the party: signing on the phone ---------------------------------------------------------


def signatures_of(case: Case, phone: str) -> QuerySet[Signature]:
    """The party's own signatures on `case` (the party whose phone is the session's), drafts
    not superseded, the newest first."""
    return (
        Signature.objects.filter(draft__case=case, party__phone=phone)
        .exclude(draft__status=AgreementDraft.Status.SUPERSEDED)
        .select_related("draft", "draft__case", "party")
        .order_by("-draft_id", "pk")
    )


def signature_for_session(case: Case, pk: int) -> Signature:
    """A signature of the session's case (another case's does not exist for the party)."""
    found: Signature | None = (
        Signature.objects.filter(draft__case=case, pk=pk)
        .select_related("draft", "draft__case", "party")
        .first()
    )
    if found is None:
        raise NotFound("签名不存在。")
    return found


def decode_png(data_url: object) -> bytes:
    """The PNG bytes of a `data:image/png;base64,…` URL, checked to be a real, non-empty PNG
    of at most 200 KB; SignatureRefused with a plain message otherwise."""
    text = str(data_url or "").strip()
    if not text:
        raise SignatureRefused("请先在方框里写下您的签名。", fields={"image": ["没有签名"]})
    if not text.startswith(DATA_URL_PREFIX):
        message = "签名图片格式不对（须为 PNG 图片），请清除后重新签名。"
        raise SignatureRefused(message, fields={"image": [message]})
    try:
        data = base64.b64decode(text[len(DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        message = "签名图片已损坏，请清除后重新签名。"
        raise SignatureRefused(message, fields={"image": [message]}) from None
    if len(data) > MAX_IMAGE_BYTES:
        message = f"签名图片太大（超过 {MAX_IMAGE_BYTES // 1024} KB），请清除后重新签名。"
        raise SignatureRefused(message, fields={"image": [message]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != "PNG":
                raise SignatureRefused(
                    "签名图片格式不对（须为 PNG 图片），请清除后重新签名。",
                    fields={"image": ["不是 PNG 图片"]},
                )
            if max(image.size) > MAX_IMAGE_SIDE:
                raise SignatureRefused(
                    "签名图片尺寸太大，请清除后重新签名。", fields={"image": ["尺寸太大"]}
                )
            image.load()
    except SignatureRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Warning):
        message = "签名图片格式不对（须为 PNG 图片），请清除后重新签名。"
        raise SignatureRefused(message, fields={"image": [message]}) from None
    if not _has_ink(image):
        message = "签名是空白的，请用手指在方框里写下您的名字。"
        raise SignatureRefused(message, fields={"image": [message]})
    return data


def _has_ink(image: Image.Image) -> bool:
    """Whether anything darker than the paper was drawn (a blank canvas is transparent or
    white)."""
    rgba = image.convert("RGBA")
    opaque = rgba.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = rgba.convert("L").point(lambda g: 255 if g < 200 else 0)
    return ImageChops.multiply(opaque, dark).getbbox() is not None


def sign(
    signature: Signature,
    *,
    phone: object,
    sms_code: object,
    image_data_url: object,
    ip: str | None = None,
    user_agent: str = "",
) -> Signature:
    """The party of `signature` signs it: `phone` is the party session's phone and must be
    that party's; the image is checked first, the SMS code (purpose sign) last, so a bad
    drawing does not use up a try. Nothing is saved unless everything holds."""
    number = services.normalize_phone(phone)
    case = signature.draft.case
    if signature.party.phone != number:
        raise NotYourSignature(
            f"这是{signature.party.get_role_display()}{signature.party.name}的签名，"
            "只能由本人用自己的手机签署。"
        )
    _refuse_state(signature)
    data = decode_png(image_data_url)
    services.code_check(
        phone=number, purpose=SmsCode.Purpose.SIGN, code=sms_code, case_code=case.party_code
    )
    digest = hashlib.sha256(data).hexdigest()
    now = timezone.now()
    with transaction.atomic():
        row = _locked(signature)
        _refuse_state(row)
        row.status = Signature.Status.SIGNED
        row.signed_at = now
        row.ip = ip or None
        row.user_agent = str(user_agent or "")[:300]
        row.sha256 = digest
        row.image.save(f"{case.pk}-{row.pk}-{digest[:16]}.png", ContentFile(data), save=False)
        row.save()
        CaseEvent.objects.create(
            case=case,
            actor=None,
            kind=CaseEvent.Kind.ACTION,
            name="agreement_signed",
            from_status=case.status,
            to_status=case.status,
            data={
                "signature": {
                    "id": row.pk,
                    "draft": row.draft_id,
                    "party": row.party.name,
                    "sha256": digest,
                }
            },
            at=now,
            ip=ip or None,
        )
    signature.refresh_from_db()
    return signature


def _refuse_state(signature: Signature) -> None:
    _refuse_closed(signature)
    if signature.status == Signature.Status.SIGNED:
        raise AlreadySigned("您已经签署过这份协议，不需要再签。")
    if signature.status == Signature.Status.PAPER:
        raise AlreadySigned("您已在纸质协议上签名，调解员已登记，不需要再签。")


def request_code(case: Case, phone: str) -> int:
    """The SMS code (purpose sign) for the party of the session, to the session's phone."""
    return services.code_request(
        phone=phone, purpose=SmsCode.Purpose.SIGN, case_code=case.party_code
    )


# --- the draft as a PDF ------------------------------------------------------------------------


def draft_pdf(draft: AgreementDraft) -> bytes:
    """The draft rendered for reading (not an issued document: nothing is stored)."""
    from documents.context import draft_context
    from documents.renderer import render_document

    return render_document("AGR", draft_context(draft)).pdf


def signed_at_text(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""
